"""Pipelines as deep or as wide as a plan can make them (``tests/corpus/deep/``):
chains of hundreds of stages listed in either order, deploys with hanging verify
stages listed in reverse, a fan of 400 parallel stages, and a 5,000-stage chain
made at test time.  One site holds them all beside a good plan; ``sphinx-build``
writes every page, draws the pipelines it can and shows the others as text, and
the pages stay small."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from sphinx_deployplan.loader import load_plan_file
from sphinx_deployplan.render import diagram

HERE = Path(__file__).resolve().parent
DEEP = sorted((HERE / "corpus" / "deep").glob("*.yaml"))
COMPLETE = HERE / "plans" / "complete.yaml"
PAGE = "# {title}\n\n```{{deployplan}}\n:file: {file}\n```\n\nAfter the plan.\n"


def _huge_chain(stages: int) -> str:
    lines = [(HERE / "corpus" / "deep" / "chain-reverse.yaml").read_text().split(
        "pipeline:")[0].replace("plan: chain-reverse", "plan: huge-chain"), "pipeline:\n",
        "  stages:\n", "    - {id: deploy-prod, kind: deploy, environment: prod, needs: [s1]}\n"]
    lines += [f"    - {{id: s{i}, kind: build, needs: [s{i + 1}]}}\n" for i in range(1, stages)]
    lines.append(f"    - {{id: s{stages}, kind: build, needs: []}}\n")
    return "".join(lines)


@pytest.fixture(scope="module")
def deep_site(tmp_path_factory):
    src = tmp_path_factory.mktemp("deep") / "site"
    (src / "plans").mkdir(parents=True)
    pages = []
    for path in DEEP:
        (src / "plans" / path.name).write_bytes(path.read_bytes())
        pages.append(path.stem)
    (src / "plans" / "huge-chain.yaml").write_text(_huge_chain(2000))
    pages.append("huge-chain")
    (src / "plans" / "good.yaml").write_bytes(COMPLETE.read_bytes())
    pages.append("good")
    for name in pages:
        (src / f"{name}.md").write_text(PAGE.format(title=name, file=f"plans/{name}.yaml"))
    (src / "index.md").write_text("# Deep\n\n```{deployplan-index}\n```\n\n```{toctree}\n"
                                  + "\n".join(pages) + "\n```\n")
    (src / "conf.py").write_text(
        'extensions = ["myst_parser", "sphinx_deployplan"]\n'
        'exclude_patterns = ["_build", "plans"]\n'
        "deployplan_fail_on_unmet = False\n"
        # what is tested here is the page: not the needs, nor the CI exports' own walks
        "deployplan_needs = False\n"
        'deployplan_exports = ["markdown"]\n'
        'deployplan_today = "2026-11-27"\n')
    out = src / "_build" / "html"
    result = subprocess.run([sys.executable, "-m", "sphinx", "-b", "html", "-E", "-N",
                             str(src), str(out)], capture_output=True, text=True, timeout=900)
    return result, out, pages


def test_the_site_builds_every_page(deep_site):
    result, out, pages = deep_site
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Recursion error" not in result.stderr + result.stdout
    assert "Traceback" not in result.stderr
    for name in pages:
        page = BeautifulSoup((out / f"{name}.html").read_text(), "html.parser")
        assert page.select_one("section.deployplan"), name
        assert "After the plan." in page.get_text(), name
    index = BeautifulSoup((out / "index.html").read_text(), "html.parser")
    assert len(index.select("table.deployplan-index tbody tr")) == len(pages)


def test_long_pipelines_are_drawn_up_to_a_bound_and_shown_as_text_beyond(deep_site):
    _, out, _ = deep_site
    for name, drawn in (("chain-reverse-drawn", True), ("chain-reverse", False),
                        ("deploy-verify-reverse", False), ("wide-fan", False),
                        ("huge-chain", False), ("good", True)):
        page = BeautifulSoup((out / f"{name}.html").read_text(), "html.parser")
        assert len(page.select(".deployplan-diagram-wrap svg")) == (3 if drawn else 0), name
        text = page.select_one("details.deployplan-diagram-text")
        assert text.has_attr("open") != drawn, name
        assert "[commit] ->" in text.get_text(), name


def test_pages_grow_linearly_with_the_stages(deep_site):
    """A 2,000-stage chain makes a page about six times the 350-stage one's, not
    thirty times: no part of the page is quadratic in the stages."""
    _, out, _ = deep_site
    small = (out / "chain-reverse.html").stat().st_size
    huge = (out / "huge-chain.html").stat().st_size
    assert huge < small * 2000 / 350 * 1.5, (small, huge)


def test_a_drawn_long_chain_wraps_onto_bands(deep_site):
    """100 stages in a chain: five columns a band, so the wide picture is 20-odd bands
    tall and never wider than five boxes; the vertical one is one box wide."""
    _, out, _ = deep_site
    html = (out / "chain-reverse-drawn.html").read_text()
    sizes = dict(re.findall(r'class="deployplan-diagram (dp-[a-z]+)" role="img" '
                            r'width="([\d.]+)"', html))
    assert float(sizes["dp-wide"]) <= 2 * diagram.PAD + 5 * diagram.BOX_W + 4 * diagram.GAP_X
    assert float(sizes["dp-narrow"]) <= 2 * diagram.PAD + 3 * diagram.BOX_W + 2 * diagram.GAP_X
    assert float(sizes["dp-vertical"]) == 2 * diagram.PAD + diagram.BOX_W


@pytest.mark.parametrize("path", DEEP, ids=lambda p: p.stem)
def test_the_layout_is_iterative(path):
    """The layout walks the graph in loops: far past Python's recursion limit."""
    plan = load_plan_file(path)
    stages = plan.pipeline.stages
    g = diagram.graph(stages)
    assert len(g.nodes) == len(stages) + 1
    assert max(n.col for n in g.nodes.values()) <= len(stages)
    assert diagram.describe(stages).startswith(f"{len(stages)} stages after the commit")
