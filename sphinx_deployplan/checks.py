"""The seed's eight quality checks: pure functions from a Plan to results.

No Sphinx here.  Each result names the plan items that satisfy the check and
those that fail it (with their source lines and a sentence saying what is
missing), so the Sphinx layer can trace them with sphinx-needs and the CLI can
print them.  Missing versus empty follows the format: an absent section is
unplanned (unmet), an empty list is an explicit "none" (not applicable).
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

from .items import (
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
from .model import CHECK_IDS, RULE_IDS, Plan, Waiver

Status = Literal["met", "unmet", "n/a", "waived"]

#: The seed's wording of each check.
CHECK_TITLES: dict[str, str] = {
    "env-config-access": "Every environment has defined configuration and access controls",
    "promotion-tests": "Pipeline includes automated tests before each promotion",
    "zero-downtime": "Zero-downtime strategy is specified with rollback speed estimate",
    "rollback-commands": "Rollback procedures are documented with exact commands",
    "flag-lifecycle": "Feature flags have defined lifecycle and cleanup dates",
    "health-coverage": "Health checks cover readiness, liveness, and post-deploy smoke tests",
    "migration-compat": "Database migrations are backward-compatible during rollout",
    "communication": "Communication plan covers both deploy and rollback scenarios",
}

#: Exactly when each check is met (the format's contract), for the docs and the CLI.
CHECK_RULES: dict[str, str] = {
    "env-config-access": "every environment has non-empty config and access.deploy; a manual "
    "approval has non-empty access.approve",
    "promotion-tests": "every deploy stage after the first has an automated test or verify "
    "stage between it and the previous deploy stage on its upstream path",
    "zero-downtime": "strategy.method is set and strategy.rollback_time is a duration; "
    "canary plans have steps",
    "rollback-commands": "rollback.triggers and rollback.steps are non-empty; every step has "
    "run or manual: true; verify is non-empty; database is set",
    "flag-lifecycle": "every flag has type, owner, lifecycle, and cleanup (or permanent: true "
    "for ops and permission flags); not applicable when feature_flags: []",
    "health-coverage": "at least one readiness, one liveness and one smoke check with "
    "when: post-deploy",
    "migration-compat": "every migration running pre-deploy or in the background is expand or "
    "migrate; every contract runs post-deploy; every reversible migration has down; not "
    "applicable when migrations: []",
    "communication": "communication.deploy and communication.rollback are both non-empty",
}


@dataclass(frozen=True)
class Finding:
    """What fails a check, at an item (or at the plan for a missing section)."""

    item: ItemRef
    message: str


@dataclass
class CheckResult:
    check: str
    status: Status
    satisfied_by: list[ItemRef] = field(default_factory=list)
    failed_by: list[Finding] = field(default_factory=list)
    waiver: Waiver | None = None
    note: str = ""  # why not applicable
    details: list[str] = field(default_factory=list)  # arithmetic, skipped inputs, ...
    data: Any = None  # a rule's own evidence for rendering (e.g. the parity drift table)

    @property
    def title(self) -> str:
        """The seed's wording of a check, or a rule's one-line title."""
        if self.check in CHECK_TITLES:
            return CHECK_TITLES[self.check]
        from .rules import rule_title

        return rule_title(self.check)

    @property
    def is_rule(self) -> bool:
        return self.check in RULE_IDS

    def sentence(self, plan_id: str) -> str:
        """How an unmet result is reported, the same in Sphinx and in the CLI."""
        kind = "rule" if self.is_rule else "check"
        return f"plan {plan_id!r} fails {kind} {self.check!r} ({self.title}): {self.summary}"

    @property
    def summary(self) -> str:
        """One sentence on the result."""
        if self.status == "n/a":
            return self.note
        if self.failed_by:
            return "; ".join(f.message for f in self.failed_by)
        return "met by " + ", ".join(i.label for i in self.satisfied_by) \
            if self.satisfied_by else "met"


@dataclass
class ExpiredWaiver:
    waiver: Waiver
    message: str


def strict_rule_ids(strict: bool | Iterable[str]) -> set[str]:
    """The rules whose unmet result fails the build: all with ``strict`` True, else
    those listed (config ``deployplan_strict_rules``, CLI ``--strict-rules``)."""
    return set(RULE_IDS) if strict is True else set(strict or ())


@dataclass
class PlanResults:
    plan_id: str
    results: list[CheckResult]  # the eight checks, in contract order
    expired_waivers: list[ExpiredWaiver] = field(default_factory=list)
    rules: list[CheckResult] = field(default_factory=list)  # release-engineering rules

    def __getitem__(self, check: str) -> CheckResult:
        return next(r for r in (*self.results, *self.rules) if r.check == check)

    def failing_rules(self, strict: bool | Iterable[str]) -> list[CheckResult]:
        """Unmet rules that fail the build (see :func:`strict_rule_ids`)."""
        chosen = strict_rule_ids(strict)
        return [r for r in self.rules if r.status == "unmet" and r.check in chosen]

    @property
    def unmet(self) -> list[CheckResult]:
        return [r for r in self.results if r.status == "unmet"]

    @property
    def applicable(self) -> list[CheckResult]:
        return [r for r in self.results if r.status != "n/a"]

    @property
    def met(self) -> list[CheckResult]:
        return [r for r in self.results if r.status in ("met", "waived")]


# --- the checks ----------------------------------------------------------------------------------


def _missing(plan: Plan, check: str, section: str, anchor_part: str, hint: str = "",
             ) -> CheckResult:
    ref = ItemRef("plan", (anchor_part,), "the plan", plan.line)
    return CheckResult(check, "unmet", failed_by=[
        Finding(ref, f"the plan has no {section} section{hint}")])


def _verdict(check: str, satisfied: list[ItemRef], failed: list[Finding]) -> CheckResult:
    return CheckResult(check, "unmet" if failed else "met", satisfied, failed)


def check_env_config_access(plan: Plan) -> CheckResult:
    check = "env-config-access"
    if plan.environments is None:
        return _missing(plan, check, "environments", "environments")
    if not plan.environments:
        return _verdict(check, [], [Finding(plan_ref(plan, "environments"),
                                            "the plan lists no environments")])
    satisfied, failed = [], []
    for env in plan.environments:
        ref = env_ref(env)
        gaps = []
        if not env.config:
            gaps.append("no configuration (config)")
        if not (env.access and env.access.deploy):
            gaps.append("no one who can deploy (access.deploy)")
        if env.approval == "manual" and not (env.access and env.access.approve):
            gaps.append("manual approval but no approvers (access.approve)")
        if gaps:
            failed.append(Finding(ref, f"environment {env.name!r} has " + " and ".join(gaps)))
        else:
            satisfied.append(ref)
    return _verdict(check, satisfied, failed)


def check_promotion_tests(plan: Plan) -> CheckResult:
    check = "promotion-tests"
    stages = plan.pipeline.stages if plan.pipeline else None
    if stages is None:
        return _missing(plan, check, "pipeline", "pipeline")
    by_id = {s.id: s for s in stages}
    deploys = [s for s in stages if s.kind == "deploy"]
    if not deploys:
        return _verdict(check, [], [Finding(plan_ref(plan, "pipeline"),
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
            if stage.kind in ("test", "verify") and stage.automated:
                tested = True
                satisfied.setdefault(stage.id, stage_ref(stage))
            todo.extend((u, tested) for u in stage.needs or [])
        if gaps:
            failed.append(Finding(stage_ref(deploy), f"deploy stage {deploy.id!r} follows "
                                  f"deploy stage {' and '.join(map(repr, gaps))} with no "
                                  f"automated test or verify stage between them"))
    ordered = [satisfied[s.id] for s in stages if s.id in satisfied]
    return _verdict(check, ordered, failed)


def check_zero_downtime(plan: Plan) -> CheckResult:
    check = "zero-downtime"
    strategy = plan.strategy
    if strategy is None:
        return _missing(plan, check, "strategy", "strategy")
    ref = strategy_ref(plan)
    gaps = []
    if not strategy.method:
        gaps.append("no method (strategy.method)")
    if not strategy.rollback_time:
        gaps.append("no rollback speed estimate (strategy.rollback_time)")
    if strategy.method == "canary" and not strategy.steps:
        gaps.append("no canary traffic steps (strategy.steps)")
    if gaps:
        return _verdict(check, [], [Finding(ref, "the strategy has " + " and ".join(gaps))])
    return _verdict(check, [ref], [])


def check_rollback_commands(plan: Plan) -> CheckResult:
    check = "rollback-commands"
    rollback = plan.rollback
    if rollback is None:
        return _missing(plan, check, "rollback", "rollback")
    section = rollback_ref(plan)
    satisfied: list[ItemRef] = []
    failed: list[Finding] = []
    if rollback.triggers:
        satisfied.extend(trigger_ref(i, t) for i, t in enumerate(rollback.triggers, 1))
    else:
        failed.append(Finding(section, "the rollback has no triggers (rollback.triggers)"))
    if rollback.steps:
        for i, step in enumerate(rollback.steps, 1):
            ref = action_ref("step", i, step)
            if step.run or step.manual:
                satisfied.append(ref)
            else:
                failed.append(Finding(ref, f"rollback step {i} {step.do!r} has no command "
                                           f"(run), and is not marked manual: true"))
    else:
        failed.append(Finding(section, "the rollback has no steps (rollback.steps)"))
    if rollback.verify:
        satisfied.extend(action_ref("verify", i, v) for i, v in enumerate(rollback.verify, 1))
    else:
        failed.append(Finding(section, "the rollback says nothing on how to verify it "
                                       "worked (rollback.verify)"))
    if rollback.database:
        satisfied.append(rollback_ref(plan, "database"))
    else:
        failed.append(Finding(section, "the rollback says nothing about the database "
                                       "(rollback.database)"))
    return _verdict(check, satisfied, failed)


def check_flag_lifecycle(plan: Plan) -> CheckResult:
    check = "flag-lifecycle"
    flags = plan.feature_flags
    if flags is None:
        return _missing(plan, check, "feature_flags", "flags",
                        " (write feature_flags: [] when the release uses none)")
    if not flags:
        return CheckResult(check, "n/a", note="the plan uses no feature flags")
    satisfied, failed = [], []
    for flag in flags:
        gaps = [key for key in ("type", "owner", "lifecycle") if not getattr(flag, key)]
        problems = []
        if not flag.cleanup:
            if not flag.permanent:
                gaps.append("cleanup date")
            elif flag.type not in ("ops", "permission"):
                problems.append(f"flag {flag.name!r} is permanent, but only ops and permission "
                                f"flags may be; give it a cleanup date")
        if gaps:
            problems.insert(0, f"flag {flag.name!r} has no " + ", no ".join(gaps))
        if problems:
            failed.append(Finding(flag_ref(flag), "; ".join(problems)))
        else:
            satisfied.append(flag_ref(flag))
    return _verdict(check, satisfied, failed)


def check_health_coverage(plan: Plan) -> CheckResult:
    check = "health-coverage"
    checks = plan.health_checks
    if checks is None:
        return _missing(plan, check, "health_checks", "health")
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
        failed.extend(Finding(health_ref(c), f"smoke check {c.check!r} does not run "
                                             f"post-deploy (when: post-deploy)") for c in smokes)
    else:
        failed.append(Finding(section, "no smoke check with when: post-deploy"))
    return _verdict(check, satisfied, failed)


def check_migration_compat(plan: Plan) -> CheckResult:
    check = "migration-compat"
    migrations = plan.migrations
    if migrations is None:
        return _missing(plan, check, "migrations", "migrations",
                        " (write migrations: [] when the release changes no schema)")
    if not migrations:
        return CheckResult(check, "n/a", note="the release has no database migrations")
    satisfied, failed = [], []
    for m in migrations:
        gaps = []
        if m.run in ("pre-deploy", "background") and m.type not in ("expand", "migrate"):
            gaps.append(f"is a {m.type} step that runs {m.run}, while the old version still "
                        f"runs (contract steps run post-deploy)")
        if m.reversible and not m.down:
            gaps.append("is reversible but has no down script")
        if gaps:
            failed.append(Finding(migration_ref(m), f"migration {m.name!r} "
                                  + " and ".join(gaps)))
        else:
            satisfied.append(migration_ref(m))
    return _verdict(check, satisfied, failed)


def check_communication(plan: Plan) -> CheckResult:
    check = "communication"
    comm = plan.communication
    if comm is None:
        return _missing(plan, check, "communication", "communication")
    satisfied: list[ItemRef] = []
    failed: list[Finding] = []
    section = plan_ref(plan, "communication")
    for scenario, notices in (("deploy", comm.deploy), ("rollback", comm.rollback)):
        if notices:
            satisfied.extend(notice_ref(scenario, i, n) for i, n in enumerate(notices, 1))
        else:
            failed.append(Finding(section, f"nobody is told about a {scenario} "
                                           f"(communication.{scenario})"))
    return _verdict(check, satisfied, failed)


CHECKS: dict[str, Callable[[Plan], CheckResult]] = {
    "env-config-access": check_env_config_access,
    "promotion-tests": check_promotion_tests,
    "zero-downtime": check_zero_downtime,
    "rollback-commands": check_rollback_commands,
    "flag-lifecycle": check_flag_lifecycle,
    "health-coverage": check_health_coverage,
    "migration-compat": check_migration_compat,
    "communication": check_communication,
}
assert tuple(CHECKS) == CHECK_IDS


def resolve_today(configured: str | _dt.date | None, environ: dict[str, str]) -> _dt.date:
    """The build's "today": the configured ISO date, else SOURCE_DATE_EPOCH (for
    reproducible builds), else the current UTC date."""
    if isinstance(configured, _dt.date):
        return configured
    if configured:
        return _dt.date.fromisoformat(str(configured))
    epoch = environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        try:  # seconds since 1970; a fraction too, as Sphinx's own dates read it
            return _dt.datetime.fromtimestamp(float(epoch), _dt.UTC).date()
        except (ValueError, OverflowError, OSError):
            raise ValueError(f"SOURCE_DATE_EPOCH must be a number of seconds since "
                             f"1970-01-01, got {epoch!r}") from None
    return _dt.datetime.now(_dt.UTC).date()


def run_checks(plan: Plan, today: _dt.date, settings: Any = None) -> PlanResults:
    """Every check and rule of the plan, with waivers in force applied as of ``today``.

    ``settings`` are the rules' settings (:class:`sphinx_deployplan.rules.RuleSettings`);
    the default ones when None.
    """
    from .rules import RuleSettings, run_rules

    results = [fn(plan) for fn in CHECKS.values()]
    rules = run_rules(plan, today, settings or RuleSettings())
    expired = []
    for waiver in plan.waivers or []:
        if waiver.until < today:
            expired.append(ExpiredWaiver(waiver, f"plan {plan.plan!r}: the waiver of check "
                                         f"{waiver.check!r} expired on "
                                         f"{waiver.until.isoformat()} and no longer applies"))
            continue
        for result in (*results, *rules):
            if result.check == waiver.check and result.status == "unmet":
                result.status = "waived"
                result.waiver = waiver
    return PlanResults(plan.plan, results, expired, rules)
