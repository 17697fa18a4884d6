"""The eight checks, without Sphinx: met, unmet, n/a and waived, with their evidence."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml

from sphinx_deployplan.checks import CHECK_IDS, CHECKS, resolve_today, run_checks
from sphinx_deployplan.loader import load_plan, load_plan_file
from sphinx_deployplan.problems import PlanError

COMPLETE = Path(__file__).parent / "plans" / "complete.yaml"
TODAY = dt.date(2026, 11, 27)


def variant(edit) -> dict:
    data = yaml.safe_load(COMPLETE.read_text())
    edit(data)
    return data


def results(data: dict, today: dt.date = TODAY):
    return run_checks(load_plan(yaml.safe_dump(data, sort_keys=False)), today)


def status(data: dict, check: str) -> str:
    return results(data)[check].status


def test_complete_plan_meets_every_check():
    found = run_checks(load_plan_file(COMPLETE), TODAY)
    assert [r.check for r in found.results] == list(CHECK_IDS)
    assert {r.check: r.status for r in found.results} == dict.fromkeys(CHECK_IDS, "met")
    assert [r.title for r in found.results] == [c.title for c in CHECKS]


def test_shared_samples_meet_every_applicable_check(shared_plans):
    checkout = run_checks(load_plan_file(shared_plans / "checkout-v2.yaml"), TODAY)
    assert not checkout.unmet and len(checkout.applicable) == 8
    search = run_checks(load_plan_file(shared_plans / "search-api.yaml"), TODAY)
    assert not search.unmet
    assert search["flag-lifecycle"].status == "n/a" and search["migration-compat"].status == "n/a"


def test_evidence_names_items_with_lines():
    found = run_checks(load_plan_file(COMPLETE), TODAY)
    env = found["env-config-access"]
    assert [(i.kind, i.parts, i.line) for i in env.satisfied_by] == [
        ("env", ("env", "dev"), 10), ("env", ("env", "prod"), 16)]
    promo = found["promotion-tests"]
    assert [i.label for i in promo.satisfied_by] == ["stage 'test'", "stage 'smoke-dev'"]
    rollback = found["rollback-commands"]
    assert [i.kind for i in rollback.satisfied_by] == ["trigger", "step", "step", "verify",
                                                      "rollback"]


# --- unmet, one case per rule of the contract ----------------------------------------------------


@pytest.mark.parametrize(("check", "edit", "message"), [
    ("env-config-access", lambda d: d["environments"][0].pop("config"),
     "environment 'dev' has no configuration (config)"),
    ("env-config-access", lambda d: d["environments"][1]["access"].pop("approve"),
     "environment 'prod' has manual approval but no approvers (access.approve)"),
    ("env-config-access", lambda d: d["environments"][1]["access"].update(deploy=[]),
     "environment 'prod' has no one who can deploy (access.deploy)"),
    ("promotion-tests", lambda d: d["pipeline"]["stages"].pop(3),
     "deploy stage 'deploy-prod' follows deploy stage 'deploy-dev' with no automated test "
     "or verify stage between them"),
    ("promotion-tests", lambda d: d["pipeline"]["stages"][3].update(automated=False),
     "deploy stage 'deploy-prod' follows deploy stage 'deploy-dev'"),
    ("zero-downtime", lambda d: d["strategy"].pop("rollback_time"),
     "the strategy has no rollback speed estimate (strategy.rollback_time)"),
    ("zero-downtime", lambda d: d["strategy"].pop("steps"),
     "the strategy has no canary traffic steps (strategy.steps)"),
    ("rollback-commands", lambda d: d["rollback"]["steps"][1].pop("manual"),
     "rollback step 2 'Pause the release train in the CI UI' has no command (run), and is "
     "not marked manual: true"),
    ("rollback-commands", lambda d: d["rollback"].pop("verify"),
     "the rollback says nothing on how to verify it worked (rollback.verify)"),
    ("rollback-commands", lambda d: d["rollback"].pop("database"),
     "the rollback says nothing about the database (rollback.database)"),
    ("rollback-commands", lambda d: d["rollback"].update(triggers=[]),
     "the rollback has no triggers (rollback.triggers)"),
    ("flag-lifecycle", lambda d: d["feature_flags"][0].pop("cleanup"),
     "flag 'new-ui' has no cleanup date"),
    ("flag-lifecycle", lambda d: d["feature_flags"][0].update(permanent=True, cleanup=None),
     "flag 'new-ui' is permanent, but only ops and permission flags may be; give it a "
     "cleanup date"),
    ("flag-lifecycle", lambda d: d["feature_flags"][1].pop("owner"),
     "flag 'kill-switch' has no owner"),
    ("flag-lifecycle", lambda d: d.pop("feature_flags"),
     "the plan has no feature_flags section (write feature_flags: [] when the release uses "
     "none)"),
    ("health-coverage", lambda d: d["health_checks"].pop(1), "no liveness check"),
    ("health-coverage", lambda d: d["health_checks"][2].pop("when"),
     "smoke check 'Smoke' does not run post-deploy (when: post-deploy)"),
    ("migration-compat", lambda d: d["migrations"][1].update(run="pre-deploy"),
     "migration 'drop-old' is a contract step that runs pre-deploy, while the old version "
     "still runs (contract steps run post-deploy)"),
    ("migration-compat", lambda d: d["migrations"][0].pop("down"),
     "migration 'add-col' is reversible but has no down script"),
    ("communication", lambda d: d["communication"].pop("rollback"),
     "nobody is told about a rollback (communication.rollback)"),
    ("communication", lambda d: d.pop("communication"), "the plan has no communication section"),
])
def test_unmet(check, edit, message):
    result = results(variant(edit))[check]
    assert result.status == "unmet"
    assert message in result.summary
    others = [r.check for r in results(variant(edit)).unmet]
    assert others == [check]


def test_missing_sections_are_unmet_and_located_at_the_plan():
    found = run_checks(load_plan("plan: bare\ntitle: Bare\nservice: s\nowner: o\n"), TODAY)
    assert [r.status for r in found.results] == ["unmet"] * 8
    for result in found.results:
        [finding] = result.failed_by
        assert finding.item.kind == "plan" and finding.item.line == 1
        assert finding.message.startswith("the plan has no ")


def test_empty_flags_and_migrations_are_not_applicable():
    data = variant(lambda d: d.update(feature_flags=[], migrations=[]))
    found = results(data)
    assert found["flag-lifecycle"].status == "n/a"
    assert found["flag-lifecycle"].summary == "the plan uses no feature flags"
    assert found["migration-compat"].status == "n/a"
    assert len(found.applicable) == 6 and not found.unmet


def test_first_deploy_needs_no_test_and_parallel_paths_are_each_checked():
    def edit(d):
        d["pipeline"]["stages"] = [
            {"id": "build", "kind": "build"},
            {"id": "deploy-dev", "kind": "deploy", "environment": "dev"},
            {"id": "e2e", "kind": "verify"},
            {"id": "deploy-prod", "kind": "deploy", "environment": "prod",
             "needs": ["e2e", "deploy-dev"]},
        ]
    result = results(variant(edit))["promotion-tests"]
    assert result.status == "unmet"
    assert [f.item.parts for f in result.failed_by] == [("stage", "deploy-prod")]
    assert [i.parts for i in result.satisfied_by] == [("stage", "e2e")]


# --- waivers -------------------------------------------------------------------------------------


def waived(until: str):
    def edit(d):
        d["communication"].pop("rollback")
        d["waivers"] = [{"check": "communication", "reason": "Comms plan is org-wide",
                         "approved_by": "head-of-sre", "until": until}]
    return variant(edit)


def test_waiver_in_force_turns_unmet_into_waived_up_to_its_last_day():
    found = results(waived("2026-11-27"))
    assert found["communication"].status == "waived"
    assert found["communication"].waiver.approved_by == "head-of-sre"
    assert not found.unmet and not found.expired_waivers


def test_expired_waiver_does_not_apply_and_is_reported():
    found = results(waived("2026-11-26"))
    assert found["communication"].status == "unmet"
    [expired] = found.expired_waivers
    assert expired.message == ("plan 'complete': the waiver of check 'communication' expired "
                               "on 2026-11-26 and no longer applies")


def test_waiver_leaves_a_met_check_met():
    data = variant(lambda d: d.update(waivers=[{"check": "communication", "reason": "r",
                                                "approved_by": "a", "until": "2027-01-01"}]))
    assert status(data, "communication") == "met"


def test_a_waiver_of_a_met_check_is_reported_unused():
    data = variant(lambda d: d.update(waivers=[
        {"check": "communication", "reason": "r", "approved_by": "a", "until": "2027-01-01"},
        {"check": "canary-steps", "reason": "r", "approved_by": "a", "until": "2027-01-01"}]))
    found = results(data)
    assert [note.message for note in found.unused_waivers] == [
        "plan 'complete': the waiver of check 'communication' is not used: the check is met; "
        "remove the waiver",
        "plan 'complete': the waiver of rule 'canary-steps' is not used: the rule is met; "
        "remove the waiver"]


def test_waiver_names_a_known_check():
    data = variant(lambda d: d.update(waivers=[{"check": "comms", "reason": "r",
                                                "approved_by": "a", "until": "2027-01-01"}]))
    with pytest.raises(PlanError, match=r"waivers\[1\]\.check must be one of"):
        results(data)


def test_today_comes_from_config_then_source_date_epoch():
    assert resolve_today("2027-02-03", {"SOURCE_DATE_EPOCH": "0"}) == dt.date(2027, 2, 3)
    assert resolve_today(None, {"SOURCE_DATE_EPOCH": "1798761600"}) == dt.date(2027, 1, 1)
    assert resolve_today(None, {}) == dt.datetime.now(dt.UTC).date()
