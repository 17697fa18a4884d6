"""A plan's runbook laid out once, in the runbook's parts, as plain data.

Each part (inputs, environments, pipeline, strategy, rollback checklist, flags,
health checks, migrations, communication, quality checks) is a function from
the plan to :mod:`.layout` blocks.  The Sphinx layer writes them as docutils
nodes, the Markdown export as Markdown: the two show the same headings, columns
and words because they read the same layout.  Nothing here computes a check
result (those come from :mod:`.checks`); no Sphinx or docutils here.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from .checks import CheckResult, ParityEvidence, PlanResults
from .ids import anchor, plan_anchor
from .items import ItemRef
from .layout import (
    ARROW,
    DASH,
    Badge,
    Block,
    Blocks,
    Bullets,
    Cell,
    Checkbox,
    CheckItem,
    Checklist,
    Code,
    CodeBlock,
    Diagram,
    Emph,
    Fields,
    Inline,
    Link,
    Notice,
    Para,
    Ref,
    Runbook,
    Section,
    Strong,
    Table,
    Term,
    Terms,
    Text,
    words,
)
from .model import Action, Plan
from .render import diagram

METHOD_NAMES = {"blue-green": "Blue-green", "rolling": "Rolling update", "canary": "Canary",
                "feature-flag": "Feature flag"}
APPROVAL_NAMES = {"none": "None", "automatic": "Automatic", "manual": "Manual"}

#: Which part of the runbook shows each kind of item (so links land on rendered anchors).
ITEM_PARTS = {"env": "environments", "stage": "pipeline", "strategy": "strategy",
              "rollback": "rollback", "trigger": "rollback", "step": "rollback",
              "verify": "rollback", "notify": "communication", "flag": "flags",
              "health": "health", "migration": "migrations"}

Blocks_ = tuple[Block, ...]


@dataclass(frozen=True)
class Part:
    key: str
    title: str
    layout: Callable[[Plan], Blocks_]


def _unplanned(plan: Plan, key: str) -> Blocks_:
    return (Notice(f"Not planned: plan {plan.plan!r} has no {key} section."),)


def _strong_line(title: str) -> Para:
    """A bold line that heads a group inside a part."""
    return Para((Strong(title),))


def command(text: str, classes: tuple[str, ...] = ("deployplan-command",)) -> CodeBlock:
    """An exact command.  Highlighted as shell only when it tokenises as shell, so
    a stray quote never turns into a highlighting warning."""
    try:
        shlex.split(text)
        language = "bash"
    except ValueError:
        language = "text"
    return CodeBlock(text, language, classes)


def url_or_text(url: str | None) -> Inline | None:
    """A link for http(s) URLs only; anything else (``javascript:``...) stays text."""
    if not url:
        return None
    if url.startswith(("https://", "http://")):
        return Link(url, url, external=True)
    return url


def _table(headers: Sequence[str], rows: Sequence[Sequence[Cell]], classes: str,
           row_ids: Sequence[str | None] = ()) -> Table:
    return Table(tuple(headers), tuple(tuple(r) for r in rows), (classes,), tuple(row_ids))


# --- inputs --------------------------------------------------------------------------------------


def inputs_part(plan: Plan) -> Blocks_:
    inputs = plan.inputs
    infra = inputs.infrastructure if inputs else None
    avail = inputs.availability if inputs else None
    slo = None
    if avail and avail.slo:
        slo = f"{avail.slo}" + (f" over {avail.window}" if avail.window else "")
    return (Fields(_fields([
        ("Service", plan.service),
        ("Owner", plan.owner),
        ("Hosting", infra.hosting if infra else None),
        ("Orchestration", infra.orchestration if infra else None),
        ("CI/CD", infra.ci_cd if infra else None),
        ("Existing process", inputs.existing_process if inputs else None),
        ("Availability target", slo),
        ("Maintenance window", avail.maintenance_window if avail else None),
    ])), *_runtime(plan), *_sources(plan))


def _runtime(plan: Plan) -> Blocks_:
    """What the service runs as (the exports read it)."""
    runtime = plan.runtime
    if runtime is None:
        return ()
    metrics = runtime.metrics
    backend = " at ".join(str(v) for v in (metrics.provider, metrics.address) if v) \
        if metrics else None
    return (_strong_line("Runtime"), Fields(_fields([
        ("Image", Code(f"{runtime.image}:${{IMAGE_TAG}}") if runtime.image else None),
        ("Namespace", Code(runtime.namespace) if runtime.namespace else None),
        ("Replicas", str(runtime.replicas) if runtime.replicas is not None else None),
        ("Port", str(runtime.port) if runtime.port is not None else None),
        ("Metrics", backend),
    ])))


def _sources(plan: Plan) -> Blocks_:
    """The deploy files the plan is checked against (rule source-drift)."""
    sources = plan.sources
    if sources is None:
        return ()
    return (_strong_line("Deploy files"), Fields(_fields([
        (label, Code(path) if path else None) for label, path in (
            ("Rollout", sources.rollout), ("Workflow", sources.workflow),
            ("Workload", sources.workload), ("Flags", sources.flags))])))


def _fields(pairs: Sequence[tuple[str, Inline | None]]) -> tuple[tuple[str, Text], ...]:
    return tuple((name, (value,)) for name, value in pairs if value not in (None, ""))


# --- environments (step 1) -----------------------------------------------------------------------


def environments_part(plan: Plan) -> Blocks_:
    envs = plan.environments
    if envs is None:
        return _unplanned(plan, "environments")
    if not envs:
        return (Para(("No environments are listed.",)),)
    matrix = _table(
        ["Environment", "Purpose", "URL", "Deploy Method", "Approval"],
        [[Code(e.name), e.purpose, url_or_text(e.url), e.deploy,
          APPROVAL_NAMES.get(e.approval, e.approval)] for e in envs],
        "deployplan-environments", [anchor(plan.plan, "env", e.name) for e in envs])

    def config(env) -> Cell:
        if not env.config:
            return DASH
        return Blocks((Bullets(tuple(Para((f"{k}: ", Code(v))) for k, v in env.config.items())),))

    details = _table(
        ["Environment", "Configuration", "Who deploys", "Who approves", "Parity"],
        [[Code(e.name), config(e),
          words(e.access.deploy if e.access else None),
          words(e.access.approve if e.access else None),
          e.parity] for e in envs],
        "deployplan-environment-details")
    return (matrix, _strong_line("Configuration, access and parity"), details)


#: Up to this many cells, configuration drift is a key x environment matrix; beyond
#: it, a row per run of environments (the matrix grows as keys x environments).
DRIFT_MATRIX_CELLS = 60
#: Missing keys named in one row of the summary.
DRIFT_KEYS_NAMED = 8


def drift_part(drift: ParityEvidence) -> Blocks_:
    """The environment-parity drift: production's keys in each lower environment.

    A small plan gets the matrix of keys and environments.  A large one gets a row
    per environment, with runs of environments that lack every key, or none,
    folded into one row ("env3 .. env199: all 200 keys"), so what is shown grows
    with the plan's text, never with environments x keys."""
    heading = Para((Strong("Configuration drift from production"), " (keys of ",
                    Code(drift.production), " missing in a lower environment are flagged)"))
    envs, keys = drift.environments, drift.keys
    if len(keys) * (len(envs) + 1) <= DRIFT_MATRIX_CELLS:
        rows = []
        for key in keys:
            cells: list[Cell] = [Code(key)]
            for env in envs:
                cells.append(Badge("unmet") if key in drift.missing[env] else "present")
            cells.append("present")
            rows.append(cells)
        return (heading, _table(["Key", *envs, drift.production], rows, "deployplan-drift"))
    return (heading, _table(["Environments", "Missing keys"], _drift_runs(drift),
                            "deployplan-drift"))


