"""The eight quality checks of a runbook: pure functions from a Plan to results.

No Sphinx here.  Each result names the plan items that satisfy the check and
those that fail it (with their source lines and a sentence saying what is
missing), so the Sphinx layer can trace them with sphinx-needs and the CLI can
print them.  Missing versus empty follows the format: an absent section is
unplanned (unmet), an empty list is an explicit "none" (not applicable).

Each check is declared once, as a :class:`~.record.Check` at the end of this
module: its id, its wording, when it is met, an example and its waiver note.
"""

from __future__ import annotations

from ..items import (
    ItemRef,
    action_ref,
    env_ref,
    flag_ref,
    health_ref,
    migration_ref,
    notice_ref,
    plan_ref,
    rollback_ref,
    stage_ref,
    strategy_ref,
    trigger_ref,
)
from ..model import Plan
from ..text import quote
from .record import Check, Context
from .results import CheckResult, Finding, not_applicable, verdict
from .wording import complete, given, lacks, placeholder_of

# --- the checks ----------------------------------------------------------------------------------


def _missing(plan: Plan, section: str, anchor_part: str, hint: str = "") -> CheckResult:
    ref = ItemRef("plan", (anchor_part,), "the plan", plan.line)
    what = lacks(plan, section, f"{section} section", "")
    return verdict([], [Finding(ref, f"the plan has {what}{hint}")])


def check_env_config_access(plan: Plan, context: Context) -> CheckResult:
    if plan.environments is None:
        return _missing(plan, "environments", "environments")
    if not plan.environments:
        return verdict([], [Finding(plan_ref(plan, "environments"),
                                    "the plan lists no environments")])
    satisfied, failed = [], []
    for env in plan.environments:
        ref = env_ref(env)
        access = env.access
        gaps = [placeholder_of(env)] if env.incomplete else []
        if not env.config:
            gaps.append(lacks(env, "config", "configuration"))
        if not (access and access.deploy):
            gaps.append(lacks(access, "deploy", "deployer list", "access.deploy",
                              none="no one who can deploy"))
        if env.approval == "manual" and not (access and access.approve):
            gaps.append("manual approval but "
                        + lacks(access, "approve", "approver list", "access.approve",
                                none="no approvers"))
        if gaps:
            failed.append(Finding(ref, f"environment {quote(env.name)} has "
                                  + " and ".join(gaps)))
        else:
            satisfied.append(ref)
    return verdict(satisfied, failed)


def check_promotion_tests(plan: Plan, context: Context) -> CheckResult:
    stages = plan.pipeline.stages if plan.pipeline else None
    if stages is None:
        return _missing(plan, "pipeline", "pipeline")
    by_id = {s.id: s for s in stages}
    deploys = [s for s in stages if s.kind == "deploy"]
    if not deploys:
        return verdict([], [Finding(plan_ref(plan, "pipeline"),
                                    "the pipeline has no deploy stage")])
    satisfied: dict[str, ItemRef] = {}
    failed = []
    for deploy in deploys:
        gaps: list[str] = []
        seen: set[tuple[str, bool]] = set()
        todo = [(u, False) for u in deploy.needs or []]
        while todo:
            stage_id, tested = todo.pop()
            stage = by_id.get(stage_id)
            if stage is None or (stage_id, tested) in seen:
                continue
            seen.add((stage_id, tested))
            if stage.kind == "deploy":
                if not tested and stage.id not in gaps:
                    gaps.append(stage.id)
                continue
            if stage.kind in ("test", "verify") and stage.automated and not stage.incomplete:
                tested = True
                satisfied.setdefault(stage.id, stage_ref(stage))
            todo.extend((u, tested) for u in stage.needs or [])
        if gaps:
            failed.append(Finding(stage_ref(deploy), f"deploy stage {quote(deploy.id)} "
                                  f"follows deploy stage {' and '.join(map(quote, gaps))} "
                                  f"with no automated test or verify stage between them"))
    ordered = [satisfied[s.id] for s in stages if s.id in satisfied]
    return verdict(ordered, failed)


def check_zero_downtime(plan: Plan, context: Context) -> CheckResult:
    strategy = plan.strategy
    if strategy is None:
        return _missing(plan, "strategy", "strategy")
    ref = strategy_ref(plan)
    gaps = []
    if not strategy.method:
        gaps.append(lacks(strategy, "method", "method", "strategy.method"))
    if not strategy.rollback_time:
        gaps.append(lacks(strategy, "rollback_time", "rollback speed estimate",
                          "strategy.rollback_time"))
    if strategy.method == "canary" and not complete(strategy.steps):
        gaps.append(lacks(strategy, "steps", "canary traffic steps", "strategy.steps"))
    if gaps:
        return verdict([], [Finding(ref, "the strategy has " + " and ".join(gaps))])
    return verdict([ref], [])


