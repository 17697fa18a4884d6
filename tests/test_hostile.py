"""Hostile and malformed plans (issue 9): clean errors, bounded cost, nothing lost.

The corpus is ``tests/corpus/*.yaml``, one bad input per file.  Each line where
a problem is expected carries a comment ``# expect: SUBTYPE`` (``SUBTYPE*N`` for
N problems on that line), so the file says what it must produce.  Inputs too big
to keep in the repository (a 2 MB string, a 50 MB file, a merge-key bomb, a plan
with 20,000 mistakes) and those that depend on the machine (tags that would
create files in a temporary folder, plan files outside the source directory)
are generated at test time by :func:`generate`.

Every input goes through the two ways a user meets it:

* as a page of **one** Sphinx site (``sphinx-build`` in a subprocess, as CI runs
  it), beside a good plan: each bad plan gives exactly its expected
  ``deployplan.<subtype>`` warnings, located at the file and line, the page still
  renders (with the problems listed in place of the plan), the good page renders
  in full, no traceback is printed and the build exits normally;
* through ``deployplan check``: the same located problems, exit status 1.

Run ``python tests/test_hostile.py`` to measure time and peak memory of every
input (each in a fresh process) and of the corpus site build; the tests
themselves assert no timings.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import typing
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import pytest
import yaml
from bs4 import BeautifulSoup

from sphinx_deployplan.checks import WAIVABLE_IDS
from sphinx_deployplan.export import EXPORTERS, github_actions
from sphinx_deployplan.loader import Limits, load_plan, load_plan_file, read_plan_text
from sphinx_deployplan.model import (
    CHECK_ID,
    ON_OFF,
    SLUG,
    Item,
    Plan,
    public_fields,
    strip_optional,
)
from sphinx_deployplan.problems import SUBTYPES, PlanError

HERE = Path(__file__).resolve().parent
CORPUS = HERE / "corpus"
COMPLETE = HERE / "plans" / "complete.yaml"
HEAD = "plan: {id}\ntitle: Generated\nservice: svc\nowner: team\n"
_EXPECT = re.compile(rb"#\s*expect:\s*([^\n]*)")

# --- what each input must produce -----------------------------------------------------------


def expected(data: bytes) -> Counter[tuple[int, str]]:
    """(line, subtype) -> count, from the ``# expect:`` comments of a corpus file."""
    found: Counter[tuple[int, str]] = Counter()
    for number, line in enumerate(data.split(b"\n"), 1):
        match = _EXPECT.search(line)
        for token in match.group(1).decode().split() if match else ():
            subtype, _, count = token.partition("*")
            assert subtype in SUBTYPES, f"line {number}: unknown subtype {subtype!r}"
            found[(number, subtype)] += int(count or 1)
    return found


def corpus_files() -> list[Path]:
    return sorted(CORPUS.glob("*.yaml"))


def _exporters() -> list[str]:
    import importlib

    names = []
    for name, exporter in EXPORTERS.items():
        try:
            importlib.import_module(f"sphinx_deployplan.export.{exporter.module}")
        except ModuleNotFoundError:  # still in progress
            continue
        names.append(name)
    return names


EXPORT_PARAMS = _exporters()


# --- the hostile-text plan: markup in every free-text field ----------------------------------


def payload(tag: str) -> str:
    """Text that is markup, script, a link, a CI expression and a shell substitution."""
    return (f'<script>alert("{tag}")</script><img src=x onerror=alert("{tag}")> '
            f"[{tag}](javascript:alert(1)) ${{{{ secrets.{tag} }}}} $(id) `id` |x| {tag}")


def hostile_plan(plan_id: str) -> tuple[dict[str, Any], list[str]]:
    """A valid plan with :func:`payload` in every free-text field of every item (and
    in list entries, configuration keys and values, and a flag's variant name), built
    from the model so that a new field is covered too.  Returns the plan and the
    tags of the fields."""
    tags: list[str] = []

    def text(tag: str) -> str:
        tags.append(tag)
        return payload(tag)

    def build(cls: type, path: str) -> dict[str, Any]:
        hints = typing.get_type_hints(cls, include_extras=True)
        out: dict[str, Any] = {}
        for key, spec in public_fields(cls).items():
            tp = strip_optional(hints[spec.name])
            origin = typing.get_origin(tp)
            tag = f"{path}-{key}".strip("-").replace("_", "-")
            inner = typing.get_args(tp)[0] if origin is list else None
            if isinstance(tp, type) and issubclass(tp, Item):
                out[key] = build(tp, tag)
            elif isinstance(inner, type) and issubclass(inner, Item):
                out[key] = [build(inner, f"{tag}-1")]
            elif tp is str or inner is str:
                out[key] = text(tag) if tp is str else [text(f"{tag}-1"), text(f"{tag}-2")]
            elif origin is dict:
                out[key] = {text(f"{tag}-key"): text(f"{tag}-value")}
            elif origin is typing.Annotated and typing.get_args(tp)[1] is ON_OFF:
                out[key] = text(tag)
            elif origin is typing.Annotated and typing.get_args(tp)[1] is SLUG:
                out[key] = plan_id
            elif origin is typing.Annotated and typing.get_args(tp)[1] is CHECK_ID:
                out[key] = WAIVABLE_IDS[0]
            elif origin is Literal:
                out[key] = typing.get_args(tp)[0]
            elif spec.metadata.get("example") is not None:
                out[key] = spec.metadata["example"]
            else:
                out[key] = {bool: True, int: 3}[tp]
        return out

    data = build(Plan, "")
    env = data["environments"][0]["name"]
    data["pipeline"]["stages"][0].update(kind="deploy", environment=env, needs=[])
    data["migrations"][0]["depends_on"] = []
    for key in ("up_file", "down_file"):  # given beside up and down is a schema problem
        data["migrations"][0].pop(key)
    return data, tags


