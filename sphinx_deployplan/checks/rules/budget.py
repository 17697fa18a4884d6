"""rollback-budget: the rollback fits in the availability target's error budget."""

from __future__ import annotations

from ...items import strategy_ref
from ...model import Plan
from ..record import Check, Context
from ..results import CheckResult, Finding, met, not_applicable, verdict


def _minutes(seconds: float) -> str:
    return f"{seconds / 60:.1f} min"


def rollback_budget(plan: Plan, context: Context) -> CheckResult:
    avail = plan.inputs.availability if plan.inputs else None
    strategy = plan.strategy
    if not avail or not avail.slo or not avail.window:
        return not_applicable("no availability target (inputs.availability slo and window)")
    if not strategy or not strategy.rollback_time:
        return not_applicable("no rollback speed estimate (strategy.rollback_time)")
    settings = context.settings
    budget = (100 - avail.slo.value) / 100 * avail.window.seconds
    rollback = strategy.rollback_time.seconds
    share = rollback / budget if budget else float("inf")
    arithmetic = (f"error budget = (100% - {avail.slo}) x {avail.window} = "
                  f"{_minutes(budget)}; rollback {strategy.rollback_time} = "
                  f"{share:.1%} of it (limit {settings.rollback_budget_share:.0%})")
    ref = strategy_ref(plan)
    if share > settings.rollback_budget_share:
        return verdict([], [Finding(
            ref, f"one rollback ({strategy.rollback_time}) would spend {share:.1%} of the "
                 f"{_minutes(budget)} error budget, more than "
                 f"{settings.rollback_budget_share:.0%}")], details=[arithmetic])
    return met([ref], details=[arithmetic])


RULES = (
    Check(
        id="rollback-budget",
        kind="rule",
        title="A rollback fits in a share of the SLO's error budget",
        met_when="Applies when the plan gives `inputs.availability.slo`, "
        "`inputs.availability.window` and `strategy.rollback_time`. The error budget is "
        "(100% - slo) x window. Met when one rollback takes no more than "
        "`deployplan_rollback_budget_share` of the budget (default 0.25, that is 25%).",
        example="""\
inputs:
  availability: {slo: 99.95%, window: 30d}
strategy:
  method: rolling
  rollback_time: 5m
""",
        waive_when="Waive it when a slow rollback is accepted for this release, with the "
        "date by which it will be faster.",
        waiver_reason="The database restore path is being replaced next quarter.",
        function=rollback_budget,
    ),
)
