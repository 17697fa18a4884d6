"""The deployment plan, typed.  No Sphinx, no docutils, no YAML here.

The dataclasses below are the single source of truth for the plan format: the
loader reads YAML into them by walking their fields and type hints, and the
documentation is generated from the ``doc`` metadata of each field.

Conventions:

* every field defaults to ``None``; ``None`` means *absent*.  A section given
  as an empty list is an explicit "none" and stays ``[]`` (the checks treat
  the two differently);
* free text keeps the text the author wrote (``purpose: yes`` stays ``"yes"``);
* each item remembers the source line of itself and of each of its keys.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import re
import types
import typing
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal, Union

from .text import quote

# --- value types ---------------------------------------------------------------


@dataclass(frozen=True)
class Duration:
    """A duration such as ``30s``, ``5m``, ``2h``, ``1d`` (or a number of seconds)."""

    seconds: int
    text: str

    def __str__(self) -> str:
        return self.text

    @property
    def manual(self) -> bool:
        """A hold that lasts until someone promotes (``hold: manual``)."""
        return self.text == MANUAL


#: A hold with no end: the step waits until someone promotes it.
MANUAL = "manual"


@dataclass(frozen=True)
class Percent:
    """A percentage such as ``1%`` or a number from 0 to 100."""

    value: float
    text: str

    def __str__(self) -> str:
        return self.text


class _Marker:
    """Tags a ``str`` field whose text needs more than plain reading."""

    def __init__(self, name: str, description: str) -> None:
        self.name = name
        self.description = description

    def __repr__(self) -> str:
        return f"<{self.name}>"


SLUG = _Marker("slug", "a slug: lower-case letters, digits and single hyphens")
ON_OFF = _Marker("on-off", "on, off, or the name of a variant")
CHECK_ID = _Marker("check-id", "the id of a quality check or release-engineering rule")
HOLD = _Marker("hold", "a duration, or manual (held until someone promotes)")
COMMANDS = _Marker("commands", "a shell command, or a list of shell commands run in order")

#: What a slug is: the plan id, and the names exports derive from it.
SLUG_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")

Slug = Annotated[str, SLUG]
OnOff = Annotated[str, ON_OFF]
#: A check or rule id (the checks' records list them; the loader and schema read them).
CheckId = Annotated[str, CHECK_ID]
#: A traffic step's hold: a duration, or ``manual`` (read as a Duration of 0 seconds
#: whose ``manual`` is true).
Hold = Annotated[Duration, HOLD]
#: Shell commands: one command as a string, or a list of them (read as a list).
Commands = Annotated[list[str], COMMANDS]
Date = _dt.date

# --- enumerations -----------------------------------------------------------------

Approval = Literal["none", "automatic", "manual"]
StageKind = Literal["build", "test", "deploy", "approval", "verify"]
Method = Literal["blue-green", "rolling", "canary", "feature-flag"]
FlagType = Literal["release", "ops", "experiment", "permission"]
FlagLifecycle = Literal["creation", "testing", "rollout", "full-release", "cleanup"]
HealthType = Literal["readiness", "liveness", "startup", "smoke", "synthetic"]
MigrationType = Literal["expand", "migrate", "contract"]
MigrationRun = Literal["pre-deploy", "post-deploy", "background"]

MetricsProvider = Literal["prometheus", "graphite", "wavefront"]
SqlDialect = Literal["postgres", "mysql", "sqlite", "tsql", "oracle", "snowflake", "bigquery"]


# --- field helper -------------------------------------------------------------------


def spec(
    doc: str,
    *,
    required: bool = False,
    key: str | None = None,
    example: Any = None,
    identity: bool = False,
) -> Any:
    """A model field: ``doc`` is its documentation, ``key`` its YAML key when it
    differs from the attribute name, ``identity`` marks the name that must be
    unique within its list."""
    return field(
        default=None,
        metadata={
            "doc": doc,
            "required": required,
            "key": key,
            "example": example,
            "identity": identity,
        },
    )


def _internal(default_factory: Any = None) -> Any:
    kwargs: dict[str, Any] = {"compare": False, "repr": False, "metadata": {"internal": True}}
    if default_factory is None:
        kwargs["default"] = None
    else:
        kwargs["default_factory"] = default_factory
    return field(**kwargs)


@dataclass(frozen=True)
class Placeholder:
    """A placeholder (``TODO``, ``<team>``...) where the plan gives a value: the path
    of the value, its text and its line.  See :mod:`sphinx_deployplan.placeholders`."""

    where: str
    text: str
    line: int | None

    @property
    def message(self) -> str:
        return (f"{self.where} is a placeholder ({quote(self.text)}): fill it in; until then "
                f"the checks treat it as missing")


@dataclass(kw_only=True)
class Item:
    """Base of every mapping in a plan: it knows where it was written."""

    line: int | None = _internal()
    key_lines: dict[str, int] = _internal(dict)
    #: Keys whose value is a placeholder, with its text (the first one, in a list).
    placeholder_keys: dict[str, str] = _internal(dict)

    def line_of(self, key: str) -> int | None:
        """The line of ``key`` in this item, else the line of the item."""
        return self.key_lines.get(key, self.line)

    @property
    def incomplete(self) -> bool:
        """A required value is a placeholder: the item counts toward no check."""
        fields = public_fields(type(self))
        return any(fields[key].metadata.get("required") for key in self.placeholder_keys
                   if key in fields)


# --- inputs ------------------------------------------------------------------------


@dataclass(kw_only=True)
class Infrastructure(Item):
    hosting: str | None = spec("Hosting provider.", example="AWS")
    orchestration: str | None = spec("Container orchestration.", example="Kubernetes (EKS)")
    ci_cd: str | None = spec("CI/CD tooling.", example="GitHub Actions")


@dataclass(kw_only=True)
class Availability(Item):
    slo: Percent | None = spec("Availability target (SLA/SLO).", example="99.95%")
    window: Duration | None = spec("The window the SLO is measured over.", example="30d")
    maintenance_window: str | None = spec(
        "Maintenance window constraints, or none.", example="none"
    )


@dataclass(kw_only=True)
class Inputs(Item):
    infrastructure: Infrastructure | None = spec("Current infrastructure.")
    existing_process: str | None = spec(
        "The existing deployment process, if any.", example="kubectl apply from a release laptop"
    )
    availability: Availability | None = spec("Availability requirements.")


# --- environments (step 1) ------------------------------------------------------------


@dataclass(kw_only=True)
class Access(Item):
    deploy: list[str] | None = spec("Who can deploy to this environment.", example=["developers"])
    approve: list[str] | None = spec(
        "Who approves a deployment (required when approval is manual).",
        example=["sre-oncall"],
    )


@dataclass(kw_only=True)
class Environment(Item):
    name: str = spec("Environment name, unique in the plan.", required=True, identity=True,
                     example="staging")
    purpose: str = spec("What the environment is for.", required=True,
                        example="Pre-production validation")
    url: str | None = spec("Where the environment is reached.",
                           example="https://staging.checkout.example.com")
    deploy: str = spec("Deploy method.", required=True, example="Auto on merge to main")
    approval: Approval = spec("Approval before deploying here.", required=True,
                              example="automatic")
    config: dict[str, str] | None = spec(
        "Environment-specific configuration: API endpoints, database connections, "
        "flags, secrets.",
        example={"api": "https://api.staging.example.com"},
    )
    access: Access | None = spec("Access controls.")
    parity: str | None = spec("What differs from production, and why.",
                              example="Two replicas instead of twelve")


# --- pipeline (step 2) ----------------------------------------------------------------


@dataclass(kw_only=True)
class Stage(Item):
    id: str = spec("Stage id, unique in the pipeline.", required=True, identity=True,
                   example="deploy-staging")
    kind: StageKind = spec("What the stage does.", required=True, example="deploy")
    needs: list[str] | None = spec(
        "Upstream stage ids (default: the previous stage).", example=["test"]
    )
    does: list[str] | None = spec("What the stage does, in a few words each.",
                                  example=["unit tests", "security scan"])
    automated: bool | None = spec("Whether the stage runs without a person "
                                  "(default true for test and verify stages).")
    environment: str | None = spec("The environment a deploy stage deploys to "
                                   "(required for deploy stages).", example="staging")
    approvers: list[str] | None = spec("Who approves, for approval stages.",
                                       example=["release-managers"])
    run: Commands | None = spec(
        "The shell commands the exported CI job runs, in order (a string or a list). A "
        "verify stage without them runs the smoke checks' commands; any other stage "
        "without them exports as a job that fails, naming the stage.",
        example=["make lint", "make test"])


@dataclass(kw_only=True)
class Artifacts(Item):
    tagging: str | None = spec("Image tagging strategy.",
                               example="git sha, plus semver on release tags")
    retention: str | None = spec("Artifact retention policy.",
                                 example="untagged images 30d, release images forever")
    registry: str | None = spec("Where artifacts are stored.", example="ghcr.io/example/app")


@dataclass(kw_only=True)
class Pipeline(Item):
    stages: list[Stage] | None = spec("The stages; they form a graph through needs.")
    artifacts: Artifacts | None = spec("Artifact management.")


# --- strategy (step 3) ----------------------------------------------------------------


@dataclass(kw_only=True)
class TrafficStep(Item):
    traffic: Percent = spec("Share of traffic on the new version.", required=True,
                            example="10%")
    hold: Hold | None = spec("How long to hold before the next step, or `manual`: held until "
                             "someone promotes it (an Argo Rollouts `pause: {}`).",
                             example="30m")


@dataclass(kw_only=True)
class PromotionGate(Item):
    metric: str = spec("Metric name.", required=True, example="http_5xx_ratio")
    threshold: str = spec("Condition the metric must meet.", required=True,
                          example="< 0.5%")
    window: Duration | None = spec("Measurement window.", example="5m")
    query: str | None = spec(
        "The query that measures the metric, for the exported analysis (Argo Rollouts "
        "AnalysisTemplate); a criterion without one is left out of the analysis.",
        example='sum(rate(http_requests_total{code=~"5.."}[5m])) / '
                'sum(rate(http_requests_total[5m]))')


@dataclass(kw_only=True)
class Rolling(Item):
    max_surge: str | None = spec("Extra instances during the update.", example="25%")
    max_unavailable: str | None = spec("Instances that may be down.", example="0")


@dataclass(kw_only=True)
class BlueGreen(Item):
    switch: str | None = spec("How traffic is switched.",
                              example="flip the ALB target group")
    keep_previous: Duration | None = spec("How long the previous colour is kept.",
                                          example="1h")


@dataclass(kw_only=True)
class Strategy(Item):
    method: Method | None = spec("The zero-downtime method.", example="canary")
    why: str | None = spec("Why this method: risk tolerance, infrastructure, rollback speed.")
    rollback_time: Duration | None = spec("Rollback speed estimate.", example="2m")
    steps: list[TrafficStep] | None = spec("Traffic steps (canary and feature-flag).")
    promote_when: list[PromotionGate] | None = spec("Metric-gated promotion criteria.")
    rolling: Rolling | None = spec("Rolling update details.")
    blue_green: BlueGreen | None = spec("Blue-green details.", key="blue-green")


# --- rollback (step 4) ----------------------------------------------------------------


@dataclass(kw_only=True)
class Trigger(Item):
    when: str = spec("Condition that initiates a rollback.", required=True,
                     example="http_5xx_ratio > 1% for 5m")
    automatic: bool | None = spec("Whether the rollback starts by itself.")


@dataclass(kw_only=True)
class Action(Item):
    do: str = spec("What to do, in words.", required=True, example="Abort the canary")
    run: str | None = spec("The exact command.",
                           example="kubectl argo rollouts abort checkout -n shop")
    manual: bool | None = spec("A manual step (UI clicks) with no command.")


@dataclass(kw_only=True)
class RollbackTesting(Item):
    how: str | None = spec("How rollback is tested.", example="rollback drill in staging")
    when: str | None = spec("When it is tested.", example="every release")


@dataclass(kw_only=True)
class Rollback(Item):
    triggers: list[Trigger] | None = spec("Conditions that initiate a rollback.")
    steps: list[Action] | None = spec("Rollback steps, in order, with exact commands.")
    verify: list[Action] | None = spec("How to confirm the rollback worked.")
    database: str | None = spec("Data rollback considerations: reverse or forward-fix.")
    tested: RollbackTesting | None = spec("How and when the rollback is verified.")


# --- communication ----------------------------------------------------------------------


@dataclass(kw_only=True)
class Notice(Item):
    who: str = spec("Who is told.", required=True, example="#checkout-releases")
    how: str | None = spec("Channel.", example="slack")
    when: str | None = spec("When.", example="at start and at finish")


@dataclass(kw_only=True)
class Communication(Item):
    deploy: list[Notice] | None = spec("Who is told about a deployment.")
    rollback: list[Notice] | None = spec("Who is told about a rollback.")


# --- feature flags (step 5) ---------------------------------------------------------------


@dataclass(kw_only=True)
class FlagPolicy(Item):
    tool: str | None = spec("Flag management tool.", example="LaunchDarkly")
    naming: str | None = spec("Naming convention.", example="<team>-<feature>")
    max_age: Duration | None = spec("Maximum age of a temporary flag.", example="90d")
    review: str | None = spec("Review cadence.", example="monthly")


@dataclass(kw_only=True)
class Flag(Item):
    name: str = spec("Flag name, unique in the plan.", required=True, identity=True,
                     example="checkout-v2-ui")
    type: FlagType | None = spec("Flag type.", example="release")
    default: OnOff | None = spec("Default value: on, off, or a variant name.", example="off")
    owner: str | None = spec("Who owns the flag.", example="payments-team")
    rollout: list[Percent] | None = spec("Rollout plan.", example=["1%", "10%", "100%"])
    lifecycle: FlagLifecycle | None = spec("Current lifecycle stage.", example="rollout")
    created: Date | None = spec("When the flag was created.", example="2026-11-20")
    cleanup: Date | None = spec("Cleanup date (required for release and experiment flags).",
                                example="2027-01-15")
    permanent: bool | None = spec("A permanent ops or permission flag (no cleanup date).")
    review: str | None = spec("Review cadence of a permanent flag.", example="quarterly")


# --- health checks (step 6) -----------------------------------------------------------------


@dataclass(kw_only=True)
class HealthCheck(Item):
    check: str = spec("Check name, unique in the plan.", required=True, identity=True,
                      example="Readiness")
    type: HealthType = spec("Kind of check.", required=True, example="readiness")
    endpoint: str | None = spec("Endpoint probed (a check has endpoint or run).",
                                example="/health/ready")
    run: str | None = spec("Command run (a check has endpoint or run).",
                           example='pytest tests/smoke --base-url "$URL"')
    interval: Duration | None = spec("How often it runs.", example="5s")
    failure_threshold: int | None = spec("Consecutive failures before it fails.", example=3)
    when: str | None = spec("When it runs, e.g. post-deploy.", example="post-deploy")
    verifies: list[str] | None = spec("Dependencies it verifies.", example=["database"])
    covers: list[str] | None = spec("Critical paths it covers.", example=["login"])


# --- migrations (step 7) ----------------------------------------------------------------------


@dataclass(kw_only=True)
class Migration(Item):
    name: str = spec("Migration name, unique in the plan.", required=True, identity=True,
                     example="add-orders-status-v2")
    type: MigrationType = spec("Expand, migrate or contract.", required=True,
                               example="expand")
    run: MigrationRun = spec("When it runs.", required=True, example="pre-deploy")
    reversible: bool | None = spec("Whether a reverse migration exists.")
    up: str | None = spec("Forward SQL or tool command.",
                          example="ALTER TABLE orders ADD COLUMN status_v2 text NULL")
    down: str | None = spec("Reverse SQL or tool command.",
                            example="ALTER TABLE orders DROP COLUMN status_v2")
    depends_on: list[str] | None = spec("Names of migrations that must run first.")
    backfill: str | None = spec("Data backfill strategy.")
    tested_on: str | None = spec("Where it was tested with production-like data.")
    dialect: SqlDialect | None = spec("SQL dialect of up/down for the destructive-sql rule "
                                      "(default: the deployplan_sql_dialect setting).",
                                      example="postgres")
    up_file: str | None = spec(
        "A SQL file to read the forward migration from instead of `up`, relative to the "
        "sources root; the SQL rules analyse its text, and `source-drift` checks that it "
        "exists.", example="db/migrations/20261120_status_v2.up.sql")
    down_file: str | None = spec(
        "A SQL file to read the reverse migration from instead of `down`, relative to the "
        "sources root.", example="db/migrations/20261120_status_v2.down.sql")


# --- runtime ------------------------------------------------------------------------------------


@dataclass(kw_only=True)
class Metrics(Item):
    provider: MetricsProvider | None = spec(
        "The metrics backend the exported analysis queries (default prometheus).",
        example="prometheus")
    address: str | None = spec("Where the metrics backend answers queries.",
                               example="http://prometheus.monitoring:9090")


@dataclass(kw_only=True)
class Runtime(Item):
    """What the service runs as, for the exports (CI jobs, Rollout, probes)."""

    image: str | None = spec(
        "The container image repository, without a tag: the pipeline sets the tag "
        "(IMAGE_TAG).", example="ghcr.io/acme/checkout")
    namespace: str | None = spec("The Kubernetes namespace the service runs in.",
                                 example="shop")
    replicas: int | None = spec("How many replicas run.", example=4)
    port: int | None = spec("The container port that probes and services use.", example=8080)
    metrics: Metrics | None = spec("The metrics backend that promotion criteria query.")


# --- sources -----------------------------------------------------------------------------------


@dataclass(kw_only=True)
class Sources(Item):
    """The repository's files that really deploy the service.  Paths are relative to
    the sources root; the rule ``source-drift`` compares the plan with them."""

    rollout: str | None = spec(
        "An Argo Rollout (kind: Rollout) or a Flagger Canary (kind: Canary): compared with "
        "strategy (method, steps, promotion metrics).", example="deploy/checkout-rollout.yaml")
    workflow: str | None = spec(
        "A GitHub Actions workflow or a .gitlab-ci.yml: compared with the environments the "
        "deploy stages deploy to, their order and manual approvals.",
        example=".github/workflows/deploy.yml")
    workload: str | None = spec(
        "A Deployment, StatefulSet, DaemonSet or Rollout: its container's probes are compared "
        "with the readiness, liveness and startup health checks.",
        example="deploy/checkout-deployment.yaml")
    flags: str | None = spec(
        "flagd flag definitions (JSON or YAML): compared with feature_flags (names and "
        "defaults).", example="flags/checkout.flagd.json")


# --- waivers ------------------------------------------------------------------------------------


@dataclass(kw_only=True)
class Waiver(Item):
    # (no example here: the ids are the checks' records'; the schema lists them all)
    check: CheckId = spec("The check or rule id waived.", required=True)
    reason: str = spec("Why the exception is accepted.", required=True)
    approved_by: str = spec("Who accepted it.", required=True, example="head-of-platform")
    until: Date = spec("Last day the waiver applies.", required=True, example="2027-03-01")


# --- the plan ---------------------------------------------------------------------------------


@dataclass(kw_only=True)
class Plan(Item):
    plan: Slug = spec("Plan id, unique across the site.", required=True,
                      example="checkout-v2")
    title: str = spec("Title.", required=True, example="Checkout service v2.4")
    service: str = spec("The feature or service being deployed.", required=True,
                        example="checkout-service")
    owner: str = spec("Who owns the plan.", required=True, example="payments-team")
    summary: str | None = spec("What the release does.")
    inputs: Inputs | None = spec("What the plan starts from: infrastructure, existing process, "
                                 "availability.")
    environments: list[Environment] | None = spec("Step 1: the environment progression.")
    pipeline: Pipeline | None = spec("Step 2: build, test and deploy stages.")
    strategy: Strategy | None = spec("Step 3: the zero-downtime strategy.")
    rollback: Rollback | None = spec("Step 4: rollback procedures.")
    communication: Communication | None = spec("Who is told, for deploys and rollbacks.")
    flag_policy: FlagPolicy | None = spec("Step 5: flag tooling, naming and cleanup policy.")
    feature_flags: list[Flag] | None = spec("Step 5: the feature flags ([] for none).")
    health_checks: list[HealthCheck] | None = spec("Step 6: health checks.")
    migrations: list[Migration] | None = spec("Step 7: database migrations ([] for none).")
    runtime: Runtime | None = spec("What the service runs as: image, namespace, replicas, "
                                   "port and metrics backend (used by the exports).")
    sources: Sources | None = spec("The deploy files in the repository that the plan must "
                                   "agree with (rule source-drift).")
    waivers: list[Waiver] | None = spec("Accepted exceptions to a check.")

    # Provenance, set by the loader.
    source: str | None = _internal()
    digest: str | None = _internal()
    placeholders: tuple[Placeholder, ...] = _internal(tuple)

    def environment(self, name: str) -> Environment | None:
        return next((e for e in self.environments or () if e.name == name), None)

    @property
    def stages(self) -> list[Stage]:
        """The pipeline's stages, or none (whether the pipeline is absent or empty)."""
        return self.pipeline.stages or [] if self.pipeline else []

    def stage(self, stage_id: str) -> Stage | None:
        return next((s for s in self.stages if s.id == stage_id), None)


# --- walking the model ------------------------------------------------------------------------


_PUBLIC_FIELDS: dict[type, dict[str, dataclasses.Field]] = {}
_TYPE_HINTS: dict[type, dict[str, Any]] = {}


def public_fields(cls: type) -> dict[str, dataclasses.Field]:
    """YAML key -> field, for the fields an author may write (worked out once per class:
    the loader asks for every mapping it reads)."""
    found = _PUBLIC_FIELDS.get(cls)
    if found is None:
        found = _PUBLIC_FIELDS[cls] = {(f.metadata.get("key") or f.name): f
                                       for f in dataclasses.fields(cls)
                                       if not f.metadata.get("internal")}
    return found


def strip_optional(tp: Any) -> Any:
    """``X | None`` -> ``X``."""
    if typing.get_origin(tp) in (Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        if len(args) == 1:
            return args[0]
    return tp


def type_hints(cls: type) -> dict[str, Any]:
    """A model class's field types, with their ``Annotated`` markers (once per class)."""
    found = _TYPE_HINTS.get(cls)
    if found is None:
        found = _TYPE_HINTS[cls] = typing.get_type_hints(cls, include_extras=True)
    return found