# --- inputs generated at test time ------------------------------------------------------------


@dataclass
class Generated:
    path: Path
    expect: Counter[tuple[int, str]]


def generate(folder: Path) -> dict[str, Generated]:
    """Write the generated inputs into ``folder``; return them by name."""
    folder.mkdir(parents=True, exist_ok=True)
    out: dict[str, Generated] = {}

    def add(name: str, text: str | None, expect: dict[tuple[int, str], int]) -> Path:
        path = folder / f"{name}.yaml"
        if text is not None:
            path.write_text(text, encoding="utf-8")
        out[name] = Generated(path, Counter(expect))
        return path

    # a 2 MiB string: over the default 2,000,000-byte limit, refused before parsing
    add("big-string", HEAD.format(id="big-string") + "summary: " + "x" * 2**21 + "\n",
        {(1, "yaml"): 1})
    # a 50 MB file (sparse: no disk is used): refused by its size, never read
    path = add("fifty-megabytes", None, {(1, "yaml"): 1})
    with path.open("wb") as stream:
        stream.write(HEAD.format(id="fifty-megabytes").encode())
        stream.truncate(50_000_000)
    # a merge-key bomb: 6,000 aliases of a 6,000-key mapping (36 million pairs)
    keys = ", ".join(f"k{i}: 0" for i in range(6000))
    add("merge-bomb", HEAD.format(id="merge-bomb") + f"x-base: &b {{{keys}}}\n"
        f"inputs: {{<<: [{', '.join(['*b'] * 6000)}]}}\n", {(1, "yaml"): 1})
    # 20,000 unknown keys: the first 100 are reported, then the loader stops looking
    add("many-problems", HEAD.format(id="many-problems")
        + "".join(f"unknown{i}: 1\n" for i in range(20_000)),
        {**{(line, "schema"): 1 for line in range(5, 104)}, (104, "schema"): 1,
         (104, "yaml"): 1})
    # a cycle through 9,000 stages and a dangling reference from each of 9,000 stages
    add("long-cycle", HEAD.format(id="long-cycle") + "pipeline:\n  stages:\n"
        + "".join(f"    - {{id: s{i}, kind: build, needs: [s{(i + 1) % 9000}]}}\n"
                  for i in range(9000)), {(7, "reference"): 1})
    add("many-dangling", HEAD.format(id="many-dangling") + "pipeline:\n  stages:\n"
        + "".join(f"    - {{id: s{i}, kind: build, needs: [t{i}]}}\n" for i in range(9000)),
        {**{(line, "reference"): 1 for line in range(7, 106)}, (106, "reference"): 1,
         (106, "yaml"): 1})
    # tags that would create files (in this folder) if anything were constructed
    witness = folder / "constructed"
    add("observable-tags", HEAD.format(id="observable-tags").replace(
        "title: Generated", f"title: !!python/object/apply:os.mkdir [{str(witness)!r}]")
        + f"summary: !!python/object/apply:builtins.open [{str(witness) + '-2'!r}, w]\n"
        + f"owner_: !!python/object/new:pathlib.Path [{str(witness) + '-3'!r}]\n",
        {(2, "yaml"): 1, (5, "yaml"): 1, (6, "schema"): 1})
    return out


# --- the corpus site --------------------------------------------------------------------------

WARNING = re.compile(r"^(?P<path>.+?):(?P<line>\d+): WARNING: (?P<message>.*) "
                     r"\[(?P<type>[\w.-]+)\]$")