def check_rollback_commands(plan: Plan, context: Context) -> CheckResult:
    rollback = plan.rollback
    if rollback is None:
        return _missing(plan, "rollback", "rollback")
    section = rollback_ref(plan)
    satisfied: list[ItemRef] = []
    failed: list[Finding] = []
    triggers = [(i, t) for i, t in enumerate(rollback.triggers or [], 1) if not t.incomplete]
    if triggers:
        satisfied.extend(trigger_ref(i, t) for i, t in triggers)
    else:
        failed.append(Finding(section, "the rollback has "
                              + lacks(rollback, "triggers", "triggers", "rollback.triggers")))
    if rollback.steps:
        for i, step in enumerate(rollback.steps, 1):
            ref = action_ref("step", i, step)
            if step.incomplete:
                failed.append(Finding(ref, f"rollback step {i} has {placeholder_of(step)}"))
            elif step.run or step.manual:
                satisfied.append(ref)
            else:
                failed.append(Finding(ref, f"rollback step {i} {quote(step.do)} has "
                                      f"{lacks(step, 'run', 'command')}, and is not "
                                      f"marked manual: true"))
    else:
        failed.append(Finding(section, "the rollback has "
                              + lacks(rollback, "steps", "steps", "rollback.steps")))
    verify = [(i, v) for i, v in enumerate(rollback.verify or [], 1) if not v.incomplete]
    if verify:
        satisfied.extend(action_ref("verify", i, v) for i, v in verify)
    else:
        failed.append(Finding(section, "the rollback says nothing on how to verify it "
                              "worked (rollback.verify)" + given(rollback, "verify")))
    if rollback.database:
        satisfied.append(rollback_ref(plan, "database"))
    else:
        failed.append(Finding(section, "the rollback says nothing about the database "
                              "(rollback.database)" + given(rollback, "database")))
    return verdict(satisfied, failed)


def check_flag_lifecycle(plan: Plan, context: Context) -> CheckResult:
    flags = plan.feature_flags
    if flags is None:
        return _missing(plan, "feature_flags", "flags",
                        " (write feature_flags: [] when the release uses none)")
    if not flags:
        return not_applicable("the plan uses no feature flags")
    satisfied, failed = [], []
    for flag in flags:
        gaps = [placeholder_of(flag)] if flag.incomplete else []
        gaps += [lacks(flag, key, key, "") for key in ("type", "owner", "lifecycle")
                 if not getattr(flag, key)]
        problems = []
        if not flag.cleanup:
            if not flag.permanent:
                gaps.append(lacks(flag, "cleanup", "cleanup date", ""))
            elif flag.type not in ("ops", "permission"):
                problems.append(f"flag {quote(flag.name)} is permanent, but only ops and "
                                f"permission flags may be; give it a cleanup date")
        if gaps:
            problems.insert(0, f"flag {quote(flag.name)} has " + ", ".join(gaps))
        if problems:
            failed.append(Finding(flag_ref(flag), "; ".join(problems)))
        else:
            satisfied.append(flag_ref(flag))
    return verdict(satisfied, failed)


def check_health_coverage(plan: Plan, context: Context) -> CheckResult:
    if plan.health_checks is None:
        return _missing(plan, "health_checks", "health")
    checks = complete(plan.health_checks)
    satisfied: list[ItemRef] = []
    failed: list[Finding] = []
    section = plan_ref(plan, "health_checks", "health")
    for kind in ("readiness", "liveness"):
        found = [c for c in checks if c.type == kind]
        if found:
            satisfied.extend(health_ref(c) for c in found)
        else:
            failed.append(Finding(section, f"no {kind} check"))
    smokes = [c for c in checks if c.type == "smoke"]
    post = [c for c in smokes if c.when == "post-deploy"]
    if post:
        satisfied.extend(health_ref(c) for c in post)
    elif smokes:
        failed.extend(Finding(health_ref(c), f"smoke check {quote(c.check)} does not run "
                              f"post-deploy (when: post-deploy)" + given(c, "when"))
                      for c in smokes)
    else:
        failed.append(Finding(section, "no smoke check with when: post-deploy"))
    return verdict(satisfied, failed)


