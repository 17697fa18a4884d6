"""The runbook through other builders (EPUB, LaTeX, text) and what the extension
writes into the output: downloads that never become pages and never outlive
their plan.  Every test is a real ``sphinx-build``."""

from __future__ import annotations

import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from conftest import strip_colors

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
COMPLETE = HERE / "plans" / "complete.yaml"
PAGE = "# {title}\n\n```{{deployplan}}\n:file: {file}\n```\n"


def sphinx_build(*args: str | Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "sphinx", *map(str, args)],
                          capture_output=True, text=True, timeout=600)


def _plan_site(root: Path, conf: str, plans: dict[str, str]) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "conf.py").write_text(conf, encoding="utf-8")
    toctree = "\n".join(plans)
    (root / "index.md").write_text(f"# Plans\n\n```{{toctree}}\n{toctree}\n```\n",
                                   encoding="utf-8")
    for name, plan_id in plans.items():
        (root / f"{name}.yaml").write_text(
            COMPLETE.read_text().replace("plan: complete", f"plan: {plan_id}"),
            encoding="utf-8")
        (root / f"{name}.md").write_text(PAGE.format(title=name, file=f"{name}.yaml"),
                                         encoding="utf-8")
    return root


CONF = 'extensions = ["myst_parser", "sphinx_deployplan"]\ndeployplan_today = "2026-11-27"\n'


# --- EPUB and LaTeX ----------------------------------------------------------------------------


#: What EPUB needs of any site; and sphinx-needs writes permalink.html and
#: schema_violations.json into every HTML-family output, which EPUB reports.
EPUB_CONF = ('copyright = "2026, Acme"\nversion = "1"\n'
             'suppress_warnings = ["epub.unknown_project_files"]\n')


def test_epub_builds_with_the_picture_and_the_checklist(tmp_path):
    src = _plan_site(tmp_path / "site", CONF + EPUB_CONF + 'exclude_patterns = ["_build"]\n',
                     {"complete": "complete"})
    result = sphinx_build("-W", "-b", "epub", "-d", src / "_build" / "doctrees", src,
                          src / "_build" / "epub")
    assert result.returncode == 0, strip_colors(result.stderr)
    book = next((src / "_build" / "epub").glob("*.epub"))
    with zipfile.ZipFile(book) as epub:
        page = epub.read("complete.xhtml").decode()
        names = epub.namelist()
    assert page.count('<svg xmlns="http://www.w3.org/2000/svg" class="deployplan-diagram') == 3
    assert '<input type="checkbox" class="deployplan-checkbox"' in page
    assert 'data-label="Environment"' in page
    assert not any("_deployplan/" in n for n in names), "an ebook has no YAML downloads"


def test_latex_tables_have_column_widths_and_no_raw_nodes(tmp_path):
    src = _plan_site(tmp_path / "site", CONF + 'exclude_patterns = ["_build"]\n',
                     {"complete": "complete"})
    result = sphinx_build("-W", "-b", "latex", src, src / "_build" / "latex")
    assert result.returncode == 0, strip_colors(result.stderr)
    tex = next((src / "_build" / "latex").glob("*.tex")).read_text(encoding="utf-8")
    tables = re.findall(r"\\begin\{(?:tabular|tabulary|longtable)\*?\}(?:\[t\])?(\{[^\n]*)\n",
                        tex)
    assert len(tables) >= 12
    # every table's columns have widths (\X{...}{...}): a long command or id wraps
    # inside its column instead of running off the printed page
    for spec in tables:
        assert spec.startswith("{\\X{"), spec
    assert "{[} {]} \\sphinxstylestrong{Trigger:}" in tex
    assert "[commit] \\PYGZhy{}\\PYGZgt{} [build] \\PYGZhy{}\\PYGZgt{} [test]" in tex
    assert "svg" not in tex


def test_text_builder_shows_the_pipeline_as_text(tmp_path):
    src = _plan_site(tmp_path / "site", CONF + 'exclude_patterns = ["_build"]\n',
                     {"complete": "complete"})
    result = sphinx_build("-W", "-b", "text", src, src / "_build" / "text")
    assert result.returncode == 0, strip_colors(result.stderr)
    text = (src / "_build" / "text" / "complete.txt").read_text(encoding="utf-8")
    assert "[commit] -> [build] -> [test] -> [deploy:dev]" in text
    assert "[ ] **Trigger:** 5xx > 1% *(automatic)*" in text


# --- downloads never become pages --------------------------------------------------------------


def test_a_site_without_exclude_patterns_builds_twice_with_w(tmp_path):
    src = _plan_site(tmp_path / "site", CONF, {"complete": "complete"})
    for _ in range(2):
        result = sphinx_build("-W", "-b", "html", src, src / "_build" / "html")
        assert result.returncode == 0, strip_colors(result.stderr)
    out = src / "_build" / "html"
    assert (out / "_deployplan" / "complete" / "complete.runbook.md").is_file()
    assert not list(out.rglob("*.runbook.html")), "a download became a page"