PAGE = "# {title}\n\nText before the plan.\n\n```{{deployplan}}\n{body}```\n\nAfter the plan.\n"
#: A page whose body is the plan: body line N is page line N + BODY_OFFSET.
BODY_OFFSET = 5
#: Corpus files that cannot be a directive body: Sphinx reads the page itself (it
#: stops the whole build on a non-UTF-8 page), a BOM belongs at a file's start, and
#: docutils drops a NUL before the directive sees it.
FILE_ONLY = {"non-utf8", "bom", "control-character"}
DASH_PAGES = {
    # MyST reads a body that starts with --- as directive options (DESIGN.md's trap)
    "dash-unclosed": "---\nplan: dash-unclosed\ntitle: T\nservice: s\nowner: o\n",
    "dash-closed": "---\nplan: dash-closed\ntitle: T\n---\nservice: s\nowner: o\n",
}


@dataclass
class BuiltSite:
    srcdir: Path
    outdir: Path
    returncode: int
    stdout: str
    stderr: str
    seconds: float
    generated: dict[str, Generated]
    hostile_tags: list[str]

    @property
    def warnings(self) -> list[re.Match]:
        return [m for line in self.stderr.splitlines() if (m := WARNING.match(line))]

    def warnings_at(self, path: Path) -> Counter[tuple[int, str]]:
        return Counter((int(m["line"]), m["type"].removeprefix("deployplan."))
                       for m in self.warnings if Path(m["path"]) == path)

    def html(self, page: str) -> str:
        return (self.outdir / f"{page}.html").read_text(encoding="utf-8")


def write_site(root: Path) -> tuple[Path, dict[str, Generated], list[str]]:
    src = root / "site"
    (src / "corpus").mkdir(parents=True)
    pages: list[str] = []

    def page(name: str, body: str, title: str | None = None) -> None:
        (src / f"{name}.md").write_text(PAGE.format(title=title or name, body=body),
                                        encoding="utf-8")
        pages.append(name)

    for path in corpus_files():
        (src / "corpus" / path.name).write_bytes(path.read_bytes())
        page(f"file-{path.stem}", f":file: corpus/{path.name}\n")
        if path.stem not in FILE_ONLY:
            page(f"body-{path.stem}", path.read_text(encoding="utf-8"))
    generated = generate(src / "generated")
    for name, item in generated.items():
        page(f"gen-{name}", f":file: generated/{item.path.name}\n")

    page("good", COMPLETE.read_text(encoding="utf-8"), "A good plan")
    page("mixed", "plan: not a slug\ntitle: T\nservice: s\nowner: o\n```\n\n```{deployplan}\n"
         + COMPLETE.read_text(encoding="utf-8").replace("plan: complete", "plan: mixed-good"))
    for name, body in DASH_PAGES.items():
        page(name, body)
    duplicate = COMPLETE.read_text(encoding="utf-8").replace("plan: complete", "plan: twice")
    page("duplicate-a", duplicate)
    page("duplicate-b", duplicate)
    hostile, tags = hostile_plan("hostile-text")
    (src / "corpus" / "hostile-text.yaml").write_text(yaml.safe_dump(hostile, sort_keys=False),
                                                      encoding="utf-8")
    page("hostile-file", ":file: corpus/hostile-text.yaml\n")
    page("hostile-body", yaml.safe_dump(hostile_plan("hostile-body")[0], sort_keys=False))
    page("slug-collision", HEAD.format(id="slug-collision") + "environments:\n" + "".join(
        f"  - {{name: {name}, purpose: p, deploy: d, approval: none}}\n"
        for name in ("eu-west", "EU West", "eu_west!")))
    page("under-limit", HEAD.format(id="under-limit")
         + f"summary: {'under the limit ' * 120_000}\n")

    # plan files outside the source directory, reached by ../, an absolute path
    # (Sphinx reads it relative to the source directory) and symlinks
    outside = root / "outside.yaml"
    outside.write_text(HEAD.format(id="outside") + "summary: SECRET-OUTSIDE\n")
    (root / "outside-dir").mkdir()
    (root / "outside-dir" / "plan.yaml").write_text(outside.read_text())
    (src / "link.yaml").symlink_to(outside)
    (src / "link-dir").symlink_to(root / "outside-dir")
    page("outside-parent", ":file: ../outside.yaml\n")
    page("outside-absolute", f":file: {outside}\n")
    page("outside-etc", ":file: /" + "../" * 30 + "etc/passwd\n")
    page("outside-symlink", ":file: link.yaml\n")
    page("outside-symlink-dir", ":file: link-dir/plan.yaml\n")

    (src / "conf.py").write_text(
        'extensions = ["myst_parser", "sphinx_deployplan"]\n'
        'exclude_patterns = ["_build", "corpus", "generated"]\n'
        "deployplan_fail_on_unmet = False\n"
        "deployplan_fail_on_drift = False\n"  # the hostile plan names deploy files
        'deployplan_today = "2027-01-01"\n')
    (src / "index.md").write_text("# Corpus\n\n```{toctree}\n:maxdepth: 1\n\n"
                                  + "\n".join(sorted(pages)) + "\n```\n")
    return src, generated, tags


