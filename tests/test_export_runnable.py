"""A plan that gives every command and runtime field exports files that run as they
are: no TODO, no placeholder, the runtime in the Rollout, the probes as a patch of
the workload the plan names, and the reader fixes the round trip called for."""

from __future__ import annotations

import copy
import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from test_export_k8s import crd_validators, k8s_validate, strategic_merge

from sphinx_deployplan.checks import run_checks
from sphinx_deployplan.export import EXPORTERS
from sphinx_deployplan.loader import load_plan
from sphinx_deployplan.sources import read_plan_sources

HERE = Path(__file__).resolve().parent
TODAY = dt.date(2026, 11, 27)

FULL = """\
plan: shop-api
title: Shop API 3.1
service: shop-api
owner: shop-team
runtime:
  image: ghcr.io/acme/shop-api
  namespace: shop
  replicas: 4
  port: 8080
  metrics: {provider: prometheus, address: http://prometheus.monitoring:9090}
environments:
  - {name: staging, purpose: Pre-production, url: https://staging.shop.example.com, deploy: CI,
     approval: automatic, config: {db: shop-staging}, access: {deploy: [ci]}}
  - {name: production, purpose: Live, url: https://shop.example.com, deploy: CI,
     approval: manual, config: {db: shop}, access: {deploy: [ci], approve: [sre-oncall]}}
pipeline:
  stages:
    - id: build
      kind: build
      run: ['docker build -t "$IMAGE:$IMAGE_TAG" .', 'docker push "$IMAGE:$IMAGE_TAG"']
    - {id: test, kind: test, run: make test}
    - {id: deploy-staging, kind: deploy, environment: staging,
       run: ./deploy.sh staging}
    - {id: smoke-staging, kind: verify}
    - {id: approve-prod, kind: approval, approvers: [release-managers]}
    - {id: deploy-prod, kind: deploy, environment: production, run: ./deploy.sh production}
    - {id: smoke-prod, kind: verify}
strategy:
  method: canary
  rollback_time: 2m
  steps: [{traffic: 10%, hold: 10m}, {traffic: 50%, hold: manual}, {traffic: 100%}]
  promote_when:
    - metric: http_5xx_ratio
      threshold: "< 0.5%"
      window: 5m
      query: >-
        sum(rate(http_requests_total{code=~"5.."}[5m]))
        / sum(rate(http_requests_total[5m]))
feature_flags:
  - {name: shop-new-cart, type: release, default: off, owner: shop-team, rollout: [5%, 100%],
     lifecycle: rollout, created: 2026-11-01, cleanup: 2027-01-31}
health_checks:
  - {check: Readiness, type: readiness, endpoint: /ready, interval: 5s, failure_threshold: 3}
  - {check: Liveness, type: liveness, run: "pgrep -f shop-api", interval: 10s}
  - {check: Smoke, type: smoke, run: 'pytest smoke --base-url "$URL"', when: post-deploy}
"""


@pytest.fixture
def plan():
    return load_plan(FULL)


@pytest.mark.parametrize("name", [n for n in EXPORTERS if n != "markdown"])
def test_a_complete_plan_exports_no_todo_and_no_placeholder(plan, name):
    text = EXPORTERS[name].export(plan)
    for word in ("TODO", "placeholder", ".invalid", "no run commands", "needs a query"):
        assert word not in text, (name, word)


def test_the_rollout_carries_the_runtime(plan, shared_schemas):
    rollout, template = yaml.safe_load_all(EXPORTERS["argo-rollouts"].export(plan))
    for doc in (rollout, template):
        crd_validators(shared_schemas / "argo-rollouts")[doc["kind"]][1].validate(doc)
        assert doc["metadata"]["namespace"] == "shop"
    assert rollout["spec"]["replicas"] == 4
    (container,) = rollout["spec"]["template"]["spec"]["containers"]
    assert container["image"] == "ghcr.io/acme/shop-api:${IMAGE_TAG}"
    assert container["ports"] == [{"name": "http", "containerPort": 8080}]
    assert rollout["spec"]["strategy"]["canary"]["steps"] == [
        {"setWeight": 10}, {"pause": {"duration": "10m"}}, {"setWeight": 50}, {"pause": {}},
        {"setWeight": 100}]
    (metric,) = template["spec"]["metrics"]
    assert metric["provider"] == {"prometheus": {
        "address": "http://prometheus.monitoring:9090",
        "query": plan.strategy.promote_when[0].query}}


