"""The documentation lists everything the code declares, and checks its own examples.

The reference pages of ``docs/`` are built for real with the docs extension
(``docs/_ext``), as ``nox -s docs`` builds them, and the HTML is read back: every
check and rule id, every configuration value and every warning subtype must have
its entry.  The README's tables are held to the same lists.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from io import StringIO
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from conftest import strip_colors
from sphinx.testing.util import SphinxTestApp

from sphinx_deployplan.checks import BY_ID, CHECK_IDS, RULE_IDS
from sphinx_deployplan.problems import SUBTYPES
from sphinx_deployplan.sphinx.config import PREFIX, options

# MyST-Parser 5.2 still reads its resolver's app, deprecated in Sphinx 9: theirs to fix
# (the docs' Markdown links are resolved by MyST).
pytestmark = pytest.mark.filterwarnings(
    "ignore:'myst_parser.sphinx_ext.myst_refs.MystReferenceResolver.app' is deprecated")

REPO = Path(__file__).resolve().parent.parent
DOCS = REPO / "docs"
PAGES = ("checks", "configuration", "warnings", "plan-format", "directives")
OPTION_NAMES = [PREFIX + f.name for f in options()]

CONF = f"""\
import sys
sys.path.insert(0, {str(DOCS / "_ext")!r})
extensions = ["myst_parser", "sphinx_deployplan", "deployplan_docs"]
exclude_patterns = ["_build"]
myst_enable_extensions = ["colon_fence", "deflist"]
# the pages link to how-to guides this build leaves out
suppress_warnings = ["myst.xref_missing"]
# The date the quality checks treat as "today", as in the docs' own conf.py.
deployplan_today = "2026-11-27"
"""


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SphinxTestApp]:
    """The docs' reference pages, built once for this module."""
    root = tmp_path_factory.mktemp("docs") / "site"
    (root / "reference").mkdir(parents=True)
    for page in PAGES:
        shutil.copyfile(DOCS / "reference" / f"{page}.md", root / "reference" / f"{page}.md")
    (root / "conf.py").write_text(CONF, encoding="utf-8")
    (root / "index.md").write_text("# Docs\n\n```{toctree}\n:glob:\n\nreference/*\n```\n",
                                   encoding="utf-8")
    app = SphinxTestApp("html", srcdir=root, freshenv=True, status=StringIO(),
                        warning=StringIO())
    try:
        app.build()
        yield app
    finally:
        app.cleanup()


def page(app: SphinxTestApp, name: str) -> BeautifulSoup:
    html = (Path(app.outdir) / "reference" / f"{name}.html").read_text(encoding="utf-8")
    soup = BeautifulSoup(html, "html.parser")
    for link in soup.select("a.headerlink"):  # the pilcrow beside each title
        link.decompose()
    return soup


def words(node) -> str:
    """The text a reader sees, with Sphinx's typographic quotes made plain again."""
    text = node.get_text(" ").translate(str.maketrans("\u2018\u2019\u201c\u201d", "''\"\""))
    return " ".join(text.split())


def test_the_reference_builds_without_a_warning(reference: SphinxTestApp) -> None:
    # the docs extension warns when its prose and the code disagree, or an example
    # does not do what the page says
    assert strip_colors(reference.warning.getvalue()) == ""


@pytest.mark.parametrize("check", [*CHECK_IDS, *RULE_IDS])
def test_every_check_and_rule_has_its_section(reference: SphinxTestApp, check: str) -> None:
    record = BY_ID[check]
    section = page(reference, "checks").select_one(f"section#{record.kind}-{check}")
    assert section is not None, f"no section for {check}"
    assert words(section.find(["h2", "h3"])) == check
    text = words(section)
    for said in (record.title, record.waive_when):
        assert " ".join(said.split()) in text
    blocks = [words(b) for b in section.select("div.highlight-yaml pre")]
    assert len(blocks) == 2  # the example that meets it, and a waiver
    assert f"check : {check}" in blocks[1]
    if record.upstream:
        assert "Findings named after" in text