def build_site(root: Path) -> BuiltSite:
    src, generated, tags = write_site(root)
    out = root / "html"
    start = time.perf_counter()
    # -N: no colour codes, whatever the terminal or CI says (nox sets FORCE_COLOR)
    result = subprocess.run([sys.executable, "-m", "sphinx", "-b", "html", "-E", "-T", "-N",
                             str(src), str(out)], capture_output=True, text=True, cwd=root)
    return BuiltSite(src, out, result.returncode, result.stdout, result.stderr,
                     time.perf_counter() - start, generated, tags)


@pytest.fixture(scope="module")
def corpus_site(tmp_path_factory) -> BuiltSite:
    return build_site(tmp_path_factory.mktemp("corpus"))


#: Python showing through a message: what a plan author should never have to read.
PYTHON_ISMS = ("Traceback", "NoneType", "has no attribute", "<unicode string>", "Exception",
               "Error:", "invalid literal", "object at 0x", "\\x00")


def assert_plain_words(message: str) -> None:
    assert not [word for word in PYTHON_ISMS if word in message], message
    assert len(message) < 500, message


def soup(html: str) -> BeautifulSoup:
    return BeautifulSoup(html, "html.parser")


def page_text(built: BuiltSite, page: str) -> str:
    return soup(built.html(page)).get_text(" ")


# --- the site: one build, every bad page beside the good ones ---------------------------------


def test_the_site_builds_without_a_traceback(corpus_site):
    assert corpus_site.returncode == 0, corpus_site.stderr[-3000:]
    for stream in (corpus_site.stdout, corpus_site.stderr):
        assert "Traceback" not in stream
        assert "Exception occurred" not in stream


def test_every_warning_is_a_located_documented_deployplan_warning(corpus_site):
    """Nothing but ``path:line: WARNING: ... [deployplan.<subtype>]`` (MyST's own
    option warnings on the pages whose body starts with ---)."""
    strays = []
    for line in corpus_site.stderr.splitlines():
        match = WARNING.match(line)
        if match is None:
            strays.append(line)
        elif match["type"] == "myst.directive_option":
            assert Path(match["path"]).stem in DASH_PAGES, line
        elif not (match["type"].startswith("deployplan.")
                  and match["type"].removeprefix("deployplan.") in SUBTYPES):
            strays.append(line)
        else:
            assert_plain_words(match["message"])
    assert strays == []


@pytest.mark.parametrize("path", corpus_files(), ids=lambda p: p.stem)
def test_corpus_file_page(corpus_site, path):
    """``:file:``: the expected problems at the plan file's lines; the page renders."""
    want = expected(path.read_bytes())
    assert corpus_site.warnings_at(corpus_site.srcdir / "corpus" / path.name) == want
    assert corpus_site.warnings_at(corpus_site.srcdir / f"file-{path.stem}.md") == Counter()
    html = corpus_site.html(f"file-{path.stem}")
    assert soup(html).select_one("div.deployplan-error"), "the problems are shown in place"
    assert "After the plan." in page_text(corpus_site, f"file-{path.stem}")


@pytest.mark.parametrize("path", [p for p in corpus_files() if p.stem not in FILE_ONLY],
                         ids=lambda p: p.stem)
def test_corpus_body_page(corpus_site, path):
    """The same plan as the directive body: the same problems, at the page's lines."""
    want = Counter({(line + BODY_OFFSET, subtype): count
                    for (line, subtype), count in expected(path.read_bytes()).items()})
    assert corpus_site.warnings_at(corpus_site.srcdir / f"body-{path.stem}.md") == want
    assert soup(corpus_site.html(f"body-{path.stem}")).select_one("div.deployplan-error")
    assert "After the plan." in page_text(corpus_site, f"body-{path.stem}")


GENERATED = ["big-string", "fifty-megabytes", "merge-bomb", "many-problems", "long-cycle",
             "many-dangling", "observable-tags"]


@pytest.mark.parametrize("name", GENERATED)
def test_generated_input_page(corpus_site, name):
    item = corpus_site.generated[name]
    assert corpus_site.warnings_at(item.path) == item.expect
    assert soup(corpus_site.html(f"gen-{name}")).select_one("div.deployplan-error")
    assert "After the plan." in page_text(corpus_site, f"gen-{name}")


def test_no_tag_constructed_anything_during_the_build(corpus_site):
    assert not list((corpus_site.srcdir / "generated").glob("constructed*"))
    assert not list(corpus_site.srcdir.parent.rglob("pwned*"))


def test_the_good_page_renders_in_full(corpus_site):
    page = soup(corpus_site.html("good"))
    assert not page.select("div.deployplan-error")
    for table in ("environments", "flags", "health", "migrations"):
        assert page.select_one(f"table.deployplan-{table}"), table
    assert page.select_one("svg.deployplan-diagram")
    assert len(page.select("ul.deployplan-checklist input.deployplan-checkbox")) >= 5
    assert corpus_site.warnings_at(corpus_site.srcdir / "good.md") == Counter()


