"""Checks in a real site: located warnings, exit codes, badges, needs.json, aggregates."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from conftest import SITES, strip_colors

from sphinx_deployplan.checks import RULE_IDS

CHECKS_SITE = SITES / "test-checks"


def soup(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def sphinx_build(src: Path, out: Path, *args: str) -> subprocess.CompletedProcess:
    """sphinx-build as a user runs it, for the real exit status."""
    return subprocess.run([sys.executable, "-m", "sphinx", "-b", "html", "-E", *args,
                           str(src), str(out)], capture_output=True, text=True)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The checks site, built once with sphinx-build."""
    src = tmp_path_factory.mktemp("checks") / "src"
    shutil.copytree(CHECKS_SITE, src)
    out = src.parent / "html"
    result = sphinx_build(src, out)
    return src, out, result


def test_unmet_checks_warn_at_the_failing_item(built):
    src, _, result = built
    warnings = [line for line in strip_colors(result.stderr).splitlines() if "WARNING" in line]
    unsafe = src / "plans" / "unsafe.yaml"
    expected = [
        f"{unsafe}:8: WARNING: plan 'unsafe' fails check 'env-config-access' (Every "
        f"environment has defined configuration and access controls): environment 'prod' has "
        f"manual approval but no approvers (access.approve) [deployplan.check]",
        f"{unsafe}:13: WARNING: plan 'unsafe' fails check 'promotion-tests' (Pipeline includes "
        f"automated tests before each promotion): deploy stage 'deploy-prod' follows deploy "
        f"stage 'deploy-dev' with no automated test or verify stage between them "
        f"[deployplan.check]",
        f"{unsafe}:19: WARNING: plan 'unsafe' fails check 'rollback-commands' (Rollback "
        f"procedures are documented with exact commands): rollback step 2 'Tell the database "
        f"team' has no command (run), and is not marked manual: true [deployplan.check]",
        f"{unsafe}:23: WARNING: plan 'unsafe' fails check 'flag-lifecycle' (Feature flags have "
        f"defined lifecycle and cleanup dates): flag 'unsafe-beta' has no cleanup date "
        f"[deployplan.check]",
        f"{unsafe}:24: WARNING: plan 'unsafe' fails check 'health-coverage' (Health checks "
        f"cover readiness, liveness, and post-deploy smoke tests): no liveness check "
        f"[deployplan.check]",
        f"{unsafe}:28: WARNING: plan 'unsafe' fails check 'migration-compat' (Database "
        f"migrations are backward-compatible during rollout): migration 'drop-legacy' is a "
        f"contract step that runs pre-deploy, while the old version still runs (contract "
        f"steps run post-deploy) [deployplan.check]",
        f"{unsafe}:2: WARNING: plan 'unsafe' fails check 'communication' (Communication plan "
        f"covers both deploy and rollback scenarios): the plan has no communication section "
        f"[deployplan.check]",
        f"{unsafe}:28: WARNING: plan 'unsafe' fails rule 'destructive-sql' (Migrations that "
        f"run beside the old version only add): migration 'drop-legacy' runs pre-deploy and "
        f"drops column t.legacy [DS103/ban-drop-column] [deployplan.destructive-sql]",
        f"{unsafe}:8: WARNING: plan 'unsafe' fails rule 'prod-approval' (The last environment "
        f"requires manual approval by named people): 'prod', the last environment in the "
        f"promotion order, requires manual approval but names no approvers (access.approve); "
        f"it needs manual approval with named approvers [deployplan.prod-approval]",
        f"{src / 'plans' / 'waived.yaml'}:35: WARNING: plan 'waived': the waiver of check "
        f"'health-coverage' expired on 2026-01-31 and no longer applies [deployplan.waiver]",
    ]
    assert warnings == expected


def test_unmet_checks_fail_the_build_with_a_summary(built):
    _, _, result = built
    assert result.returncode == 1
    stderr = strip_colors(result.stderr)
    assert ("deployplan: 1 plan(s) fail their quality checks, drift from their deploy "
            "files or cannot be read") in stderr
    assert ("  unsafe (unsafe): env-config-access, promotion-tests, rollback-commands, "
            "flag-lifecycle, health-coverage, migration-compat, communication") in stderr


def test_fail_on_unmet_false_only_warns(tmp_path):
    src = tmp_path / "src"
    shutil.copytree(CHECKS_SITE, src)
    result = sphinx_build(src, tmp_path / "out", "-D", "deployplan_fail_on_unmet=0")
    assert result.returncode == 0
    stderr = strip_colors(result.stderr)
    assert stderr.count("[deployplan.check]") == 7
    assert "unmet quality checks" not in stderr
    strict = sphinx_build(src, tmp_path / "out2", "-W", "-D", "deployplan_fail_on_unmet=0")
    assert strict.returncode == 1


