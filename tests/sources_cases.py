"""Plans that match real deploy files, and single edits of those files that each make
one difference (shared by the source-drift tests).

The deploy files are upstream examples (``tests/sources/<project>/``, each with its
licence) plus a few of our own (``tests/sources/acme/``).  Each plan is written so
that the items a difference is about sit on one line, and :func:`expected` finds the
lines on both sides.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
UPSTREAM = HERE / "sources"
TODAY = "2026-11-27"


def _read(name: str) -> str:
    return (UPSTREAM / name).read_text(encoding="utf-8")


#: Every deploy file of a base, by its name in the case folder.
FILES = {
    "argo": {
        # the Rollout and its AnalysisTemplates in one file
        "rollout.yaml": _read("argo-rollouts/rollout-canary.yaml") + "\n"
        + _read("argo-rollouts/analysis-templates.yaml"),
        "deploy.yml": _read("acme/deploy.yml"),
        "deployment.yaml": _read("acme/deployment.yaml"),
        "flags.flagd.json": _read("flagd/example_flags.flagd.json"),
        "db/001_add_col.up.sql": "ALTER TABLE t ADD COLUMN c text NULL;\n",
        "db/001_add_col.down.sql": "ALTER TABLE t DROP COLUMN c;\n",
        "db/002_drop_old.up.sql": "ALTER TABLE t DROP COLUMN old;\n",
    },
    "flagger": {
        "canary.yaml": _read("flagger/linkerd-canary-steps.yaml"),
        "gitlab-ci.yml": _read("acme/gitlab-ci.yml"),
        "podinfo.yaml": _read("flagger/podinfo-deployment.yaml"),
    },
}

_COMMON = """\
owner: demo-team
inputs:
  infrastructure: {{hosting: AWS, orchestration: EKS, ci_cd: CI}}
  availability: {{slo: 99.95%, window: 30d}}
rollback:
  triggers: [{{when: 5xx > 1%, automatic: true}}]
  steps:
    - {{do: Abort, run: kubectl argo rollouts abort app}}
  verify: [{{do: Stable serves traffic, run: kubectl argo rollouts status app}}]
  database: Expand-only; forward-fix.
communication:
  deploy: [{{who: "#releases", how: slack, when: at start}}]
  rollback: [{{who: on-call, how: pagerduty, when: immediately}}]
"""

_FLAG = ("  - {{name: {name}, type: release, default: {default}, owner: web, lifecycle: rollout, "
         "cleanup: 2027-01-31}}\n")

PLANS = {
    "argo": """\
plan: {plan}
title: Rollouts demo
service: rollouts-demo
""" + _COMMON + """\
environments:
  - {{name: dev, purpose: Development, deploy: CI, approval: none, config: {{api: dev}},
     access: {{deploy: [developers]}}}}
  - {{name: staging, purpose: Staging, deploy: CI, approval: automatic,
     config: {{api: staging}}, access: {{deploy: [ci]}}}}
  - {{name: production, purpose: Live, deploy: CI, approval: manual, config: {{api: prod}},
     access: {{deploy: [release], approve: [sre]}}}}
pipeline:
  stages:
    - {{id: build, kind: build}}
    - {{id: test, kind: test}}
    - {{id: deploy-dev, kind: deploy, environment: dev}}
    - {{id: smoke-dev, kind: verify}}
    - {{id: deploy-staging, kind: deploy, environment: staging}}
    - {{id: smoke-staging, kind: verify}}
    - {{id: approve-production, kind: approval, approvers: [sre]}}
    - {{id: deploy-production, kind: deploy, environment: production}}
strategy:
  method: canary
  rollback_time: 2m
  steps:
    - {{traffic: 20%, hold: manual}}
    - {{traffic: 40%, hold: 40s}}
    - {{traffic: 60%, hold: 20s}}
    - {{traffic: 80%, hold: 20s}}
    - {{traffic: 100%}}
  promote_when:
    - {{metric: pass, threshold: "= 1", window: 5m}}
    - {{metric: random-fail, threshold: "< 2", window: 5m}}
feature_flags:
""" + "".join(_FLAG.format(name=n, default=d) for n, d in (
        ("myBoolFlag", "on"), ("myStringFlag", "key1"), ("myFloatFlag", "one"),
        ("myIntFlag", "one"), ("myObjectFlag", "object1"), ("isColorYellow", "off"),
        ("fibAlgo", "recursive"), ("headerColor", "red"))).replace("{", "{{").replace(
        "}", "}}") + """\
health_checks:
  - {{check: Readiness, type: readiness, endpoint: /health/ready, interval: 5s,
     failure_threshold: 3}}
  - {{check: Liveness, type: liveness, endpoint: /health/live, interval: 10s,
     failure_threshold: 5}}
  - {{check: Smoke, type: smoke, run: ./smoke.sh, when: post-deploy}}
