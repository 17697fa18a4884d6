"""Incremental and parallel builds produce exactly what a clean serial build produces.

Real builds (``python -m sphinx``, as a user runs it), each in its own temporary
folder, of sites made by ``bench/generate.py`` and, for (c), of a small site
taken through moves, swaps and duplicate plan ids appearing and going away.
Outputs are compared file by file: every HTML page and ``needs.json``, after
normalising only build timestamps (``created`` in needs.json) and the
cache-busting ``?v=...`` query strings of assets; (c) compares exit status,
summary and warnings too.  Nothing is timed here: speed is the benchmark's
business (``bench/run.py``); these tests are about exactness.
"""

from __future__ import annotations

import difflib
import importlib.util
import json
import re
import shutil
import subprocess
import sys
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _load_generate() -> Any:
    path = ROOT / "bench" / "generate.py"
    spec = importlib.util.spec_from_file_location("deployplan_bench_generate", path)
    assert spec and spec.loader, path
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


generate = _load_generate()

_ASSET_VERSION = re.compile(r"\?v=[0-9a-f]+")
_READ = re.compile(r"reading sources\.\.\. \[\s*\d+%\] (.+)")
_WRITE = re.compile(r"writing output\.\.\. \[\s*\d+%\] (.+)")


def sphinx(src: Path, out: Path, *args: str) -> subprocess.CompletedProcess:
    """One HTML build; its doctree cache lives beside the HTML, inside ``out``.
    A build that fails or warns fails the test (the generated sites are clean)."""
    result = subprocess.run(
        [sys.executable, "-m", "sphinx", "-b", "html", "-N", "-d", str(out / "doctrees"),
         *args, str(src), str(out / "html")],
        capture_output=True, text=True)
    assert result.returncode == 0, f"build failed:\n{result.stderr[-3000:]}"
    warnings = [line for line in result.stderr.splitlines() if "WARNING" in line]
    assert not warnings, "the generated site should build without warnings:\n" + \
        "\n".join(warnings[:20])
    return result


def status(pattern: re.Pattern[str], log: str) -> list[str]:
    """The documents (or parallel chunks, "a .. b") a build's status log names."""
    return [m[1].strip() for m in map(pattern.search, log.splitlines()) if m]


def _needs_json(text: str) -> str:
    """needs.json with its build timestamps blanked; nothing else touched."""
    data = json.loads(text)
    data["created"] = "<timestamp>"
    for version in data.get("versions", {}).values():
        if "created" in version:
            version["created"] = "<timestamp>"
    return json.dumps(data, indent=1, ensure_ascii=False)


#: Also compared, byte for byte: the search index and the inventory (other sites'
#: intersphinx links).  Not compared: schema_violations.json, sphinx-needs' report of
#: its schema validation, which records how long the validation took.
ALSO_EXACT = ("searchindex.js", "objects.inv")


def _main_content(page: str) -> str:
    """The page's main content (``div[role=main]``): what the extension renders,
    without the theme's navigation around it."""
    from bs4 import BeautifulSoup

    main = BeautifulSoup(page, "html.parser").select_one("div[role=main]")
    return page if main is None else str(main)  # e.g. sphinx-needs' permalink.html


def snapshot(html: Path, whole: frozenset[str] | None = None,
             exact: tuple[str, ...] = ALSO_EXACT) -> dict[str, str]:
    """Every HTML page and needs.json of an output folder, normalised, and the
    files of ``exact`` as they are.  With ``whole``, only those pages are taken
    whole; of the others, only their main content."""
    pages = {}
    for path in sorted(html.rglob("*.html")):
        name = str(path.relative_to(html))
        text = _ASSET_VERSION.sub("?v=<hash>", path.read_text("utf-8"))
        pages[name] = text if whole is None or name in whole else _main_content(text)
    pages["needs.json"] = _needs_json((html / "needs.json").read_text("utf-8"))
    for name in exact:
        pages[name] = _readable(html / name)
    return pages


def _readable(path: Path) -> str:
    """A file as text that diffs well: the search index one entry a line, the
    inventory decompressed.  Content and order are kept as they are."""
    data = path.read_bytes()
    if path.name == "objects.inv":
        header, _, body = data.partition(b"zlib.\n")
        return (header + zlib.decompress(body)).decode("utf-8")
    text = data.decode("utf-8")
    if path.name == "searchindex.js":
        start, end = text.index("("), text.rindex(")")
        text = json.dumps(json.loads(text[start + 1:end]), indent=1, ensure_ascii=False)
    return text


