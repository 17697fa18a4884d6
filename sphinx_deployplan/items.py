"""The items of a plan, named once: rendering anchors, check evidence and needs agree.

An :class:`ItemRef` says what kind of item it is (the suffix of its need type),
the parts of its anchor after the plan id, how it reads in a sentence and the
source line it was written on.  No Sphinx here.
"""

from __future__ import annotations

from dataclasses import dataclass

from .ids import anchor, need_id, plan_anchor
from .model import Action, Plan, Stage

#: Item kinds, each a need type ``dp<kind>``, with what it is.
ITEM_KINDS: dict[str, str] = {
    "plan": "A deployment plan",
    "env": "An environment of a plan",
    "stage": "A pipeline stage",
    "strategy": "The zero-downtime strategy of a plan",
    "rollback": "The rollback section of a plan (its database note and testing)",
    "trigger": "A rollback trigger",
    "step": "A rollback step",
    "verify": "A rollback verification step",
    "notify": "A communication entry (deploy or rollback)",
    "flag": "A feature flag",
    "health": "A health check",
    "migration": "A database migration",
}


@dataclass(frozen=True)
class ItemRef:
    """A plan item: its need type suffix, its anchor parts and how it reads."""

    kind: str  # a key of ITEM_KINDS
    parts: tuple[str, ...]  # anchor parts after the plan id
    label: str
    line: int | None

    def anchor(self, plan_id: str) -> str:
        """The HTML anchor of the item (a missing section's ref points at the section)."""
        return anchor(plan_id, *self.parts) if self.parts else plan_anchor(plan_id)

    def need_id(self, plan_id: str) -> str:
        """The sphinx-needs id: a missing or empty section is traced to the plan itself."""
        return need_id(plan_id) if self.kind == "plan" else need_id(plan_id, *self.parts)


def plan_ref(plan: Plan, section: str, anchor_part: str | None = None) -> ItemRef:
    return ItemRef("plan", (anchor_part or section,), f"the {section} section",
                   plan.line_of(section))


def env_ref(env) -> ItemRef:
    return ItemRef("env", ("env", env.name), f"environment {env.name!r}", env.line)


def stage_ref(stage: Stage) -> ItemRef:
    return ItemRef("stage", ("stage", stage.id), f"stage {stage.id!r}", stage.line)


def strategy_ref(plan: Plan) -> ItemRef:
    return ItemRef("strategy", ("strategy",), "the strategy", plan.line_of("strategy"))


def rollback_ref(plan: Plan, key: str | None = None) -> ItemRef:
    """The rollback section; ``key`` picks the line (e.g. of its database note)."""
    line = plan.line_of("rollback")
    if plan.rollback and key:
        line = plan.rollback.line_of(key)
    return ItemRef("rollback", ("rollback",), "the rollback section", line)


def trigger_ref(index: int, trigger) -> ItemRef:
    return ItemRef("trigger", ("rollback", "trigger", str(index)),
                   f"rollback trigger {index}", trigger.line)


def action_ref(kind: str, index: int, action: Action) -> ItemRef:
    name = "rollback step" if kind == "step" else "verify step"
    return ItemRef(kind, ("rollback", kind, str(index)), f"{name} {index} {action.do!r}",
                   action.line)


def notice_ref(scenario: str, index: int, notice) -> ItemRef:
    return ItemRef("notify", ("notify", scenario, str(index)),
                   f"{scenario} notice {index} ({notice.who})", notice.line)


def flag_ref(flag) -> ItemRef:
    return ItemRef("flag", ("flag", flag.name), f"flag {flag.name!r}", flag.line)


def health_ref(check) -> ItemRef:
    return ItemRef("health", ("health", check.check), f"health check {check.check!r}",
                   check.line)


def migration_ref(migration) -> ItemRef:
    return ItemRef("migration", ("migration", migration.name),
                   f"migration {migration.name!r}", migration.line)



def plan_items(plan: Plan) -> list[ItemRef]:
    """Every item of the plan, in the order the runbook shows them."""
    items = [ItemRef("plan", (), f"plan {plan.plan!r}", plan.line)]
    items += [env_ref(e) for e in plan.environments or []]
    stages = plan.pipeline.stages if plan.pipeline else None
    items += [stage_ref(s) for s in stages or []]
    if plan.strategy:
        items.append(strategy_ref(plan))
    rollback = plan.rollback
    if rollback:
        items.append(rollback_ref(plan))
        items += [trigger_ref(i, t) for i, t in enumerate(rollback.triggers or [], 1)]
        items += [action_ref("step", i, a) for i, a in enumerate(rollback.steps or [], 1)]
        items += [action_ref("verify", i, a) for i, a in enumerate(rollback.verify or [], 1)]
    comm = plan.communication
    if comm:
        for scenario, notices in (("deploy", comm.deploy), ("rollback", comm.rollback)):
            items += [notice_ref(scenario, i, n) for i, n in enumerate(notices or [], 1)]
    items += [flag_ref(f) for f in plan.feature_flags or []]
    items += [health_ref(c) for c in plan.health_checks or []]
    items += [migration_ref(m) for m in plan.migrations or []]
    return items
