"""source-drift: the plan says what the repository's deploy files really do.

The files are read before the checks run (:mod:`sphinx_deployplan.sources`) and
handed over in the context; this rule only compares.  Each mismatch is one
finding at the plan's line, naming the plan field, the file and line, and both
values as written.  A met result names the files it matched.
"""

from __future__ import annotations

import dataclasses
import re
from typing import TYPE_CHECKING, Any

from ...graph import gated_deploys
from ...items import (
    ItemRef,
    env_ref,
    flag_ref,
    health_ref,
    migration_ref,
    plan_ref,
    stage_ref,
    strategy_ref,
)
from ...kubernetes import DEFAULT_FAILURE_THRESHOLD, DEFAULT_PERIOD_SECONDS, PROBE_KEYS
from ...model import Plan, Stage
from ...text import plain
from ..record import Check, Context
from ..results import CheckResult, Finding, not_applicable, verdict

if TYPE_CHECKING:
    from ...sources import PlanSources
    from ...sources.flags import FlagsFacts
    from ...sources.rollout import FileStep, RolloutFacts
    from ...sources.workflow import Job, WorkflowFacts
    from ...sources.workload import WorkloadFacts

DRIFT = "source-drift"
#: Pairs of environments whose order is compared, at most (a bound on hostile input).
MAX_ORDER_PAIRS = 200


def _named(plan: Plan) -> bool:
    sources = plan.sources
    if sources and any((sources.rollout, sources.workflow, sources.workload, sources.flags)):
        return True
    return any(m.up_file or m.down_file for m in plan.migrations or [])


def _at(name: str, line: int | None) -> str:
    """``deploy/rollout.yaml:31``: a file as the plan names it, and a line of it."""
    return f"{plain(name, 120)}:{line}" if line else plain(name, 120)


def _names(names: Any, limit: int = 8) -> str:
    names = list(names)
    shown = ", ".join(plain(n) for n in names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "") \
        if names else "none"


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


def _ref(ref: ItemRef, line: int | None) -> ItemRef:
    """``ref`` at another line of its item (the line of the key that drifted)."""
    return dataclasses.replace(ref, line=line or ref.line)


class _Comparison:
    """The findings, satisfied items and details of one plan against its files."""

    def __init__(self, plan: Plan, sources: PlanSources) -> None:
        self.plan = plan
        self.sources = sources
        self.failed: list[Finding] = []
        self.satisfied: list[ItemRef] = []
        self.details: list[str] = []

    def fail(self, ref: ItemRef, message: str) -> None:
        self.failed.append(Finding(ref, message))

    def matched(self, name: str, what: str, before: int) -> None:
        """Say which file matched, when comparing it added no finding."""
        if len(self.failed) == before:
            self.details.append(f"matches {plain(name, 120)} ({what})")

    def unread(self, key: str, facts: Any) -> bool:
        """A file that could not be read is a finding too: nothing was compared."""
        if not hasattr(facts, "reason"):
            return False
        assert self.plan.sources is not None
        line = self.plan.sources.line_of(key)
        self.fail(ItemRef("plan", ("sources",), "the sources", line),
                  f"sources.{key} is {plain(facts.name, 120)}, which {facts.reason}: "
                  f"nothing was compared with it")
        return True


# --- rollout ----------------------------------------------------------------------------------


def _rollout(c: _Comparison, facts: RolloutFacts) -> None:
    plan, name = c.plan, facts.source.name
    before = len(c.failed)
    strategy = plan.strategy
    if strategy is None:
        c.fail(plan_ref(plan, "strategy"), f"the plan has no strategy but "
               f"{_at(name, facts.method_line)} sets {facts.method_said}")
        return
    ref = strategy_ref(plan)
    if strategy.method != facts.method:
        said = plain(strategy.method) if strategy.method else "not set"
        c.fail(_ref(ref, strategy.line_of("method")), f"strategy.method is {said} but "
               f"{_at(name, facts.method_line)} sets {facts.method_said}")
    elif facts.method == "canary":
        _steps(c, facts, ref)
    _metrics(c, facts, ref)
    if len(c.failed) == before:
        c.satisfied.append(ref)
    steps = f", {_count(len(facts.steps), 'step')}" if facts.steps else ""
    metrics = f", analysis metrics {_names([*facts.metrics, *facts.templates])}" \
        if facts.metrics or facts.templates else ""
    c.matched(name, f"{facts.tool} {facts.kind}: {facts.method_said}{steps}{metrics}", before)