def _drift_runs(drift: ParityEvidence) -> list[list[Cell]]:
    """A row per environment, runs of those that lack all keys (or none) folded."""

    def kind(env: str) -> str:
        missing = drift.missing[env]
        # lacking every key shares production's tuple: a test in constant time
        if missing is drift.keys or len(missing) == len(drift.keys):
            return "all"
        return "none" if not missing else "some"

    rows: list[list[Cell]] = []
    run: list[str] = []

    def close() -> None:
        if not run:
            return
        first, last = run[0], run[-1]
        names: Cell = (Code(first),) if len(run) == 1 else \
            (Code(first), " .. ", Code(last), f" ({len(run)} environments)")
        if kind(first) == "all":
            rows.append([names, (Badge("unmet"), f" all {len(drift.keys)} keys")])
        else:
            rows.append([names, (Badge("met", "none"),)])
        run.clear()

    for env in drift.environments:
        if kind(env) == "some":
            close()
            missing = drift.missing[env]
            named: list[Inline] = [Badge("unmet"), " "]
            for index, key in enumerate(missing[:DRIFT_KEYS_NAMED]):
                named += [", "] if index else []
                named.append(Code(key))
            if len(missing) > DRIFT_KEYS_NAMED:
                named.append(f" and {len(missing) - DRIFT_KEYS_NAMED} more")
            rows.append([(Code(env),), tuple(named)])
        else:
            if run and kind(run[0]) != kind(env):
                close()
            run.append(env)
    close()
    return rows