def test_every_configuration_value_is_a_confval(reference: SphinxTestApp) -> None:
    soup = page(reference, "configuration")
    entries = {words(dt.select_one(".sig-name")): dt
               for dt in soup.select("dl.std.confval > dt")}
    assert list(entries) == OPTION_NAMES
    for f in options():
        body = words(entries[PREFIX + f.name].find_next_sibling("dd"))
        assert f"Default : {f.metadata['default']!r}" in body
        assert body.startswith("Type :")


def test_confval_mentions_link_to_their_entry(reference: SphinxTestApp) -> None:
    # "{confval}`deployplan_strict_rules`" in checks.md, and generated text naming a value
    links = {a["href"] for a in page(reference, "checks").select("a.reference.internal")}
    for name in ("deployplan_strict_rules", "deployplan_rollback_budget_share",
                 "deployplan_sql_dialect"):
        assert f"configuration.html#confval-{name}" in links


def test_every_warning_subtype_is_listed(reference: SphinxTestApp) -> None:
    rows = page(reference, "warnings").select("table.deployplan-docs-table tbody tr")
    listed = [words(row.find("td")) for row in rows]
    assert listed == [f"deployplan.{subtype}" for subtype in SUBTYPES]
    # the real messages, the loader's and the checks', for subtypes that have an example
    for subtype, said in (("schema", "unknown key 'enviroments'"),
                          ("placeholder", "owner is a placeholder ('TODO')"),
                          ("check", "fails check 'env-config-access'")):
        assert said in words(rows[listed.index(f"deployplan.{subtype}")])


def test_every_plan_format_key_links_to_its_type(reference: SphinxTestApp) -> None:
    soup = page(reference, "plan-format")
    ids = {tag["id"] for tag in soup.select("[id]")}
    targets = {a["href"].removeprefix("#") for a in soup.select("table a[href^='#']")}
    assert targets and targets <= ids  # every type word and nested mapping resolves
    assert "format-rollback-steps" in ids and "format-value-duration" in ids


def test_the_readme_tables_list_every_option_and_subtype() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    first_cells = re.findall(r"^\| `([^`]+)` \|", readme, re.M)
    assert set(OPTION_NAMES) <= set(first_cells)
    rule_ids = set(RULE_IDS)
    subtypes = {s for s in SUBTYPES if s not in rule_ids} | {"<rule id>"}
    assert subtypes <= set(first_cells)
    for check in (*CHECK_IDS, *RULE_IDS):
        assert f"`{check}`" in readme


def test_no_internal_words_in_the_docs() -> None:
    """Users read the docs, the docs extension's docstrings and the README: they know
    nothing of the project's internal documents or issue numbers."""
    files = [REPO / "README.md", *DOCS.glob("**/*.md"), *DOCS.glob("_ext/**/*.py"),
             DOCS / "conf.py"]
    for path in files:
        if "_build" in path.parts:
            continue
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"\bseed\b", text, re.I), path
        assert not re.search(r"\bissues? #?\d+|(?<![\w&])#\d{1,4}\b", text, re.I), path


def test_an_example_that_stops_failing_is_a_warning(site) -> None:
    """A tutorial step says which checks its plan fails; when the plan no longer does,
    the docs build warns at the step."""
    site.write("conf.py", CONF)
    plan = (DOCS / "samples" / "hello-web-step-2.yaml").read_text(encoding="utf-8")
    site.write("plans/step.yaml", plan)
    site.write("index.md", "# Step\n\n```{deployplan-example}\n:file: plans/step.yaml\n"
                           ":expect-unmet: none\n:show: cli\n```\n")
    site.build()
    assert re.search(r"index\.md:\d+: WARNING: plans/step\.yaml: expected unmet checks none, "
                     r"got \['rollback-commands'\] \[deployplan_docs\.example\]", site.warnings)
    # the step still shows what the CLI printed
    assert "fails check 'rollback-commands'" in site.html("index")
