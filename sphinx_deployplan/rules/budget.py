"""rollback-budget: the rollback fits in the availability target's error budget."""

from __future__ import annotations

import datetime as _dt

from ..checks import CheckResult, Finding
from ..items import strategy_ref
from ..model import Plan
from . import Rule, RuleSettings


def _minutes(seconds: float) -> str:
    return f"{seconds / 60:.1f} min"


def rollback_budget(plan: Plan, today: _dt.date, settings: RuleSettings) -> CheckResult:
    rule = "rollback-budget"
    avail = plan.inputs.availability if plan.inputs else None
    strategy = plan.strategy
    if not avail or not avail.slo or not avail.window:
        return CheckResult(rule, "n/a", note="no availability target (inputs.availability "
                                             "slo and window)")
    if not strategy or not strategy.rollback_time:
        return CheckResult(rule, "n/a", note="no rollback speed estimate "
                                             "(strategy.rollback_time)")
    budget = (100 - avail.slo.value) / 100 * avail.window.seconds
    rollback = strategy.rollback_time.seconds
    share = rollback / budget if budget else float("inf")
    arithmetic = (f"error budget = (100% - {avail.slo}) x {avail.window} = "
                  f"{_minutes(budget)}; rollback {strategy.rollback_time} = "
                  f"{share:.1%} of it (limit {settings.rollback_budget_share:.0%})")
    ref = strategy_ref(plan)
    if share > settings.rollback_budget_share:
        return CheckResult(rule, "unmet", details=[arithmetic], failed_by=[Finding(
            ref, f"one rollback ({strategy.rollback_time}) would spend {share:.1%} of the "
                 f"{_minutes(budget)} error budget, more than "
                 f"{settings.rollback_budget_share:.0%}")])
    return CheckResult(rule, "met", satisfied_by=[ref], details=[arithmetic])


RULES = (Rule("rollback-budget", "A rollback fits in a share of the SLO's error budget",
              rollback_budget),)
