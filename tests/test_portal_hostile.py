"""Portal members are untrusted input: ``tests/corpus/portal/``.

One portal over two good member sites and, beside them, a member per hostile
input, built once with ``sphinx-build`` as CI runs it:

* ``files/`` holds member files that cannot serve at all (``files.json`` says
  where and why each is refused); more are generated here (100,000 nested
  brackets, a sparse file beyond the size limit, a named pipe, a folder);
* ``mutations.json`` describes needs spoiled one at a time in a copy of a good
  member's needs.json: wrong types, impossible dates, unknown results, paths
  that leave the site, a need that claims another member's site or plan.  A
  1.6 MB and a 50 MB title are added here.

Each refused file and each spoiled need gives one ``deployplan.portal`` warning
at its line of the member's file; everything else of the portal builds, nothing
hostile reaches a page, and a member never changes what another member shows.
"""

from __future__ import annotations

import copy
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from conftest import strip_colors
from test_portal import write_member

from sphinx_deployplan.members import MAX_LOCATED

CORPUS = Path(__file__).parent / "corpus" / "portal"
MUTATIONS = json.loads((CORPUS / "mutations.json").read_text())
FILES = json.loads((CORPUS / "files.json").read_text())
#: The needs of plan alpha-api that the mutations spoil, by the name they use.
TARGETS = {"plan": "DP_ALPHA_API", "check": "DP_ALPHA_API__CHECK__ROLLBACK_COMMANDS",
           "flag": "DP_ALPHA_API__FLAG__ALPHA_API_UI", "item": "DP_ALPHA_API__ENV__DEV",
           "rule": "DP_ALPHA_API__RULE__STALE_FLAG"}
#: Generated here: name -> (line, why the file is refused).
GENERATED_FILES = {
    "deep-arrays": (1, "is nested too deeply to be a needs.json"),
    "deep-objects": (1, "is nested too deeply to be a needs.json"),
    "over-the-limit": (1, "is 150,000,000 bytes, more than the limit of 100,000,000 "
                          "(deployplan_portal_max_bytes)"),
    "named-pipe": (1, "is a named pipe (FIFO), not a regular file"),
    "folder": (1, "is a folder, not a regular file"),
}
#: Generated here: titles far over the limit, each on plan alpha-api's own need.
HUGE_TITLES = {"title-1.6-MB": 1_600_000, "title-50-MB": 50_000_000}


def hostile_copy(good: dict, project: str) -> dict:
    """A good member's needs.json as another site's: its project and every need's site."""
    doc = copy.deepcopy(good)
    doc["project"] = project
    for version in doc["versions"].values():
        for need in version["needs"].values():
            need["site"] = project
    return doc