# --- pipeline (step 2) ---------------------------------------------------------------------------


def _what(stage) -> str:
    if stage.kind == "deploy":
        return f"to {stage.environment}"
    if stage.kind == "approval":
        return "approved by " + words(stage.approvers)
    parts = words(stage.does, empty="")
    if stage.kind in ("test", "verify"):
        mode = "automated" if stage.automated else "manual"
        return f"{parts} ({mode})" if parts else mode
    return parts or DASH


def pipeline_part(plan: Plan) -> Blocks_:
    pipeline = plan.pipeline
    if pipeline is None:
        return _unplanned(plan, "pipeline")
    stages = pipeline.stages or []
    out: list[Block] = []
    if stages:
        text = diagram.text(stages)
        out.append(Diagram(diagram.svg(plan.plan, stages), text,
                           tuple(s.id for s in stages)))
        out.append(_table(
            ["Stage", "Kind", "Needs", "What"],
            [[Code(s.id), s.kind, words(s.needs, empty="commit"), _what(s)] for s in stages],
            "deployplan-stages", [anchor(plan.plan, "stage", s.id) for s in stages]))
    else:
        out.append(Para(("No stages are listed.",)))
    commands = [Term((Code(s.id),), (CodeBlock("\n".join(s.run), "shell",
                                              ("deployplan-script",)),))
                for s in stages if s.run]
    if commands:
        out.append(_strong_line("Stage commands"))
        out.append(Terms(tuple(commands), ("deployplan-stage-commands",)))
    arts = pipeline.artifacts
    if arts:
        out.append(_strong_line("Artifact management"))
        out.append(Fields(_fields([("Tagging", arts.tagging), ("Retention", arts.retention),
                                   ("Registry", Code(arts.registry) if arts.registry
                                    else None)])))
    return tuple(out)


# --- strategy (step 3) ---------------------------------------------------------------------------


def strategy_part(plan: Plan) -> Blocks_:
    strategy = plan.strategy
    if strategy is None:
        return _unplanned(plan, "strategy")
    method = METHOD_NAMES.get(strategy.method or "", strategy.method or "not set")
    out: list[Block] = [Fields(_fields([
        ("Method", Strong(method)),
        ("Why", strategy.why),
        ("Rollback speed estimate", str(strategy.rollback_time) if strategy.rollback_time
         else "not estimated"),
    ]))]
    if strategy.steps:
        out.append(Para((Strong("Traffic steps: "),
                         ARROW.join(str(s.traffic) for s in strategy.steps))))
        out.append(_table(
            ["Step", "Traffic", "Hold"],
            [[str(i), str(s.traffic), str(s.hold) if s.hold else DASH]
             for i, s in enumerate(strategy.steps, 1)],
            "deployplan-steps"))
    if strategy.rolling:
        out.append(_strong_line("Rolling update"))
        out.append(Fields(_fields([("Max surge", strategy.rolling.max_surge),
                                   ("Max unavailable", strategy.rolling.max_unavailable)])))
    if strategy.blue_green:
        bg = strategy.blue_green
        out.append(_strong_line("Blue-green"))
        out.append(Fields(_fields([("Switch", bg.switch),
                                   ("Keep previous", str(bg.keep_previous)
                                    if bg.keep_previous else None)])))
    if strategy.promote_when:
        out.append(_strong_line("Promotion criteria"))
        queries = any(g.query for g in strategy.promote_when)
        out.append(_table(
            ["Metric", "Threshold", "Window", *(["Query"] if queries else [])],
            [[Code(g.metric), g.threshold, str(g.window) if g.window else DASH,
              *([Code(g.query) if g.query else DASH] if queries else [])]
             for g in strategy.promote_when],
            "deployplan-gates"))
    return tuple(out)


