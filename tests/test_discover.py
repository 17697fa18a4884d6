"""deployplan check finds every plan a docs tree holds: plan files, and plans written in
MyST and reST pages, reported at the same page lines as Sphinx reports them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import yaml

from sphinx_deployplan.discover import find_plans, looks_like_plan, page_plans

COMPLETE = Path(__file__).parent / "plans" / "complete.yaml"


def deployplan(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "sphinx_deployplan.cli", *args,
                           "--today", "2026-11-27"], capture_output=True, text=True, cwd=cwd)


def unsafe_plan(plan_id: str) -> str:
    """The complete plan without its rollback database note (rollback-commands unmet)."""
    text = COMPLETE.read_text().replace("  database: Expand-only; forward-fix.\n", "")
    return text.replace("plan: complete", f"plan: {plan_id}")


def indented(text: str, by: str = "   ") -> str:
    return "".join(by + line if line.strip() else line for line in text.splitlines(True))


def test_myst_fences_options_and_files(tmp_path):
    (tmp_path / "plans").mkdir()
    (tmp_path / "plans" / "filed.yaml").write_text(unsafe_plan("filed"))
    page = tmp_path / "page.md"
    page.write_text("# Page\n\n```{deployplan}\n:no-heading:\n" + unsafe_plan("fenced")
                    + "```\n\nText.\n\n:::{deployplan}\n---\nsections: rollback\n---\n"
                    + unsafe_plan("colon") + ":::\n\n````{deployplan}\n:file: plans/filed.yaml\n"
                    "````\n")
    sources = page_plans(page, page.read_text())
    colon = page.read_text().splitlines().index(":::{deployplan}")
    assert [(s.path.name, s.offset) for s in sources] == [
        ("page.md", 4), ("page.md", colon + 4), ("filed.yaml", 0)]
    first = sources[0].text.splitlines()
    assert first[0] == "# A plan that meets all eight checks; tests mutate copies of it."


def test_rest_directive_body(tmp_path):
    page = tmp_path / "page.rst"
    page.write_text("Page\n====\n\n.. deployplan::\n   :no-heading:\n\n"
                    + indented(unsafe_plan("rest")) + "\nAfter.\n")
    [source] = page_plans(page, page.read_text())
    assert source.offset == 6
    assert yaml.safe_load(source.text)["plan"] == "rest"


def test_the_cli_reports_inline_plans_at_the_lines_sphinx_does(site):
    body = unsafe_plan("inline-md")
    site.write("index.md", "# Runbook\n\n```{toctree}\nrest\n```\n\n```{deployplan}\n" + body
               + "```\n")
    site.write("rest.rst", "Rest\n====\n\n.. deployplan::\n\n"
               + indented(unsafe_plan("inline-rst")))
    site.build("html")
    sphinx_lines = sorted(line.split(" WARNING: ")[0].rstrip(":")
                          for line in site.warnings.splitlines()
                          if "[deployplan.check]" in line)
    result = deployplan("check", str(site.root))
    assert result.returncode == 1
    cli_lines = sorted(line.split(": error: ")[0] for line in result.stdout.splitlines()
                       if "[deployplan.check]" in line)
    assert len(sphinx_lines) == 2
    assert cli_lines == sphinx_lines
    assert "2 plan(s) checked, 2 with problems" in result.stderr


def test_a_folder_walk_takes_plans_and_leaves_other_yaml(tmp_path):
    (tmp_path / "plans").mkdir()
    (tmp_path / "plans" / "good.yaml").write_text(COMPLETE.read_text())
    (tmp_path / "plans" / "values.yaml").write_text(
        "replicaCount: 3\nimage: {repository: nginx}\nservice: {type: ClusterIP, port: 80}\n")
    (tmp_path / "plans" / "typo.yaml").write_text(
        COMPLETE.read_text().replace("plan: complete", "plann: complete"))
    (tmp_path / "_build").mkdir()
    (tmp_path / "_build" / "copy.yaml").write_text(COMPLETE.read_text())
    (tmp_path / ".tox").mkdir()
    (tmp_path / ".tox" / "plan.yaml").write_text(COMPLETE.read_text())
    result = deployplan("check", "--format", "json", str(tmp_path))
    files = sorted(Path(p["file"]).name for p in json.loads(result.stdout)["plans"])
    assert files == ["good.yaml", "typo.yaml"]  # a misspelled plan key is still a plan
    assert result.returncode == 1


def test_only_plans_skips_named_yaml_that_is_no_plan(tmp_path):
    values = tmp_path / "values.yaml"
    values.write_text("replicaCount: 3\n")
    assert deployplan("check", str(values)).returncode == 1  # named: it must be a plan
    skipped = deployplan("check", "--only-plans", str(values))
    assert skipped.returncode == 0 and "0 plan(s) checked" in skipped.stderr


def test_looks_like_plan():
    assert looks_like_plan(COMPLETE.read_text())
    assert looks_like_plan("title: x\nservice: y\nenvironments: []\n")
    assert not looks_like_plan("service: {port: 80}\nimage: nginx\n")


def test_unreadable_pages_are_reported_not_skipped(tmp_path):
    page = tmp_path / "page.md"
    page.write_bytes(b"# \xff\xfe not UTF-8\n")
    sources = find_plans([page], lambda p: p.read_bytes().decode("utf-8"))
    assert [s.path for s in sources] == [page]


def test_the_pre_commit_hook_takes_plan_files_and_pages(tmp_path):
    import re

    [hook] = yaml.safe_load((Path(__file__).parent.parent / ".pre-commit-hooks.yaml")
                            .read_text())
    files = re.compile(hook["files"])
    assert hook["require_serial"] is True and "--only-plans" in hook["entry"]
    for name in ["plans/checkout.yaml", "docs/deployplans/a.yml", "docs/release.md",
                 "docs/runbook.rst"]:
        assert files.search(name), name
    for name in ["deploy/values.yaml", ".github/workflows/ci.yml", "setup.py"]:
        assert not files.search(name), name
    # a values.yaml inside a plans folder matches the pattern but is passed over
    (tmp_path / "plans").mkdir()
    (tmp_path / "plans" / "values.yaml").write_text("replicaCount: 3\nimage: nginx\n")
    (tmp_path / "plans" / "a.yaml").write_text(COMPLETE.read_text())
    result = deployplan("check", "--only-plans", str(tmp_path / "plans" / "values.yaml"),
                        str(tmp_path / "plans" / "a.yaml"))
    assert result.returncode == 0 and "1 plan(s) checked, 0 with problems" in result.stderr


def test_a_reader_that_goes_away_gets_no_traceback(tmp_path):
    for i in range(1000):  # more output than a pipe holds
        (tmp_path / f"p{i}.yaml").write_text(COMPLETE.read_text().replace(
            "plan: complete", f"plan: p{i}"))
    check = subprocess.Popen([sys.executable, "-m", "sphinx_deployplan.cli", "check",
                              "--today", "2026-11-27", str(tmp_path)],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    check.stdout.readline()
    check.stdout.close()  # as `| head -1` does
    stderr = check.stderr.read().decode()
    check.wait(timeout=60)
    assert "Traceback" not in stderr and "BrokenPipeError" not in stderr