def spoil(doc: dict, mutation: dict) -> str:
    """Apply one mutation; return the file's text."""
    needs = next(iter(doc["versions"].values()))["needs"]
    target = TARGETS[mutation["need"]]
    if "copy" in mutation:
        needs[mutation["copy"]] = copy.deepcopy(needs[target])
        target = mutation["copy"]
    if "replace" in mutation:
        needs[target] = mutation["replace"]
    for key, value in mutation.get("set", {}).items():
        needs[target][key] = value
    for key, (text, times) in mutation.get("repeat", {}).items():
        needs[target][key] = text * times
    return re.sub(r'"raw:([^"]*)"', r"\1", json.dumps(doc, indent=1))


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    root = tmp_path_factory.mktemp("hostile-portal")
    members: list[tuple[str, Path, dict]] = []  # (name, needs.json, extra source keys)
    for site, plans in (("alpha", ["alpha-api", "a"]), ("beta", ["beta-web"])):
        src = write_member(root, site, plans, unsafe="beta-web" if site == "beta" else None)
        built = subprocess.run([sys.executable, "-m", "sphinx", "-b", "html", "-q", str(src),
                                str(src / "_build" / "html")], capture_output=True, text=True)
        assert built.returncode == 0, built.stderr
        members.append((site, src / "_build" / "html" / "needs.json", {}))
    good = json.loads(members[0][1].read_text())
    folder = root / "hostile"
    folder.mkdir()

    def add(name: str, text: str | bytes | None = None, **extra: str) -> Path:
        path = folder / f"{name}.json"
        if isinstance(text, str):
            path.write_text(text, encoding="utf-8")
        elif isinstance(text, bytes):
            path.write_bytes(text)
        members.append((name, path, {"id_prefix": re.sub(r"\W", "_", name).upper() + "_",
                                     **extra}))
        return path

    # the same project name as alpha, its own results: both shown, neither mixes
    twin = hostile_copy(good, "Alpha docs")
    next(iter(twin["versions"].values()))["needs"][TARGETS["check"]]["result"] = "unmet"
    add("alpha-twin", json.dumps(twin))
    for mutation in MUTATIONS:
        add(mutation["name"], spoil(hostile_copy(good, f"Hostile {mutation['name']}"),
                                    mutation))
    for name, size in HUGE_TITLES.items():
        add(name, spoil(hostile_copy(good, f"Hostile {name}"),
                        {"need": "plan", "repeat": {"title": ["x", size]}}))
    for name in sorted(FILES):
        add(f"file-{Path(name).stem}", (CORPUS / "files" / name).read_bytes())
    add("deep-arrays", "[" * 100_000)
    add("deep-objects", '{"a": ' * 100_000)
    with add("over-the-limit").open("wb") as stream:  # sparse: no disk used
        stream.truncate(150_000_000)
    os.mkfifo(add("named-pipe"))
    add("folder").mkdir()

    portal = root / "portal"
    portal.mkdir()
    sources = [{"base_url": f"https://{name}.example.com", "json_path": str(path), **extra}
               for name, path, extra in members]
    (portal / "conf.py").write_text(
        'project = "Release portal"\n'
        'extensions = ["myst_parser", "sphinx_deployplan"]\n'
        'exclude_patterns = ["_build"]\n'
        'deployplan_today = "2026-11-27"\n'
        f"needs_external_needs = {sources!r}\n")
    (portal / "index.md").write_text(
        "# Portal\n\n```{deployplan-index}\n```\n\n```{deployplan-matrix}\n```\n\n"
        "```{deployplan-flags}\n```\n")
    result = subprocess.run([sys.executable, "-m", "sphinx", "-b", "html", "-N", str(portal),
                             str(portal / "_build" / "html")], capture_output=True, text=True,
                            timeout=900)
    numbers = {name: number for number, (name, _, _) in enumerate(members, 1)}
    paths = {name: path for name, path, _ in members}
    return result, portal, numbers, paths


def who(numbers: dict[str, int], name: str) -> str:
    return f"portal member {numbers[name]} of needs_external_needs (https://{name}.example.com)"


def warnings_of(result: subprocess.CompletedProcess) -> list[str]:
    return [line for line in strip_colors(result.stderr).splitlines() if "WARNING" in line]


def line_of(path: Path, need_id: str) -> int:
    text = path.read_text(encoding="utf-8")
    return text[:text.index(f'"{need_id}":', text.index('"needs"'))].count("\n") + 1


def index_rows(portal: Path) -> list[list[str]]:
    page = BeautifulSoup((portal / "_build" / "html" / "index.html").read_text(), "html.parser")
    return [[c.get_text(" ", strip=True) for c in row.select("td")]
            for row in page.select("table.deployplan-index tbody tr")]


def test_the_portal_builds_without_a_traceback(hostile):
    result, _, _, _ = hostile
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Traceback" not in result.stderr and "Exception" not in result.stderr


def test_every_warning_is_a_located_deployplan_portal_warning(hostile):
    """The portal's own warnings only: sphinx-needs never sees a spoiled need."""
    result, _, _, _ = hostile
    for line in warnings_of(result):
        assert re.match(r"^/.+\.json:\d+: WARNING: portal member \d+ .*\[deployplan\.portal\]$",
                        line), line


@pytest.mark.parametrize("mutation", MUTATIONS, ids=lambda m: m["name"])
def test_a_spoiled_need_is_left_out_at_its_line(hostile, mutation):
    result, portal, numbers, paths = hostile
    name, path = mutation["name"], paths[mutation["name"]]
    target = mutation.get("copy", TARGETS[mutation["need"]])
    why = mutation["expect"] if mutation.get("whole") else \
        f"need {target!r} is left out: {mutation['expect']}"
    assert f"{path}:{line_of(path, target)}: WARNING: {who(numbers, name)}: {why} " \
           f"[deployplan.portal]" in warnings_of(result)
    shown = {(row[0], row[1]) for row in index_rows(portal)}
    if mutation.get("plan_left_out"):  # and with it, every need of the plan
        assert ("Alpha-Api release", f"Hostile {name}") not in shown
        assert ("A release", f"Hostile {name}") in shown
        assert re.search(rf"{re.escape(who(numbers, name))}: \d+ need\(s\) .* are left out: "
                         r"they describe plan 'alpha-api', which this site does not publish",
                         "\n".join(warnings_of(result)))
    else:  # the rest of the member stands
        assert ("Alpha-Api release", f"Hostile {name}") in shown