# --- rollback (step 4) ---------------------------------------------------------------------------


def _check_item(plan: Plan, item_id: str, label: str, *text: Inline,
                command_: CodeBlock | None = None) -> CheckItem:
    box = Checkbox(item=item_id, label=label, plan=plan.plan, digest=plan.digest or "")
    return CheckItem(item_id, label, tuple(text), box, command_)


def _action(plan: Plan, kind: str, label: str, index: int, action: Action) -> CheckItem:
    item_id = anchor(plan.plan, "rollback", kind, index)
    if action.run:
        return _check_item(plan, item_id, label, action.do, command_=command(action.run))
    if action.manual:
        return _check_item(plan, item_id, label, action.do, " ", Emph("(manual step)"))
    return _check_item(plan, item_id, label, action.do, " ", Emph("(no command given)"))


def notice_text(notice) -> str:
    text = notice.who
    if notice.how:
        text += f" via {notice.how}"
    if notice.when:
        text += f", {notice.when}"
    return text


def rollback_part(plan: Plan) -> Blocks_:
    rollback = plan.rollback
    if rollback is None:
        return _unplanned(plan, "rollback")
    items: list[CheckItem] = []
    for i, trigger in enumerate(rollback.triggers or [], 1):
        how = "automatic" if trigger.automatic else "manual decision"
        items.append(_check_item(plan, anchor(plan.plan, "rollback", "trigger", i), "Trigger",
                                 trigger.when, " ", Emph(f"({how})")))
    for i, step in enumerate(rollback.steps or [], 1):
        items.append(_action(plan, "step", "Command", i, step))
    for i, check in enumerate(rollback.verify or [], 1):
        items.append(_action(plan, "verify", "Verify", i, check))
    items.append(_check_item(plan, anchor(plan.plan, "rollback", "database"), "Database",
                             rollback.database or "not considered"))
    notices = plan.communication.rollback if plan.communication else None
    for i, notice in enumerate(notices or [], 1):
        items.append(_check_item(plan, anchor(plan.plan, "rollback", "notify", i), "Notify",
                                 notice_text(notice)))
    out: list[Block] = [Checklist(tuple(items))]
    if plan.strategy and plan.strategy.rollback_time:
        out.append(Para((Strong("Rollback speed estimate: "), str(plan.strategy.rollback_time))))
    if rollback.tested:
        tested = rollback.tested
        out.append(Para((Strong("Rollback testing: "),
                         words([t for t in (tested.how, tested.when) if t]))))
    return tuple(out)


# --- feature flags (step 5) ----------------------------------------------------------------------


def _cleanup(flag) -> str:
    if flag.cleanup:
        return flag.cleanup.isoformat()
    if flag.permanent:
        return "permanent" + (f" (review {flag.review})" if flag.review else "")
    return "not set"


def flags_part(plan: Plan) -> Blocks_:
    flags = plan.feature_flags
    if flags is None:
        return _unplanned(plan, "feature_flags")
    out: list[Block] = []
    if not flags:
        out.append(Para(("This release uses no feature flags.",)))
    else:
        out.append(_table(
            ["Flag Name", "Type", "Default", "Rollout Plan", "Cleanup Date"],
            [[Code(f.name), f.type or DASH, f.default or DASH,
              ARROW.join(str(p) for p in f.rollout) if f.rollout else DASH, _cleanup(f)]
             for f in flags],
            "deployplan-flags", [anchor(plan.plan, "flag", f.name) for f in flags]))
        out.append(_table(
            ["Flag", "Owner", "Lifecycle", "Created"],
            [[Code(f.name), f.owner, f.lifecycle,
              f.created.isoformat() if f.created else None] for f in flags],
            "deployplan-flag-lifecycle"))
    policy = plan.flag_policy
    if policy:
        out.append(_strong_line("Flag policy"))
        out.append(Fields(_fields([("Tool", policy.tool),
                                   ("Naming", Code(policy.naming) if policy.naming else None),
                                   ("Maximum age", str(policy.max_age) if policy.max_age
                                    else None),
                                   ("Review", policy.review)])))
    return tuple(out)


# --- health checks (step 6) ----------------------------------------------------------------------


def _interval(check) -> str:
    if check.interval and check.when:
        return f"{check.interval} ({check.when})"
    if check.interval:
        return str(check.interval)
    if check.when == "post-deploy":
        return "on deploy"
    return check.when or DASH