def _plan_holds(step: Any) -> bool:
    """A plan step holds: manual, or for a duration longer than nothing (``hold: 0s``
    holds no more than a step without a hold)."""
    return step.hold is not None and (step.hold.manual or step.hold.seconds > 0)


def _file_holds(step: FileStep) -> bool:
    """A file step holds: ``pause: {}``, or a pause other than ``duration: 0s``."""
    return step.has_hold and (step.manual or step.hold_seconds != 0)


def _trim(steps: list[Any], traffic: Any, hold: Any) -> list[Any]:
    """Without a last step that sends 100% and holds nothing: a Rollout ends there
    whether or not it says so."""
    if steps and traffic(steps[-1]) == 100 and not hold(steps[-1]):
        return steps[:-1]
    return steps


def _steps(c: _Comparison, facts: RolloutFacts, ref: ItemRef) -> None:
    strategy = c.plan.strategy
    assert strategy is not None
    name = facts.source.name
    mine = _trim(list(strategy.steps or []), lambda s: s.traffic.value, _plan_holds)
    theirs: list[FileStep] = _trim(list(facts.steps), lambda s: s.percent, _file_holds)
    steps_line = strategy.line_of("steps")
    for index in range(max(len(mine), len(theirs))):
        n = index + 1
        step = mine[index] if index < len(mine) else None
        file_step = theirs[index] if index < len(theirs) else None
        if step is None:
            assert file_step is not None
            c.fail(_ref(ref, steps_line), f"strategy.steps has no step {n} but "
                   f"{_at(name, file_step.weight_line)} sets {file_step.weight_said}")
            continue
        where = _ref(ref, step.line)
        if file_step is None:
            c.fail(where, f"strategy.steps[{n}].traffic is {plain(step.traffic)} but "
                   f"{_at(name, facts.steps_line)} has no step {n} (it has {len(theirs)})")
            continue
        if file_step.percent is None or step.traffic.value != file_step.percent:
            c.fail(where, f"strategy.steps[{n}].traffic is {plain(step.traffic)} but "
                   f"{_at(name, file_step.weight_line)} sets {file_step.weight_said}")
        hold = step.hold if _plan_holds(step) else None
        if hold is None and _file_holds(file_step):
            c.fail(where, f"strategy.steps[{n}] has no hold but "
                   f"{_at(name, file_step.hold_line)} sets {file_step.hold_said}")
        elif hold is not None and not _file_holds(file_step):
            what = "interval" if facts.tool == "Flagger" else "pause"
            c.fail(where, f"strategy.steps[{n}].hold is {plain(hold)} but "
                   f"{_at(name, file_step.weight_line)} has no {what} after "
                   f"{file_step.weight_said}")
        elif hold is not None and (hold.manual != file_step.manual or (
                not hold.manual and hold.seconds != file_step.hold_seconds)):
            c.fail(where, f"strategy.steps[{n}].hold is {plain(hold)} but "
                   f"{_at(name, file_step.hold_line)} sets {file_step.hold_said}")


_THRESHOLD = re.compile(r"^\s*(<=|>=|<|>)\s*(-?\d+(?:\.\d+)?)\s*(?:%|ms|s)?\s*$")


def _metrics(c: _Comparison, facts: RolloutFacts, ref: ItemRef) -> None:
    strategy = c.plan.strategy
    assert strategy is not None
    name = facts.source.name
    known = {**facts.metrics, **facts.templates}
    what = "Flagger's analysis.metrics" if facts.tool == "Flagger" else \
        "the AnalysisTemplates in the file and the templates it names"
    for n, gate in enumerate(strategy.promote_when or [], 1):
        where = _ref(ref, gate.line_of("metric"))
        if gate.metric not in known:
            measured = f"measure {_names(known)}" if known else "measure nothing"
            c.fail(where, f"strategy.promote_when[{n}].metric is {plain(gate.metric)} but "
                   f"no analysis in {_at(name, facts.analysis_line)} measures it ({what} "
                   f"{measured})")
            continue
        if facts.tool != "Flagger":
            continue  # Argo: names only; the query decides the condition
        bounds = facts.thresholds.get(gate.metric)
        where = _ref(ref, gate.line_of("threshold"))
        line = known[gate.metric]
        if bounds is None:
            c.fail(where, f"strategy.promote_when[{n}].threshold is {plain(gate.threshold)} "
                   f"but {_at(name, line)} gives metric {plain(gate.metric)} no "
                   f"thresholdRange")
            continue
        match = _THRESHOLD.match(gate.threshold)
        side = (bounds.max if match.group(1).startswith("<") else bounds.min) \
            if match else None
        if match is None or side is None or _number(side) != float(match.group(2)):
            hint = "" if match else " (write it as '< 500' or '> 99' to compare)"
            c.fail(where, f"strategy.promote_when[{n}].threshold is {plain(gate.threshold)} "
                   f"but {_at(name, bounds.line)} sets {bounds.said()}{hint}")


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


