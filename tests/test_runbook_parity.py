"""The site and the Markdown export show one runbook: every part under the same
heading, with the same column names and the same words in every cell.

Both read the layout of :mod:`sphinx_deployplan.runbook`; these tests build real
sites (the example site's plans and ``tests/plans/complete.yaml``), take each
plan's Markdown download, render it with markdown-it-py and compare it part by
part with the HTML page.  Markup is normalised away (whitespace, the tick boxes,
the picture of the pipeline, permalinks); words are not.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from bs4 import BeautifulSoup, Tag
from markdown_it import MarkdownIt

from sphinx_deployplan.runbook import CHECKS_PART, PARTS

ROOT = Path(__file__).resolve().parent.parent
COMPLETE = Path(__file__).resolve().parent / "plans" / "complete.yaml"
TITLES = [p.title for p in (*PARTS, CHECKS_PART)]
_SPACE = re.compile(r"\s+")


def _words(element: Tag) -> str:
    """The text of an element with whitespace removed: words and their order only."""
    return _SPACE.sub("", element.get_text(""))


def html_parts(section: Tag) -> dict[str, Tag]:
    """Each part of a plan's section on a page, by heading, its markup normalised."""
    parts = {}
    for part in section.select("section.deployplan-part"):
        for noise in part.select("a.headerlink, svg, summary, input"):
            noise.decompose()
        parts[part.find(["h2", "h3", "h4"]).get_text("").strip()] = part
    return parts


def markdown_parts(text: str) -> dict[str, Tag]:
    """Each ``##`` part of a Markdown runbook, rendered as a person's viewer would."""
    html = MarkdownIt("commonmark", {"html": True}).enable("table").render(text)
    page = BeautifulSoup(html, "html.parser")
    parts: dict[str, Tag] = {}
    current = None
    for element in list(page.children):
        if isinstance(element, Tag) and element.name == "h2":
            current = page.new_tag("section")
            parts[element.get_text("").strip()] = current
            element.extract()
            current.append(element)
        elif current is not None:
            current.append(element.extract())
    for item in (li for part in parts.values() for li in part.find_all("li")):
        first = item.find(string=True)  # a task list's box is "[ ] " in CommonMark
        if first is not None and first.startswith("[ ] "):
            first.replace_with(first[4:])
    return parts


@pytest.fixture(scope="module")
def built(tmp_path_factory, make_app_module):
    """The example site plus a page with the complete test plan, built once."""
    src = tmp_path_factory.mktemp("parity") / "site"
    shutil.copytree(ROOT / "example_site", src, ignore=shutil.ignore_patterns("_build"))
    shutil.copyfile(COMPLETE, src / "plans" / "complete.yaml")
    (src / "plans" / "complete.md").write_text(
        "# Complete\n\n```{deployplan}\n:file: complete.yaml\n```\n", encoding="utf-8")
    app = make_app_module("html", srcdir=src, freshenv=True)
    app.build()
    return Path(app.outdir)


@pytest.fixture(scope="module")
def make_app_module(request, tmp_path_factory):
    """``make_app`` for a module-scoped build (sphinx.testing's is per test)."""
    from sphinx.testing.util import SphinxTestApp

    apps = []

    def make(*args, **kwargs):
        app = SphinxTestApp(*args, **kwargs)
        apps.append(app)
        return app

    yield make
    for app in apps:
        app.cleanup()


def _plans(outdir: Path) -> list[tuple[str, Tag, str]]:
    """(plan id, its section on its page, its Markdown download) for every plan."""
    found = []
    for page_path in sorted((outdir / "plans").glob("*.html")):
        page = BeautifulSoup(page_path.read_text(encoding="utf-8"), "html.parser")
        for section in page.select("section.deployplan"):
            plan_id = section["id"].removesuffix("--plan")
            md = outdir / "_deployplan" / plan_id / f"{plan_id}.runbook.md"
            found.append((plan_id, section, md.read_text(encoding="utf-8")))
    return found


PLANS = ["complete", "fraud-scoring-4-1", "ledger-api-5-4", "notification-dispatcher-2-8",
         "rewards-redemption-v2"]


def test_every_example_plan_is_compared(built):
    assert sorted(p for p, _, _ in _plans(built)) == sorted(PLANS)


@pytest.mark.parametrize("plan_id", PLANS)
def test_the_markdown_export_shows_every_part_of_the_page_in_the_same_words(built, plan_id):
    (section, text), = [(s, t) for p, s, t in _plans(built) if p == plan_id]
    page, export = html_parts(section), markdown_parts(text)
    assert list(page) == TITLES
    assert list(export) == TITLES
    for title in TITLES:
        headers = [th.get_text(" ", strip=True) for th in page[title].select("th")]
        assert headers == [th.get_text(" ", strip=True) for th in export[title].select("th")], \
            title
        cells = [_words(td) for td in page[title].select("td")]
        assert cells == [_words(td) for td in export[title].select("td")], title
        assert _words(page[title]) == _words(export[title]), title


def test_the_plans_heading_and_intro_match(built):
    for plan_id, section, text in _plans(built):
        title = section.find(["h1", "h2", "h3"])
        heading = title.get_text("").replace("\N{PILCROW SIGN}", "").strip()
        assert text.startswith(f"# {heading}\n"), plan_id
        intro = BeautifulSoup(MarkdownIt().render(text.split("\n## ")[0]), "html.parser")
        shown = [_words(p) for p in section.find_all("p", recursive=False)
                 if "deployplan-downloads" not in p.get("class", [])]
        assert shown == [_words(p) for p in intro.find_all("p")], plan_id
