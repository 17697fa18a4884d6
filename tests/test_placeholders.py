"""Placeholders count as missing: the loader accepts them, every check treats them as
absent, and each is reported once, located, through Sphinx and the CLI."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sphinx_deployplan.checks import CHECK_IDS, run_checks
from sphinx_deployplan.loader import load_plan
from sphinx_deployplan.placeholders import is_placeholder
from sphinx_deployplan.skeleton import skeleton

COMPLETE = Path(__file__).parent / "plans" / "complete.yaml"
TODAY = dt.date(2026, 11, 27)


def data() -> dict:
    return yaml.safe_load(COMPLETE.read_text())


def statuses(plan_data: dict) -> dict[str, str]:
    plan = load_plan(yaml.safe_dump(plan_data, sort_keys=False))
    return {r.check: r.status for r in run_checks(plan, TODAY)}


@pytest.mark.parametrize("text", ["TODO", "todo", "TBD", "FIXME: later", "XXX-large",
                                  "CHANGEME", "TODO team", "  TODO  ", "...", "?", "???",
                                  "<team>", "<your command>"])
def test_what_is_a_placeholder(text):
    assert is_placeholder(text)


@pytest.mark.parametrize("text", ["TODOS", "Todoist", "<team>-<feature>", "a TODO", "??!",
                                  "<a><b>", "", "xxxl", "tbdx"])
def test_what_is_not(text):
    assert not is_placeholder(text)


# --- the contract's examples ----------------------------------------------------------------


def test_a_placeholder_command_is_a_step_with_no_command():
    plan = data()
    plan["rollback"]["steps"][0]["run"] = "TODO"
    result = run_checks(load_plan(yaml.safe_dump(plan)), TODAY)["rollback-commands"]
    assert result.status == "unmet"
    assert result.summary == ("rollback step 1 'Abort' has a placeholder command "
                              "(run: 'TODO'), and is not marked manual: true")


def test_approvers_that_are_placeholders_are_no_approvers():
    plan = data()
    plan["environments"][1]["access"]["approve"] = ["TODO"]
    result = run_checks(load_plan(yaml.safe_dump(plan)), TODAY)["env-config-access"]
    assert result.summary == ("environment 'prod' has manual approval but a placeholder "
                              "approver list (access.approve: 'TODO')")


def test_a_config_of_placeholders_is_an_empty_config():
    plan = data()
    plan["environments"][0]["config"] = {"database": "<database>"}
    assert statuses(plan)["env-config-access"] == "unmet"


def test_a_notice_to_a_placeholder_is_no_recipient():
    plan = data()
    plan["communication"]["rollback"][0]["who"] = "<team>"
    result = run_checks(load_plan(yaml.safe_dump(plan)), TODAY)["communication"]
    assert result.summary == "nobody is told about a rollback (communication.rollback)"


def test_an_owner_to_be_decided_is_no_owner():
    plan = data()
    plan["feature_flags"][0]["owner"] = "TBD"
    result = run_checks(load_plan(yaml.safe_dump(plan)), TODAY)["flag-lifecycle"]
    assert result.summary == "flag 'new-ui' has a placeholder owner ('TBD')"


def test_placeholders_in_typed_values_load_as_absent():
    plan = data()
    plan["strategy"]["rollback_time"] = "TODO"
    plan["strategy"]["method"] = "TBD"
    plan["health_checks"][0]["failure_threshold"] = "???"
    plan["feature_flags"][0]["cleanup"] = "<date>"
    plan["migrations"][0]["reversible"] = "TODO"
    loaded = load_plan(yaml.safe_dump(plan))
    assert loaded.strategy.rollback_time is None and loaded.strategy.method is None
    assert loaded.strategy.placeholder_keys == {"method": "TBD", "rollback_time": "TODO"}
    result = run_checks(loaded, TODAY)["zero-downtime"]
    assert result.summary == ("the strategy has a placeholder method (strategy.method: 'TBD') "
                              "and a placeholder rollback speed estimate "
                              "(strategy.rollback_time: 'TODO')")


def test_a_waiver_with_a_placeholder_waives_nothing():
    plan = data()
    del plan["communication"]
    plan["waivers"] = [{"check": "communication", "reason": "TODO", "approved_by": "cto",
                        "until": "2027-12-31"}]
    assert statuses(plan)["communication"] == "unmet"


# --- placeholders are exactly missing values --------------------------------------------------

#: Optional text values of the complete plan: (path, the value's key).
OPTIONAL_TEXT = [
    (("rollback", "steps", 0), "run"), (("rollback",), "database"),
    (("health_checks", 2), "when"), (("feature_flags", 0), "owner"),
    (("migrations", 0), "down"), (("migrations", 0), "up"),
    (("environments", 1, "access"), "approve"), (("environments", 0), "config"),
    (("strategy",), "rollback_time"), (("strategy",), "method"),
    (("feature_flags", 1), "review"), (("health_checks", 1), "interval"),
    (("strategy", "promote_when", 0), "window"), (("inputs", "availability"), "slo"),
]


def _at(plan: dict, path: tuple) -> dict:
    for step in path:
        plan = plan[step]
    return plan


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(OPTIONAL_TEXT),
       st.sampled_from(["TODO", "TBD: ask the DBA", "<value>", "...", "FIXME"]))
def test_a_placeholder_gives_the_results_of_an_absent_value(where, text):
    path, key = where
    with_placeholder, without = data(), data()
    _at(with_placeholder, path)[key] = text
    del _at(without, path)[key]
    assert statuses(with_placeholder) == statuses(without)


# --- deployplan new ---------------------------------------------------------------------------


def test_the_skeleton_fails_every_check_and_names_each_placeholder(tmp_path):
    text = skeleton("checkout-v3")
    plan_file = tmp_path / "checkout-v3.yaml"
    plan_file.write_text(text)
    results = run_checks(load_plan(text), TODAY)
    assert {r.check: r.status for r in results.results} == dict.fromkeys(CHECK_IDS, "unmet")
    result = subprocess.run([sys.executable, "-m", "sphinx_deployplan.cli", "check",
                             "--format", "json", str(plan_file)],
                            capture_output=True, text=True)
    assert result.returncode == 1
    [report] = json.loads(result.stdout)["plans"]
    # every TODO the skeleton writes outside its comments is named once, at its line
    lines = text.splitlines()
    values = [line.split(" # ")[0] for line in lines if not line.lstrip().startswith("#")]
    assert len(report["placeholders"]) == sum(v.count("TODO") for v in values) > 50
    for placeholder in report["placeholders"]:
        assert placeholder["text"] in lines[placeholder["line"] - 1]


def test_placeholders_are_located_cli_lines(tmp_path):
    plan = data()
    plan["rollback"]["steps"][0]["run"] = "TODO"
    path = tmp_path / "p.yaml"
    path.write_text(yaml.safe_dump(plan, sort_keys=False))
    line = next(i for i, text in enumerate(path.read_text().splitlines(), 1)
                if "run: TODO" in text)
    result = subprocess.run([sys.executable, "-m", "sphinx_deployplan.cli", "check",
                             "--today", "2026-11-27", str(path)], capture_output=True, text=True)
    assert (f"{path}:{line}: warning: rollback.steps[1].run is a placeholder ('TODO'): fill it "
            f"in; until then the checks treat it as missing [deployplan.placeholder]"
            ) in result.stdout.splitlines()
    assert result.returncode == 1  # rollback-commands is unmet


# --- through Sphinx ---------------------------------------------------------------------------


def test_sphinx_warns_once_per_placeholder_at_its_line_and_fails_the_build(site):
    plan = data()
    anchors = "x-owner: &owner TBD\n"  # one placeholder used twice through an alias
    plan["feature_flags"][0]["owner"] = "OWNER"
    plan["feature_flags"][1]["owner"] = "OWNER"
    body = anchors + yaml.safe_dump(plan, sort_keys=False).replace("owner: OWNER",
                                                                   "owner: *owner", 2)
    body = body.replace("x-owner: &owner TBD\n", "")
    body = body.replace("owner: *owner", "owner: &owner TBD", 1)
    site.write("index.md", f"# Runbook\n\n```{{deployplan}}\n{body}```\n")
    app = site.build("html", deployplan_today="2026-11-27")
    lines = [w for w in site.warnings.splitlines() if "[deployplan.placeholder]" in w]
    owner_line = 4 + next(i for i, text in enumerate(body.splitlines()) if "&owner TBD" in text)
    assert lines == [f"{site.root}/index.md:{owner_line}: WARNING: feature_flags[1].owner is a "
                     f"placeholder ('TBD'): fill it in; until then the checks treat it as "
                     f"missing [deployplan.placeholder]"]
    assert "fails check 'flag-lifecycle'" in site.warnings
    assert app.statuscode == 1