def _tutorial_block(language: str, after: str) -> str:
    """The first ``language`` block of the tutorial after the line containing ``after``."""
    text = (ROOT / "docs" / "tutorial.md").read_text(encoding="utf-8")
    start = text.index(after)
    match = re.search(rf"^(`{{3,}}){language}\n(.*?)^\1$", text[start:], re.S | re.M)
    assert match, (language, after)
    return match.group(2)


def test_the_tutorial_site_builds_twice(tmp_path):
    """The tutorial's own conf.py and index.md (no exclude_patterns), built twice as
    it says, with the output inside the source folder."""
    src = tmp_path / "hello-docs"
    (src / "plans").mkdir(parents=True)
    (src / "conf.py").write_text(_tutorial_block("python", "`conf.py` turns on"),
                                 encoding="utf-8")
    assert "exclude_patterns" not in (src / "conf.py").read_text()
    (src / "index.md").write_text(_tutorial_block("markdown", "`index.md` is the page"),
                                  encoding="utf-8")
    (src / "plans" / "hello-web.yaml").write_bytes(
        (ROOT / "docs" / "plans" / "hello-web.yaml").read_bytes())
    for build in range(2):
        result = sphinx_build("-W", "-b", "html", src, src / "_build" / "html")
        assert result.returncode == 0, (build, strip_colors(result.stderr))
    assert (src / "_build" / "html" / "_deployplan" / "hello-web").is_dir()


# --- downloads never outlive their plan --------------------------------------------------------


def _folders(out: Path) -> list[str]:
    root = out / "_deployplan"
    return sorted(p.name for p in root.iterdir()) if root.is_dir() else []


def test_a_deleted_or_renamed_plan_takes_its_downloads_with_it(tmp_path):
    src = _plan_site(tmp_path / "site", CONF + 'exclude_patterns = ["_build"]\n',
                     {"one": "plan-one", "two": "plan-two"})
    out = src / "_build" / "html"
    stranger = out / "_deployplan" / "not-ours"
    assert sphinx_build("-W", "-b", "html", src, out).returncode == 0
    assert _folders(out) == ["plan-one", "plan-two"]
    stranger.mkdir()
    (stranger / "notes.txt").write_text("someone else's")
    # rename a plan, then delete a page: incremental builds, no -E
    (src / "two.yaml").write_text((src / "two.yaml").read_text().replace(
        "plan: plan-two", "plan: plan-2"))
    assert sphinx_build("-W", "-b", "html", src, out).returncode == 0
    assert _folders(out) == ["not-ours", "plan-2", "plan-one"]
    (src / "one.md").unlink()
    (src / "index.md").write_text("# Plans\n\n```{toctree}\ntwo\n```\n")
    assert sphinx_build("-W", "-b", "html", src, out).returncode == 0
    assert _folders(out) == ["not-ours", "plan-2"]
    assert (stranger / "notes.txt").read_text() == "someone else's"


def test_turning_exports_off_or_down_removes_their_files(tmp_path):
    src = _plan_site(tmp_path / "site", CONF + 'exclude_patterns = ["_build"]\n',
                     {"one": "plan-one"})
    out = src / "_build" / "html"
    assert sphinx_build("-W", "-b", "html", src, out).returncode == 0
    files = sorted(p.name for p in (out / "_deployplan" / "plan-one").iterdir())
    assert "plan-one.runbook.md" in files and "plan-one.flagd.json" in files
    (src / "conf.py").write_text(CONF + 'exclude_patterns = ["_build"]\n'
                                 'deployplan_exports = ["markdown"]\n')
    assert sphinx_build("-W", "-b", "html", src, out).returncode == 0
    assert sorted(p.name for p in (out / "_deployplan" / "plan-one").iterdir()) == \
        ["manifest.json", "plan-one.runbook.md"]
    (src / "conf.py").write_text(CONF + 'exclude_patterns = ["_build"]\n'
                                 "deployplan_exports = []\n")
    assert sphinx_build("-W", "-b", "html", src, out).returncode == 0
    assert _folders(out) == []
    assert "Download as" not in (out / "one.html").read_text()


@pytest.mark.parametrize("builder", ["dirhtml", "singlehtml"])
def test_other_html_builders_use_our_visitors(tmp_path, builder):
    src = _plan_site(tmp_path / "site", CONF + 'exclude_patterns = ["_build"]\n',
                     {"complete": "complete"})
    result = sphinx_build("-W", "-b", builder, src, src / "_build" / builder)
    assert result.returncode == 0, strip_colors(result.stderr)
    html = "".join(p.read_text(encoding="utf-8")
                   for p in (src / "_build" / builder).rglob("*.html"))
    assert 'class="deployplan-diagram dp-wide"' in html