# --- workflow ---------------------------------------------------------------------------------


def _upstream_deploys(plan: Plan, stage: Stage) -> list[Stage]:
    """The nearest deploy stages upstream of ``stage`` through ``needs``."""
    found: list[Stage] = []
    seen: set[str] = set()
    todo = list(stage.needs or [])
    while todo:
        upstream = plan.stage(todo.pop(0))
        if upstream is None or upstream.id in seen:
            continue
        seen.add(upstream.id)
        if upstream.kind == "deploy":
            found.append(upstream)
        else:
            todo.extend(upstream.needs or [])
    return found


def _waiting_environments(plan: Plan) -> set[str]:
    """Environments a deploy stage of the plan waits for a person to reach: behind an
    approval stage (with no other deploy in between) or not automated.  A manual job
    deploying there agrees with the plan whatever the environment's approval."""
    stages = plan.stages
    gated = {d for deploys in gated_deploys(stages).values() for d in deploys}
    return {s.environment for s in stages if s.kind == "deploy" and s.environment
            and (s.id in gated or s.automated is False)}


def _workflow(c: _Comparison, facts: WorkflowFacts) -> None:
    plan, name = c.plan, facts.source.name
    before = len(c.failed)
    jobs: dict[str, list[Job]] = {}
    for job in facts.deploy_jobs():
        assert job.environment is not None
        jobs.setdefault(job.environment.text, []).append(job)
    deploys = [s for s in plan.stages if s.kind == "deploy" and s.environment]
    planned = {s.environment for s in deploys}
    for stage in deploys:
        if stage.environment not in jobs:
            c.fail(stage_ref(stage), f"stage {plain(stage.id)} deploys to environment "
                   f"{plain(stage.environment)} but no job in {_at(name, facts.line)} has "
                   f"environment: {plain(stage.environment)} (its jobs deploy to "
                   f"{_names(jobs)})")
    for env_name, env_jobs in jobs.items():
        if env_name not in planned:
            job = env_jobs[0]
            assert job.environment is not None
            c.fail(plan_ref(plan, "pipeline"), f"{_at(name, job.environment.line)} job "
                   f"{plain(job.id)} deploys to environment {plain(env_name)}, which no "
                   f"deploy stage of the plan names")
    pairs = 0
    for stage in deploys:
        for upstream in _upstream_deploys(plan, stage):
            later, earlier = jobs.get(stage.environment or ""), jobs.get(upstream.environment
                                                                         or "")
            if not later or not earlier or pairs >= MAX_ORDER_PAIRS:
                continue
            pairs += 1
            if any(facts.runs_before(a.id, b.id) for a in earlier for b in later):
                continue
            job, first = later[0], earlier[0]
            how = "neither needs it nor runs in a later stage" \
                if facts.tool == "GitLab CI" else "does not need it, directly or through " \
                "other jobs"
            c.fail(stage_ref(stage), f"stage {plain(stage.id)} promotes to "
                   f"{plain(stage.environment)} after {plain(upstream.environment)}, but "
                   f"{_at(name, job.line)} job {plain(job.id)} does not wait for job "
                   f"{plain(first.id)} ({plain(upstream.environment)}): it {how}")
    waits = _waiting_environments(plan)
    for env in plan.environments or []:
        deploying = jobs.get(env.name)
        if not deploying:
            continue
        c.satisfied.append(env_ref(env))
        if facts.tool == "GitLab CI":
            manual = [j for j in deploying if j.manual is not None]
            if env.approval == "manual" and not manual:
                job = deploying[0]
                c.fail(_ref(env_ref(env), env.line_of("approval")), f"environment "
                       f"{plain(env.name)} has approval: manual but {_at(name, job.line)} "
                       f"job {plain(job.id)} deploys to it without when: manual")
            elif env.approval != "manual" and manual and env.name not in waits:
                job = manual[0]
                assert job.manual is not None
                c.fail(_ref(env_ref(env), env.line_of("approval")), f"environment "
                       f"{plain(env.name)} has approval: {plain(env.approval)} but "
                       f"{_at(name, job.manual.line)} sets when: manual on job "
                       f"{plain(job.id)}")
        elif env.approval == "manual":
            job = deploying[0]
            c.details.append(f"environment {plain(env.name)} has approval: manual: job "
                             f"{plain(job.id)} ({_at(name, job.line)}) deploys through the "
                             f"GitHub environment {plain(env.name)}, whose required "
                             f"reviewers live in the repository settings, not in the "
                             f"workflow; check them there")
    c.satisfied.extend(stage_ref(s) for s in deploys if s.environment in jobs)
    c.matched(name, f"{facts.tool}: {_count(len(jobs), 'environment')} {_names(jobs)}",
              before)