def check_migration_compat(plan: Plan, context: Context) -> CheckResult:
    migrations = plan.migrations
    if migrations is None:
        return _missing(plan, "migrations", "migrations",
                        " (write migrations: [] when the release changes no schema)")
    if not migrations:
        return not_applicable("the release has no database migrations")
    satisfied, failed = [], []
    for m in migrations:
        gaps = [f"has {placeholder_of(m)}"] if m.incomplete else []
        if m.run in ("pre-deploy", "background") and m.type not in ("expand", "migrate"):
            gaps.append(f"is a {m.type} step that runs {m.run}, while the old version still "
                        f"runs (contract steps run post-deploy)")
        if m.reversible and not (m.down or m.down_file):
            gaps.append("is reversible but has " + lacks(m, "down", "down script", ""))
        if gaps:
            failed.append(Finding(migration_ref(m), f"migration {quote(m.name)} "
                                  + " and ".join(gaps)))
        else:
            satisfied.append(migration_ref(m))
    return verdict(satisfied, failed)


def check_communication(plan: Plan, context: Context) -> CheckResult:
    comm = plan.communication
    if comm is None:
        return _missing(plan, "communication", "communication")
    satisfied: list[ItemRef] = []
    failed: list[Finding] = []
    section = plan_ref(plan, "communication")
    for scenario, notices in (("deploy", comm.deploy), ("rollback", comm.rollback)):
        told = [(i, n) for i, n in enumerate(notices or [], 1) if not n.incomplete]
        if told:
            satisfied.extend(notice_ref(scenario, i, n) for i, n in told)
        else:
            failed.append(Finding(section, f"nobody is told about a {scenario} "
                                  f"(communication.{scenario})" + given(comm, scenario)))
    return verdict(satisfied, failed)


# --- the records ----------------------------------------------------------------------------------

