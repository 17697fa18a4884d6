"""canary-steps and promotion-gates: traffic moves up in safe, gated steps."""

from __future__ import annotations

import datetime as _dt

from ..checks import CheckResult, Finding
from ..items import strategy_ref
from ..model import Plan
from . import Rule, RuleSettings


def canary_steps(plan: Plan, today: _dt.date, settings: RuleSettings) -> CheckResult:
    rule = "canary-steps"
    strategy = plan.strategy
    if not strategy or strategy.method not in ("canary", "feature-flag") or not strategy.steps:
        return CheckResult(rule, "n/a", note="the plan has no canary or feature-flag traffic "
                                             "steps")
    ref = strategy_ref(plan)
    gaps: list[str] = []
    previous = None
    for index, step in enumerate(strategy.steps, 1):
        value = step.traffic.value
        if previous is not None and value <= previous:
            gaps.append(f"step {index} ({step.traffic}) does not raise traffic above step "
                        f"{index - 1} ({previous:g}%)")
        if value < 100 and not step.hold and not strategy.promote_when:
            gaps.append(f"step {index} ({step.traffic}) has neither a hold nor a promotion "
                        f"gate")
        previous = value
    if strategy.steps[-1].traffic.value != 100:
        gaps.append(f"the last step sends {strategy.steps[-1].traffic}, not 100%, of traffic")
    if gaps:
        return CheckResult(rule, "unmet", failed_by=[Finding(ref, "; ".join(gaps))])
    return CheckResult(rule, "met", satisfied_by=[ref])


def promotion_gates(plan: Plan, today: _dt.date, settings: RuleSettings) -> CheckResult:
    rule = "promotion-gates"
    strategy = plan.strategy
    if not strategy or strategy.method not in ("canary", "blue-green"):
        return CheckResult(rule, "n/a", note="only canary and blue-green plans promote on "
                                             "metrics")
    ref = strategy_ref(plan)
    if not strategy.promote_when:
        return CheckResult(rule, "unmet", failed_by=[Finding(
            ref, f"a {strategy.method} plan promotes without metric gates (promote_when)")])
    gaps = [f"gate {i} ({gate.metric}) has no window" for i, gate
            in enumerate(strategy.promote_when, 1) if not gate.window]
    if gaps:
        return CheckResult(rule, "unmet", failed_by=[Finding(ref, "; ".join(gaps))])
    return CheckResult(rule, "met", satisfied_by=[ref])


RULES = (
    Rule("canary-steps", "Canary traffic rises strictly to 100%, each step held or gated",
         canary_steps),
    Rule("promotion-gates", "Canary and blue-green promotion is gated on metric, threshold "
         "and window", promotion_gates),
)