def test_a_bad_plan_does_not_stop_a_good_one_on_the_same_page(corpus_site):
    page = soup(corpus_site.html("mixed"))
    assert len(page.select("div.deployplan-error")) == 1
    assert page.select_one("table.deployplan-environments")
    assert corpus_site.warnings_at(corpus_site.srcdir / "mixed.md") == Counter({(6, "schema"): 1})


def test_duplicate_plan_ids_across_pages(corpus_site):
    found = [m for m in corpus_site.warnings if m["type"] == "deployplan.duplicate"
             and "plan id 'twice'" in m["message"]]
    assert len(found) == 1
    assert Path(found[0]["path"]).name in ("duplicate-a.md", "duplicate-b.md")
    plan_line = COMPLETE.read_text().splitlines().index("plan: complete") + 1
    assert int(found[0]["line"]) == plan_line + BODY_OFFSET  # the second page's plan: line
    for name in ("duplicate-a", "duplicate-b"):
        assert "After the plan." in page_text(corpus_site, name)


@pytest.mark.parametrize("name", [
    "outside-parent", "outside-absolute", "outside-etc", "outside-symlink",
    "outside-symlink-dir"])
def test_plan_files_outside_the_source_directory_are_not_read(corpus_site, name):
    here = corpus_site.warnings_at(corpus_site.srcdir / f"{name}.md")
    assert here == Counter({(BODY_OFFSET, "file"): 1}), here  # at the directive's line
    html = corpus_site.html(name)
    assert "SECRET-OUTSIDE" not in html and "root:x:0" not in html
    assert soup(html).select_one("div.deployplan-error")


@pytest.mark.parametrize("name", DASH_PAGES)
def test_a_body_starting_with_dashes_gets_a_deployplan_warning(corpus_site, name):
    """The user sees MyST's "Unknown option key: 'plan'"; deployplan must explain."""
    here = corpus_site.warnings_at(corpus_site.srcdir / f"{name}.md")
    ours = {key: count for key, count in here.items() if key[1] != "myst.directive_option"}
    assert ours == {(BODY_OFFSET, "option"): 1}, here
    [message] = [m["message"] for m in corpus_site.warnings
                 if Path(m["path"]).stem == name and m["type"] == "deployplan.option"]
    assert "'---'" in message and "MyST" in message


def test_names_that_differ_only_in_case_or_punctuation(corpus_site):
    """"eu-west", "EU West" and "eu_west!" are three names to the loader but one
    anchor and one need id: duplicate HTML ids, and sphinx-needs refuses two needs
    with a warning the author cannot act on.  Either the loader refuses the names (a
    located duplicate problem) or the ids tell them apart."""
    ids = [tag["id"] for tag in soup(corpus_site.html("slug-collision")).select("[id]")]
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)
    assert not [m for m in corpus_site.warnings if m["type"] == "deployplan.need"
                and "slug-collision" in m["path"]]


def test_html_ids_are_unique_on_every_other_page(corpus_site):
    for path in sorted(corpus_site.outdir.glob("*.html")):
        if path.stem in ("slug-collision", "genindex", "search"):
            continue
        ids = [tag["id"] for tag in soup(path.read_text(encoding="utf-8")).select("[id]")]
        assert len(ids) == len(set(ids)), (path.name, [i for i in ids if ids.count(i) > 1])


def test_a_plan_just_under_the_size_limit_renders(corpus_site):
    here = corpus_site.warnings_at(corpus_site.srcdir / "under-limit.md")
    assert not [key for key in here if key[1] != "check"], here
    assert "under the limit under the limit" in corpus_site.html("under-limit")


# --- hostile text in the HTML -----------------------------------------------------------------


def assert_no_live_markup(html: str) -> None:
    assert "<script>alert" not in html
    assert not re.search(r"<img[^>]*onerror", html)
    page = soup(html)
    for element in page.find_all(True):
        assert not any(attr.lower().startswith("on") for attr in element.attrs), element
        href = element.get("href") or element.get("xlink:href") or ""
        assert not href.strip().lower().startswith("javascript:"), element
    for script in page.find_all("script"):
        assert "alert(" not in script.get_text()


@pytest.mark.parametrize("name", ["hostile-file", "hostile-body"])
def test_hostile_text_is_escaped_in_the_html(corpus_site, name):
    html = corpus_site.html(name)
    assert_no_live_markup(html)
    page = soup(html)
    assert not page.select("div.deployplan-error"), page.select_one("div.deployplan-error")
    text = page.get_text(" ")
    shown = [tag for tag in corpus_site.hostile_tags if f'<script>alert("{tag}")</script>' in text]
    assert shown, "the payloads are shown as text"


