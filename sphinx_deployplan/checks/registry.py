"""Every check and rule, in the order runbooks, reports and docs list them."""

from __future__ import annotations

from collections.abc import Iterable

from .quality import QUALITY_CHECKS
from .record import Check
from .rules import budget, drift, environments, flags, probes, sql, traffic

CHECKS: tuple[Check, ...] = QUALITY_CHECKS
RULES: tuple[Check, ...] = (*traffic.RULES, *budget.RULES, *flags.RULES, *sql.RULES,
                            *probes.RULES, *environments.RULES, *drift.RULES)
BY_ID: dict[str, Check] = {record.id: record for record in (*CHECKS, *RULES)}

CHECK_IDS: tuple[str, ...] = tuple(record.id for record in CHECKS)
RULE_IDS: tuple[str, ...] = tuple(record.id for record in RULES)
#: What a waiver may name.
WAIVABLE_IDS: tuple[str, ...] = (*CHECK_IDS, *RULE_IDS)

if len(BY_ID) != len(CHECKS) + len(RULES):  # pragma: no cover - a programming error
    raise RuntimeError("two checks or rules share an id")


def strict_rule_ids(strict: bool | Iterable[str]) -> frozenset[str]:
    """The rules whose unmet result fails the build: all with ``strict`` True, else
    those listed (config ``deployplan_strict_rules``, CLI ``--strict-rules``)."""
    return frozenset(RULE_IDS) if strict is True else frozenset(strict or ())
