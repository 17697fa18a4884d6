"""Incremental and parallel builds produce exactly what a clean serial build produces.

Real builds (``python -m sphinx``, as a user runs it) of sites made by
``bench/generate.py``, each in its own temporary folder.  Outputs are compared
file by file: every HTML page and ``needs.json``, after normalising only build
timestamps (``created`` in needs.json) and the cache-busting ``?v=...`` query
strings of assets.  Nothing is timed here: speed is the benchmark's business
(``bench/run.py``); these tests are about exactness.
"""

from __future__ import annotations

import difflib
import importlib.util
import json
import re
import subprocess
import sys
import zlib
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
