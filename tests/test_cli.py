"""The deployplan command as a user runs it: exit codes, located output, JSON, schema."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
import yaml

from sphinx_deployplan.checks import run_checks
from sphinx_deployplan.export import EXPORTERS
from sphinx_deployplan.export.markdown import export as markdown
from sphinx_deployplan.loader import load_plan, load_plan_file
from sphinx_deployplan.schema import plan_schema
from sphinx_deployplan.skeleton import skeleton

HERE = Path(__file__).parent
COMPLETE = HERE / "plans" / "complete.yaml"


def deployplan(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "sphinx_deployplan.cli", *args],
                          capture_output=True, text=True, cwd=cwd)


def test_check_passes_a_complete_plan():
    result = deployplan("check", str(COMPLETE), "--today", "2026-11-27")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout == f"{COMPLETE}: plan 'complete': 8 of 8 applicable checks met [ok]\n"


def test_check_reports_located_errors_and_fails(shared_plans):
    bad = shared_plans / "invalid" / "typo-key.yaml"
    result = deployplan("check", str(bad), str(shared_plans / "checkout-v2.yaml"))
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert lines[0] == (f"{bad}:6: error: unknown key 'enviroments' in the plan (did you mean "
                        f"'environments'?) [deployplan.schema]")
    # the sample's prose backfill fails destructive-sql closed: a warning, not an error
    assert lines[1].startswith(f"{shared_plans / 'checkout-v2.yaml'}:122: warning: plan "
                               f"'checkout-v2' fails rule 'destructive-sql'")
    assert lines[2].endswith("plan 'checkout-v2': 8 of 8 applicable checks met [ok]")
    assert "2 plan(s) checked, 1 with problems" in result.stderr


def test_check_fails_on_an_unmet_check(tmp_path):
    plan = tmp_path / "p.yaml"
    plan.write_text(COMPLETE.read_text().replace("  database: Expand-only; forward-fix.\n", ""))
    result = deployplan("check", str(plan), "--today", "2026-11-27")
    assert result.returncode == 1
    assert (f"{plan}:36: error: plan 'complete' fails check 'rollback-commands' (Rollback "
            f"procedures are documented with exact commands): the rollback says nothing about the "
            f"database (rollback.database) [deployplan.check]") in result.stdout


def test_check_json(tmp_path, shared_plans):
    result = deployplan("check", "--format", "json", "--today", "2026-11-27", str(COMPLETE),
                        str(shared_plans / "invalid" / "wrong-type.yaml"))
    assert result.returncode == 1
    data = json.loads(result.stdout)
    assert data["today"] == "2026-11-27"
    good, bad = data["plans"]
    assert good["ok"] and good["plan"] == "complete"
    assert [c["result"] for c in good["checks"]] == ["met"] * 8
    rollback = good["checks"][3]
    assert rollback["check"] == "rollback-commands"
    assert rollback["satisfied_by"][0] == {"item": "rollback trigger 1", "line": 37}
    assert not bad["valid"] and bad["problems"][0]["line"] == 8
    assert bad["problems"][0]["subtype"] == "schema"


def test_check_rejects_a_bad_today():
    result = deployplan("check", str(COMPLETE), "--today", "2027-13-45")
    assert result.returncode == 2 and "--today must be a date" in result.stderr


def test_new_writes_a_skeleton_that_fails_every_check_until_filled(tmp_path):
    target = tmp_path / "demo.yaml"
    result = deployplan("new", "demo", "-o", str(target))
    assert result.returncode == 0
    plan = load_plan_file(target)  # it loads: only the placeholders fail
    results = run_checks(plan, __import__("datetime").date(2026, 11, 27))
    assert [r.status for r in results.results] == ["unmet"] * 8
    again = deployplan("new", "demo", "-o", str(target))
    assert again.returncode == 2 and "exists" in again.stderr
    assert deployplan("new", "Not A Slug").returncode == 2


def test_schema_command_prints_the_model_schema():
    result = deployplan("schema")
    assert result.returncode == 0
    assert json.loads(result.stdout) == plan_schema()


def test_export_command_writes_a_file(tmp_path):
    out = tmp_path / "runbook.md"
    result = deployplan("export", "--to", "markdown", str(COMPLETE), "-o", str(out))
    assert result.returncode == 0
    assert out.read_text().startswith("# Deployment Plan: Complete plan\n")


def test_export_command_reports_an_invalid_plan(shared_plans):
    bad = shared_plans / "invalid" / "typo-key.yaml"
    result = deployplan("export", "--to", "markdown", str(bad))
    assert result.returncode == 1 and f"{bad}:6: error: unknown key" in result.stderr


def test_cli_does_not_import_sphinx():
    code = ("import sys; from sphinx_deployplan import cli; "
            "cli.main(['schema', '-o', '/dev/null']); "
            "bad = [m for m in sys.modules if m.split('.')[0] in ('sphinx', 'docutils')]; "
            "sys.exit(1 if bad else 0)")
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0


# --- the JSON Schema ----------------------------------------------------------------------------


class _Yaml12ishLoader(yaml.SafeLoader):
    """Dates stay strings, as an editor's YAML 1.2 language server reads them."""


