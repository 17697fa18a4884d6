"""prod-approval and environment-parity: the last environment is guarded, and the
lower ones carry the configuration production has."""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass

from ..checks import CheckResult, Finding
from ..items import env_ref, stage_ref
from ..model import Environment, Plan
from . import Rule, RuleSettings


def promotion_order(plan: Plan) -> list[Environment]:
    """Environments in the order releases reach them: by the pipeline's deploy stages
    (in dependency order), then any environment no stage deploys to, as listed."""
    envs = plan.environments or []
    stages = plan.pipeline.stages if plan.pipeline and plan.pipeline.stages else []
    by_id = {s.id: s for s in stages}
    done: dict[str, int] = {}

    def depth(stage_id: str, seen: frozenset[str] = frozenset()) -> int:
        if stage_id not in done:
            ups = [u for u in by_id[stage_id].needs or [] if u in by_id and u not in seen]
            done[stage_id] = 1 + max((depth(u, seen | {stage_id}) for u in ups), default=0)
        return done[stage_id]

    deploys = sorted((s for s in stages if s.kind == "deploy"),
                     key=lambda s: (depth(s.id), stages.index(s)))
    order: list[Environment] = []
    for stage in deploys:
        env = plan.environment(stage.environment or "")
        if env is not None and env not in order:
            order.append(env)
    order += [e for e in envs if e not in order]
    return order


def prod_approval(plan: Plan, today: _dt.date, settings: RuleSettings) -> CheckResult:
    rule = "prod-approval"
    order = promotion_order(plan)
    if not order:
        return CheckResult(rule, "n/a", note="the plan has no environments")
    prod = order[-1]
    ref = env_ref(prod)
    approvers = list(prod.access.approve or []) if prod.access else []
    gates = _approval_gates(plan, prod.name)
    if prod.approval == "manual" and (approvers or any(g.approvers for g in gates)):
        return CheckResult(rule, "met", satisfied_by=[ref, *(stage_ref(g) for g in gates)])
    if prod.approval != "manual":
        why = f"is deployed with approval {prod.approval!r}"
    else:
        why = "requires manual approval but names no approvers (access.approve)"
    return CheckResult(rule, "unmet", failed_by=[Finding(
        ref, f"{prod.name!r}, the last environment in the promotion order, {why}; it needs "
             f"manual approval with named approvers")])


def _approval_gates(plan: Plan, env_name: str) -> list:
    """Approval stages upstream of a deploy into ``env_name``."""
    stages = plan.pipeline.stages if plan.pipeline and plan.pipeline.stages else []
    by_id = {s.id: s for s in stages}
    found, seen = [], set()
    todo = [u for s in stages if s.kind == "deploy" and s.environment == env_name
            for u in s.needs or []]
    while todo:
        stage = by_id.get(todo.pop())
        if stage is None or stage.id in seen:
            continue
        seen.add(stage.id)
        if stage.kind == "approval":
            found.append(stage)
        elif stage.kind != "deploy":
            todo.extend(stage.needs or [])
    return found


@dataclass(frozen=True)
class Drift:
    """Production's configuration keys against every lower environment."""

    production: str
    environments: tuple[str, ...]  # lower environments, in promotion order
    keys: tuple[str, ...]  # production's keys
    missing: dict[str, tuple[str, ...]]  # environment -> keys it lacks


def environment_parity(plan: Plan, today: _dt.date, settings: RuleSettings) -> CheckResult:
    rule = "environment-parity"
    order = promotion_order(plan)
    if len(order) < 2 or not order[-1].config:
        return CheckResult(rule, "n/a", note="no lower environment, or production has no "
                                             "configuration to compare with")
    prod, lower = order[-1], order[:-1]
    keys = tuple(prod.config or {})
    missing = {e.name: tuple(k for k in keys if k not in (e.config or {})) for e in lower}
    drift = Drift(prod.name, tuple(e.name for e in lower), keys, missing)
    satisfied, failed = [env_ref(prod)], []
    for env in lower:
        if missing[env.name]:
            failed.append(Finding(env_ref(env), f"environment {env.name!r} has no "
                                  f"{', '.join(missing[env.name])} in its config, which "
                                  f"{prod.name!r} has"))
        else:
            satisfied.append(env_ref(env))
    return CheckResult(rule, "unmet" if failed else "met", satisfied, failed, data=drift)


RULES = (
    Rule("prod-approval", "The last environment requires manual approval by named people",
         prod_approval),
    Rule("environment-parity", "Lower environments carry every configuration key "
         "production has", environment_parity),
)