migrations:
  - {{name: add-col, up_file: {root}/db/001_add_col.up.sql, type: expand, run: pre-deploy,
     reversible: true, down_file: {root}/db/001_add_col.down.sql}}
  - {{name: drop-old, up_file: {root}/db/002_drop_old.up.sql, type: contract,
     run: post-deploy, reversible: false, depends_on: [add-col]}}
sources:
  rollout: {root}/rollout.yaml
  workflow: {root}/deploy.yml
  workload: {root}/deployment.yaml
  flags: {root}/flags.flagd.json
""",
    "flagger": """\
plan: {plan}
title: Podinfo
service: podinfo
""" + _COMMON + """\
environments:
  - {{name: staging, purpose: Staging, deploy: GitLab, approval: automatic,
     config: {{api: staging}}, access: {{deploy: [ci]}}}}
  - {{name: production, purpose: Live, deploy: GitLab, approval: manual,
     config: {{api: prod}}, access: {{deploy: [release], approve: [sre]}}}}
pipeline:
  stages:
    - {{id: build, kind: build}}
    - {{id: unit-tests, kind: test}}
    - {{id: deploy-staging, kind: deploy, environment: staging}}
    - {{id: smoke-staging, kind: verify}}
    - {{id: deploy-production, kind: deploy, environment: production}}
strategy:
  method: canary
  rollback_time: 2m
  steps:
""" + "".join(f"    - {{{{traffic: {w}%, hold: 15s}}}}\n" for w in range(5, 60, 5)) + """\
    - {{traffic: 100%}}
  promote_when:
    - {{metric: request-success-rate, threshold: "> 99", window: 1m}}
    - {{metric: request-duration, threshold: "< 500", window: 30s}}
feature_flags: []
health_checks:
  - {{check: Readiness, type: readiness, run: podcli check http localhost:9898/readyz}}
  - {{check: Liveness, type: liveness, run: podcli check http localhost:9898/healthz}}
  - {{check: Smoke, type: smoke, run: ./smoke.sh, when: post-deploy}}
migrations: []
sources:
  rollout: {root}/canary.yaml
  workflow: {root}/gitlab-ci.yml
  workload: {root}/podinfo.yaml