@pytest.mark.parametrize("name", sorted(FILES))
def test_a_member_file_that_cannot_serve_is_left_out(hostile, name):
    result, _, numbers, paths = hostile
    member = f"file-{Path(name).stem}"
    line, why = FILES[name]
    assert f"{paths[member]}:{line}: WARNING: {who(numbers, member)}: the file {why}; its " \
           f"plans are left out of this build [deployplan.portal]" in warnings_of(result)


@pytest.mark.parametrize("name", GENERATED_FILES)
def test_a_generated_member_that_cannot_serve_is_left_out(hostile, name):
    result, _, numbers, paths = hostile
    line, why = GENERATED_FILES[name]
    kind = "path" if "regular file" in why else "file"
    assert f"{paths[name]}:{line}: WARNING: {who(numbers, name)}: the {kind} {why}; its " \
           f"plans are left out of this build [deployplan.portal]" in warnings_of(result)


@pytest.mark.parametrize("name", HUGE_TITLES)
def test_a_huge_title_costs_nothing_but_its_plan(hostile, name):
    result, portal, numbers, _ = hostile
    found = [w for w in warnings_of(result) if who(numbers, name) in w]
    assert found[0].endswith(
        f"need 'DP_ALPHA_API' is left out: it holds a text of {HUGE_TITLES[name]:,} characters "
        f"(at most 10,000) [deployplan.portal]")
    assert len(found) == 2  # and one line for the needs of the plan it leaves behind
    html = (portal / "_build" / "html" / "index.html").read_text()
    assert "x" * 10_001 not in html


def test_the_good_members_show_in_full(hostile):
    _, portal, _, _ = hostile
    rows = {(row[0], row[1]): row for row in reversed(index_rows(portal))}  # first wins
    assert rows[("Alpha-Api release", "Alpha docs")][-2:] == ["8 of 8", "met"]
    assert rows[("A release", "Alpha docs")][-2:] == ["8 of 8", "met"]  # a one-letter id
    assert rows[("Beta-Web release", "Beta docs")][-2:] == ["7 of 8", "unmet"]


def test_a_member_describes_only_itself(hostile):
    """A member publishing a met check or a flag for another member's plan changes
    nothing there; a member with the same project name keeps its own results."""
    _, portal, _, _ = hostile
    page = BeautifulSoup((portal / "_build" / "html" / "index.html").read_text(),
                         "html.parser")
    beta = [[c.get_text(strip=True) for c in row.select("td")]
            for row in page.select("table.deployplan-matrix tbody tr")
            if row.select_one("td").get_text(strip=True) == "beta-web"]
    assert len(beta) == 1 and beta[0][1] == "Beta docs" and beta[0][5] == "unmet"
    flags = [row.select_one("td").get_text(strip=True)
             for row in page.select("table.deployplan-flag-report tbody tr")]
    assert "injected" not in flags
    alpha = [row[-1] for row in index_rows(portal) if row[:2] == ["Alpha-Api release",
                                                                   "Alpha docs"]]
    assert sorted(alpha) == ["met", "unmet"]  # alpha's, and its twin's own


def test_two_members_with_one_project_name_are_both_shown(hostile):
    result, _, numbers, paths = hostile
    assert (f"{paths['alpha-twin']}:1: WARNING: {who(numbers, 'alpha-twin')}: portal member "
            f"{numbers['alpha']} has the same project name 'Alpha docs'; both are shown, but "
            f"the Site column and :sites: cannot tell them apart [deployplan.portal]"
            ) in warnings_of(result)


def test_warnings_per_member_are_bounded(hostile):
    """A member that spoils every need gets MAX_LOCATED lines and one count."""
    result, _, _, _ = hostile
    per_member: dict[str, int] = {}
    for line in warnings_of(result):
        member = re.search(r"portal member (\d+)", line)[1]
        per_member[member] = per_member.get(member, 0) + 1
    assert max(per_member.values()) <= MAX_LOCATED + 1


def test_links_of_member_plans_go_to_their_home_site(hostile):
    _, portal, _, _ = hostile
    page = BeautifulSoup((portal / "_build" / "html" / "index.html").read_text(),
                         "html.parser")
    for link in page.select("table a[href]"):
        assert re.match(r"^https://[A-Za-z0-9.-]+\.example\.com/[A-Za-z0-9_./-]+\.html#"
                        r"[A-Za-z0-9_]+$", link["href"]), link["href"]
