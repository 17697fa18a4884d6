"""The extension's configuration, declared once as a typed, validated dataclass.

Each field of :class:`DeployPlanConfig` is a ``deployplan_<field>`` value of
``conf.py``: its default, when changing it re-reads the documents, its
documentation and its validator live on the field.  ``setup()`` registers the
values from the fields; at ``config-inited`` every value is validated (a wrong one
is a :class:`~sphinx.errors.ConfigError` naming the option, the value and what
it may be) and the typed settings are kept for the build: the rest of the
extension reads :func:`settings`, never ``app.config.deployplan_*``.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import os
import typing
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.errors import ConfigError

from .. import members
from ..checks import RULE_IDS, Gate, RuleSettings, resolve_today, strict_rule_ids
from ..export import EXPORTERS
from ..loader import DEFAULT_LIMITS, Limits
from ..model import SqlDialect
from ..text import quote, suggest

PREFIX = "deployplan_"


class Invalid(ValueError):
    """A config value that does not fit; the message says what it may be."""


def _bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise Invalid("must be True or False")
    return value


def _positive_int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise Invalid("must be a whole number of at least 1")
    return value


def _share(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value <= 1:
        raise Invalid("must be a number above 0 and at most 1 (0.25 is 25%)")
    return float(value)


def _names(allowed: tuple[str, ...], what: str) -> Callable[[Any], tuple[str, ...]]:
    def check(value: Any) -> tuple[str, ...]:
        if isinstance(value, str) or not isinstance(value, list | tuple | set | frozenset):
            raise Invalid(f"must be a list of {what}")
        for name in value:
            if name not in allowed:
                raise Invalid(f"names {quote(name)}, which is not one of the {what} "
                              f"({', '.join(allowed)}){suggest(str(name), allowed)}")
        return tuple(value)
    return check


def _one_of(allowed: tuple[str, ...], what: str) -> Callable[[Any], str]:
    def check(value: Any) -> str:
        if value not in allowed:
            raise Invalid(f"must be one of the {what} {', '.join(allowed)}"
                          f"{suggest(str(value), allowed)}")
        return value
    return check


def _date(value: Any) -> _dt.date | None:
    if value is None or isinstance(value, _dt.date):
        return value
    try:
        return _dt.date.fromisoformat(str(value))
    except ValueError:
        raise Invalid("must be a date as YYYY-MM-DD (or None for the build date)") from None


def _folder(value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str | os.PathLike) or not os.fspath(value).strip():
        raise Invalid("must be a folder (a path, relative to the folder of conf.py), or None")
    return os.fspath(value)


def sources_dir(configured: str | None, confdir: str | os.PathLike, srcdir: str | os.PathLike,
                ) -> str:
    """The sources root: the configured folder (relative to ``conf.py``'s folder), else
    the nearest folder from the source directory upwards that holds ``.git``, else the
    source directory.  Raises Invalid for a configured folder that does not exist."""
    from ..sources import find_sources_root

    if configured is None:
        return str(find_sources_root(os.fspath(srcdir)))
    folder = os.path.realpath(os.path.join(confdir, configured))
    if not os.path.isdir(folder):
        raise Invalid(f"names {folder}, which is not a folder")
    return folder


def _strict(value: Any) -> frozenset[str]:
    if isinstance(value, bool):
        return strict_rule_ids(value)
    return frozenset(_names(RULE_IDS, "rules")(value))


def _exports(value: Any) -> tuple[str, ...]:
    return tuple(EXPORTERS) if value is None else _names(tuple(EXPORTERS), "export formats")(value)


def option(default: Any, doc: str, check: Callable[[Any], Any], *, rebuild: str = "env",
           types: tuple[type, ...] = ()) -> Any:
    """A config value: its ``conf.py`` default, its documentation, the function that
    validates and converts it, and what changing it rebuilds ("env": every document
    is read again; "": only the output)."""
    return field(metadata={"default": default, "doc": doc, "check": check,
                           "rebuild": rebuild, "types": types or (type(default),)})


@dataclass(frozen=True)
class DeployPlanConfig:
    """Every ``deployplan_*`` value, validated."""

    fail_on_unmet: bool = option(
        True, "When true, a build in which any quality check is unmet, or any plan cannot "
        "be read, exits with a non-zero status (even without ``-W``) and ends with a summary "
        "of those plans and why.  When false, they are warnings only.  Either way each unmet "
        "check is a ``deployplan.check`` warning and each problem of an unreadable plan a "
        "warning of its own subtype.", _bool, rebuild="")
    needs: bool = option(
        True, "Trace plans with sphinx-needs: every plan item and every (plan, check) pair "
        "becomes a (hidden) need, in ``needs.json`` and usable in your own ``needtable`` "
        "filters.  False turns traceability off.", _bool)
    today: _dt.date | None = option(
        None, "The date (ISO ``YYYY-MM-DD``) the checks treat as today: waiver expiry and "
        "flag ages.  Unset: ``SOURCE_DATE_EPOCH`` if set, else the build date.", _date,
        types=(str, _dt.date, type(None)))
    strict_rules: frozenset[str] = option(
        False, "The release-engineering rules are warnings by default.  True makes every "
        "unmet rule fail the build like an unmet check (with ``deployplan_fail_on_unmet``); "
        "a list of rule ids makes only those fail.", _strict, rebuild="",
        types=(bool, list, tuple))
    rollback_budget_share: float = option(
        RuleSettings.rollback_budget_share, "The share of the SLO's error budget one "
        "rollback may spend before the ``rollback-budget`` rule warns (0.25 = 25%).",
        _share, types=(float, int))
    sql_dialect: str = option(
        RuleSettings.sql_dialect, "The SQL dialect the SQL rules (``destructive-sql``, "
        "``blocking-ddl``) parse migrations in, unless a migration names its own "
        "``dialect``.  PostgreSQL is read with pglast (``pip install "
        "sphinx-deployplan[postgres]``) when it is installed, else with sqlglot.",
        _one_of(typing.get_args(SqlDialect), "SQL dialects"))
    exports: tuple[str, ...] = option(
        None, "The export formats each HTML plan page offers as downloads (written to "
        "``_deployplan/<plan id>/`` in the output).  None (the default) offers all; ``[]`` "
        "offers none.", _exports, types=(list, tuple, type(None)))
    fast_exit: bool = option(
        True, "When true, ``sphinx-build`` leaves its memory to the operating system when "
        "it exits instead of having Python free it object by object (the handler calls "
        "``gc.freeze()`` at exit).  That saves seconds on a large site: more than a second "
        "of a one-plan rebuild of 200 plans.  Set it to false if another extension needs "
        "the ``__del__`` methods of objects left at exit to run, which Python does not "
        "promise anyway.", _bool, rebuild="")
    fail_on_drift: bool = option(
        True, "When true, a build in which a plan disagrees with a deploy file it names "
        "(rule ``source-drift``, warnings ``deployplan.drift``) exits with a non-zero status, "
        "even without ``-W`` and whatever ``deployplan_fail_on_unmet`` says.  When false, "
        "drift is a warning only.", _bool, rebuild="")
    sources_root: str | None = option(
        None, "The folder that the paths under a plan's ``sources`` (and its migrations' "
        "``up_file`` and ``down_file``) are relative to, itself relative to the folder of "
        "``conf.py``.  Unset: the nearest folder from the source directory upwards that "
        "holds ``.git`` (the repository's root), else the source directory.  A path that "
        "leaves it is refused.", _folder, types=(str, os.PathLike, type(None)))
    max_bytes: int = option(
        DEFAULT_LIMITS.max_bytes, "Largest plan (YAML text, in bytes) the loader reads; "
        "larger plans are refused with a ``deployplan.yaml`` warning.", _positive_int)
    max_values: int = option(
        DEFAULT_LIMITS.max_values, "Most values one plan may hold, counting each expansion "
        "of a YAML alias, so that an alias bomb is refused instead of exhausting memory.",
        _positive_int)
    portal_max_bytes: int = option(
        members.DEFAULT_MAX_BYTES, "Largest portal member ``needs.json`` (in bytes) a "
        "portal reads; a larger one is left out with a ``deployplan.portal`` warning.  The "
        "default is about 1,000 plans.", _positive_int, rebuild="")

    # Derived once per build, not conf.py values.
    build_today: _dt.date = field(default=_dt.date.min, metadata={"derived": True})
    sources_dir: str = field(default="", metadata={"derived": True})  # the sources root

    @property
    def rule_settings(self) -> RuleSettings:
        return RuleSettings(rollback_budget_share=self.rollback_budget_share,
                            sql_dialect=self.sql_dialect)

    @property
    def gate(self) -> Gate:
        """What fails the build (also what ``deployplan check`` decides)."""
        return Gate(self.fail_on_unmet, self.strict_rules, self.fail_on_drift)

    @property
    def limits(self) -> Limits:
        return Limits(max_bytes=self.max_bytes, max_values=self.max_values,
                      max_depth=DEFAULT_LIMITS.max_depth)


def options() -> list[dataclasses.Field]:
    """The fields that are ``conf.py`` values, in order."""
    return [f for f in dataclasses.fields(DeployPlanConfig) if not f.metadata.get("derived")]


def register_options(app: Sphinx) -> None:
    """Declare every value to Sphinx (from ``setup()``)."""
    for f in options():
        meta = f.metadata
        app.add_config_value(PREFIX + f.name, meta["default"], meta["rebuild"],
                             types=meta["types"], description=meta["doc"])


def validate(app: Sphinx, config: Config) -> None:
    """``config-inited``: validate every value and keep the typed settings, so a wrong
    value stops the build before any document is read."""
    values: dict[str, Any] = {}
    for f in options():
        name = PREFIX + f.name
        raw = config[name]
        try:
            values[f.name] = f.metadata["check"](raw)
        except Invalid as exc:
            where = os.path.join(app.confdir, "conf.py")
            raise ConfigError(f"{where}: {name} = {raw!r}: {exc}") from None
    try:
        values["sources_dir"] = sources_dir(values["sources_root"], app.confdir, app.srcdir)
    except Invalid as exc:
        raise ConfigError(f"{os.path.join(app.confdir, 'conf.py')}: {PREFIX}sources_root = "
                          f"{config[PREFIX + 'sources_root']!r}: {exc}") from None
    try:
        values["build_today"] = resolve_today(values["today"], os.environ)
    except ValueError as exc:  # says what SOURCE_DATE_EPOCH is and must be
        raise ConfigError(str(exc)) from None
    config._deployplan = DeployPlanConfig(**values)


def settings(config: Config) -> DeployPlanConfig:
    """The validated settings of this build."""
    return config._deployplan