# --- workload ---------------------------------------------------------------------------------


def _workload(c: _Comparison, facts: WorkloadFacts) -> None:
    plan, name = c.plan, facts.source.name
    before = len(c.failed)
    container = f"container {plain(facts.container)}"
    for kind, key in PROBE_KEYS.items():
        checks = [h for h in plan.health_checks or [] if h.type == kind]
        probe = facts.probes.get(kind)
        if probe is None:
            for check in checks:
                c.fail(health_ref(check), f"health_checks[{plain(check.check)}] is a {kind} "
                       f"check but {container} at {_at(name, facts.container_line)} has no "
                       f"{key}")
            continue
        if not checks:
            c.fail(plan_ref(plan, "health_checks", "health"), f"{_at(name, probe.line)} "
                   f"gives {container} a {key}, which health_checks does not list (no "
                   f"{kind} check)")
            continue
        for check in checks:
            ref, label = health_ref(check), f"health_checks[{plain(check.check)}]"
            count = len(c.failed)
            runs = check.run is not None and probe.handler == "exec" \
                and (probe.command or "").strip() == check.run.strip()
            if check.endpoint and not runs:
                if probe.endpoint is None:
                    c.fail(_ref(ref, check.line_of("endpoint")), f"{label}.endpoint is "
                           f"{plain(check.endpoint)} but {_at(name, probe.line)} probes "
                           f"{_handler(probe)}")
                elif probe.endpoint != check.endpoint:
                    line = probe.path.line if probe.path else probe.line
                    c.fail(_ref(ref, check.line_of("endpoint")), f"{label}.endpoint is "
                           f"{plain(check.endpoint)} but {_at(name, line)} probes "
                           f"{_handler(probe)}")
            elif not check.endpoint and check.run and not runs:
                line = probe.command_line or probe.line
                c.fail(_ref(ref, check.line_of("run")), f"{label}.run is "
                       f"{plain(check.run, 80)} but {_at(name, line)} probes "
                       f"{_handler(probe)}")
            for field, scalar, default, what in (
                    ("interval", probe.period, DEFAULT_PERIOD_SECONDS, "periodSeconds"),
                    ("failure_threshold", probe.failures, DEFAULT_FAILURE_THRESHOLD,
                     "failureThreshold")):
                mine = getattr(check, field)
                if mine is None:
                    continue
                wanted = mine.seconds if field == "interval" else mine
                theirs = _number(scalar.text) if scalar else float(default)
                if theirs != wanted:
                    said = f"{what}: {plain(scalar.text)}" if scalar else \
                        f"no {what} (Kubernetes' default: {default})"
                    c.fail(_ref(ref, check.line_of(field)), f"{label}.{field} is "
                           f"{plain(mine)} but {_at(name, scalar.line if scalar else probe.line)}"
                           f" sets {said}")
            if len(c.failed) == count:
                c.satisfied.append(ref)
    c.matched(name, f"{facts.kind} {plain(facts.name or '')}, {container}: "
              f"{_names(facts.probes) if facts.probes else 'no'} probes", before)


def _handler(probe: Any) -> str:
    """How a probe probes, as its file says it."""
    if probe.handler == "exec":
        return f"with exec.command: {plain(probe.command or '', 80)}"
    if probe.handler == "httpGet":
        return f"httpGet.path: {plain(probe.path.text)}" if probe.path else \
            "httpGet with no path (Kubernetes' default: /)"
    if probe.handler:
        return f"{probe.handler}.port: {plain(probe.port or '')}"
    return "no handler (httpGet, exec, tcpSocket or grpc)"


# --- flags ------------------------------------------------------------------------------------