_Yaml12ishLoader.yaml_implicit_resolvers = {
    k: [(tag, rx) for tag, rx in v if tag != "tag:yaml.org,2002:timestamp"]
    for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _validator():
    schema = plan_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def _valid_files(shared: Path | None) -> list[Path]:
    files = [COMPLETE, *sorted((HERE / "sites" / "test-checks" / "plans").glob("*.yaml"))]
    if shared:
        files += sorted((shared).glob("*.yaml"))
    return files


def test_every_valid_plan_validates_against_the_schema(shared_plans):
    validator = _validator()
    for path in _valid_files(shared_plans):
        data = yaml.load(path.read_text(), Loader=_Yaml12ishLoader)
        errors = [e.message for e in validator.iter_errors(data)]
        assert errors == [], path


@pytest.mark.parametrize(("name", "is_schema_error"), [
    ("typo-key.yaml", True), ("wrong-type.yaml", True),
    ("unknown-environment.yaml", False),  # a reference error: the loader's job
])
def test_invalid_samples_against_the_schema(shared_plans, name, is_schema_error):
    data = yaml.load((shared_plans / "invalid" / name).read_text(),
                     Loader=_Yaml12ishLoader)
    assert bool(list(_validator().iter_errors(data))) is is_schema_error


def test_skeleton_validates_against_the_schema():
    data = yaml.load(skeleton("demo"), Loader=_Yaml12ishLoader)
    assert list(_validator().iter_errors(data)) == []


def test_schema_carries_documentation():
    schema = plan_schema()
    env = schema["$defs"]["Environment"]
    assert env["required"] == ["name", "purpose", "deploy", "approval"]
    approval, placeholder = env["properties"]["approval"]["anyOf"]
    assert approval["enum"] == ["none", "automatic", "manual"]
    assert placeholder == {"$ref": "#/$defs/Placeholder"}  # a skeleton's TODO validates
    assert "Deploy method" in env["properties"]["deploy"]["description"]
    assert "blue-green" in schema["$defs"]["Strategy"]["properties"]


# --- the markdown export ------------------------------------------------------------------------


def test_markdown_has_the_seed_headings_and_columns(shared_plans):
    text = markdown(load_plan_file(shared_plans / "checkout-v2.yaml"))
    headings = [line for line in text.splitlines() if line.startswith("#")]
    assert headings == ["# Deployment Plan: Checkout service v2.4", "## Inputs",
                        "## Environment Matrix", "## Pipeline Diagram", "## Deployment Strategy",
                        "## Rollback Checklist", "## Feature Flag Plan", "## Health Checks",
                        "## Database Migration Plan", "## Communication Plan",
                        "## Quality Checks"]
    for header in ("| Environment | Purpose | URL | Deploy Method | Approval |",
                   "| Flag Name | Type | Default | Rollout Plan | Cleanup Date |",
                   "| Check | Type | Endpoint/Method | Interval | Failure Threshold |",
                   "| Migration | Type | Reversible | Run When | Dependencies |"):
        assert header in text
    assert "- [ ] **Command:** Abort the canary\n  ```bash\n" \
           "  kubectl argo rollouts abort checkout -n shop\n  ```\n" in text
    assert "| `checkout-v2-ui` | release | off | 1% → 10% → 100% | 2027-01-15 |" in text
    assert "- **Method**: **Canary**" in text


def test_markdown_escapes_hostile_text():
    plan = load_plan("plan: evil\ntitle: '<script>alert(1)</script>'\nservice: 'a|b'\n"
                     "owner: o\nrollback:\n  steps:\n    - {do: '<img src=x onerror=alert(1)>', "
                     "run: 'echo `id` ``'}\n")
    text = markdown(plan)
    assert "<script>" not in text and "<img" not in text
    assert "&lt;script&gt;" in text and "a\\|b" in text
    assert "  ```bash\n  echo `id` ``\n  ```" in text  # a fence no backtick run inside closes


def test_every_exporter_is_registered_with_a_module():
    for exporter in EXPORTERS.values():
        assert callable(exporter.export), exporter.name


def test_many_files_are_checked_in_worker_processes_with_the_same_output(tmp_path):
    """Above PARALLEL_FROM files a process pool checks them; the output is the one a
    file-by-file run gives, in the order given, problems and unmet checks included."""
    from sphinx_deployplan.cli import PARALLEL_FROM

    text = COMPLETE.read_text()
    files = []
    for i in range(PARALLEL_FROM + 2):
        path = tmp_path / f"plan-{i:03d}.yaml"
        if i == 7:
            path.write_text(text.replace("owner:", "ownr:", 1))  # invalid
        elif i == 31:
            path.write_text(text.replace("  database: Expand-only; forward-fix.\n", ""))
        else:
            path.write_text(text.replace("plan: complete", f"plan: complete-{i}"))
        files.append(str(path))
    together = deployplan("check", "--today", "2026-11-27", *files)
    one_by_one = [deployplan("check", "--today", "2026-11-27", f) for f in files]
    assert together.returncode == 1
    assert together.stdout == "".join(r.stdout for r in one_by_one)
    assert f"{len(files)} plan(s) checked, 2 with problems" in together.stderr
    assert "unknown key 'ownr'" in together.stdout
    assert "plan 'complete' fails check 'rollback-commands'" in together.stdout