@pytest.mark.parametrize("name", EXPORT_PARAMS)
def test_hostile_text_is_escaped_in_every_downloaded_export(corpus_site, name):
    exporter = EXPORTERS[name]
    path = corpus_site.outdir / "_deployplan" / "hostile-text" / f"hostile-text{exporter.suffix}"
    if not path.exists():
        pytest.skip(f"{name} refuses this plan (no download)")
    assert_export_is_inert(path.name, path.read_text(encoding="utf-8"))


# --- exports of the hostile plan, in-process --------------------------------------------------


def render_markdown(text: str) -> str:
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark", {"html": True}).enable("table").render(text)


def assert_export_is_inert(filename: str, text: str) -> None:
    """Plan text in an export is data: it cannot become markup, structure or an
    expression of the format."""
    if filename.endswith(".md"):
        assert_no_live_markup(render_markdown(text))
        return
    data = json.loads(text) if filename.endswith(".json") else list(yaml.safe_load_all(text))
    strings = _strings(data)
    for tag in ("environments-1-name", "pipeline-stages-1-id"):
        whole = f'<script>alert("{tag}")</script>'
        if whole in text or any(whole in s for s in strings):
            # the payload is intact inside one string value, not split into structure
            assert any(whole in s for s in strings), (filename, tag)
    if "github-actions" in filename:
        # ${{ ... }} from the plan is rewritten so GitHub never evaluates it (the
        # workflow's own expressions, the image tag input and the token, are not plan text)
        ours = (github_actions.IMAGE_TAG, "${{ github.token }}")
        for match in re.finditer(r"\$\{\{", text):
            assert text.startswith(("${{ '$' }}", *ours), match.start()), \
                text[match.start():match.start() + 60]


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in (*_strings(k), *_strings(v))]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


@pytest.mark.parametrize("name", EXPORT_PARAMS)
def test_hostile_text_is_inert_in_export(name):
    data, _ = hostile_plan("hostile-text")
    plan = load_plan(yaml.safe_dump(data, sort_keys=False))
    exporter = EXPORTERS[name]
    try:
        text = exporter.export(plan)
    except ValueError:
        pytest.skip(f"{name} refuses this plan")
    assert_export_is_inert(exporter.filename(plan), text)
    assert exporter.export(plan) == text


def test_the_hostile_plan_covers_every_free_text_field():
    data, tags = hostile_plan("hostile-text")
    plan = load_plan(yaml.safe_dump(data, sort_keys=False))
    assert len(tags) == len(set(tags)) > 60
    assert plan.environments[0].name == payload("environments-1-name")


# --- deployplan check -------------------------------------------------------------------------

CLI_LINE = re.compile(r"^(?P<path>.+?):(?P<line>\d+): (?P<message>.*) "
                      r"\[deployplan\.(?P<subtype>[\w-]+)\]$")


def deployplan(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "sphinx_deployplan.cli", *args],
                          capture_output=True, text=True, cwd=cwd)


@pytest.fixture(scope="module")
def cli_run(tmp_path_factory) -> tuple[subprocess.CompletedProcess, dict[Path, Counter], Path]:
    """Every corpus file and every generated input through one ``deployplan check``."""
    root = tmp_path_factory.mktemp("cli")
    wanted = {path: expected(path.read_bytes()) for path in corpus_files()}
    wanted.update({g.path: g.expect for g in generate(root / "generated").values()})
    result = deployplan("check", "--today", "2027-01-01", *map(str, wanted), cwd=root)
    return result, wanted, root


def test_check_reports_every_input_located_and_fails(cli_run):
    result, wanted, root = cli_run
    assert result.returncode == 1
    assert "Traceback" not in result.stdout + result.stderr
    assert f"{len(wanted)} plan(s) checked, {len(wanted)} with problems" in result.stderr
    got: dict[Path, Counter] = {path: Counter() for path in wanted}
    strays = []
    for line in result.stdout.splitlines():
        match = CLI_LINE.match(line)
        if match is None or Path(match["path"]) not in got:
            strays.append(line)
            continue
        assert match["subtype"] in SUBTYPES
        assert_plain_words(match["message"])
        got[Path(match["path"])][(int(match["line"]), match["subtype"])] += 1
    assert strays == []
    for path, want in wanted.items():
        assert got[path] == want, path.name
    assert not list(root.rglob("pwned*")) and not list(root.rglob("constructed*"))


@pytest.mark.parametrize("name", ["fifty-megabytes", "merge-bomb", "deep-flow",
                                  "python-tags"])
def test_check_exit_status_for_one_hostile_file(tmp_path, name):
    generated = generate(tmp_path / "generated")
    path = generated[name].path if name in generated else CORPUS / f"{name}.yaml"
    result = deployplan("check", str(path), cwd=tmp_path)
    assert result.returncode == 1
    assert "Traceback" not in result.stdout + result.stderr
    assert CLI_LINE.match(result.stdout.splitlines()[0])
    assert not list(tmp_path.rglob("pwned*"))