def test_criteria_without_a_query_are_named_and_left_out(plan):
    plan.strategy.promote_when[0].query = None
    text = EXPORTERS["argo-rollouts"].export(plan)
    docs = list(yaml.safe_load_all(text))
    assert [d["kind"] for d in docs] == ["Rollout"]
    assert "analysis" not in docs[0]["spec"]["strategy"]["canary"]
    assert '# Metric "http_5xx_ratio" needs a query (strategy.promote_when[].query): it is ' \
           'left out of the analysis.' in text.splitlines()


def write(folder: Path, name: str, text: str) -> None:
    (folder / name).parent.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(text, encoding="utf-8")


def test_the_probes_patch_the_rollout_the_plan_names(plan, tmp_path, shared_schemas):
    """A Rollout is a custom resource: a JSON patch at its container's index, which
    applied to the file gives a valid Rollout with the plan's probes."""
    rollout = yaml.safe_load(EXPORTERS["argo-rollouts"].export(plan).split("\n---")[0])
    rollout["metadata"]["name"] = "shop"
    sidecar = {"name": "proxy", "image": "envoyproxy/envoy:v1.30"}
    containers = rollout["spec"]["template"]["spec"]["containers"]
    containers.insert(0, sidecar)
    for key in ("readinessProbe", "livenessProbe"):
        containers[1].pop(key)
    write(tmp_path, "deploy/rollout.yaml", yaml.safe_dump(rollout))
    plan = load_plan(FULL + "sources: {workload: deploy/rollout.yaml}\n")
    sources = read_plan_sources(plan, tmp_path)
    text = EXPORTERS["k8s-probes"].export(plan, sources=sources)
    assert "kubectl patch rollout shop -n shop --type json" in text
    (ops,) = yaml.safe_load_all(text)
    assert [op["path"] for op in ops] == ["/spec/template/spec/containers/1/readinessProbe",
                                          "/spec/template/spec/containers/1/livenessProbe"]
    patched = copy.deepcopy(rollout)
    for op in ops:  # RFC 6902 "add": set the member (replacing one that is there)
        assert op["op"] == "add"
        *parents, last = op["path"].strip("/").split("/")
        target = patched
        for part in parents:
            target = target[int(part)] if isinstance(target, list) else target[part]
        target[last] = op["value"]
    crd_validators(shared_schemas / "argo-rollouts")["Rollout"][1].validate(patched)
    fixed = patched["spec"]["template"]["spec"]["containers"]
    assert fixed[0] == sidecar
    assert fixed[1]["readinessProbe"]["httpGet"] == {"path": "/ready", "port": 8080}
    assert fixed[1]["livenessProbe"]["exec"] == {"command": ["sh", "-c", "pgrep -f shop-api"]}
    # and the patched file agrees with the plan
    write(tmp_path, "deploy/rollout.yaml", yaml.safe_dump(patched))
    result = run_checks(plan, TODAY, sources=read_plan_sources(plan, tmp_path))
    assert result["source-drift"].status == "met", result["source-drift"].failed_by


def test_the_probes_patch_the_statefulset_the_plan_names(plan, tmp_path):
    workload = {"apiVersion": "apps/v1", "kind": "StatefulSet",
                "metadata": {"name": "shop-db-api", "namespace": "data"},
                "spec": {"serviceName": "shop", "selector": {"matchLabels": {"a": "b"}},
                         "template": {"metadata": {"labels": {"a": "b"}}, "spec": {
                             "containers": [{"name": "shop-api", "image": "x:1"}]}}}}
    write(tmp_path, "k8s/sts.yaml", yaml.safe_dump(workload))
    plan = load_plan(FULL + "sources: {workload: k8s/sts.yaml}\n")
    text = EXPORTERS["k8s-probes"].export(plan, sources=read_plan_sources(plan, tmp_path))
    (patch,) = yaml.safe_load_all(text)
    assert (patch["kind"], patch["metadata"]) == ("StatefulSet",
                                                  {"name": "shop-db-api", "namespace": "data"})
    merged = strategic_merge(workload, patch)
    k8s_validate(merged)
    (container,) = merged["spec"]["template"]["spec"]["containers"]
    assert container["image"] == "x:1" and set(container) >= {"readinessProbe", "livenessProbe"}
    assert "kubectl patch statefulset shop-db-api -n data --patch-file FILE" in text