""",
}


@dataclass(frozen=True)
class Case:
    """One edit of one deploy file, and the one difference it makes."""

    name: str
    base: str
    file: str
    old: str  # replaced once in the file; "" deletes the file
    new: str
    plan_line: str  # a text on the plan's line of the difference
    says: str  # the message after "plan 'x': ", with {file} and {line} for the file side

    @property
    def plan_id(self) -> str:
        return f"case-{self.name}"


CASES = [
    Case("weight", "argo", "rollout.yaml", "- setWeight: 40", "- setWeight: 30",
         "traffic: 40%", "strategy.steps[2].traffic is 40% but {file}:{line} sets setWeight: 30"),
    Case("pause", "argo", "rollout.yaml", "- pause: {duration: 40s}",
         "- pause: {duration: 45s}", "traffic: 40%",
         "strategy.steps[2].hold is 40s but {file}:{line} sets pause: {{duration: 45s}}"),
    Case("indefinite-pause", "argo", "rollout.yaml", "- pause: {}", "- pause: {duration: 1h}",
         "traffic: 20%",
         "strategy.steps[1].hold is manual but {file}:{line} sets pause: {{duration: 1h}}"),
    Case("method", "argo", "rollout.yaml", "    canary:\n", "    blueGreen:\n",
         "method: canary",
         "strategy.method is canary but {file}:{line} sets spec.strategy.blueGreen"),
    Case("analysis-metric", "argo", "rollout.yaml", "  - name: random-fail\n    count: 2",
         "  - name: random-failures\n    count: 2", "metric: random-fail",
         "strategy.promote_when[2].metric is random-fail but no analysis in {file}:{line} "
         "measures it (the AnalysisTemplates in the file and the templates it names measure "
         "pass, random-failures)"),
    Case("environment", "argo", "deploy.yml", "    environment: production\n", "",
         "id: deploy-production",
         "stage deploy-production deploys to environment production but no job in "
         "{file}:{line} has environment: production (its jobs deploy to dev, staging)"),
    Case("order", "argo", "deploy.yml", "    needs: smoke-dev\n    environment:",
         "    needs: test\n    environment:", "id: deploy-staging",
         "stage deploy-staging promotes to staging after dev, but {file}:{line} job "
         "deploy-staging does not wait for job deploy-dev (dev): it does not need it, "
         "directly or through other jobs"),
    Case("probe-path", "argo", "deployment.yaml", "path: /health/ready", "path: /ready",
         "check: Readiness",
         "health_checks[Readiness].endpoint is /health/ready but {file}:{line} probes "
         "httpGet.path: /ready"),
    Case("probe-period", "argo", "deployment.yaml", "periodSeconds: 10", "periodSeconds: 15",
         "check: Liveness",
         "health_checks[Liveness].interval is 10s but {file}:{line} sets periodSeconds: 15"),
    Case("flag-default", "argo", "flags.flagd.json", '"defaultVariant": "off"',
         '"defaultVariant": "on"', "name: isColorYellow",
         "feature_flags[isColorYellow].default is off but {file}:{line} sets "
         "defaultVariant: on"),
    Case("undocumented-flag", "argo", "flags.flagd.json", '"flags": {\n',
         '"flags": {\n    "newCheckout": {"state": "ENABLED", "variants": {"on": true, '
         '"off": false}, "defaultVariant": "off"},\n', "feature_flags:",
         "{file}:{line} defines flag newCheckout, which feature_flags does not list (an "
         "undocumented flag)"),
    Case("missing-up-file", "argo", "db/001_add_col.up.sql", "", "", "name: add-col",
         "migrations[add-col].up_file is {file}, which does not exist"),
    Case("flagger-weight", "flagger", "canary.yaml", "stepWeights: [5, 10, 15,",
         "stepWeights: [5, 10, 20,", "traffic: 15%",
         "strategy.steps[3].traffic is 15% but {file}:{line} sets stepWeights[3]: 20"),
    Case("flagger-threshold", "flagger", "canary.yaml", "max: 500", "max: 400",
         "metric: request-duration",
         "strategy.promote_when[2].threshold is '< 500' but {file}:{line} sets "
         "thresholdRange: {{max: 400}}"),
    Case("flagger-metric", "flagger", "canary.yaml", "- name: request-success-rate",
         "- name: request-success", "metric: request-success-rate",
         "strategy.promote_when[1].metric is request-success-rate but no analysis in "
         "{file}:{line} measures it (Flagger's analysis.metrics measure request-success, "
         "request-duration)"),
    Case("gitlab-manual", "flagger", "gitlab-ci.yml", "  when: manual\n", "",
         "name: production",
         "environment production has approval: manual but {file}:{line} job "
         "deploy-production deploys to it without when: manual"),
    Case("exec-probe", "flagger", "podinfo.yaml", "localhost:9898/readyz",
         "localhost:9898/ready", "check: Readiness",
         "health_checks[Readiness].run is 'podcli check http localhost:9898/readyz' but "
         "{file}:{line} probes with exec.command: 'podcli check http localhost:9898/ready'"),
]

#: The file-side line of each case: the line of ``new`` in the edited file, else (a
#: removed key) the line this text is on (the n-th line holding it, when n is given).
FILE_LINES: dict[str, str | tuple[str, int]] = {
    "environment": "jobs:",
    "method": "blueGreen:",
    "analysis-metric": "  - name: pass",
    "flagger-metric": "- name: request-success",
    "gitlab-manual": "deploy-production:",
    "exec-probe": ("command:", 3),  # the container's, the liveness probe's, the readiness's
    "order": "deploy-staging:",
    "flag-default": ('"defaultVariant": "on"', 2),  # myBoolFlag's is the first
    "undocumented-flag": '"newCheckout"',
}


def write_case(root: Path, plan_dir: Path, base: str, plan_id: str,
               case: Case | None = None) -> Path:
    """The deploy files of ``base`` under ``root/repo/<plan id>/`` (with ``case``'s edit)
    and the plan, as ``plan_dir/<plan id>.yaml``, naming them."""
    folder = f"repo/{plan_id}"
    for name, text in FILES[base].items():
        path = root / folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if case is not None and case.file == name:
            if not case.old:
                continue  # the edit is: the file is gone
            assert text.count(case.old) == 1, (case.name, case.old)
            text = text.replace(case.old, case.new)
        path.write_text(text, encoding="utf-8")
    plan_dir.mkdir(parents=True, exist_ok=True)
    plan = plan_dir / f"{plan_id}.yaml"
    plan.write_text(PLANS[base].format(plan=plan_id, root=folder), encoding="utf-8")
    return plan


def expected(root: Path, case: Case, plan: Path) -> tuple[int, str]:
    """(plan line, message) of the difference ``case`` makes."""
    lines = plan.read_text(encoding="utf-8").splitlines()
    plan_line = next(i for i, line in enumerate(lines, 1) if case.plan_line in line)
    name = f"repo/{case.plan_id}/{case.file}"
    path = root / name
    file_line = 0
    if path.exists():
        marker = FILE_LINES.get(case.name, case.new.strip().split("\n")[0])
        marker, nth = marker if isinstance(marker, tuple) else (marker, 1)
        text = path.read_text(encoding="utf-8").splitlines()
        file_line = [i for i, line in enumerate(text, 1) if marker in line][nth - 1]
    return plan_line, f"plan '{case.plan_id}': " + case.says.format(file=name, line=file_line)
