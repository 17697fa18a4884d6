"""Release-engineering rules: the checks an experienced release engineer would add.

The seed's eight checks say a section exists; these rules say it is sound.  Each
rule is a pure function from a plan (and the settings below) to a
:class:`~sphinx_deployplan.checks.CheckResult` with evidence, like a check, but
reported with severity *warning* unless ``deployplan_strict_rules`` raises it.
No Sphinx here: the CLI runs the same rules.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable
from dataclasses import dataclass

from ..checks import CheckResult
from ..model import RULE_IDS, Plan


@dataclass(frozen=True)
class RuleSettings:
    """What a site may tune (Sphinx config ``deployplan_rollback_budget_share`` and
    ``deployplan_sql_dialect``, or CLI options)."""

    rollback_budget_share: float = 0.25  # of the SLO's error budget
    sql_dialect: str = "postgres"


@dataclass(frozen=True)
class Rule:
    id: str
    title: str  # one line: what sound looks like
    check: Callable[[Plan, _dt.date, RuleSettings], CheckResult]


def _registry() -> dict[str, Rule]:
    from . import budget, environments, flags, probes, sql, traffic

    rules = [*traffic.RULES, *budget.RULES, *flags.RULES, *sql.RULES, *probes.RULES,
             *environments.RULES]
    by_id = {rule.id: rule for rule in rules}
    assert tuple(by_id) == RULE_IDS, "the rule registry and RULE_IDS disagree"
    return by_id


RULES: dict[str, Rule] = {}


def rules() -> dict[str, Rule]:
    if not RULES:
        RULES.update(_registry())
    return RULES


def run_rules(plan: Plan, today: _dt.date, settings: RuleSettings) -> list[CheckResult]:
    return [rule.check(plan, today, settings) for rule in rules().values()]


def rule_title(rule_id: str) -> str:
    return rules()[rule_id].title