def assert_same_output(expected: Path, actual: Path, what: str,
                       leftovers: frozenset[str] = frozenset(),
                       whole: frozenset[str] | None = None,
                       exact: tuple[str, ...] = ALSO_EXACT) -> None:
    """``actual`` holds the same files as ``expected``, with the same content; only the
    ``leftovers`` may be there in addition (Sphinx never deletes the output of a
    removed document).  ``whole`` and ``exact``: see :func:`snapshot`."""
    want, got = snapshot(expected, whole, exact), snapshot(actual, whole, exact)
    assert set(got) - set(want) == set(leftovers), f"{what}: unexpected extra files"
    assert set(want) <= set(got), f"{what}: missing files {sorted(set(want) - set(got))}"
    differing = [name for name in want if want[name] != got[name]]
    if not differing:
        return
    report = [f"{what}: {len(differing)} of {len(want)} files differ: {differing[:10]}"]
    for name in differing[:3]:
        diff = difflib.unified_diff(want[name].splitlines(), got[name].splitlines(),
                                    f"expected/{name}", f"actual/{name}", n=1, lineterm="")
        report += list(diff)[:40]
    pytest.fail("\n".join(report))


# --- (a) incremental = clean ---------------------------------------------------------------------


def test_incremental_build_equals_clean_build(tmp_path):
    """Build, edit the YAML file of one plan and the MyST body of another, rebuild
    without -E: the result is what a clean build of the edited sources gives."""
    gen = generate.generate(6, tmp_path / "gen", baseline=False, plans=False)
    by_form = {form: [p for p in gen.pages if p.form == form] for form in generate.FORMS}
    yaml_plan, myst_plan = by_form["file"][0], by_form["md"][0]
    incremental, clean = tmp_path / "incremental", tmp_path / "clean"

    sphinx(gen.site, incremental)
    # a new title shows on the plan page and in the plan index; a new cleanup date
    # in the flag report, both on the index page only through the aggregates
    generate.edit_plan(gen.page_path(yaml_plan), "title")
    generate.edit_plan(gen.page_path(yaml_plan), "flag-cleanup")
    generate.edit_plan(gen.page_path(myst_plan), "title", " (edited in MyST)")
    rebuilt = sphinx(gen.site, incremental)
    sphinx(gen.site, clean, "-E")

    # the extension adds its static folder before the saved configuration is compared
    assert "configuration has changed" not in rebuilt.stdout
    read = status(_READ, rebuilt.stdout)
    assert sorted(read) == sorted(["index", yaml_plan.docname, myst_plan.docname]), \
        f"the incremental build should re-read the edited plans and the index, read {read}"
    html = (incremental / "html" / "index.html").read_text("utf-8")
    assert f"{yaml_plan.plan['title']} (edited)" in html
    assert f"{myst_plan.plan['title']} (edited in MyST)" in html
    assert_same_output(clean / "html", incremental / "html", "incremental vs clean build")

    # Then a plan page goes away and a new one comes: no trace of the old plan, the new
    # one in every aggregate and in needs.json, in the incremental build as in a clean
    # one.  Sphinx itself (9.0, with no extension at all) rewrites only the pages it
    # re-read, so the other pages keep their old sidebar toctree and next/previous
    # links, the removed page's HTML stays in the output folder, and the search index
    # keeps the removed page's words with empty document lists.  So here the index page
    # (where the aggregates are), the new page, needs.json and the inventory must equal
    # the clean build's whole; the other pages, their main content; the search index is
    # not compared.
    clean = tmp_path / "clean-again"
    gone = by_form["rst"][0]
    added = generate.make_pages(len(gen.pages) + 1)[-1]
    generate.remove_page(gen.site, gone)
    generate.write_page(gen.site, added)
    rebuilt = sphinx(gen.site, incremental)
    sphinx(gen.site, clean, "-E")

    assert sorted(status(_READ, rebuilt.stdout)) == sorted(["index", added.docname])
    html = (incremental / "html" / "index.html").read_text("utf-8")
    assert added.plan_id in html and gone.plan_id not in html
    assert gone.plan_id not in (incremental / "html" / "needs.json").read_text("utf-8")
    assert_same_output(clean / "html", incremental / "html",
                       "incremental vs clean build, after removing and adding a plan",
                       leftovers=frozenset({gone.docname + ".html"}),
                       whole=frozenset({"index.html", added.docname + ".html"}),
                       exact=("objects.inv",))


