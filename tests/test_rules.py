"""The release-engineering rules, each with plans that pass and fail it."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from sphinx_deployplan.checks import RULE_IDS, RuleSettings, run_checks, strict_rule_ids
from sphinx_deployplan.loader import load_plan

COMPLETE = Path(__file__).parent / "plans" / "complete.yaml"
TODAY = dt.date(2026, 11, 27)


def variant(edit=None) -> dict:
    data = yaml.safe_load(COMPLETE.read_text())
    if edit:
        edit(data)
    return data


def rule(data: dict, rule_id: str, settings: RuleSettings | None = None, today=TODAY):
    plan = load_plan(yaml.safe_dump(data, sort_keys=False))
    return run_checks(plan, today, settings)[rule_id]


def test_complete_plan_passes_every_rule():
    results = run_checks(load_plan(COMPLETE.read_text()), TODAY)
    # it names no deploy files, so source-drift does not apply (tests/test_sources.py)
    assert {r.check: r.status for r in results.rules} == {
        **dict.fromkeys(RULE_IDS, "met"), "source-drift": "n/a"}


# --- canary-steps --------------------------------------------------------------------------------


@pytest.mark.parametrize(("steps", "message"), [
    ([{"traffic": "10%", "hold": "5m"}, {"traffic": "5%", "hold": "5m"}, {"traffic": "100%"}],
     "step 2 (5%) does not raise traffic above step 1 (10%)"),
    ([{"traffic": "10%", "hold": "5m"}, {"traffic": "50%", "hold": "5m"}],
     "the last step sends 50%, not 100%, of traffic"),
    ([{"traffic": "10%"}, {"traffic": "100%"}], "step 1 (10%) has neither a hold nor a "
                                                "promotion gate"),
])
def test_canary_steps_fail(steps, message):
    def edit(d):
        d["strategy"]["steps"] = steps
        if "promotion gate" in message:
            d["strategy"].pop("promote_when")
    result = rule(variant(edit), "canary-steps")
    assert result.status == "unmet" and message in result.summary


def test_canary_steps_gated_without_holds_pass():
    result = rule(variant(lambda d: d["strategy"].update(
        steps=[{"traffic": "1%"}, {"traffic": "100%"}])), "canary-steps")
    assert result.status == "met"


def test_canary_steps_not_applicable_to_rolling():
    data = variant(lambda d: d.update(strategy={"method": "rolling", "rollback_time": "5m"}))
    assert rule(data, "canary-steps").status == "n/a"


# --- promotion-gates -----------------------------------------------------------------------------


def test_promotion_gates():
    assert rule(variant(lambda d: d["strategy"].pop("promote_when")), "promotion-gates") \
        .summary == "a canary plan promotes without metric gates (promote_when)"
    no_window = variant(lambda d: d["strategy"]["promote_when"][0].pop("window"))
    assert "gate 'http_5xx_ratio' has no window" in rule(no_window, "promotion-gates").summary
    rolling = variant(lambda d: d.update(strategy={"method": "rolling", "rollback_time": "5m"}))
    assert rule(rolling, "promotion-gates").status == "n/a"


# --- rollback-budget -----------------------------------------------------------------------------


def test_rollback_budget_shows_the_arithmetic():
    result = rule(variant(), "rollback-budget")
    assert result.status == "met"
    assert result.details == ["error budget = (100% - 99.95%) x 30d = 21.6 min; rollback 2m = "
                              "9.3% of it (limit 25%)"]


def test_rollback_budget_fails_a_slow_rollback():
    data = variant(lambda d: d["strategy"].update(rollback_time="10m"))
    result = rule(data, "rollback-budget")
    assert result.status == "unmet"
    assert result.summary == ("one rollback (10m) would spend 46.3% of the 21.6 min error "
                              "budget, more than 25%")
    assert rule(data, "rollback-budget", RuleSettings(rollback_budget_share=0.5)).status == "met"


def test_rollback_budget_without_slo_is_not_applicable():
    assert rule(variant(lambda d: d.pop("inputs")), "rollback-budget").status == "n/a"


# --- stale-flag ----------------------------------------------------------------------------------


def test_stale_flag_past_cleanup_and_over_age():
    data = variant(lambda d: d["feature_flags"][0].update(created="2026-06-01"))
    data["flag_policy"] = {"max_age": "90d"}
    result = rule(data, "stale-flag", today=dt.date(2027, 2, 3))
    assert result.status == "unmet"
    assert result.summary == ("flag 'new-ui' is past its cleanup date 2027-01-31 (3 days ago) "
                              "and is 247 days old, older than the policy's max_age 90d")
    assert rule(data, "stale-flag", today=dt.date(2026, 8, 1)).status == "met"


def test_permanent_flag_needs_a_review_cadence():
    data = variant(lambda d: d["feature_flags"][1].pop("review"))
    assert rule(data, "stale-flag").summary == (
        "permanent ops flag 'kill-switch' has no review cadence (review, or "
        "flag_policy.review for every permanent flag)")


def test_the_policy_review_cadence_covers_permanent_flags():
    def edit(d):
        d["feature_flags"][1].pop("review")
        d["flag_policy"] = {"review": "quarterly"}
    assert rule(variant(edit), "stale-flag").status == "met"


# --- probe-sanity --------------------------------------------------------------------------------


def test_probe_sanity_liveness_too_aggressive():
    data = variant(lambda d: d["health_checks"][1].update(interval="5s", failure_threshold=2))
    result = rule(data, "probe-sanity")
    assert result.status == "unmet"
    assert "gives up after 10s, no later than readiness 'Readiness' (15s)" in result.summary


def test_probe_sanity_liveness_checking_dependencies():
    data = variant(lambda d: d["health_checks"][1].update(verifies=["database", "heap < 90%"]))
    assert "checks dependencies ('database')" in rule(data, "probe-sanity").summary
    same = variant(lambda d: d["health_checks"][1].update(endpoint="/ready"))
    assert "probes the readiness endpoint '/ready'" in rule(same, "probe-sanity").summary
    heap = variant(lambda d: d["health_checks"][1].update(verifies=["heap below 90%"]))
    assert rule(heap, "probe-sanity").status == "met"


def test_probe_sanity_threshold_at_least_one():
    data = variant(lambda d: d["health_checks"][0].update(failure_threshold=0))
    assert "has a failure threshold below 1" in rule(data, "probe-sanity").summary


# --- prod-approval and environment-parity --------------------------------------------------------


def test_prod_approval():
    assert rule(variant(), "prod-approval").status == "met"
    auto = variant(lambda d: d["environments"][1].update(approval="automatic"))
    assert rule(auto, "prod-approval").summary == (
        "'prod', the last environment in the promotion order, is deployed with approval "
        "'automatic'; it needs manual approval with named approvers")


def test_prod_is_the_last_environment_the_pipeline_deploys_to():
    def edit(d):
        d["environments"].reverse()  # listed prod first: the pipeline order still wins
    assert rule(variant(edit), "prod-approval").status == "met"


def test_environment_parity_flags_missing_keys():
    def edit(d):
        d["environments"][1]["config"]["feature_store"] = "redis://prod"
    result = rule(variant(edit), "environment-parity")
    assert result.status == "unmet"
    assert result.summary == ("environment 'dev' has no 'feature_store' in its config, which "
                              "'prod' has")
    assert result.evidence.missing == {"dev": ("feature_store",)}
    assert result.evidence.keys == ("api", "feature_store")


# --- strictness, waivers, CLI --------------------------------------------------------------------


def test_rules_can_be_waived():
    def edit(d):
        d["strategy"].pop("promote_when")
        d["waivers"] = [{"check": "promotion-gates", "reason": "manual watch", "approved_by": "sre",
                         "until": "2027-01-01"}]
    assert rule(variant(edit), "promotion-gates").status == "waived"


def test_failing_rules_follow_strictness():
    results = run_checks(load_plan(yaml.safe_dump(variant(
        lambda d: d["strategy"].pop("promote_when")))), TODAY)
    assert results.failing_rules(strict_rule_ids(False)) == []
    assert [r.check for r in results.failing_rules(strict_rule_ids(True))] == ["promotion-gates"]
    chosen = strict_rule_ids(["promotion-gates"])
    assert [r.check for r in results.failing_rules(chosen)] == ["promotion-gates"]
    assert results.failing_rules(strict_rule_ids(["canary-steps"])) == []


def test_cli_rules_warn_unless_strict(tmp_path):
    plan = tmp_path / "p.yaml"
    plan.write_text(COMPLETE.read_text().replace(
        '  promote_when: [{metric: http_5xx_ratio, threshold: "< 1%", window: 5m}]\n', ""))

    def run(*extra):
        return subprocess.run([sys.executable, "-m", "sphinx_deployplan.cli", "check",
                               "--today", "2026-11-27", str(plan), *extra],
                              capture_output=True, text=True)
    lenient = run()
    assert lenient.returncode == 0
    assert (f"{plan}:31: warning: plan 'complete' fails rule 'promotion-gates'") in lenient.stdout
    strict = run("--strict-rules")
    assert strict.returncode == 1 and f"{plan}:31: error: plan 'complete'" in strict.stdout