def test_check_never_prints_a_terminal_escape(tmp_path):
    """Names with an ESC, a newline or a bell are shown escaped (repr), not raw."""
    plan = tmp_path / "p.yaml"
    plan.write_text(HEAD.format(id="escapes") + 'feature_flags:\n  - {name: "a\\e[2Jb\\n"}\n'
                    'environments:\n  - {name: "e\\a", purpose: p, deploy: d, approval: '
                    'nope}\n')
    result = deployplan("check", str(plan), cwd=tmp_path)
    assert result.returncode == 1
    assert "\x1b" not in result.stdout and "\x07" not in result.stdout


# --- limits -----------------------------------------------------------------------------------


def test_a_50_mb_file_is_refused_without_being_read(tmp_path):
    """read_plan_text stops at the limit: peak memory stays far below the file size."""
    big = generate(tmp_path)["fifty-megabytes"].path
    code = ("import resource, sys\n"
            "from sphinx_deployplan.loader import read_plan_text, Limits\n"
            "from sphinx_deployplan.problems import PlanError\n"
            "before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
            "for limits in (Limits(), Limits(max_bytes=10**9)):\n"
            "    try:\n"
            "        read_plan_text(sys.argv[1], limits)\n"
            "    except PlanError as e:\n"
            "        print(e.problems[0].line, e.problems[0].message)\n"
            "    else:\n"
            "        print('read')\n"
            "    print((resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) // 1024)\n")
    result = subprocess.run([sys.executable, "-c", code, str(big)], capture_output=True,
                            text=True)
    lines = result.stdout.splitlines()
    assert lines[0] == ("1 the plan file is 50,000,000 bytes, more than the limit of "
                        "2,000,000 (deployplan_max_bytes)"), result.stderr
    assert int(lines[1]) < 20  # MB: the file was not read
    assert lines[2] == "read"  # control: with a higher limit it is (and costs its size)


def test_read_plan_text_reads_only_regular_files(tmp_path):
    """A device that never ends (/dev/zero), a named pipe that waits for a writer, a
    folder and a socket are refused at once, without reading: a ``file`` problem."""
    import socket

    os.mkfifo(tmp_path / "pipe.yaml")
    (tmp_path / "folder.yaml").mkdir()
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(tmp_path / "socket.yaml"))
    try:
        for path, kind in (("/dev/zero", "a character device"),
                           (tmp_path / "pipe.yaml", "a named pipe (FIFO)"),
                           (tmp_path / "folder.yaml", "a folder"),
                           (tmp_path / "socket.yaml", "a socket")):
            with pytest.raises(PlanError) as info:
                read_plan_text(path, Limits(max_bytes=1000))
            [problem] = info.value.problems
            assert (problem.subtype, problem.line, problem.source) == ("file", None, str(path))
            assert problem.message == (f"the plan path is {kind}, not a regular file; a plan "
                                       f"must be a YAML file")
    finally:
        server.close()


def test_the_sphinx_limits_are_configurable(site):
    """``deployplan_max_bytes`` and ``deployplan_max_values`` reach the loader."""
    site.write("index.md", "# L\n\n```{toctree}\nbig\nmany\n```\n")
    site.write("big.md", PAGE.format(title="big", body=HEAD.format(id="big")
                                     + f"summary: {'x' * 300}\n"))
    site.write("many.md", PAGE.format(title="many", body=HEAD.format(id="many")
                                      + "pipeline: {stages: [{id: a, kind: build, "
                                        "does: [a, b, c, d, e, f, g, h, i, j]}]}\n"))
    site.build("html", deployplan_max_bytes=250, deployplan_max_values=12,
               deployplan_fail_on_unmet=False, suppress_warnings=["deployplan.check"])
    warnings = site.warnings
    assert "more than the limit of 250 (deployplan_max_bytes) [deployplan.yaml]" in warnings
    assert "the plan has more than 12 values" in warnings
    assert "Traceback" not in warnings


# --- the loader directly ----------------------------------------------------------------------


def test_python_tags_construct_nothing(tmp_path):
    generated = generate(tmp_path)
    witness = tmp_path / "constructed"
    text = generated["observable-tags"].path.read_text()
    with pytest.raises(PlanError):
        load_plan(text)
    assert not list(tmp_path.glob("constructed*"))
    # control: the same document through PyYAML's unsafe loader does create the files
    yaml.unsafe_load(text.replace("owner_:", "owner:"))
    assert witness.is_dir() and Path(f"{witness}-2").exists()