def test_a_safe_site_passes(tmp_path):
    src = tmp_path / "src"
    shutil.copytree(CHECKS_SITE, src)
    (src / "unsafe.md").unlink()
    (src / "index.md").write_text((src / "index.md").read_text().replace("unsafe\n", ""))
    result = sphinx_build(src, tmp_path / "out", "-W", "-D",
                          "suppress_warnings=deployplan.waiver")
    assert result.returncode == 0, result.stderr


def test_quality_checks_section_shows_badges_and_evidence_links(built):
    _, out, _ = built
    page = soup(out / "unsafe.html")
    rows = page.select("table.deployplan-checks tbody tr")
    assert [r["id"] for r in rows] == [f"unsafe--check-{c}" for c in (
        "env-config-access", "promotion-tests", "zero-downtime", "rollback-commands",
        "flag-lifecycle", "health-coverage", "migration-compat", "communication")]
    badges = [r.select_one(".deployplan-badge").get_text() for r in rows]
    assert badges == ["unmet", "unmet", "met", "unmet", "unmet", "unmet", "unmet", "unmet"]
    rollback = rows[3]
    links = {a.get_text(): a["href"] for a in rollback.select("a")}
    # the runbook keeps the plan's words: no smart quotes in the label
    assert links["rollback step 2 'Tell the database team'"] == "#unsafe--rollback-step-2"
    assert page.select_one("#unsafe--rollback-step-2")  # the anchor exists on the page
    waived = soup(out / "waived.html").select("table.deployplan-checks tbody tr")
    assert [r.select_one(".deployplan-badge").get_text() for r in waived] == [
        "met", "met", "met", "met", "n/a", "met", "n/a", "waived"]
    assert "Waived by head-of-sre until 2026-12-31: Rollback comms follow" in \
        waived[7].get_text(" ", strip=True).replace("  ", " ")


def test_needs_json_traces_checks_to_items(built):
    _, out, _ = built
    data = json.loads((out / "needs.json").read_text())
    needs = data["versions"][data["current_version"]]["needs"]
    check = needs["DP_UNSAFE__CHECK__ROLLBACK_COMMANDS"]
    assert (check["type"], check["plan"], check["check"], check["result"]) == \
        ("dpcheck", "unsafe", "rollback-commands", "unmet")
    assert check["failed_by"] == ["DP_UNSAFE__ROLLBACK__STEP__2"]
    assert sorted(check["satisfied_by"]) == ["DP_UNSAFE__ROLLBACK",
                                             "DP_UNSAFE__ROLLBACK__STEP__1",
                                             "DP_UNSAFE__ROLLBACK__TRIGGER__1",
                                             "DP_UNSAFE__ROLLBACK__VERIFY__1"]
    step = needs["DP_UNSAFE__ROLLBACK__STEP__2"]
    assert step["type"] == "dpstep" and step["failed_by_back"] == [check["id"]]
    assert needs["DP_WAIVED__CHECK__COMMUNICATION"]["result"] == "waived"
    assert needs["DP_WAIVED__CHECK__FLAG_LIFECYCLE"]["result"] == "n/a"
    types = {n["type"] for n in needs.values()}
    assert types == {"dpplan", "dpenv", "dpstage", "dpstrategy", "dprollback", "dptrigger",
                     "dpstep", "dpverify", "dpnotify", "dpflag", "dphealth", "dpmigration",
                     "dpcheck", "dprule"}
    # 8 checks and 8 rules per plan, one need per item
    assert sum(n["type"] == "dpcheck" for n in needs.values()) == 24
    assert sum(n["type"] == "dprule" for n in needs.values()) == 3 * len(RULE_IDS)
    assert needs["DP_UNSAFE__RULE__DESTRUCTIVE_SQL"]["failed_by"] == [
        "DP_UNSAFE__MIGRATION__DROP_LEGACY"]
    assert sum(n["type"] == "dpenv" for n in needs.values()) == 5


def test_every_need_is_an_anchor_on_the_element_that_shows_it(built):
    """A link to a need (needtable, :need:) lands on its row, section or list item."""
    _, out, _ = built
    data = json.loads((out / "needs.json").read_text())
    needs = data["versions"][data["current_version"]]["needs"]
    pages: dict[str, BeautifulSoup] = {}
    for need_id, need in needs.items():
        page = pages.setdefault(need["docname"], soup(out / f"{need['docname']}.html"))
        found = page.find(id=need_id)
        assert found is not None, need_id
        host = found if found.name != "span" else found.parent
        assert host.name in ("td", "section", "li", "dd", "div", "p"), (need_id, host.name)
    step = pages["unsafe"].find(id="DP_UNSAFE__ROLLBACK__STEP__2")
    assert "Tell the database team" in step.find_parent(["li", "tr"]).get_text()
    env = pages["unsafe"].find(id="DP_UNSAFE__ENV__PROD")
    assert env.name == "td" and env.find_parent("tr").find("code").get_text() == "prod"