def _threshold(check) -> str:
    if check.failure_threshold is not None:
        return f"{check.failure_threshold} consecutive"
    return "any failure" if check.type == "smoke" else DASH


def health_part(plan: Plan) -> Blocks_:
    checks = plan.health_checks
    if checks is None:
        return _unplanned(plan, "health_checks")
    if not checks:
        return (Para(("No health checks are listed.",)),)
    out: list[Block] = [_table(
        ["Check", "Type", "Endpoint/Method", "Interval", "Failure Threshold"],
        [[c.check, c.type, Blocks((command(c.run),)) if c.run and not c.endpoint
          else Code(c.endpoint or ""), _interval(c), _threshold(c)]
         for c in checks],
        "deployplan-health", [anchor(plan.plan, "health", c.check) for c in checks])]
    notes: list[Block] = []
    for check in checks:
        if check.verifies:
            notes.append(Para((Strong(check.check), " verifies: ", words(check.verifies))))
        if check.covers:
            notes.append(Para((Strong(check.check), " covers: ", words(check.covers))))
    if notes:
        out.append(Bullets(tuple(notes)))
    return tuple(out)


# --- migrations (step 7) -------------------------------------------------------------------------


def _yes_no(value: bool | None) -> str:
    return DASH if value is None else ("yes" if value else "no")


def migrations_part(plan: Plan) -> Blocks_:
    migrations = plan.migrations
    if migrations is None:
        return _unplanned(plan, "migrations")
    if not migrations:
        return (Para(("No database migrations in this release.",)),)
    table = _table(
        ["Migration", "Type", "Reversible", "Run When", "Dependencies"],
        [[Code(m.name), m.type, _yes_no(m.reversible), m.run, words(m.depends_on, empty="none")]
         for m in migrations],
        "deployplan-migrations", [anchor(plan.plan, "migration", m.name) for m in migrations])
    scripts = []
    for m in migrations:
        body: list[Block] = []
        for label, script, file in (("Up", m.up, m.up_file), ("Down", m.down, m.down_file)):
            if file:  # with the SQL read from the repository, when it was (migration_sql)
                body.append(Para((Strong(label + ":"), " ", Code(file))))
            elif script:
                body.append(Para((Strong(label + ":"),)))
            if script:
                body.append(CodeBlock(script, "text", ("deployplan-script",)))
        body.append(Fields(_fields([("Backfill", m.backfill), ("Tested on", m.tested_on)])))
        scripts.append(Term((Code(m.name),), tuple(body)))
    return (table, Terms(tuple(scripts), ("deployplan-migration-scripts",)))


# --- communication -------------------------------------------------------------------------------


def communication_part(plan: Plan) -> Blocks_:
    comm = plan.communication
    if comm is None:
        return _unplanned(plan, "communication")
    rows, ids = [], []
    for scenario, notices in (("deploy", comm.deploy), ("rollback", comm.rollback)):
        for i, n in enumerate(notices or [], 1):
            rows.append([scenario.capitalize(), n.who, n.how, n.when])
            ids.append(anchor(plan.plan, "notify", scenario, i))
    if not rows:
        return (Para(("Nobody is listed to be told.",)),)
    return (_table(["Scenario", "Who", "How", "When"], rows, "deployplan-communication", ids),)


# --- quality checks ------------------------------------------------------------------------------


def _link(plan_id: str, ref: ItemRef, rendered: set[str]) -> Inline:
    """A link to the item's anchor on this page, or plain text when its part is not shown."""
    part = ITEM_PARTS.get(ref.kind) if ref.kind != "plan" else (ref.parts or ("",))[0]
    if part not in rendered:
        return ref.label
    return Ref(ref.label, ref.anchor(plan_id))


def _evidence(plan_id: str, result: CheckResult, rendered: set[str]) -> Blocks:
    if result.status == "n/a":
        return Blocks((Para((result.note,)),))
    out: list[Block] = []
    for finding in result.failed_by:
        out.append(Para((Strong("Missing: "), finding.message, " (",
                         _link(plan_id, finding.item, rendered), ")"),
                        ("deployplan-finding",)))
    if result.waiver:
        w = result.waiver
        out.append(Para((Strong("Waived"), f" by {w.approved_by} until {w.until.isoformat()}: ",
                         w.reason), ("deployplan-waiver",)))
    for detail in result.details:
        out.append(Para((detail,), ("deployplan-detail",)))
    if result.satisfied_by:
        links: list[Inline] = [Strong("Satisfied by: ")]
        for i, ref in enumerate(result.satisfied_by):
            if i:
                links.append(", ")
            links.append(_link(plan_id, ref, rendered))
        out.append(Para(tuple(links), ("deployplan-evidence",)))
    return Blocks(tuple(out))


