"""The gate's cases, each through a real Sphinx build and through the CLI, with the
exact warning at its line: SQL the rules cannot read, blocking DDL, a placeholder,
a waiver that does nothing, and the flag policy's review cadence (no warning)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

COMPLETE = Path(__file__).parent / "plans" / "complete.yaml"
TODAY = "2026-11-27"


def _prose_up(d):
    d["migrations"][0]["up"] = "run the backfill job from the admin UI"


def _blocking(d):
    d["migrations"][0]["up"] = "CREATE INDEX t_c ON t (c)"


def _placeholder_owner(d):
    d["feature_flags"][0]["owner"] = "TBD"


def _unused_waiver(d):
    d["waivers"] = [{"check": "communication", "reason": "internal", "approved_by": "cto",
                     "until": "2027-06-30"}]


def _policy_review(d):
    del d["feature_flags"][1]["review"]
    d["flag_policy"] = {"review": "quarterly"}


CASES = {
    "prose-up": (_prose_up, "- name: add-col", "destructive-sql",
                 "plan 'complete' fails rule 'destructive-sql' (Migrations that run beside the "
                 "old version only add): migration 'add-col' runs pre-deploy but its up is not "
                 "SQL (it does not start with a SQL statement): give the SQL, point up_file at "
                 "it, or waive"),
    "blocking": (_blocking, "- name: add-col", "blocking-ddl",
                 "plan 'complete' fails rule 'blocking-ddl' (Migrations take no long locks and "
                 "rewrite no table while traffic is served): migration 'add-col' creates index "
                 "t_c on t without CONCURRENTLY, which blocks writes to the table while it is "
                 "built [require-concurrent-index-creation]"),
    "placeholder": (_placeholder_owner, "owner: TBD", "placeholder",
                    "feature_flags[1].owner is a placeholder ('TBD'): fill it in; until then "
                    "the checks treat it as missing"),
    "unused-waiver": (_unused_waiver, "- check: communication", "waiver",
                      "plan 'complete': the waiver of check 'communication' is not used: the "
                      "check is met; remove the waiver"),
}


def _write(folder: Path, edit) -> Path:
    data = yaml.safe_load(COMPLETE.read_text())
    edit(data)
    path = folder / "plan.yaml"
    folder.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def _line(path: Path, marker: str) -> int:
    """The line the finding is at: the first that holds ``marker``."""
    return next(i for i, text in enumerate(path.read_text().splitlines(), 1) if marker in text)


@pytest.mark.parametrize("name", sorted(CASES))
def test_each_case_warns_the_same_through_sphinx_and_the_cli(site, name):
    edit, marker, subtype, message = CASES[name]
    plan = _write(site.root, edit)
    site.write("index.md", "# P\n\n```{deployplan}\n:file: plan.yaml\n```\n")
    site.build("html", deployplan_today=TODAY)
    ours = [w for w in site.warnings.splitlines() if f"[deployplan.{subtype}]" in w]
    assert ours == [f"{plan}:{_line(plan, marker)}: WARNING: {message} "
                    f"[deployplan.{subtype}]"]
    cli = subprocess.run([sys.executable, "-m", "sphinx_deployplan.cli", "check", "--today",
                          TODAY, str(plan)], capture_output=True, text=True)
    lines = [line for line in cli.stdout.splitlines() if f"[deployplan.{subtype}]" in line]
    assert [re.sub(r": (warning|error): ", ": WARNING: ", line) for line in lines] == ours


def test_the_policy_review_cadence_raises_nothing(site):
    plan = _write(site.root, _policy_review)
    site.write("index.md", "# P\n\n```{deployplan}\n:file: plan.yaml\n```\n")
    app = site.build("html", deployplan_today=TODAY)
    assert site.warnings == "" and app.statuscode == 0
    cli = subprocess.run([sys.executable, "-m", "sphinx_deployplan.cli", "check", "--today",
                          TODAY, str(plan)], capture_output=True, text=True)
    assert cli.returncode == 0 and "[deployplan." not in cli.stdout
