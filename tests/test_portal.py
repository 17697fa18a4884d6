"""A runbook portal over three member sites, built separately, on external needs."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from conftest import strip_colors

COMPLETE = (Path(__file__).parent / "plans" / "complete.yaml").read_text()
MEMBERS = {  # site -> plan ids
    "alpha": ["alpha-api", "alpha-worker"],
    "beta": ["beta-web"],
    "gamma": ["gamma-batch"],
}


def build(src: Path, *args: str) -> subprocess.CompletedProcess:
    result = subprocess.run([sys.executable, "-m", "sphinx", "-b", "html", *args, str(src),
                             str(src / "_build" / "html")], capture_output=True, text=True)
    assert "Traceback" not in result.stderr, result.stderr
    return result


def write_member(root: Path, site: str, plans: list[str], *, unsafe: str | None = None) -> Path:
    src = root / site
    src.mkdir(parents=True, exist_ok=True)
    (src / "conf.py").write_text(
        f'project = "{site.capitalize()} docs"\n'
        'extensions = ["myst_parser", "sphinx_deployplan"]\n'
        'exclude_patterns = ["_build"]\nneeds_build_json = True\n'
        'deployplan_today = "2026-11-27"\ndeployplan_fail_on_unmet = False\n')
    pages = []
    for plan_id in plans:
        text = COMPLETE.replace("plan: complete", f"plan: {plan_id}").replace(
            "title: Complete plan", f"title: {plan_id.title()} release").replace(
            "service: complete-svc", f"service: {plan_id}-svc").replace(
            "name: new-ui", f"name: {plan_id}-ui").replace(
            "name: kill-switch", f"name: {plan_id}-kill")
        if plan_id == unsafe:
            text = text.replace("  database: Expand-only; forward-fix.\n", "")
        (src / f"{plan_id}.yaml").write_text(text)
        (src / f"{plan_id}.md").write_text(f"# {plan_id}\n\n```{{deployplan}}\n"
                                           f":file: {plan_id}.yaml\n```\n")
        pages.append(plan_id)
    (src / "index.md").write_text(f"# {site}\n\n```{{toctree}}\n" + "\n".join(pages) + "\n```\n")
    return src


def write_portal(root: Path, members: list[str], *, extra: str = "") -> Path:
    src = root / "portal"
    src.mkdir(parents=True, exist_ok=True)
    sources = ",\n".join(
        f'    {{"base_url": "https://{m}.example.com", '
        f'"json_path": "../{m}/_build/html/needs.json"}}' for m in members)
    (src / "conf.py").write_text(
        'project = "Release portal"\n'
        'extensions = ["myst_parser", "sphinx_deployplan"]\n'
        'exclude_patterns = ["_build"]\n'
        'deployplan_today = "2026-11-27"\n'
        f"needs_external_needs = [\n{sources},\n]\n")
    (src / "index.md").write_text(
        "# Portal\n\n## Plans\n\n```{deployplan-index}\n```\n\n## Matrix\n\n"
        "```{deployplan-matrix}\n```\n\n## Flags\n\n```{deployplan-flags}\n```\n\n"
        "## Alpha only\n\n```{deployplan-index}\n:sites: Alpha docs\n```\n" + extra)
    return src


@pytest.fixture(scope="module")
def portal(tmp_path_factory):
    root = tmp_path_factory.mktemp("portal")
    outdirs = {}
    for site, plans in MEMBERS.items():
        src = write_member(root, site, plans, unsafe="beta-web" if site == "beta" else None)
        result = build(src)
        assert result.returncode == 0, result.stderr
        outdirs[f"https://{site}.example.com"] = src / "_build" / "html"
    src = write_portal(root, list(MEMBERS))
    result = build(src, "-W")
    assert result.returncode == 0, strip_colors(result.stderr)
    return root, src, outdirs


def _page(src: Path) -> BeautifulSoup:
    return BeautifulSoup((src / "_build" / "html" / "index.html").read_text(), "html.parser")


def _target_exists(href: str, outdirs: dict[str, Path]) -> bool:
    base, _, rest = href.partition(".com/")
    path, _, fragment = rest.partition("#")
    html = (outdirs[base + ".com"] / path).read_text()
    return f'id="{fragment}"' in html


def test_every_member_plan_appears_once_with_a_working_link(portal):
    _, src, outdirs = portal
    index = _page(src).select("table.deployplan-index")[0]
    rows = [[c.get_text(" ", strip=True) for c in r.select("td")] for r in index.select("tbody tr")]
    assert [(r[0], r[1]) for r in rows] == [
        ("Alpha-Api release", "Alpha docs"), ("Alpha-Worker release", "Alpha docs"),
        ("Beta-Web release", "Beta docs"), ("Gamma-Batch release", "Gamma docs")]
    assert rows[2][-2:] == ["7 of 8", "unmet"]  # beta-web has no database note
    for link in index.select("tbody tr td:first-child a"):
        assert _target_exists(link["href"], outdirs), link["href"]


def test_every_check_result_links_to_its_evidence(portal):
    _, src, outdirs = portal
    matrix = _page(src).select_one("table.deployplan-matrix")
    rows = matrix.select("tbody tr")
    assert len(rows) == 4
    cells = [a for r in rows for a in r.select("td a")[1:]]
    assert len(cells) == 4 * 9  # the eight checks, then drift from the deploy files
    beta = [a.get_text() for a in rows[2].select("td a")[1:]]
    assert beta[3] == "unmet" and beta.count("met") == 7
    for link in cells:
        assert _target_exists(link["href"], outdirs), link["href"]


def test_every_flag_appears_once(portal):
    _, src, outdirs = portal
    flags = _page(src).select("table.deployplan-flag-report tbody tr")
    names = [r.select_one("td").get_text(strip=True) for r in flags]
    expected = [f"{p}-{suffix}" for ps in MEMBERS.values() for p in ps
                for suffix in ("ui", "kill")]
    assert sorted(names) == sorted(expected) and len(names) == len(set(names))
    ui = next(r for r in flags if r.select_one("td").get_text(strip=True) == "alpha-api-ui")
    assert [c.get_text(strip=True) for c in ui.select("td")][1:] == [
        "alpha-api", "Alpha docs", "release", "web", "off", "2027-01-31", "65", "—"]
    for row in flags:
        assert _target_exists(row.select_one("td a")["href"], outdirs)


def test_sites_option_filters(portal):
    _, src, _ = portal
    alpha = _page(src).select("table.deployplan-index")[1]
    sites = {r.select("td")[1].get_text(strip=True) for r in alpha.select("tbody tr")}
    assert sites == {"Alpha docs"}


def test_incremental_portal_build_shows_a_member_change(portal):
    root, src, _ = portal
    beta = root / "beta"
    plan = beta / "beta-web.yaml"
    plan.write_text(plan.read_text().replace("title: Beta-Web release",
                                             "title: Beta-Web release 2"))
    assert build(beta).returncode == 0  # only the member is rebuilt
    result = build(src)  # incremental: no -E
    assert result.returncode == 0, result.stderr
    assert "Beta-Web release 2" in (src / "_build" / "html" / "index.html").read_text()


def test_missing_or_malformed_member_is_reported_and_left_out(tmp_path):
    good = write_member(tmp_path, "alpha", ["alpha-api"])
    assert build(good).returncode == 0
    broken = tmp_path / "broken" / "_build" / "html"
    broken.mkdir(parents=True)
    (broken / "needs.json").write_text("{not json")
    src = write_portal(tmp_path, ["alpha", "broken", "missing"])
    result = build(src)
    assert result.returncode == 0
    warnings = strip_colors(result.stderr)
    broken_json = src / ".." / "broken" / "_build" / "html" / "needs.json"
    assert re.search(rf"{re.escape(str(broken_json))}:1: WARNING: portal member 2 of "
                     r"needs_external_needs \(https://broken.example.com\): the file is not "
                     r"valid JSON \(column 2: .*\); its plans are left out of this build "
                     r"\[deployplan.portal\]", warnings), warnings
    assert "portal member 3 of needs_external_needs (https://missing.example.com)" in warnings
    assert "cannot be read (No such file or directory)" in warnings
    rows = _page(src).select("table.deployplan-index")[0].select("tbody tr")
    assert [r.select_one("td").get_text(strip=True) for r in rows] == ["Alpha-Api release"]


def test_members_by_file_url_are_read_and_by_web_url_are_not(tmp_path):
    """``json_url: file://...`` is a file like ``json_path``; an http(s) URL is left to
    sphinx-needs, with a warning, and its plans are not shown (a closed local port
    here: nothing leaves the machine)."""
    good = write_member(tmp_path, "alpha", ["alpha-api"])
    assert build(good).returncode == 0
    src = tmp_path / "portal"
    src.mkdir()
    needs = good / "_build" / "html" / "needs.json"
    (src / "conf.py").write_text(
        'project = "Release portal"\n'
        'extensions = ["myst_parser", "sphinx_deployplan"]\n'
        'exclude_patterns = ["_build"]\ndeployplan_today = "2026-11-27"\n'
        "needs_external_needs = [\n"
        f'    {{"base_url": "https://alpha.example.com", "json_url": "file://{needs}"}},\n'
        '    {"base_url": "https://web.example.com", '
        '"json_url": "http://127.0.0.1:9/needs.json"},\n]\n')
    (src / "index.md").write_text("# Portal\n\n```{deployplan-index}\n```\n")
    result = build(src)
    warnings = strip_colors(result.stderr)
    assert (f"{src / 'conf.py'}:5: WARNING: portal member 2 of needs_external_needs "
            f"(https://web.example.com) is a URL; the plan views read members from files "
            f"only, so its plans are not shown") in warnings
    rows = _page(src).select("table.deployplan-index tbody tr")
    assert [r.select_one("td a")["href"] for r in rows] == [
        "https://alpha.example.com/alpha-api.html#DP_ALPHA_API"]