def test_the_command_line_patches_the_workload_of_sources(tmp_path):
    workload = {"apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": {"name": "agent"},
                "spec": {"template": {"spec": {"containers": [{"name": "agent"}]}}}}
    write(tmp_path, "ds.yaml", yaml.safe_dump(workload))
    write(tmp_path, "plan.yaml", FULL + "sources: {workload: ds.yaml}\n")
    result = subprocess.run([sys.executable, "-m", "sphinx_deployplan.cli", "export", "--to",
                             "k8s-probes", "--root", str(tmp_path), str(tmp_path / "plan.yaml")],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert yaml.safe_load(result.stdout)["kind"] == "DaemonSet"


def test_flagd_default_and_rollout_targeting(plan, tmp_path):
    flags = json.loads(EXPORTERS["flagd"].export(plan))["flags"]
    assert flags["shop-new-cart"]["defaultVariant"] == "off"
    assert flags["shop-new-cart"]["targeting"] == {"fractional": [["on", 5], ["off", 95]]}


# --- what the round trip fixed in the readers and the rule -------------------------------------


def drift(plan_text: str, files: dict[str, str], tmp_path: Path):
    for name, text in files.items():
        write(tmp_path, name, text)
    plan = load_plan(plan_text)
    return run_checks(plan, TODAY, sources=read_plan_sources(plan, tmp_path))["source-drift"]


BASE = "plan: p\ntitle: t\nservice: app\nowner: o\n"
ROLLOUT = """\
apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata: {name: app}
spec:
  template:
    spec:
      containers:
      - name: app
        livenessProbe: {exec: {command: [sh, -c, "test -f /tmp/ok && echo ok"]}}
  strategy:
    canary: %s
"""


def test_an_exec_probe_through_a_shell_runs_its_command(tmp_path):
    result = drift(BASE + "health_checks: [{check: L, type: liveness, run: 'test -f /tmp/ok "
                   "&& echo ok'}]\nsources: {workload: r.yaml}\n",
                   {"r.yaml": ROLLOUT % "{}"}, tmp_path)
    assert result.status == "met", result.failed_by


def test_a_probe_matches_by_endpoint_or_by_command(tmp_path):
    result = drift(BASE + "health_checks: [{check: L, type: liveness, endpoint: 'tcp://:5432', "
                   "run: 'test -f /tmp/ok && echo ok'}]\nsources: {workload: r.yaml}\n",
                   {"r.yaml": ROLLOUT % "{}"}, tmp_path)
    assert result.status == "met", result.failed_by


def test_a_canary_without_steps_is_a_rolling_update(tmp_path):
    rolling = BASE + "strategy: {method: rolling, rollback_time: 1m}\nsources: {rollout: r.yaml}\n"
    assert drift(rolling, {"r.yaml": ROLLOUT % "{maxSurge: 1}"}, tmp_path).status == "met"
    canary = rolling.replace("rolling", "canary")
    result = drift(canary, {"r.yaml": ROLLOUT % "{maxSurge: 1}"}, tmp_path)
    assert [f.message for f in result.failed_by] == [
        "strategy.method is canary but r.yaml:11 sets spec.strategy.canary with no steps (a "
        "rolling update)"]


def test_a_hold_of_nothing_is_no_hold(tmp_path):
    plan = BASE + ("strategy: {method: canary, rollback_time: 1m, steps: [{traffic: 10%, "
                   "hold: 0s}, {traffic: 50%, hold: manual}]}\nsources: {rollout: r.yaml}\n")
    steps = "{steps: [{setWeight: 10}, {setWeight: 50}, {pause: {}}]}"
    assert drift(plan, {"r.yaml": ROLLOUT % steps}, tmp_path).status == "met"


def test_github_shows_a_literal_expression_as_its_text(tmp_path):
    plan = BASE + ("environments: [{name: 'prod ${{ x }}', purpose: p, deploy: d, approval: "
                   "none}]\npipeline: {stages: [{id: d, kind: deploy, environment: "
                   "'prod ${{ x }}'}]}\nsources: {workflow: w.yml}\n")
    workflow = ("on: push\njobs:\n  d:\n    runs-on: ubuntu-latest\n    environment:\n"
                "      name: \"prod ${{ '$' }}{{ x }}\"\n    steps: [{run: 'true'}]\n")
    assert drift(plan, {"w.yml": workflow}, tmp_path).status == "met"


def test_a_gitlab_manual_deploy_behind_an_approval_stage_agrees(tmp_path):
    plan = BASE + ("environments: [{name: prod, purpose: p, deploy: d, approval: automatic}]\n"
                   "pipeline: {stages: [{id: gate, kind: approval, approvers: [sre]}, {id: d, "
                   "kind: deploy, environment: prod}]}\nsources: {workflow: .gitlab-ci.yml}\n")
    pipeline = "d:\n  environment: prod\n  when: manual\n  script: [./deploy.sh]\n"
    assert drift(plan, {".gitlab-ci.yml": pipeline}, tmp_path).status == "met"
    alone = plan.replace("{id: gate, kind: approval, approvers: [sre]}, ", "")
    result = drift(alone, {".gitlab-ci.yml": pipeline}, tmp_path)
    assert "sets when: manual on job d" in result.failed_by[0].message
