"""canary-steps and promotion-gates: traffic moves up in safe, gated steps."""

from __future__ import annotations

from ...items import strategy_ref
from ...model import Plan
from ...text import quote
from ..record import Check, Context
from ..results import CheckResult, Finding, met, not_applicable, verdict
from ..wording import complete, given


def canary_steps(plan: Plan, context: Context) -> CheckResult:
    strategy = plan.strategy
    steps = complete(strategy.steps) if strategy else []
    if not strategy or strategy.method not in ("canary", "feature-flag") or not steps:
        return not_applicable("the plan has no canary or feature-flag traffic steps")
    ref = strategy_ref(plan)
    gates = complete(strategy.promote_when)
    gaps: list[str] = []
    previous = None
    for index, step in enumerate(steps, 1):
        value = step.traffic.value
        if previous is not None and value <= previous:
            gaps.append(f"step {index} ({step.traffic}) does not raise traffic above step "
                        f"{index - 1} ({previous:g}%)")
        if value < 100 and not step.hold and not gates:
            gaps.append(f"step {index} ({step.traffic}) has neither a hold nor a promotion "
                        f"gate")
        previous = value
    if steps[-1].traffic.value != 100:
        gaps.append(f"the last step sends {steps[-1].traffic}, not 100%, of traffic")
    if gaps:
        return verdict([], [Finding(ref, "; ".join(gaps))])
    return met([ref])


def promotion_gates(plan: Plan, context: Context) -> CheckResult:
    strategy = plan.strategy
    if not strategy or strategy.method not in ("canary", "blue-green"):
        return not_applicable("only canary and blue-green plans promote on metrics")
    ref = strategy_ref(plan)
    gates = complete(strategy.promote_when)
    if not gates:
        return verdict([], [Finding(ref, f"a {strategy.method} plan promotes without metric "
                                    f"gates (promote_when)"
                                    + given(strategy, "promote_when"))])
    gaps = [f"gate {quote(gate.metric)} has no window" for gate in gates if not gate.window]
    if gaps:
        return verdict([], [Finding(ref, "; ".join(gaps))])
    return met([ref])


RULES = (
    Check(
        id="canary-steps",
        kind="rule",
        title="Canary traffic rises strictly to 100%, each step held or gated",
        met_when="Applies to `canary` and `feature-flag` plans with traffic `steps`. Met "
        "when each step sends more traffic than the step before, every step below 100% has "
        "a `hold` (or the strategy has `promote_when` gates), and the last step sends 100%.",
        example="""\
strategy:
  method: canary
  rollback_time: 2m
  steps:
    - {traffic: 5%, hold: 15m}
    - {traffic: 25%, hold: 30m}
    - {traffic: 100%}
""",
        waive_when="Waive it for a release that deliberately stops below 100% (a long-lived "
        "partial rollout), until the date it completes.",
        waiver_reason="The last step stays at 50% until the capacity test is done.",
        function=canary_steps,
    ),
    Check(
        id="promotion-gates",
        kind="rule",
        title="Canary and blue-green promotion is gated on metric, threshold and window",
        met_when="Applies to `canary` and `blue-green` plans. Met when "
        "`strategy.promote_when` lists at least one gate and every gate has a `window`.",
        example="""\
strategy:
  method: blue-green
  rollback_time: 1m
  promote_when:
    - {metric: http_5xx_ratio, threshold: "< 0.5%", window: 10m}
""",
        waive_when="Waive it for a service that has no metrics to gate on yet, with the "
        "date its metrics land.",
        waiver_reason="Request metrics are exported from the next release on.",
        function=promotion_gates,
    ),
)
