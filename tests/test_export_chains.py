"""Every exporter on deep and wide pipelines: ``tests/corpus/chains/``.

Each file is a valid plan whose pipeline a recursive or quadratic walk chokes on:
a chain of 400 stages in plan order, the same chain listed last stage first (every
``needs`` points further down the file), a chain of 200 approval stages that all
gate one deploy, a ladder where each stage needs the two before it (2^200 paths
from the first stage to the last), and 400 promotion criteria on one metric.

Every exporter runs on each of them with a stack only ~150 frames deeper than the
test's own, so a walk that recursed once per stage would fail here (it needs 400);
the outputs are then checked for meaning: the job graph is the stage graph, jobs
come after the jobs they need, every approval gates the deploy it leads to.
"""

from __future__ import annotations

import contextlib
import inspect
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from test_export_ci import github_graph, gitlab_graph, gitlab_jobs, stage_graph

from sphinx_deployplan.export import EXPORTERS
from sphinx_deployplan.export.common import Names, topological
from sphinx_deployplan.graph import gated_deploys
from sphinx_deployplan.loader import load_plan_file
from sphinx_deployplan.model import Metrics, Plan, Runtime, Stage

CHAINS = Path(__file__).resolve().parent / "corpus" / "chains"
FILES = sorted(CHAINS.glob("*.yaml"))
#: Frames the exporters may use beyond the caller's: plenty for YAML and JSON
#: writers (their depth is the document's nesting), far fewer than the stages.
HEADROOM = 150
#: The formats that write out every stage.
PIPELINE_FORMATS = ("github-actions", "gitlab-ci", "markdown")


@contextlib.contextmanager
def shallow_stack(headroom: int = HEADROOM) -> Iterator[None]:
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(len(inspect.stack(0)) + headroom)
    try:
        yield
    finally:
        sys.setrecursionlimit(old)


@pytest.fixture(scope="module", params=FILES, ids=lambda p: p.stem)
def plan(request: pytest.FixtureRequest) -> Plan:
    return load_plan_file(request.param)


def test_the_corpus_has_the_deep_and_wide_pipelines():
    assert {p.stem for p in FILES} >= {"chain-in-order", "chain-reversed", "approval-chain",
                                       "ladder", "same-metric"}
    for path in FILES:
        assert len(load_plan_file(path).pipeline.stages) == 400, path.name


@pytest.mark.parametrize("name", list(EXPORTERS))
def test_every_exporter_handles_the_pipeline_without_recursion(plan: Plan, name: str):
    exporter = EXPORTERS[name]
    with shallow_stack():
        text = exporter.export(plan)
    assert text == exporter.export(plan)  # deterministic
    assert plan.plan in text
    if name in PIPELINE_FORMATS:  # (the Markdown diagram names a deploy by its environment;
        # in CI an approval is the deploy's gate, not a job)
        assert all(stage.id in text for stage in plan.pipeline.stages
                   if (stage.kind != "deploy" or name != "markdown")
                   and (stage.kind != "approval" or name == "markdown"))


def test_github_actions_jobs_are_the_stage_graph(plan: Plan):
    workflow = yaml.safe_load(EXPORTERS["github-actions"].export(plan))
    assert github_graph(workflow) == stage_graph(plan)


def test_gitlab_jobs_are_the_stage_graph_in_topological_order(plan: Plan):
    pipeline = yaml.safe_load(EXPORTERS["gitlab-ci"].export(plan))
    jobs = gitlab_jobs(pipeline)
    assert gitlab_graph(pipeline) == stage_graph(plan)
    order = pipeline["stages"]
    assert sorted(order) == sorted(jobs)
    position = {stage: index for index, stage in enumerate(order)}
    for name, job in jobs.items():
        assert all(position[need] < position[name] for need in job["needs"]), name
    # every stage of these pipelines needs its predecessor: one order only
    assert order == sorted(order)


def test_every_approval_of_the_chain_gates_the_final_deploy():
    plan = load_plan_file(CHAINS / "approval-chain.yaml")
    approvals = [s.id for s in plan.pipeline.stages if s.kind == "approval"]
    assert len(approvals) == 200
    with shallow_stack():
        gated = gated_deploys(plan.pipeline.stages)
    assert gated == {a: ["s399"] for a in approvals}
    document = json.loads(EXPORTERS["github-environments"].export(plan))
    production = next(e for e in document["environments"] if e["name"] == "production")
    assert production["gated_by"] == approvals
    gitlab = yaml.safe_load(EXPORTERS["gitlab-ci"].export(plan))
    assert gitlab["s399"]["when"] == "manual"  # one gate: the deploy job itself
    assert not set(approvals) & set(gitlab)  # and no approval jobs
    workflow = yaml.safe_load(EXPORTERS["github-actions"].export(plan))
    assert workflow["jobs"]["s399"]["environment"]["name"] == "production"
    assert not set(approvals) & set(workflow["jobs"])


def test_argo_numbers_400_criteria_on_one_metric():
    plan = load_plan_file(CHAINS / "same-metric.yaml")
    plan.runtime = Runtime(metrics=Metrics(address="http://prometheus.monitoring:9090"))
    for gate in plan.strategy.promote_when:
        gate.query = "sum(rate(errors_total[5m]))"
    _, template = yaml.safe_load_all(EXPORTERS["argo-rollouts"].export(plan))
    names = [m["name"] for m in template["spec"]["metrics"]]
    assert names == ["error_ratio", *(f"error_ratio-{n}" for n in range(2, 401))]


def _stages(spec: list[tuple[str, list[str]]]) -> list[Stage]:
    return [Stage(id=i, kind="build", needs=needs) for i, needs in spec]


def test_topological_order_keeps_plan_order_among_ready_stages():
    stages = _stages([("c", ["b"]), ("a", []), ("b", ["a"]), ("d", []), ("e", ["c", "d"])])
    assert [s.id for s in topological(stages)] == ["a", "b", "c", "d", "e"]
    # a cycle (the loader refuses them) is broken at its first stage in plan order
    cycle = _stages([("x", ["z"]), ("y", ["x"]), ("z", ["y"]), ("w", [])])
    assert [s.id for s in topological(cycle)] == ["w", "x", "y", "z"]


def test_claimed_names_number_each_base_in_turn():
    names = Names(["deploy", "Deploy-3"])
    assert [names.claim("deploy") for _ in range(4)] == [
        "deploy-2", "deploy-4", "deploy-5", "deploy-6"]
    assert names.claim("DEPLOY") == "DEPLOY-7"  # case-insensitive: one series
    exact = Names(sep="_", ignore_case=False)
    assert [exact.claim("a"), exact.claim("A"), exact.claim("a")] == ["a", "A", "a_2"]


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_deployplan_export_writes_every_format(path: Path, tmp_path: Path):
    """The same through the command line, as a user runs it."""
    for name, exporter in EXPORTERS.items():
        out = tmp_path / f"{path.stem}{exporter.suffix}"
        result = subprocess.run([sys.executable, "-m", "sphinx_deployplan.cli", "export",
                                 "--to", name, str(path), "-o", str(out)],
                                capture_output=True, text=True)
        assert result.returncode == 0, (name, result.stderr)
        assert out.read_text(encoding="utf-8") == exporter.export(load_plan_file(path))