# --- (b) -j 2 = serial ---------------------------------------------------------------------------

#: Sphinx 9 reads in parallel whenever -j > 1, in chunks (sphinx.util.parallel.make_chunks:
#: n // nproc documents per chunk, or sqrt(n / nproc * 10) once that reaches 10), and
#: writes in chunks with -j - 1 worker processes (Sphinx before 9 also wanted more than 5
#: documents).  25 documents at -j 2 make 3 read chunks (11, 11 and 3 documents), so
#: domain data really is merged from separate processes, and 2 write chunks.
PARALLEL_PLANS = 24


def test_parallel_build_equals_serial_build(tmp_path):
    gen = generate.generate(PARALLEL_PLANS, tmp_path / "gen", baseline=False, plans=False)
    serial, parallel = tmp_path / "serial", tmp_path / "parallel"
    sphinx(gen.site, serial, "-E")
    log = sphinx(gen.site, parallel, "-E", "-j", "2")

    assert "parallel reading" not in log.stderr  # no extension refused parallel reading
    read, written = status(_READ, log.stdout), status(_WRITE, log.stdout)
    assert len(read) >= 2 and any(" .. " in chunk for chunk in read), \
        f"Sphinx did not read in parallel chunks: {read}"
    assert written and any(" .. " in chunk for chunk in written), \
        f"Sphinx did not write in parallel chunks: {written}"
    assert_same_output(serial / "html", parallel / "html", "-j 2 vs serial build")


# --- (c) moves, swaps and duplicate ids -----------------------------------------------------------

COMPLETE = (ROOT / "tests" / "plans" / "complete.yaml").read_text("utf-8")
_WARNING = re.compile(r"^(?P<where>.*?): WARNING: (?P<message>.*) \[(?P<type>[\w.-]+)\]$")


def plan_yaml(plan_id: str, *, unmet: bool = False) -> str:
    """A copy of complete.yaml with its own id, title and flag names; ``unmet``
    drops the rollback's database note (an unmet check that fails the build)."""
    text = COMPLETE.replace("plan: complete", f"plan: {plan_id}").replace(
        "title: Complete plan", f"title: Plan {plan_id}").replace(
        "name: new-ui", f"name: {plan_id}-ui").replace("name: kill-switch", f"name: {plan_id}-kill")
    return text.replace("  database: Expand-only; forward-fix.\n", "") if unmet else text


#: The plans the scenario moves around: x has an unmet check, y and z meet all.
PLANS = {"x": plan_yaml("x", unmet=True), "y": plan_yaml("y"), "z": plan_yaml("z")}
#: The pages, in document-name order.  ``d`` is reST; ``y`` always comes from a file.
PAGES = ("a", "b", "c", "d")


def write_pages(src: Path, state: dict[str, list[str]]) -> None:
    """One page per document name of ``state`` (its plans, in order, as directive
    bodies; ``y`` with ``:file:``), every other page of PAGES removed, and an index
    page with the three aggregate views and a globbed toctree."""
    if not (src / "conf.py").exists():
        (src / "plans").mkdir(parents=True)
        (src / "plans" / "y.yaml").write_text(PLANS["y"], "utf-8")
        (src / "conf.py").write_text(
            'extensions = ["myst_parser", "sphinx_deployplan"]\n'
            'exclude_patterns = ["_build"]\nneeds_build_json = True\n'
            'deployplan_today = "2026-11-27"\n'
            'html_sidebars = {"**": ["localtoc.html", "relations.html"]}\n', "utf-8")
        (src / "index.md").write_text(
            "# Plans\n\n```{deployplan-index}\n```\n\n```{deployplan-matrix}\n```\n\n"
            "```{deployplan-flags}\n```\n\n```{toctree}\n:glob:\n\n*\n```\n", "utf-8")
    for name in {p.stem for p in src.glob("*.*")} - {"conf", "index"} - set(state):
        for path in src.glob(f"{name}.*"):
            path.unlink()
    for name, plans in state.items():
        rst = name.startswith("d")
        blocks = []
        for plan_id in plans:
            if plan_id == "y":
                blocks.append(".. deployplan::\n   :file: plans/y.yaml\n" if rst
                              else "```{deployplan}\n:file: plans/y.yaml\n```\n")
            elif rst:
                body = "".join(f"   {line}\n" for line in PLANS[plan_id].splitlines())
                blocks.append(f".. deployplan::\n\n{body}")
            else:
                blocks.append(f"```{{deployplan}}\n{PLANS[plan_id]}```\n")
        title = f"Page {name}"
        head = f"{title}\n{'=' * len(title)}\n\n" if rst else f"# {title}\n\n"
        text = head + "Before the plans.\n\n" + "\n".join(blocks) + "\nAfter the plans.\n"
        (src / f"{name}.{'rst' if rst else 'md'}").write_text(text, "utf-8")