QUALITY_CHECKS: tuple[Check, ...] = (
    Check(
        id="env-config-access",
        kind="check",
        title="Every environment has defined configuration and access controls",
        met_when="every environment has non-empty `config` and `access.deploy`; a `manual` "
        "approval has non-empty `access.approve`",
        example="""\
environments:
  - name: staging
    purpose: Pre-production validation
    deploy: Auto on merge to main
    approval: automatic
    config: {api: https://api.staging.example.com}
    access: {deploy: [ci]}
  - name: production
    purpose: Live traffic
    deploy: Promotion from staging
    approval: manual
    config: {api: https://api.example.com}
    access: {deploy: [release-managers], approve: [sre-oncall]}
""",
        waive_when="Waive it while an environment's access is still managed outside the "
        "plan, for example during a move to a new identity provider.",
        waiver_reason="Staging access moves to the new identity provider this month.",
        function=check_env_config_access,
        how="Give every environment a `config` mapping and at least one name under "
        "`access.deploy`. When `approval` is `manual`, also list who approves under "
        "`access.approve`.",
    ),
    Check(
        id="promotion-tests",
        kind="check",
        title="Pipeline includes automated tests before each promotion",
        met_when="every deploy stage after the first has an automated `test` or `verify` "
        "stage between it and the previous deploy stage on its upstream path",
        example="""\
pipeline:
  stages:
    - {id: build, kind: build}
    - {id: test, kind: test}
    - {id: deploy-staging, kind: deploy, environment: staging}
    - {id: smoke-staging, kind: verify}
    - {id: deploy-production, kind: deploy, environment: production}
""",
        waive_when="Waive it for a pipeline that cannot yet run tests between two "
        "environments, with a date by which it will.",
        waiver_reason="The staging smoke suite is being rewritten; manual checks until then.",
        function=check_promotion_tests,
        how="Put an automated `test` or `verify` stage between each deploy stage and the "
        "deploy stage before it. The check walks `needs` upstream from each deploy stage (a "
        "stage without `needs` follows the stage listed before it) until it reaches the "
        "previous deploy stage. A stage with `automated: false` does not count. The first "
        "deploy stage needs no test before it.",
    ),
    Check(
        id="zero-downtime",
        kind="check",
        title="Zero-downtime strategy is specified with rollback speed estimate",
        met_when="`strategy.method` is set and `strategy.rollback_time` is a duration; "
        "canary plans have steps",
        example="""\
strategy:
  method: canary
  rollback_time: 2m
  steps:
    - {traffic: 5%, hold: 15m}
    - {traffic: 100%}
""",
        waive_when="Waive it for a release that accepts downtime in an announced "
        "maintenance window.",
        waiver_reason="Announced 30-minute maintenance window for the database engine "
        "upgrade.",
        function=check_zero_downtime,
        how="Set `strategy.method` and give `strategy.rollback_time` as a duration. A canary "
        "plan also lists its traffic `steps`.",
    ),
    Check(
        id="rollback-commands",
        kind="check",
        title="Rollback procedures are documented with exact commands",
        met_when="`rollback.triggers` and `rollback.steps` are non-empty; every step has "
        "`run` or `manual: true`; `verify` is non-empty; `database` is set",
        example="""\
rollback:
  triggers:
    - {when: http_5xx_ratio above 1% for 5m, automatic: true}
  steps:
    - {do: Roll back the deployment, run: kubectl rollout undo deployment/web -n shop}
    - {do: Disable the route in the CDN console, manual: true}
  verify:
    - {do: The previous revision is running, run: kubectl rollout status deployment/web -n shop}
  database: No schema change in this release.
""",
        waive_when="Waive it when a rollback step cannot be scripted yet and the team "
        "accepts the risk for a short time.",
        waiver_reason="The CDN purge is scripted in the next sprint.",
        function=check_rollback_commands,
        how="List at least one trigger and one step under `rollback`. Give every step its "
        "exact command in `run`; a step that has no command (a click in a console) says "
        "`manual: true`. Add at least one `verify` step, and say in `database` what "
        "happens to the data.",
    ),
    Check(
        id="flag-lifecycle",
        kind="check",
        title="Feature flags have defined lifecycle and cleanup dates",
        met_when="every flag has `type`, `owner`, `lifecycle`, and `cleanup` (or "
        "`permanent: true` for ops and permission flags); not applicable when "
        "`feature_flags: []`",
        example="""\
feature_flags:
  - {name: search-v2, type: release, owner: search-team, lifecycle: rollout, cleanup: 2027-02-01}
  - {name: search-kill-switch, type: ops, owner: sre, lifecycle: full-release, permanent: true}
""",
        waive_when="Waive it when a flag's cleanup date depends on something not yet known, "
        "such as the end of an experiment.",
        waiver_reason="The cleanup date depends on the relevance study, which ends in "
        "January.",
        function=check_flag_lifecycle,
        how="Give every flag a `type`, an `owner`, a `lifecycle` stage and a `cleanup` "
        "date. An `ops` or `permission` flag may say `permanent: true` instead of a cleanup "
        "date. Write `feature_flags: []` when the release uses no flags: the check is then "
        "not applicable.",
    ),
    Check(
        id="health-coverage",
        kind="check",
        title="Health checks cover readiness, liveness, and post-deploy smoke tests",
        met_when="at least one readiness, one liveness and one smoke check with "
        "`when: post-deploy`",
        example="""\
health_checks:
  - {check: Readiness, type: readiness, endpoint: /health/ready}
  - {check: Liveness, type: liveness, endpoint: /health/live}
  - {check: Smoke, type: smoke, run: ./smoke.sh, when: post-deploy}
""",
        waive_when="Waive it for a service that has no post-deploy smoke test yet, with a "
        "date by which it will.",
        waiver_reason="The smoke test lands with the next release.",
        function=check_health_coverage,
        how="Have at least one `readiness` check, one `liveness` check and one `smoke` "
        "check with `when: post-deploy`.",
    ),
    Check(
        id="migration-compat",
        kind="check",
        title="Database migrations are backward-compatible during rollout",
        met_when="every migration running `pre-deploy` or in the `background` is `expand` "
        "or `migrate`; every `contract` runs `post-deploy`; every reversible migration has "
        "`down`; not applicable when `migrations: []`",
        example="""\
migrations:
  - name: add-status-v2
    type: expand
    run: pre-deploy
    reversible: true
    up: ALTER TABLE orders ADD COLUMN status_v2 text NULL
    down: ALTER TABLE orders DROP COLUMN status_v2
  - name: drop-status
    type: contract
    run: post-deploy
    reversible: false
    up: ALTER TABLE orders DROP COLUMN status
""",
        waive_when="Waive it only for a release that stops the old version before "
        "migrating, in an announced window.",
        waiver_reason="Old version stopped during the announced window; no mixed-version "
        "traffic.",
        function=check_migration_compat,
        how="Migrations that run `pre-deploy` or in the `background` run while the old "
        "version still serves, so they must be `expand` or `migrate`. Run `contract` "
        "migrations `post-deploy`. Give every migration with `reversible: true` a `down`. "
        "Write `migrations: []` when the release changes no schema: the check is then not "
        "applicable.",
    ),
    Check(
        id="communication",
        kind="check",
        title="Communication plan covers both deploy and rollback scenarios",
        met_when="`communication.deploy` and `communication.rollback` are both non-empty",
        example="""\
communication:
  deploy:
    - {who: "#releases", how: slack, when: at start and at finish}
  rollback:
    - {who: on-call SRE, how: pagerduty, when: immediately}
""",
        waive_when="Waive it for an internal service whose users are the deploying team "
        "itself.",
        waiver_reason="Internal tool; its only users are the deploying team.",
        function=check_communication,
        how="List at least one entry under `communication.deploy` and one under "
        "`communication.rollback`.",
    ),
)