def test_users_needtable_filters_on_our_fields(built):
    _, out, _ = built
    table = soup(out / "index.html").select_one("table.NEEDS_TABLE, table.needstable_wrapper, "
                                                 "table[class*=NEEDS]")
    rows = table.select("tbody tr")
    ids = sorted(r.select_one("td").get_text(strip=True) for r in rows)
    assert ids == sorted(f"DP_UNSAFE__CHECK__{c}" for c in (
        "ENV_CONFIG_ACCESS", "PROMOTION_TESTS", "ROLLBACK_COMMANDS", "FLAG_LIFECYCLE",
        "HEALTH_COVERAGE", "MIGRATION_COMPAT", "COMMUNICATION"))


def test_landing_page_aggregates(built):
    _, out, _ = built
    page = soup(out / "index.html")
    index = [[c.get_text(" ", strip=True) for c in r.select("td")]
             for r in page.select("table.deployplan-index tbody tr")]
    assert index == [
        ["Complete plan", "complete-svc", "complete-team", "Canary", "8 of 8", "met"],
        ["Unsafe plan", "unsafe-svc", "unsafe-team", "Rolling update", "1 of 8", "unmet"],
        ["Waived plan", "waived-svc", "waived-team", "Blue-green", "6 of 6", "waived"],
    ]
    assert page.select_one("table.deployplan-index a")["href"] == \
        "complete.html#complete--plan"
    matrix = page.select("table.deployplan-matrix tbody tr")
    cell = matrix[1].select("td")[4].select_one("a")
    assert cell.get_text() == "unmet"
    assert cell["href"] == "unsafe.html#unsafe--check-rollback-commands"
    flags = [[c.get_text(strip=True) for c in r.select("td")]
             for r in page.select("table.deployplan-flag-report tbody tr")]
    assert flags == [
        ["new-ui", "complete", "release", "web", "off", "2027-01-31", "65", "—"],
        ["kill-switch", "complete", "ops", "sre", "on", "permanent", "—", "—"],
        ["unsafe-beta", "unsafe", "release", "web", "off", "not set", "—", "—"],
    ]


def test_aggregates_outside_html_are_tables(site):
    """Other builders get the views as docutils tables (HTML builders get them as HTML)."""
    shutil.copytree(CHECKS_SITE, site.root)
    site.build("text", deployplan_fail_on_unmet=False)
    text = (Path(site.app.outdir) / "index.txt").read_text(encoding="utf-8")
    rows = [line for line in text.splitlines() if line.startswith("|")]
    assert any("Unsafe plan" in r and "unsafe-svc" in r and "1 of 8" in r and "unmet" in r
               for r in rows), text
    assert any("new-ui" in r and "2027-01-31" in r and "65" in r for r in rows), text
    assert any('"unsafe"' in r and r.count("unmet") == 7 for r in rows), text


def test_stale_flag_is_marked(tmp_path):
    src = tmp_path / "src"
    shutil.copytree(CHECKS_SITE, src)
    sphinx_build(src, tmp_path / "out", "-D", "deployplan_today=2027-02-10")
    rows = soup(tmp_path / "out" / "index.html").select("table.deployplan-flag-report tbody tr")
    first = [c.get_text(strip=True) for c in rows[0].select("td")]
    assert first[-2:] == ["-10", "stale"]


def _normalised(html_dir: Path) -> dict[str, str]:
    pages = {}
    for path in sorted(html_dir.glob("*.html")):
        text = path.read_text()
        pages[path.name] = re.sub(r"\?v=[0-9a-f]+", "", text)
    return pages


def test_incremental_build_matches_a_clean_build(site):
    """Edit one plan, rebuild without -E: every aggregate equals a clean build's."""
    shutil.copytree(CHECKS_SITE, site.root)
    site.build("html", deployplan_fail_on_unmet=False)
    unsafe = site.root / "plans" / "unsafe.yaml"
    unsafe.write_text(unsafe.read_text()
                      .replace("title: Unsafe plan", "title: Safer plan")
                      .replace("{do: Tell the database team}",
                               "{do: Tell the database team, manual: true}"))
    site.rebuild()
    incremental = _normalised(Path(site.app.outdir))
    assert "Safer plan" in incremental["index.html"]
    clean_root = site.root.parent / "clean"
    shutil.copytree(site.root, clean_root, ignore=shutil.ignore_patterns("_build"))
    clean = site.__class__(clean_root, site.make_app)
    clean.build("html", deployplan_fail_on_unmet=False)
    assert _normalised(Path(clean.app.outdir)) == incremental