@dataclass
class Build:
    returncode: int
    warnings: list[str]  # "where: message [type]", sorted
    summary: list[str]  # the end-of-build summary of failing plans

    def of_type(self, kind: str) -> list[str]:
        return [w for w in self.warnings if w.endswith(f"[{kind}]")]


def build(src: Path, out: Path, *args: str) -> Build:
    result = subprocess.run(
        [sys.executable, "-m", "sphinx", "-b", "html", "-N", "-d", str(out / "doctrees"),
         *args, str(src), str(out / "html")], capture_output=True, text=True)
    assert "Traceback" not in result.stderr, result.stderr[-3000:]
    lines = result.stderr.splitlines()
    warnings = sorted(line for line in lines if _WARNING.match(line))
    start = next((i for i, line in enumerate(lines)
                  if "fail their quality checks, drift from their deploy" in line), None)
    summary = lines[start:] if start is not None else []
    return Build(result.returncode, warnings, [s for s in summary if s.startswith("  ")])


#: Each step's pages (document name -> plan ids, in page order) and what it shows.
STEPS: list[tuple[str, dict[str, list[str]]]] = [
    ("start", {"a": ["x"], "b": ["y"], "c": [], "d": ["z"]}),
    ("x moves to a later page", {"a": [], "b": ["y"], "c": ["x"], "d": ["z"]}),
    ("x moves back to an earlier page", {"a": ["x"], "b": ["y"], "c": [], "d": ["z"]}),
    ("x and y swap pages", {"a": ["y"], "b": ["x"], "c": [], "d": ["z"]}),
    ("a later page defines x too", {"a": ["y"], "b": ["x"], "c": [], "d": ["z", "x"]}),
    ("an earlier page defines x too, and takes it",
     {"a": ["y", "x"], "b": ["x"], "c": [], "d": ["z", "x"]}),
    ("x twice on one page", {"a": ["y", "x"], "b": ["x", "x"], "c": [], "d": ["z", "x"]}),
    ("the owner of x drops it", {"a": ["y"], "b": ["x", "x"], "c": [], "d": ["z", "x"]}),
    ("the page owning x is renamed past another definer",
     {"a": ["y"], "c": [], "d": ["z", "x"], "e": ["x", "x"]}),
    ("the duplicates go away", {"a": ["y"], "c": [], "d": ["z"], "e": ["x"]}),
]


#: The steps after which a clean -j 2 build is compared with the clean serial one: x
#: on two pages that -j 2 reads in separate processes, then on three pages.
PARALLEL_CLEAN = (STEPS[4][0], STEPS[6][0])


def assert_same_build(clean: Build, other: Build, what: str) -> None:
    """The same exit status, summary and duplicate warnings; no other warning that
    the clean build does not give (an incremental build repeats only those of the
    pages it reads)."""
    assert other.returncode == clean.returncode, f"{what}: exit status"
    assert other.summary == clean.summary, f"{what}: summary"
    assert other.of_type("deployplan.duplicate") == clean.of_type("deployplan.duplicate"), \
        f"{what}: duplicate warnings"
    assert set(other.warnings) <= set(clean.warnings), \
        f"{what}: warnings a clean build does not give: {set(other.warnings) - set(clean.warnings)}"


