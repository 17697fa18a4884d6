"""``deployplan import``: a draft plan from real deploy files shows no drift from them,
and its placeholders fail the quality checks until they are filled in."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from sources_cases import FILES, TODAY

from sphinx_deployplan.loader import load_plan_file


def deployplan(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "sphinx_deployplan.cli", *args],
                          capture_output=True, text=True, cwd=cwd)


def repository(root: Path, base: str) -> Path:
    (root / ".git").mkdir(parents=True)
    for name, text in FILES[base].items():
        path = root / "deploy" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


ARGS = {
    "argo": ["--rollout", "deploy/rollout.yaml", "--workflow", "deploy/deploy.yml",
             "--workload", "deploy/deployment.yaml", "--flags", "deploy/flags.flagd.json",
             "--migrations", "deploy/db"],
    "flagger": ["--rollout", "deploy/canary.yaml", "--workflow", "deploy/gitlab-ci.yml",
                "--workload", "deploy/podinfo.yaml"],
}


@pytest.mark.parametrize("base", list(ARGS))
def test_a_draft_shows_no_drift_and_fails_its_checks(tmp_path, base):
    root = repository(tmp_path / "repo", base)
    (root / "plans").mkdir()
    made = deployplan("import", *ARGS[base], "-o", "plans/draft.yaml", cwd=root)
    assert made.returncode == 0, made.stderr
    draft = root / "plans" / "draft.yaml"
    plan = load_plan_file(draft)  # a draft loads
    assert plan.sources is not None and plan.sources.rollout == ARGS[base][1]
    checked = deployplan("check", "--today", TODAY, "--format", "json", str(draft), cwd=root)
    [report] = json.loads(checked.stdout)["plans"]
    drift = next(r for r in report["rules"] if r["check"] == "source-drift")
    assert drift["result"] == "met", drift["failed_by"]
    assert checked.returncode == 1  # the placeholders and missing sections fail checks
    unmet = {r["check"] for r in report["checks"] if r["result"] == "unmet"}
    assert {"rollback-commands", "communication", "zero-downtime"} <= unmet
    text = draft.read_text(encoding="utf-8")
    assert "TODO" in text and "\nsources:\n" in text


def test_a_draft_carries_what_the_files_give(tmp_path):
    root = repository(tmp_path / "repo", "argo")
    made = deployplan("import", *ARGS["argo"], cwd=root)
    assert made.returncode == 0, made.stderr
    (root / "draft.yaml").write_text(made.stdout)
    plan = load_plan_file(root / "draft.yaml")
    assert plan.service == "rollouts-demo"  # the Deployment's name
    assert [(str(s.traffic), str(s.hold) if s.hold else None) for s in plan.strategy.steps] \
        == [("20%", "manual"), ("40%", "40s"), ("60%", "20s"), ("80%", "20s"), ("100%", None)]
    assert [g.metric for g in plan.strategy.promote_when] == ["pass", "random-fail"]
    assert [(e.name, e.approval) for e in plan.environments] == \
        [("dev", "manual"), ("staging", "manual"), ("production", "manual")]
    assert [(c.type, c.endpoint, str(c.interval), c.failure_threshold)
            for c in plan.health_checks] == [("readiness", "/health/ready", "5s", 3),
                                             ("liveness", "/health/live", "10s", 5)]
    assert {f.name: f.default for f in plan.feature_flags}["isColorYellow"] == "off"
    assert [(m.name, m.type, m.up_file, m.down_file) for m in plan.migrations] == [
        ("001-add-col", "expand", "deploy/db/001_add_col.up.sql",
         "deploy/db/001_add_col.down.sql"),
        ("002-drop-old", "contract", "deploy/db/002_drop_old.up.sql", None)]


def test_import_refuses_to_overwrite_and_files_outside_the_root(tmp_path):
    root = repository(tmp_path / "repo", "flagger")
    (root / "plan.yaml").write_text("mine\n")
    refused = deployplan("import", "--rollout", "deploy/canary.yaml", "-o", "plan.yaml",
                         cwd=root)
    assert refused.returncode == 2 and "use --force" in refused.stderr
    assert (root / "plan.yaml").read_text() == "mine\n"
    forced = deployplan("import", "--rollout", "deploy/canary.yaml", "-o", "plan.yaml",
                        "--force", cwd=root)
    assert forced.returncode == 0 and "stepWeights" not in forced.stderr
    assert "traffic: 5%" in (root / "plan.yaml").read_text()
    (tmp_path / "outside.yaml").write_text("kind: Canary\n")
    outside = deployplan("import", "--rollout", str(tmp_path / "outside.yaml"), cwd=root)
    assert outside.returncode == 1 and "outside the sources root" in outside.stderr
    wrong = deployplan("import", "--workflow", "deploy/canary.yaml", cwd=root)
    assert wrong.returncode == 1 and "--workflow deploy/canary.yaml" in wrong.stderr
    assert deployplan("import", cwd=root).returncode == 2
    assert "Traceback" not in refused.stderr + outside.stderr + wrong.stderr