def _flags(c: _Comparison, facts: FlagsFacts) -> None:
    plan, name = c.plan, facts.source.name
    before = len(c.failed)
    mine = plan.feature_flags or []
    listed = {f.name for f in mine}
    for flag in mine:
        theirs = facts.flags.get(flag.name)
        if theirs is None:
            c.fail(flag_ref(flag), f"feature_flags[{plain(flag.name)}] is not defined in "
                   f"{_at(name, facts.line)} (it defines {_names(facts.flags)})")
            continue
        if flag.default is not None and flag.default not in (
                theirs.reading, theirs.default.text if theirs.default else None):
            line = theirs.default.line if theirs.default else theirs.line
            said = f"defaultVariant: {plain(theirs.default.text)}" if theirs.default else \
                "no defaultVariant"
            c.fail(_ref(flag_ref(flag), flag.line_of("default")),
                   f"feature_flags[{plain(flag.name)}].default is {plain(flag.default)} but "
                   f"{_at(name, line)} sets {said}")
            continue
        c.satisfied.append(flag_ref(flag))
    for key, theirs in facts.flags.items():
        if key not in listed:
            c.fail(plan_ref(plan, "feature_flags", "flags"), f"{_at(name, theirs.line)} "
                   f"defines flag {plain(key)}, which feature_flags does not list (an "
                   f"undocumented flag)")
    c.matched(name, f"flagd: {_count(len(facts.flags), 'flag')}", before)


# --- migration files --------------------------------------------------------------------------


def _migration_files(c: _Comparison) -> None:
    for migration in c.plan.migrations or []:
        names = [(key, getattr(migration, key)) for key in ("up_file", "down_file")]
        names = [(key, name) for key, name in names if name]
        if not names:
            continue
        ok = True
        for key, name in names:
            found = c.sources.sql.get(name)
            if found is None or hasattr(found, "reason"):
                ok = False
                reason = found.reason if found is not None else "was not read"
                c.fail(_ref(migration_ref(migration), migration.line_of(key)),
                       f"migrations[{plain(migration.name)}].{key} is {plain(name, 120)}, "
                       f"which {reason}")
        if ok:
            c.satisfied.append(migration_ref(migration))
            files = " and ".join(plain(name, 120) for _, name in names)
            c.details.append(f"matches {files} (migration {plain(migration.name)})")


# --- the rule ---------------------------------------------------------------------------------


def source_drift(plan: Plan, context: Context) -> CheckResult:
    if not _named(plan):
        return not_applicable("the plan names no deploy files (sources, up_file, down_file)")
    sources = context.sources
    if sources is None:
        return not_applicable("the deploy files were not read (the Sphinx build and "
                              "deployplan check read them)")
    c = _Comparison(plan, sources)
    for key, compare in (("rollout", _rollout), ("workflow", _workflow),
                         ("workload", _workload), ("flags", _flags)):
        facts = getattr(sources, key)
        if facts is not None and not c.unread(key, facts):
            compare(c, facts)
    _migration_files(c)
    return verdict(c.satisfied, c.failed, details=c.details)


RULES = (
    Check(
        id=DRIFT,
        kind="rule",
        title="The plan says what the repository's deploy files really do",
        met_when="Applies when the plan names deploy files under `sources` or a migration's "
        "`up_file` / `down_file`. Unmet for each difference: the Rollout's or Canary's "
        "method, traffic steps (`setWeight` and the `pause` after it, or Flagger's "
        "`stepWeights` and `interval`) and analysis metrics (and Flagger's `thresholdRange`) "
        "against `strategy`; the environments the workflow's jobs deploy to, their order "
        "(`needs`, or GitLab stages) and GitLab's `when: manual` against the deploy stages "
        "and manual approvals; the container's probes (`httpGet.path` or `exec.command`, "
        "`periodSeconds`, `failureThreshold`) against the readiness, liveness and startup "
        "checks; every flagd flag and its `defaultVariant` against `feature_flags`; a "
        "migration file that cannot be read. A file that cannot be read is a difference "
        "too. Fails the build unless `deployplan_fail_on_drift` is false.",
        example="""\
strategy:
  method: canary
  rollback_time: 2m
  steps:
    - {traffic: 10%, hold: 15m}
    - {traffic: 50%, hold: manual}
    - {traffic: 100%}
  promote_when:
    - {metric: http_5xx_ratio, threshold: "< 0.5%", window: 5m}
sources:
  rollout: deploy/checkout-rollout.yaml
""",
        waive_when="Waive it while a change to the deploy files is under review and the plan "
        "already describes the state after it, until the change lands.",
        waiver_reason="The Rollout change that adds the 50% step is in review.",
        function=source_drift,
        how="Point `sources` at the files that deploy the service, relative to the sources "
        "root (`deployplan_sources_root`, or `deployplan check --root`), and make the plan "
        "say what they do; `deployplan import` drafts a plan that does. Each warning names "
        "both sides: change the plan or the file until they agree.",
        subtype="drift",
    ),
)