def _result_rows(plan_id: str, results: Sequence[CheckResult], rendered: set[str],
                 ) -> list[list[Cell]]:
    return [[(r.title, " ", Code(r.check)), Badge(r.status), _evidence(plan_id, r, rendered)]
            for r in results]


def checks_part(plan_id: str, results: PlanResults, rendered: set[str]) -> Blocks_:
    """The checks table: each check's wording, its id, a result badge and evidence;
    then the release-engineering rules."""
    summary = Para((Strong(f"{len(results.met)} of {len(results.applicable)}"),
                    " applicable checks met"), ("deployplan-checks-summary",))
    out: list[Block] = [summary, _table(
        ["Check", "Result", "Evidence"], _result_rows(plan_id, results.results, rendered),
        "deployplan-checks", [anchor(plan_id, "check", r.check) for r in results.results])]
    if results.rules:
        out.append(Para((Strong("Release engineering rules"), " (warnings unless "
                         "deployplan_strict_rules makes them fail the build; drift from the "
                         "deploy files fails it unless deployplan_fail_on_drift is false)"),
                        ("deployplan-rules-title",)))
        out.append(_table(
            ["Rule", "Result", "Evidence"], _result_rows(plan_id, results.rules, rendered),
            "deployplan-rules", [anchor(plan_id, "rule", r.check) for r in results.rules]))
    return tuple(out)


# --- the whole runbook ---------------------------------------------------------------------------

PARTS: tuple[Part, ...] = (
    Part("inputs", "Inputs", inputs_part),
    Part("environments", "Environment Matrix", environments_part),
    Part("pipeline", "Pipeline Diagram", pipeline_part),
    Part("strategy", "Deployment Strategy", strategy_part),
    Part("rollback", "Rollback Checklist", rollback_part),
    Part("flags", "Feature Flag Plan", flags_part),
    Part("health", "Health Checks", health_part),
    Part("migrations", "Database Migration Plan", migrations_part),
    Part("communication", "Communication Plan", communication_part),
)
CHECKS_PART = Part("checks", "Quality Checks", lambda plan: ())
PART_KEYS = (*(p.key for p in PARTS), CHECKS_PART.key)
#: Other names accepted by ``:sections:``: the plan's own keys.
PART_ALIASES = {"feature_flags": "flags", "flag_policy": "flags", "health_checks": "health",
                "checklist": "rollback"}


def runbook(plan: Plan, parts: Sequence[str] | None = None, *, heading: bool = True,
            results: PlanResults | None = None) -> Runbook:
    """The runbook of one plan: the parts named in ``parts`` (all by default), under
    the plan's heading when ``heading`` is true, ending with the Quality Checks when
    ``results`` are given."""
    wanted = set(parts or PART_KEYS)
    sections = []
    for part in (*PARTS, CHECKS_PART):
        if part.key not in wanted or (part is CHECKS_PART and results is None):
            continue
        if part is CHECKS_PART:
            assert results is not None
            blocks = checks_part(plan.plan, results, wanted)
        else:
            blocks = part.layout(plan)
        if part.key == "environments" and results is not None:
            drift = results.evidence(ParityEvidence)
            if drift is not None:
                blocks += drift_part(drift)
        sections.append(Section(part.key, part.title, anchor(plan.plan, part.key), blocks,
                                ("deployplan-part", f"deployplan-{part.key}")))
    if not heading:
        return Runbook(None, plan_anchor(plan.plan), (), tuple(sections))
    intro: list[Block] = [Para((Strong("Plan"), " ", Code(plan.plan), " for ",
                                Strong(plan.service), ", owned by ", plan.owner, "."),
                               ("deployplan-meta",))]
    if plan.summary:
        intro.append(Para((plan.summary.strip(),), ("deployplan-summary",)))
    return Runbook(f"Deployment Plan: {plan.title}", plan_anchor(plan.plan), tuple(intro),
                   tuple(sections))
