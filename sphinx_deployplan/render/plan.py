"""Plan -> docutils nodes, in the seed's Output Format.

Each part is a section (in the TOC, with a stable anchor).  Rendering shows
what the plan says; it computes no check results (those come from
:mod:`sphinx_deployplan.checks` and are only displayed here).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from docutils import nodes

from ..checks import ParityEvidence, PlanResults
from ..ids import anchor, plan_anchor
from ..model import Action, Plan
from . import diagram
from .builders import (
    ARROW,
    DASH,
    bullets,
    code,
    command_block,
    emphasis,
    field_list,
    join,
    link_or_text,
    notice,
    para,
    section,
    strong,
    table,
    yes_no,
)
from .checks import render_checks, render_drift
from .nodes import checkbox, pipeline_diagram

METHOD_NAMES = {"blue-green": "Blue-green", "rolling": "Rolling update", "canary": "Canary",
                "feature-flag": "Feature flag"}
APPROVAL_NAMES = {"none": "None", "automatic": "Automatic", "manual": "Manual"}


@dataclass(frozen=True)
class Part:
    key: str
    title: str
    render: Callable[[Plan], list[nodes.Node]]


def _unplanned(plan: Plan, key: str) -> list[nodes.Node]:
    return [notice(f"Not planned: plan {plan.plan!r} has no {key} section.")]


# --- inputs --------------------------------------------------------------------------------------


def render_inputs(plan: Plan) -> list[nodes.Node]:
    inputs = plan.inputs
    infra = inputs.infrastructure if inputs else None
    avail = inputs.availability if inputs else None
    slo = None
    if avail and avail.slo:
        slo = f"{avail.slo}" + (f" over {avail.window}" if avail.window else "")
    return [field_list([
        ("Service", plan.service),
        ("Owner", plan.owner),
        ("Hosting", infra.hosting if infra else None),
        ("Orchestration", infra.orchestration if infra else None),
        ("CI/CD", infra.ci_cd if infra else None),
        ("Existing process", inputs.existing_process if inputs else None),
        ("Availability target", slo),
        ("Maintenance window", avail.maintenance_window if avail else None),
    ])]


# --- environments (step 1) -----------------------------------------------------------------------


def render_environments(plan: Plan) -> list[nodes.Node]:
    envs = plan.environments
    if envs is None:
        return _unplanned(plan, "environments")
    if not envs:
        return [para("No environments are listed.")]
    ids = [anchor(plan.plan, "env", e.name) for e in envs]
    matrix = table(
        ["Environment", "Purpose", "URL", "Deploy Method", "Approval"],
        [[code(e.name), e.purpose, link_or_text(e.url), e.deploy,
          APPROVAL_NAMES.get(e.approval, e.approval)] for e in envs],
        classes=["deployplan-environments"], row_ids=ids,
    )

    def config(env) -> nodes.Node | str:
        if not env.config:
            return DASH
        return bullets([para(f"{k}: ", code(v)) for k, v in env.config.items()])

    details = table(
        ["Environment", "Configuration", "Who deploys", "Who approves", "Parity"],
        [[code(e.name), config(e),
          join(e.access.deploy if e.access else None),
          join(e.access.approve if e.access else None),
          e.parity] for e in envs],
        classes=["deployplan-environment-details"],
    )
    return [matrix, para(strong("Configuration, access and parity")), details]


# --- pipeline (step 2) ---------------------------------------------------------------------------


def render_pipeline(plan: Plan) -> list[nodes.Node]:
    pipeline = plan.pipeline
    if pipeline is None:
        return _unplanned(plan, "pipeline")
    stages = pipeline.stages or []
    out: list[nodes.Node] = []
    if stages:
        text = diagram.text(stages)
        out.append(pipeline_diagram(svg=diagram.svg(plan.plan, stages, text), text=text))

        def what(stage) -> str:
            if stage.kind == "deploy":
                return f"to {stage.environment}"
            if stage.kind == "approval":
                return "approved by " + join(stage.approvers)
            parts = join(stage.does, empty="")
            if stage.kind in ("test", "verify"):
                mode = "automated" if stage.automated else "manual"
                return f"{parts} ({mode})" if parts else mode
            return parts or DASH

        out.append(table(
            ["Stage", "Kind", "Needs", "What"],
            [[code(s.id), s.kind, join(s.needs, empty="commit"), what(s)] for s in stages],
            classes=["deployplan-stages"],
            row_ids=[anchor(plan.plan, "stage", s.id) for s in stages],
        ))
    else:
        out.append(para("No stages are listed."))
    arts = pipeline.artifacts
    if arts:
        out.append(para(strong("Artifact management")))
        out.append(field_list([("Tagging", arts.tagging), ("Retention", arts.retention),
                               ("Registry", code(arts.registry) if arts.registry else None)]))
    return out


# --- strategy (step 3) ---------------------------------------------------------------------------


def render_strategy(plan: Plan) -> list[nodes.Node]:
    strategy = plan.strategy
    if strategy is None:
        return _unplanned(plan, "strategy")
    method = METHOD_NAMES.get(strategy.method or "", strategy.method or "not set")
    out: list[nodes.Node] = [field_list([
        ("Method", strong(method)),
        ("Why", strategy.why),
        ("Rollback speed estimate", str(strategy.rollback_time) if strategy.rollback_time
         else "not estimated"),
    ])]
    if strategy.steps:
        out.append(para(strong("Traffic steps: "),
                        ARROW.join(str(s.traffic) for s in strategy.steps)))
        out.append(table(
            ["Step", "Traffic", "Hold"],
            [[str(i), str(s.traffic), str(s.hold) if s.hold else DASH]
             for i, s in enumerate(strategy.steps, 1)],
            classes=["deployplan-steps"],
        ))
    if strategy.rolling:
        out.append(para(strong("Rolling update")))
        out.append(field_list([("Max surge", strategy.rolling.max_surge),
                               ("Max unavailable", strategy.rolling.max_unavailable)]))
    if strategy.blue_green:
        bg = strategy.blue_green
        out.append(para(strong("Blue-green")))
        out.append(field_list([("Switch", bg.switch),
                               ("Keep previous", str(bg.keep_previous) if bg.keep_previous
                                else None)]))
    if strategy.promote_when:
        out.append(para(strong("Promotion criteria")))
        out.append(table(
            ["Metric", "Threshold", "Window"],
            [[code(g.metric), g.threshold, str(g.window) if g.window else DASH]
             for g in strategy.promote_when],
            classes=["deployplan-gates"],
        ))
    return out


# --- rollback (step 4) ---------------------------------------------------------------------------


def _check_item(plan: Plan, item_id: str, label: str, *body: nodes.Node | str,
                ) -> nodes.list_item:
    li = nodes.list_item(ids=[item_id], classes=["deployplan-check-item"])
    box = checkbox(item=item_id, label=label, plan=plan.plan, digest=plan.digest or "")
    first = para(box, strong(label + ":"), " ")
    li += first
    for piece in body:
        if isinstance(piece, nodes.literal_block):
            li += piece
        else:
            first += nodes.Text(piece) if isinstance(piece, str) else piece
    return li


def _action(plan: Plan, kind: str, label: str, index: int, action: Action) -> nodes.list_item:
    item_id = anchor(plan.plan, "rollback", kind, index)
    if action.run:
        return _check_item(plan, item_id, label, action.do, command_block(action.run))
    if action.manual:
        return _check_item(plan, item_id, label, action.do, " ", emphasis("(manual step)"))
    return _check_item(plan, item_id, label, action.do, " ", emphasis("(no command given)"))


def render_rollback(plan: Plan) -> list[nodes.Node]:
    rollback = plan.rollback
    if rollback is None:
        return _unplanned(plan, "rollback")
    checklist = nodes.bullet_list(classes=["deployplan-checklist"])
    for i, trigger in enumerate(rollback.triggers or [], 1):
        how = "automatic" if trigger.automatic else "manual decision"
        checklist += _check_item(plan, anchor(plan.plan, "rollback", "trigger", i), "Trigger",
                                 trigger.when, " ", emphasis(f"({how})"))
    for i, step in enumerate(rollback.steps or [], 1):
        checklist += _action(plan, "step", "Command", i, step)
    for i, check in enumerate(rollback.verify or [], 1):
        checklist += _action(plan, "verify", "Verify", i, check)
    checklist += _check_item(plan, anchor(plan.plan, "rollback", "database"), "Database",
                             rollback.database or "not considered")
    notices = plan.communication.rollback if plan.communication else None
    for i, notice_ in enumerate(notices or [], 1):
        checklist += _check_item(plan, anchor(plan.plan, "rollback", "notify", i), "Notify",
                                 _notice_text(notice_))
    out: list[nodes.Node] = [checklist]
    if plan.strategy and plan.strategy.rollback_time:
        out.append(para(strong("Rollback speed estimate: "), str(plan.strategy.rollback_time)))
    if rollback.tested:
        tested = rollback.tested
        out.append(para(strong("Rollback testing: "),
                        join([t for t in (tested.how, tested.when) if t], sep=", ")))
    return out


def _notice_text(notice_) -> str:
    text = notice_.who
    if notice_.how:
        text += f" via {notice_.how}"
    if notice_.when:
        text += f", {notice_.when}"
    return text


# --- feature flags (step 5) ----------------------------------------------------------------------


def render_flags(plan: Plan) -> list[nodes.Node]:
    flags = plan.feature_flags
    if flags is None:
        return _unplanned(plan, "feature_flags")
    out: list[nodes.Node] = []
    if not flags:
        out.append(para("This release uses no feature flags."))
    else:
        def cleanup(flag) -> str:
            if flag.cleanup:
                return flag.cleanup.isoformat()
            if flag.permanent:
                return "permanent" + (f" (review {flag.review})" if flag.review else "")
            return "not set"

        out.append(table(
            ["Flag Name", "Type", "Default", "Rollout Plan", "Cleanup Date"],
            [[code(f.name), f.type or DASH, f.default or DASH,
              ARROW.join(str(p) for p in f.rollout) if f.rollout else DASH, cleanup(f)]
             for f in flags],
            classes=["deployplan-flags"],
            row_ids=[anchor(plan.plan, "flag", f.name) for f in flags],
        ))
        out.append(table(
            ["Flag", "Owner", "Lifecycle", "Created"],
            [[code(f.name), f.owner, f.lifecycle,
              f.created.isoformat() if f.created else None] for f in flags],
            classes=["deployplan-flag-lifecycle"],
        ))
    policy = plan.flag_policy
    if policy:
        out.append(para(strong("Flag policy")))
        out.append(field_list([("Tool", policy.tool), ("Naming", code(policy.naming)
                                                         if policy.naming else None),
                               ("Maximum age", str(policy.max_age) if policy.max_age
                                else None),
                               ("Review", policy.review)]))
    return out


# --- health checks (step 6) ----------------------------------------------------------------------


def render_health(plan: Plan) -> list[nodes.Node]:
    checks = plan.health_checks
    if checks is None:
        return _unplanned(plan, "health_checks")
    if not checks:
        return [para("No health checks are listed.")]

    def interval(check) -> str:
        if check.interval and check.when:
            return f"{check.interval} ({check.when})"
        if check.interval:
            return str(check.interval)
        if check.when == "post-deploy":
            return "on deploy"
        return check.when or DASH

    def threshold(check) -> str:
        if check.failure_threshold is not None:
            return f"{check.failure_threshold} consecutive"
        return "any failure" if check.type == "smoke" else DASH

    out: list[nodes.Node] = [table(
        ["Check", "Type", "Endpoint/Method", "Interval", "Failure Threshold"],
        [[c.check, c.type, [command_block(c.run)] if c.run and not c.endpoint
          else code(c.endpoint or ""), interval(c), threshold(c)]
         for c in checks],
        classes=["deployplan-health"],
        row_ids=[anchor(plan.plan, "health", c.check) for c in checks],
    )]
    notes = []
    for check in checks:
        if check.verifies:
            notes.append(para(strong(check.check), " verifies: ", join(check.verifies)))
        if check.covers:
            notes.append(para(strong(check.check), " covers: ", join(check.covers)))
    if notes:
        out.append(bullets(notes))
    return out


# --- migrations (step 7) -------------------------------------------------------------------------


def render_migrations(plan: Plan) -> list[nodes.Node]:
    migrations = plan.migrations
    if migrations is None:
        return _unplanned(plan, "migrations")
    if not migrations:
        return [para("No database migrations in this release.")]
    out: list[nodes.Node] = [table(
        ["Migration", "Type", "Reversible", "Run When", "Dependencies"],
        [[code(m.name), m.type, yes_no(m.reversible), m.run, join(m.depends_on, empty="none")]
         for m in migrations],
        classes=["deployplan-migrations"],
        row_ids=[anchor(plan.plan, "migration", m.name) for m in migrations],
    )]
    scripts = nodes.definition_list(classes=["deployplan-migration-scripts"])
    for m in migrations:
        item = nodes.definition_list_item()
        item += nodes.term("", "", code(m.name))
        body = nodes.definition()
        for label, script in (("Up", m.up), ("Down", m.down)):
            if script:
                body += para(strong(label + ":"))
                block = nodes.literal_block(script, script, classes=["deployplan-script"])
                block["language"] = "text"
                body += block
        body += field_list([("Backfill", m.backfill), ("Tested on", m.tested_on)])
        item += body
        scripts += item
    out.append(scripts)
    return out


# --- communication -------------------------------------------------------------------------------


def render_communication(plan: Plan) -> list[nodes.Node]:
    comm = plan.communication
    if comm is None:
        return _unplanned(plan, "communication")
    rows, ids = [], []
    for scenario, notices in (("deploy", comm.deploy), ("rollback", comm.rollback)):
        for i, n in enumerate(notices or [], 1):
            rows.append([scenario.capitalize(), n.who, n.how, n.when])
            ids.append(anchor(plan.plan, "notify", scenario, i))
    if not rows:
        return [para("Nobody is listed to be told.")]
    return [table(["Scenario", "Who", "How", "When"], rows, classes=["deployplan-communication"],
                  row_ids=ids)]


PARTS: tuple[Part, ...] = (
    Part("inputs", "Inputs", render_inputs),
    Part("environments", "Environment Matrix", render_environments),
    Part("pipeline", "Pipeline Diagram", render_pipeline),
    Part("strategy", "Deployment Strategy", render_strategy),
    Part("rollback", "Rollback Checklist", render_rollback),
    Part("flags", "Feature Flag Plan", render_flags),
    Part("health", "Health Checks", render_health),
    Part("migrations", "Database Migration Plan", render_migrations),
    Part("communication", "Communication Plan", render_communication),
)
CHECKS_PART = Part("checks", "Quality Checks", lambda plan: [])
PART_KEYS = (*(p.key for p in PARTS), CHECKS_PART.key)
#: Other names accepted by ``:sections:``: the plan's own keys.
PART_ALIASES = {"feature_flags": "flags", "flag_policy": "flags", "health_checks": "health",
                "checklist": "rollback"}


def render_plan(plan: Plan, parts: list[str] | None = None, *, heading: bool = True,
                results: PlanResults | None = None) -> list[nodes.Node]:
    """The runbook of one plan: a section per part, inside a plan section when
    ``heading`` is true, ending with the Quality Checks when ``results`` are given."""
    wanted = set(parts or PART_KEYS)
    sections = []
    for part in (*PARTS, CHECKS_PART):
        if part.key not in wanted or (part is CHECKS_PART and results is None):
            continue
        node = section(part.title, anchor(plan.plan, part.key),
                       classes=["deployplan-part", f"deployplan-{part.key}"])
        if part is CHECKS_PART:
            node.extend(render_checks(plan.plan, results, wanted))
        else:
            node.extend(part.render(plan))
        if part.key == "environments" and results is not None:
            drift = results.evidence(ParityEvidence)
            if drift is not None:
                node.extend(render_drift(drift))
        sections.append(node)
    if not heading:
        return sections
    top = section(f"Deployment Plan: {plan.title}", plan_anchor(plan.plan),
                  classes=["deployplan"])
    top += para(strong("Plan"), " ", code(plan.plan), " for ", strong(plan.service),
                ", owned by ", plan.owner, ".", classes=["deployplan-meta"])
    if plan.summary:
        top += para(plan.summary.strip(), classes=["deployplan-summary"])
    top.extend(sections)
    return [top]
