"""Anchors and ids, through a real build: every id on a page once, every link of the
aggregate views landing on an anchor its target page has, whatever ``:sections:``
and ``:no-heading:`` leave out, and need ids sphinx-needs accepts for any plan id."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from bs4 import BeautifulSoup

COMPLETE = (Path(__file__).parent / "plans" / "complete.yaml").read_text()


def plan(plan_id: str, **replace: str) -> str:
    text = COMPLETE.replace("plan: complete", f"plan: {plan_id}").replace(
        "name: new-ui", f"name: {plan_id}-ui").replace("name: kill-switch", f"name: {plan_id}-kill")
    for old, new in replace.items():
        text = text.replace(old, new)
    return text


def directive(body: str, *options: str) -> str:
    return "```{deployplan}\n" + "".join(f"{o}\n" for o in options) + body + "```\n\n"


#: Pages and their plans.  "svc" has a stage "checks" and a health check "Health":
#: with anchors joined by a single "-", they were "svc-stage-checks" and
#: "svc-health-health", the Quality Checks and Health Checks sections of the plan
#: "svc-stage" beside it (and "svc-health" of a plan of that id).
PAGES = {
    "together": "# Two plans\n\n"
    + directive(plan("svc", **{"{id: test, kind: test}": "{id: checks, kind: test}",
                               "needs: [test]": "needs: [checks]",
                               "check: Smoke": "check: Health"}))
    + directive(plan("svc-stage")) + directive(plan("svc-health")),
    "short": "# Short\n\n" + directive(plan("a")) + directive(plan("b2")),
    "parts": "# Parts\n\n## Rollout\n\n"
    + directive(plan("parts"), ":sections: environments, rollback", ":no-heading:"),
    "flags-only": "# Flags only\n\n" + directive(plan("flagsonly"), ":sections: flags"),
    "checks-only": "# Checks only\n\n"
    + directive(plan("checksonly"), ":sections: checks", ":no-heading:"),
}


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    from sphinx.testing.util import SphinxTestApp

    src = tmp_path_factory.mktemp("anchors")
    (src / "conf.py").write_text('extensions = ["myst_parser", "sphinx_deployplan"]\n'
                                 'exclude_patterns = ["_build"]\nneeds_build_json = True\n'
                                 'deployplan_today = "2026-11-27"\n')
    (src / "index.md").write_text("# Index\n\n```{deployplan-index}\n```\n\n"
                                  "```{deployplan-matrix}\n```\n\n```{deployplan-flags}\n```\n\n"
                                  "```{toctree}\n" + "\n".join(PAGES) + "\n```\n")
    for name, text in PAGES.items():
        (src / f"{name}.md").write_text(text)
    for line in COMPLETE.splitlines():
        assert "Smoke" not in line or "check: Smoke" in line  # the replacements above hold
    app = SphinxTestApp("html", srcdir=src)
    try:
        app.build()
    finally:
        app.cleanup()
    return Path(app.outdir), app._warning.getvalue()


def page(out: Path, name: str) -> BeautifulSoup:
    return BeautifulSoup((out / f"{name}.html").read_text("utf-8"), "html.parser")


def test_the_site_builds_without_warnings(built):
    _, warnings = built
    assert warnings == ""


@pytest.mark.parametrize("name", ["index", *PAGES])
def test_every_id_is_on_its_page_once(built, name):
    out, _ = built
    ids = Counter(tag["id"] for tag in page(out, name).select("[id]"))
    assert [i for i, n in ids.items() if n > 1] == []


def test_plans_whose_ids_extend_each_other_keep_their_own_anchors(built):
    out, _ = built
    html = page(out, "together")
    assert html.select_one("tr#svc--stage-checks")  # svc's stage
    assert html.select_one("section#svc-stage--checks")  # svc-stage's Quality Checks
    assert html.select_one("tr#svc--health-health")  # svc's health check
    assert html.select_one("section#svc-health--plan")


def test_every_aggregate_link_lands_on_an_anchor_of_its_page(built):
    out, _ = built
    index = page(out, "index")
    links = [a["href"] for table in index.select("table") for a in table.select("a[href]")]
    assert len(links) > 3 * len(PAGES)
    for href in links:
        target = urlsplit(href)
        assert target.fragment, href
        found = page(out, target.path.removesuffix(".html")).select(
            f"[id='{target.fragment}']")
        assert found, f"{href}: no such anchor on its page"


def test_links_fall_back_to_the_nearest_anchor_that_is_shown(built):
    out, _ = built
    index = page(out, "index")
    rows = {tr.select_one("td a").get_text(): tr for tr in
            index.select("table.deployplan-matrix tbody tr")}
    # no heading: the plan links to its first part; its checks are not shown either
    parts = [a["href"] for a in rows["parts"].select("a")]
    assert set(parts) == {"parts.html#parts--environments"}
    # a heading but no checks: the checks link to the plan
    flags = [a["href"] for a in rows["flagsonly"].select("a")]
    assert set(flags) == {"flags-only.html#flagsonly--plan"}
    # only the checks, no heading: the plan links to its Quality Checks, each check
    # to its own row
    checks = [a["href"] for a in rows["checksonly"].select("a")]
    assert checks[0] == "checks-only.html#checksonly--checks"
    assert checks[1:] == [f"checks-only.html#checksonly--check-{c}" for c in (
        "env-config-access", "promotion-tests", "zero-downtime", "rollback-commands",
        "flag-lifecycle", "health-coverage", "migration-compat", "communication")] + [
        "checks-only.html#checksonly--rule-source-drift"]  # the rules table is shown too
    report = {tr.select_one("td").get_text(strip=True): tr.select_one("td a")["href"]
              for tr in index.select("table.deployplan-flag-report tbody tr")}
    assert report["flagsonly-ui"] == "flags-only.html#flagsonly--flag-flagsonly-ui"
    assert report["checksonly-ui"] == "checks-only.html#checksonly--checks"


def test_a_one_letter_plan_id_is_a_need_like_any_other(built):
    out, warnings = built
    assert "deployplan.need" not in warnings
    needs = json.loads((out / "needs.json").read_text())
    found = {n["id"]: n for v in needs["versions"].values() for n in v["needs"].values()}
    assert found["DP_A__PLAN"]["type"] == "dpplan" and found["DP_A__PLAN"]["plan"] == "a"
    assert found["DP_B2"]["type"] == "dpplan"  # five characters: as it always was
    assert found["DP_A__CHECK__ROLLBACK_COMMANDS"]["result"] == "met"
    assert page(out, "short").select_one("[id='DP_A__PLAN']")