def test_deep_nesting_with_the_pure_python_yaml_loader(monkeypatch):
    """Without libyaml the composer recurses once per level: a RecursionError becomes
    a located problem, never a crash."""
    import sphinx_deployplan.loader as loader

    monkeypatch.setattr(loader, "MemoSafeLoader", yaml.SafeLoader)
    for name, line in (("deep-flow", 6), ("deep-block", 7)):
        with pytest.raises(PlanError) as info:
            load_plan_file(CORPUS / f"{name}.yaml")
        [problem] = info.value.problems
        assert (problem.subtype, problem.line) == ("yaml", line)
        assert "nested too deeply" in problem.message


def test_the_pure_python_loader_agrees_on_the_corpus(monkeypatch):
    import sphinx_deployplan.loader as loader

    monkeypatch.setattr(loader, "MemoSafeLoader", yaml.SafeLoader)
    for path in corpus_files():
        with pytest.raises(PlanError) as info:
            load_plan_file(path)
        got = Counter((p.line, p.subtype) for p in info.value.problems)
        assert got == expected(path.read_bytes()), path.name


def test_the_unknown_keys_file_reaches_every_item_of_the_model():
    """unknown-keys.yaml has a mistyped key in every kind of mapping of the format
    (a new section of the model needs a line there)."""
    def item_type(where: str) -> type:
        cls: Any = Plan
        for segment in [] if where == "the plan" else where.split("."):
            spec = public_fields(cls)[re.sub(r"\[\d+\]$", "", segment)]
            tp = strip_optional(typing.get_type_hints(cls)[spec.name])
            cls = typing.get_args(tp)[0] if typing.get_origin(tp) is list else tp
        return cls

    def reachable(cls: type) -> set[type]:
        found = {cls}
        hints = typing.get_type_hints(cls)
        for spec in public_fields(cls).values():
            tp = strip_optional(hints[spec.name])
            tp = typing.get_args(tp)[0] if typing.get_origin(tp) is list else tp
            if isinstance(tp, type) and issubclass(tp, Item):
                found |= reachable(tp)
        return found

    with pytest.raises(PlanError) as info:
        load_plan_file(CORPUS / "unknown-keys.yaml")
    wheres = [re.match(r"unknown key '[^']*' in (the plan|[^\s;]+)", p.message)
              for p in info.value.problems]
    assert all(wheres)
    assert {item_type(m.group(1)) for m in wheres} == reachable(Plan)


def test_lines_stay_right_after_a_unicode_line_separator():
    """YAML breaks lines at U+2028 too; warnings use the lines an editor shows."""
    text = HEAD.format(id="ls") + 'summary: "pasted\u2028from a chat"\nbogus: 1\n'
    with pytest.raises(PlanError) as info:
        load_plan(text)
    assert [p.line for p in info.value.problems] == [6]


def test_problems_quote_long_values_clipped():
    text = HEAD.format(id="clip").replace("plan: clip", f"plan: {'X' * 100_000}")
    with pytest.raises(PlanError) as info:
        load_plan(text)
    assert len(info.value.problems[0].message) < 300


# --- measuring (python tests/test_hostile.py) -------------------------------------------------

_MEASURE = """
import resource, sys, time
from sphinx_deployplan.checks import run_checks
from sphinx_deployplan.loader import load_plan_file
from sphinx_deployplan.problems import PlanError
import datetime
start = time.perf_counter()
try:
    plan = load_plan_file(sys.argv[1])
    run_checks(plan, datetime.date(2027, 1, 1))
    outcome = "loaded"
except PlanError as error:
    outcome = f"{len(error.problems)} problem(s)"
seconds = time.perf_counter() - start
print(f"{seconds:.3f} {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024} {outcome}")
"""


def measure() -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        base = subprocess.run([sys.executable, "-c", _MEASURE.replace(
            "plan = load_plan_file(sys.argv[1])", "raise PlanError([])"), "-"],
            capture_output=True, text=True).stdout.split()
        print(f"baseline (imports only): {base[1]} MB")
        inputs = [*corpus_files(), *(g.path for g in generate(root / "gen").values())]
        rows = []
        for path in inputs:
            out = subprocess.run([sys.executable, "-c", _MEASURE, str(path)],
                                 capture_output=True, text=True)
            seconds, rss, *outcome = (out.stdout or "? ? crashed").split()
            rows.append((float(seconds) if seconds != "?" else -1, rss, path.name,
                         " ".join(outcome)))
        for seconds, rss, name, outcome in sorted(rows, reverse=True):
            print(f"{seconds:8.3f} s {rss:>6} MB  {name:32} {outcome}")
        before = os.times()
        built = build_site(root / "site")
        after = os.times()
        import resource

        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024
        print(f"corpus site: {len(list(built.srcdir.glob('*.md')))} pages, "
              f"{built.seconds:.1f} s wall, "
              f"{after.children_user - before.children_user:.1f} s CPU, peak {peak} MB, "
              f"exit {built.returncode}, {len(built.warnings)} warnings")


if __name__ == "__main__":
    measure()
