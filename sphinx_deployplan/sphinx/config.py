"""Configuration values of the extension: one table, used by setup() and the docs."""

from __future__ import annotations

import datetime as _dt
import os
from dataclasses import dataclass
from typing import Any

from sphinx.errors import ConfigError

from .. import members
from ..checks import resolve_today
from ..export import EXPORTERS
from ..loader import DEFAULT_LIMITS, Limits
from ..model import RULE_IDS
from ..rules import RuleSettings


@dataclass(frozen=True)
class ConfigValue:
    name: str
    default: Any
    rebuild: str  # "env": changing it re-reads every document
    types: tuple[type, ...]
    doc: str


CONFIG_VALUES: tuple[ConfigValue, ...] = (
    ConfigValue("deployplan_fail_on_unmet", True, "", (bool,),
                "When true, a build in which any quality check is unmet exits with a "
                "non-zero status (even without ``-W``) and ends with a summary of the plans "
                "and their unmet checks.  When false, unmet checks are warnings only.  "
                "Either way each unmet check is a ``deployplan.check`` warning."),
    ConfigValue("deployplan_needs", True, "env", (bool,),
                "Trace plans with sphinx-needs: every plan item and every (plan, check) "
                "pair becomes a (hidden) need, in ``needs.json`` and usable in your own "
                "``needtable`` filters.  False turns traceability off."),
    ConfigValue("deployplan_today", None, "env", (str, type(None)),
                "The date (ISO ``YYYY-MM-DD``) the checks treat as today: waiver expiry "
                "and flag ages.  Unset: ``SOURCE_DATE_EPOCH`` if set, else the build date."),
    ConfigValue("deployplan_strict_rules", False, "", (bool, list, tuple),
                "The release-engineering rules are warnings by default.  True makes every "
                "unmet rule fail the build like an unmet check (with "
                "``deployplan_fail_on_unmet``); a list of rule ids makes only those fail."),
    ConfigValue("deployplan_rollback_budget_share", 0.25, "env", (float, int),
                "The share of the SLO's error budget one rollback may spend before the "
                "``rollback-budget`` rule warns (0.25 = 25%)."),
    ConfigValue("deployplan_sql_dialect", "postgres", "env", (str,),
                "The SQL dialect the ``destructive-sql`` rule parses migrations in, unless a "
                "migration names its own ``dialect``."),
    ConfigValue("deployplan_exports", None, "env", (list, tuple, type(None)),
                "The export formats each HTML plan page offers as downloads (written to "
                "``_deployplan/<plan id>/`` in the output).  None (the default) offers all; "
                "``[]`` offers none."),
    ConfigValue("deployplan_fast_exit", True, "", (bool,),
                "When true, ``sphinx-build`` leaves its memory to the operating system "
                "when it exits instead of having Python free it object by object (the "
                "handler calls ``gc.freeze()`` at exit).  That saves seconds on a large "
                "site: more than a second of a one-plan rebuild of 200 plans.  Set it to "
                "false if another extension needs the ``__del__`` methods of objects left "
                "at exit to run, which Python does not promise anyway."),
    ConfigValue("deployplan_max_bytes", DEFAULT_LIMITS.max_bytes, "env", (int,),
                "Largest plan (YAML text, in bytes) the loader reads; larger plans are "
                "refused with a ``deployplan.yaml`` warning."),
    ConfigValue("deployplan_max_values", DEFAULT_LIMITS.max_values, "env", (int,),
                "Most values one plan may hold, counting each expansion of a YAML alias, "
                "so that an alias bomb is refused instead of exhausting memory."),
    ConfigValue("deployplan_portal_max_bytes", members.DEFAULT_MAX_BYTES, "", (int,),
                "Largest portal member ``needs.json`` (in bytes) a portal reads; a larger "
                "one is left out with a ``deployplan.portal`` warning.  The default is "
                "about 1,000 plans."),
)


def build_today(config: Any) -> _dt.date:
    """The build's "today" (validated at config-inited, so this does not fail)."""
    return resolve_today(config.deployplan_today, os.environ)


def rule_settings(config: Any) -> RuleSettings:
    return RuleSettings(rollback_budget_share=float(config.deployplan_rollback_budget_share),
                        sql_dialect=config.deployplan_sql_dialect)


def validate(app: Any, config: Any) -> None:
    """``config-inited``: refuse bad values clearly, before any document is read."""
    try:
        resolve_today(config.deployplan_today, os.environ)
    except ValueError as exc:
        if not config.deployplan_today:  # the date came from SOURCE_DATE_EPOCH
            raise ConfigError(str(exc)) from None
        raise ConfigError(f"deployplan_today must be an ISO date (YYYY-MM-DD), got "
                          f"{config.deployplan_today!r}: {exc}") from None
    unknown_exports = sorted(set(config.deployplan_exports or ()) - set(EXPORTERS))
    if unknown_exports:
        raise ConfigError(f"deployplan_exports names unknown formats {unknown_exports}; the "
                          f"formats are {', '.join(EXPORTERS)}")
    strict = config.deployplan_strict_rules
    if not isinstance(strict, bool):
        unknown = sorted(set(strict) - set(RULE_IDS))
        if unknown:
            raise ConfigError(f"deployplan_strict_rules names unknown rules {unknown}; the "
                              f"rules are {', '.join(RULE_IDS)}")


def limits(config: Any) -> Limits:
    return Limits(max_bytes=config.deployplan_max_bytes,
                  max_values=config.deployplan_max_values,
                  max_depth=DEFAULT_LIMITS.max_depth)