def test_moves_swaps_and_duplicates_build_as_a_clean_build_does(tmp_path):
    """One site goes through STEPS; after each, an incremental serial build and an
    incremental ``-j 2`` build (each in its own output folder, never cleaned) give
    what a clean serial build of the same sources gives: every page's content, the
    aggregate views, needs.json, the exit status, the summary and the duplicate
    warnings.  With duplicates on the site, a clean ``-j 2`` build is compared too
    (PARALLEL_CLEAN): which definition owns an id never depends on how the pages
    were split between processes."""
    src = tmp_path / "src"
    outs = {"serial": tmp_path / "serial", "parallel": tmp_path / "parallel"}
    args = {"serial": (), "parallel": ("-j", "2")}
    removed: set[str] = set()
    for number, (what, state) in enumerate(STEPS):
        before = {p.stem for p in src.glob("*.*")} if src.exists() else set()
        write_pages(src, state)
        removed |= before - {p.stem for p in src.glob("*.*")}
        clean = tmp_path / f"clean-{number}"
        expected = build(src, clean, "-E")
        assert expected.returncode == (1 if any("x" in plans for plans in state.values())
                                       else 0), (what, expected.summary)
        for mode, out in outs.items():
            got = build(src, out, *args[mode])
            label = f"step {number} ({what}), {mode} incremental"
            assert_same_build(expected, got, label)
            # Sphinx itself rewrites only the pages it read again, so where pages come
            # and go the others keep their old navigation: compare main contents then
            whole = None if not removed else frozenset()
            assert_same_output(clean / "html", out / "html", label,
                               leftovers=frozenset(f"{name}.html" for name in removed),
                               whole=whole, exact=() if removed else ALSO_EXACT)
        if what in PARALLEL_CLEAN:
            parallel = tmp_path / f"parallel-clean-{number}"
            got = build(src, parallel, "-E", "-j", "2")
            assert_same_build(expected, got, f"step {number} ({what}), clean -j 2")
            assert_same_output(clean / "html", parallel / "html", f"step {number}, clean -j 2")
        shutil.rmtree(clean)


def test_which_definition_owns_a_duplicate_id(tmp_path):
    """What the pages show at the step with x on three pages, twice on one: the first
    page by name owns x; each other definition says where x is, and neither links
    downloads nor carries the needs of x; the index links the owner only."""
    from bs4 import BeautifulSoup

    src, out = tmp_path / "src", tmp_path / "out"
    write_pages(src, STEPS[6][1])  # a: y, x; b: x, x; d: z, x
    result = build(src, out, "-j", "2")
    assert result.returncode == 1 and result.summary == ["  x (a): rollback-commands"]
    duplicates = result.of_type("deployplan.duplicate")
    assert sorted(re.sub(r"^.*/", "", w) for w in duplicates) == sorted(
        f"{page}:{line}: WARNING: plan id 'x' is already used {where} (line {owner}); plan "
        f"ids must be unique across the site [deployplan.duplicate]"
        for page, line, where, owner in _expected_duplicates(src))

    def page(name: str) -> BeautifulSoup:
        return BeautifulSoup((out / "html" / f"{name}.html").read_text("utf-8"), "html.parser")

    owner = page("a")
    assert owner.select_one("section#x--plan") and owner.select("a.deployplan-download")
    assert owner.select_one("[id='DP_X__CHECK__ROLLBACK_COMMANDS']")
    for name in ("b", "d"):
        html = page(name)
        boxes = html.select("div.deployplan-duplicate")
        assert boxes and all("is already used" in b.get_text() for b in boxes)
        assert not html.select("[id^='DP_X']")
        ids = [tag["id"] for tag in html.select("[id]")]
        assert len(ids) == len(set(ids)), name  # the second x on b shows no runbook
        links = [a["href"] for a in html.select("a.deployplan-download")]
        assert not [h for h in links if "/x/" in h], links
    assert len(page("b").select("section#x--plan")) == 1
    index = page("index").select_one("table.deployplan-index")
    assert [a["href"] for a in index.select("a") if "x--" in a["href"]] == ["a.html#x--plan"]
    needs = json.loads((out / "html" / "needs.json").read_text("utf-8"))
    mine = [n for v in needs["versions"].values() for n in v["needs"].values()
            if n.get("plan") == "x"]
    assert mine and {n["docname"] for n in mine} == {"a"}


def _expected_duplicates(src: Path) -> list[tuple[str, int, str, int]]:
    """(page file, line of ``plan: x``, where the owner is, the line of its
    ``plan: x``) of each duplicate definition at STEPS[6]."""
    def plan_lines(name: str) -> list[int]:
        path = next(src.glob(f"{name}.*"))
        return [number for number, line in enumerate(path.read_text().splitlines(), 1)
                if line.strip() == "plan: x"]

    [owner] = plan_lines("a")
    b1, b2 = plan_lines("b")
    [d] = plan_lines("d")
    return [("b.md", b1, "in document 'a'", owner), ("b.md", b2, "on this page", b1),
            ("d.rst", d, "in document 'a'", owner)]
