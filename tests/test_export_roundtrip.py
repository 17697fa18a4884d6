"""Exports written back as the plan's sources show no drift.

The Argo Rollout (as both ``rollout`` and ``workload``), the CI workflow (GitHub
Actions, then GitLab CI) and the flagd file of a plan are written into a folder,
``sources`` is pointed at them, and the plan is checked as ``deployplan check``
checks it (:func:`read_plan_sources`, then :func:`run_checks`): ``source-drift``
must be met.  For every plan of the example site, for the plans of the test
suite, and for plans generated from the model (hypothesis).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
import yaml
from hypothesis import example, given
from test_properties import SETTINGS, dump, valid_plans

from sphinx_deployplan.checks import run_checks
from sphinx_deployplan.discover import find_plans
from sphinx_deployplan.export import EXPORTERS
from sphinx_deployplan.export.gitlab_ci import environment_names
from sphinx_deployplan.loader import load_plan, load_plan_file
from sphinx_deployplan.model import Plan, Sources
from sphinx_deployplan.placeholders import is_placeholder
from sphinx_deployplan.sources import read_plan_sources
from sphinx_deployplan.text import plain

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
EXAMPLE_SITE = REPO / "example_site"
TODAY = dt.date(2026, 11, 27)
FILES = {"rollout": ("argo-rollouts", "deploy/rollout.yaml"),
         "flags": ("flagd", "deploy/flags.flagd.json")}
WORKFLOWS = {"github-actions": ".github/workflows/deploy.yml", "gitlab-ci": ".gitlab-ci.yml"}


def example_plans() -> list[Plan]:
    plans = []
    for source in find_plans([EXAMPLE_SITE / "plans"], lambda p: p.read_text("utf-8")):
        if source.text is None:
            plans.append(load_plan_file(source.path))
        else:
            plans.append(load_plan(source.text, str(source.path)))
    return plans


EXAMPLES = {plan.plan: plan for plan in example_plans()}
SUITE = {path.stem: path for path in (HERE / "plans" / "complete.yaml",
                                      HERE / "samples" / "checkout-v2.yaml",
                                      HERE / "samples" / "search-api.yaml")}


def write_exports(plan: Plan, folder: Path, workflow: str) -> Sources:
    """The exports of ``plan`` written under ``folder``; the sources naming them."""
    named: dict[str, str] = {}
    for key, (name, path) in {**FILES, "workflow": (workflow, WORKFLOWS[workflow])}.items():
        try:
            text = EXPORTERS[name].export(plan)
        except ValueError:  # no meaning in this format (a feature-flag plan's Rollout)
            continue
        target = folder / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
        named[key] = path
    if "rollout" in named:
        named["workload"] = named["rollout"]  # one Rollout serves as both
    return Sources(**named)


def round_trip(plan: Plan, folder: Path, workflow: str, root: Path | None = None):
    """The source-drift result of ``plan`` checked against its own exports (and, from
    ``root``, the migration files it names), and the sources named."""
    for migration in plan.migrations or []:
        for name in (migration.up_file, migration.down_file):
            if name and root is not None:
                (folder / name).parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(root / name, folder / name)
    sources = write_exports(plan, folder, workflow)
    plan = dataclasses.replace(plan, sources=sources)
    found = read_plan_sources(plan, folder)
    assert found.problems == [], found.problems
    return run_checks(plan, TODAY, sources=found)["source-drift"], sources


def findings(result) -> list[str]:
    return [f.message for f in result.failed_by]


@pytest.mark.parametrize("workflow", list(WORKFLOWS))
@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_every_example_plan_agrees_with_its_exports(name: str, workflow: str, tmp_path: Path):
    plan = EXAMPLES[name]
    result, sources = round_trip(plan, tmp_path, workflow, EXAMPLE_SITE)
    assert sources.workflow and sources.flags, sources
    if plan.strategy.method != "feature-flag":  # (which has no Rollout)
        assert sources.rollout and sources.workload, sources
        assert any("matches deploy/rollout.yaml" in d for d in result.details)
    assert result.status == "met", findings(result)


@pytest.mark.parametrize("workflow", list(WORKFLOWS))
@pytest.mark.parametrize("name", sorted(SUITE))
def test_the_sample_plans_agree_with_their_exports(name: str, workflow: str, tmp_path: Path):
    data = yaml.safe_load(SUITE[name].read_text(encoding="utf-8"))
    result, _ = round_trip(load_plan(dump(completed(data))), tmp_path, workflow)
    assert result.status == "met", findings(result)


def test_deployplan_check_reports_no_drift_for_exports(tmp_path: Path):
    """The same through the command line: export, point sources at the files, check."""
    plan_path = EXAMPLE_SITE / "plans" / "ledger-api.yaml"
    text = plan_path.read_text(encoding="utf-8")
    for name, path in (("argo-rollouts", "deploy/rollout.yaml"),
                       ("github-actions", ".github/workflows/deploy.yml"),
                       ("flagd", "deploy/flags.flagd.json")):
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        result = subprocess.run([sys.executable, "-m", "sphinx_deployplan.cli", "export",
                                 "--to", name, str(plan_path), "-o", str(tmp_path / path)],
                                capture_output=True, text=True)
        assert result.returncode == 0, result.stderr
    head, _ = text.split("\nsources:", 1)
    (tmp_path / "plan.yaml").write_text(
        head + "\nsources:\n  rollout: deploy/rollout.yaml\n  workload: deploy/rollout.yaml\n"
        "  workflow: .github/workflows/deploy.yml\n  flags: deploy/flags.flagd.json\n",
        encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "sphinx_deployplan.cli", "check",
                             "--root", str(tmp_path), "--today", "2026-11-27",
                             str(tmp_path / "plan.yaml")], capture_output=True, text=True)
    assert "source-drift" not in result.stdout + result.stderr
    assert result.returncode == 0, result.stdout + result.stderr


# --- generated plans ---------------------------------------------------------------------------

RUNTIME = {"image": "ghcr.io/acme/app", "namespace": "shop", "replicas": 3, "port": 8080,
           "metrics": {"provider": "prometheus", "address": "http://prometheus.monitoring:9090"}}


def completed(data: dict) -> dict:
    """A generated plan with what the exports need: a runtime, a query per criterion,
    a strategy and probes that Argo Rollouts and Kubernetes can hold (whole weights,
    one probe of each kind with a path or a command, counts of at least one)."""
    data = {**data, "runtime": RUNTIME}
    data.pop("sources", None)
    strategy = data.setdefault("strategy", {"rollback_time": "2m"})
    if strategy is not None:
        strategy.setdefault("method", "canary")
        if strategy["method"] == "canary" and not strategy.get("steps"):
            strategy["steps"] = [{"traffic": "10%", "hold": "5m"}, {"traffic": "100%"}]
        for step in strategy.get("steps") or []:
            step["traffic"] = f"{round(float(str(step['traffic']).rstrip('%')))}%"
        if strategy["method"] == "rolling":
            strategy["rolling"] = {"max_surge": "25%", "max_unavailable": "0"}
        for gate in strategy.get("promote_when") or []:
            if not str(gate.get("query", "")).strip() or is_placeholder(gate.get("query")):
                gate["query"] = f"sum(rate(errors_total[{gate.get('window', '5m')}]))"
    kinds: set[str] = set()
    checks = []
    for check in data.get("health_checks") or []:
        if check["type"] in ("readiness", "liveness", "startup"):
            if check["type"] in kinds:
                continue
            kinds.add(check["type"])
            if not str(check.get("endpoint", "")).startswith("/") and not check.get("run"):
                check["endpoint"] = "/health"
            if "interval" in check:
                check["interval"] = "5s"
            if "failure_threshold" in check:
                check["failure_threshold"] = max(1, check["failure_threshold"])
        checks.append(check)
    if "health_checks" in data:
        data["health_checks"] = checks
    for migration in data.get("migrations") or []:
        migration.pop("up_file", None)
        migration.pop("down_file", None)
    return data


def renamed_by_gitlab(plan: Plan) -> dict[str, str]:
    """Environments GitLab cannot name as the plan does -> the name the export gives them."""
    return {name: given for name, given in environment_names(plan).items() if name != given}


def about_renamed(message: str, renamed: dict[str, str]) -> bool:
    """Whether a finding is about a renamed environment: it names it as the plan does or
    (a job of the file) as the export named it, as a word of its own."""
    for name, exported in renamed.items():
        if repr(name)[1:-1] in message or name in message:
            return True
        word = re.escape(plain(exported))
        if re.search(rf"(?<![\w./:%+@=-]){word}(?![\w./:%+@=-])", message):
            return True
    return False


@SETTINGS
@given(valid_plans())
# the GitLab job deploys to '-', named so by the export: a finding of the file's side
@example({"plan": "0", "title": "0", "service": "0", "owner": "0",
          "environments": [{"name": ";", "purpose": "0", "deploy": "0", "approval": "none"}],
          "pipeline": {"stages": [{"id": "a", "kind": "deploy", "environment": ";"}]}})
def test_generated_plans_agree_with_their_exports(data):
    plan = load_plan(dump(completed(data)))
    for workflow in WORKFLOWS:
        with tempfile.TemporaryDirectory() as folder:
            result, sources = round_trip(plan, Path(folder), workflow)
        if result.status == "n/a":
            assert sources == Sources()
            continue
        renamed = renamed_by_gitlab(plan) if workflow == "gitlab-ci" else {}
        unexplained = [m for m in findings(result) if not about_renamed(m, renamed)]
        assert not unexplained, (workflow, unexplained, yaml.safe_dump(data))
