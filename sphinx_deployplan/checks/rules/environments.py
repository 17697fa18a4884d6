"""prod-approval and environment-parity: the last environment is guarded, and the
lower ones carry the configuration production has."""

from __future__ import annotations

from ...graph import depths
from ...items import env_ref, stage_ref
from ...model import Environment, Plan
from ...text import quote
from ..record import Check, Context
from ..results import CheckResult, Finding, ParityEvidence, met, not_applicable, verdict
from ..wording import given, lacks


def promotion_order(plan: Plan) -> list[Environment]:
    """Environments in the order releases reach them: by the pipeline's deploy stages
    (in dependency order), then any environment no stage deploys to, as listed."""
    stages = plan.stages
    depth = depths(stages)
    position = {s.id: i for i, s in enumerate(stages)}
    deploys = sorted((s for s in stages if s.kind == "deploy"),
                     key=lambda s: (depth[s.id], position[s.id]))
    by_name = {e.name: e for e in plan.environments or []}
    order: dict[str, Environment] = {}
    for stage in deploys:
        if stage.environment in by_name:
            order.setdefault(stage.environment, by_name[stage.environment])
    for name, env in by_name.items():
        order.setdefault(name, env)
    return list(order.values())


def prod_approval(plan: Plan, context: Context) -> CheckResult:
    order = promotion_order(plan)
    if not order:
        return not_applicable("the plan has no environments")
    prod = order[-1]
    ref = env_ref(prod)
    approvers = list(prod.access.approve or []) if prod.access else []
    gates = _approval_gates(plan, prod.name)
    if prod.approval == "manual" and (approvers or any(g.approvers for g in gates)):
        return met([ref, *(stage_ref(g) for g in gates)])
    if prod.approval is None:
        why = "has " + lacks(prod, "approval", "approval", "")
    elif prod.approval != "manual":
        why = f"is deployed with approval {quote(prod.approval)}"
    else:
        why = "requires manual approval but names no approvers (access.approve)" \
            + given(prod.access, "approve")
    return verdict([], [Finding(
        ref, f"{quote(prod.name)}, the last environment in the promotion order, {why}; it "
             f"needs manual approval with named approvers")])


def _approval_gates(plan: Plan, env_name: str) -> list:
    """Approval stages upstream of a deploy into ``env_name``."""
    stages = plan.stages
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


#: Keys named in one finding; the rest are counted (the table shows them all).
KEYS_NAMED = 5


def _keys(keys: tuple[str, ...]) -> str:
    named = ", ".join(map(quote, keys[:KEYS_NAMED]))
    return named if len(keys) <= KEYS_NAMED else f"{named} and {len(keys) - KEYS_NAMED} more"


def environment_parity(plan: Plan, context: Context) -> CheckResult:
    order = promotion_order(plan)
    if len(order) < 2 or not order[-1].config:
        return not_applicable("no lower environment, or production has no configuration "
                              "to compare with")
    prod, lower = order[-1], order[:-1]
    keys = tuple(prod.config or {})
    # an environment without config lacks every key: share production's tuple, so the
    # evidence grows with the plan's text, not with environments x keys
    missing = {e.name: tuple(k for k in keys if k not in e.config) if e.config else keys
               for e in lower}
    evidence = ParityEvidence(prod.name, tuple(e.name for e in lower), keys, missing)
    satisfied, failed = [env_ref(prod)], []
    for env in lower:
        if missing[env.name]:
            failed.append(Finding(env_ref(env), f"environment {quote(env.name)} has no "
                                  f"{_keys(missing[env.name])} in its config, which "
                                  f"{quote(prod.name)} has"))
        else:
            satisfied.append(env_ref(env))
    return verdict(satisfied, failed, evidence=evidence)


RULES = (
    Check(
        id="prod-approval",
        kind="rule",
        title="The last environment requires manual approval by named people",
        met_when="The last environment in the promotion order (the environments of the "
        "deploy stages in pipeline order, then the others as listed) has `approval: manual` "
        "and named approvers, in its `access.approve` or in an `approval` stage before its "
        "deploy stage.",
        example="""\
environments:
  - name: staging
    purpose: Pre-production validation
    deploy: Auto on merge to main
    approval: automatic
  - name: production
    purpose: Live traffic
    deploy: Promotion from staging
    approval: manual
    access: {deploy: [release-managers], approve: [sre-oncall]}
""",
        waive_when="Waive it for a service whose production deploys are automatic by "
        "policy (continuous deployment behind strong automated gates).",
        waiver_reason="Continuous deployment: promotion is gated on the canary analysis.",
        function=prod_approval,
    ),
    Check(
        id="environment-parity",
        kind="rule",
        title="Lower environments carry every configuration key production has",
        met_when="Applies when there are at least two environments and the last one in the "
        "promotion order has a `config`. Met when every other environment has every "
        "`config` key the last one has (the values may differ). The environment matrix of "
        "the runbook shows the keys each environment lacks.",
        example="""\
environments:
  - name: staging
    purpose: Pre-production validation
    deploy: Auto on merge to main
    approval: automatic
    config: {api: https://api.staging.example.com, database: orders-staging}
  - name: production
    purpose: Live traffic
    deploy: Promotion from staging
    approval: manual
    config: {api: https://api.example.com, database: orders-production}
""",
        waive_when="Waive it for a key that only production can have (a payment "
        "provider's live account), until a sandbox exists.",
        waiver_reason="The live payment account has no sandbox until the provider's "
        "migration.",
        function=environment_parity,
    ),
)
