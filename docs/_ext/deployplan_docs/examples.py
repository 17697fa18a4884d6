"""Examples that run at build time: a plan file with what the CLI and ``sphinx-build``
print for it, an export, ``.pre-commit-config.yaml`` entries, and the JSON Schema.

``deployplan-example`` warns when the unmet checks differ from
``:expect-unmet:``: a tutorial step that is meant to fail keeps failing the way
the page says, without failing the build.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import difflib
import io
import json
import re
from pathlib import Path

import yaml
from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxRole

from sphinx_deployplan import cli
from sphinx_deployplan.checks import CHECK_IDS, RULE_IDS, PlanResults, run_checks
from sphinx_deployplan.export import EXPORTERS
from sphinx_deployplan.loader import load_plan_file
from sphinx_deployplan.problems import PlanError
from sphinx_deployplan.render.checks import badge_parts
from sphinx_deployplan.schema import plan_schema
from sphinx_deployplan.sphinx.config import settings

from .base import DOCS_WARNING, DocsDirective, logger
from .markdown import code, code_block, escape, list_table, output_block, span

SCHEMA_FILE = "deployplan.schema.json"


def _id_list(text: str | None) -> list[str]:
    if not text or text.strip().lower() == "none":
        return []
    return [w for w in text.replace(",", " ").split() if w]


def _badge(status: str) -> str:
    classes, word = badge_parts(status)
    return span(escape(word), classes=classes)


class ExampleDirective(DocsDirective):
    """``deployplan-example``: a plan file, its check results and the exact text the CLI
    and sphinx-build print for it.  Warns when the unmet checks (or, for a plan that
    does not load, the problem subtypes) differ from what the page expects.

    Options: ``:file:`` the plan (relative to the page); ``:as:`` the path shown to
    the reader (default: the file's path in the docs); ``:expect-unmet:`` check ids,
    or ``none``; ``:expect-problems:`` subtypes, for a plan that does not load;
    ``:diff:`` an earlier version of the file, to show the change as a diff;
    ``:show:`` any of ``yaml``, ``diff``, ``results``, ``cli``, ``sphinx`` (default:
    all that apply).
    """

    option_spec = {
        "file": directives.unchanged_required,
        "as": directives.unchanged,
        "expect-unmet": directives.unchanged,
        "expect-problems": directives.unchanged,
        "diff": directives.unchanged_required,
        "show": directives.unchanged,
    }

    def markdown(self) -> str:
        if "file" not in self.options:
            self.warn("deployplan-example needs :file:", "example")
            return ""
        path = self.src_path(self.options["file"])
        shown = self.options.get("as") or self.display_path(path)
        show = set((self.options.get("show") or "yaml diff results cli sphinx")
                   .replace(",", " ").split())
        today = settings(self.config).build_today
        unknown = [c for c in _id_list(self.options.get("expect-unmet"))
                   if c not in (*CHECK_IDS, *RULE_IDS)]
        if unknown:
            self.warn(f":expect-unmet: names unknown check(s) {', '.join(unknown)}", "example")
        results, failing_lines = self.check(path, shown, today)

        out = []
        if "yaml" in show:
            out.append(code_block(path.read_text(encoding="utf-8"), "yaml",
                                  caption=code(shown), linenos=True,
                                  emphasize_lines=",".join(map(str, failing_lines))))
        if "diff" in show and "diff" in self.options:
            out.append(code_block(self.diff(path, shown), "diff"))
        if "results" in show and results is not None:
            rows = [[code(r.check), _badge(r.status), escape(r.summary)]
                    for r in (*results.results, *results.rules)
                    if r.kind == "check" or r.status in ("unmet", "waived")]
            out.append(list_table(["Check", "Result", "Details"], rows, widths=[3, 1, 8],
                                  classes=["deployplan-docs-results"]))
        cli_text, status = self.run_cli(path, shown, today)
        expected_status = 0 if results is not None and not results.unmet else 1
        if status != expected_status:
            self.warn(f"deployplan check {shown} exits {status}, not {expected_status}",
                      "example")
        if "cli" in show:
            out.append(output_block(cli_text, "console"))
        if "sphinx" in show:
            warnings = [re.sub(r"^(\S+?): (?:warning: |error: )?", r"\1: WARNING: ", line,
                               count=1)
                        for line in cli_text.splitlines()
                        if re.search(r" \[deployplan\.\w+\]$", line)]
            if warnings:
                if "cli" in show:
                    out.append(f"In {code('sphinx-build')} output (with the full path of the "
                               f"file):")
                out.append(output_block("\n".join(warnings)))
        return "\n\n".join(out)

    def check(self, path: Path, shown: str, today: dt.date,
              ) -> tuple[PlanResults | None, list[int]]:
        """Load and check the plan; warn when it does not do what the page expects.
        Returns the results (None when the plan does not load) and the lines to mark."""
        try:
            plan = load_plan_file(path)
        except PlanError as error:
            got = sorted({p.subtype for p in error.problems})
            want = sorted(set(_id_list(self.options.get("expect-problems"))))
            if got != want:
                self.warn(f"{shown}: expected problems {want or 'none'}, got {got}: {error}",
                          "example")
            return None, [p.line for p in error.problems if p.line]
        if "expect-problems" in self.options:
            self.warn(f"{shown}: expected problems "
                      f"{_id_list(self.options['expect-problems'])}, but the plan loads",
                      "example")
        results = run_checks(plan, today, settings(self.config).rule_settings)
        got = sorted(r.check for r in results if r.status == "unmet")
        want = sorted(set(_id_list(self.options.get("expect-unmet"))))
        if got != want:
            self.warn(f"{shown}: expected unmet checks {want or 'none'}, got "
                      f"{got or 'none'}", "example")
        lines = {r.failed_by[0].item.line for r in results
                 if r.status == "unmet" and r.failed_by and r.failed_by[0].item.line}
        lines |= {e.waiver.line for e in results.expired_waivers if e.waiver.line}
        return results, sorted(lines)

    def diff(self, path: Path, shown: str) -> str:
        before = self.src_path(self.options["diff"]).read_text(encoding="utf-8")
        after = path.read_text(encoding="utf-8")
        diff = "".join(difflib.unified_diff(before.splitlines(keepends=True),
                                            after.splitlines(keepends=True),
                                            f"a/{shown}", f"b/{shown}"))
        if not diff:
            self.warn(f"{self.options['file']} and {self.options['diff']} are the same",
                      "example")
        return diff

    def run_cli(self, path: Path, shown: str, today: dt.date) -> tuple[str, int]:
        """What ``deployplan check`` prints for the plan, and its exit status."""
        stdout, stderr = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
            status = cli.main(["check", "--today", today.isoformat(), str(path)])
        text = (stdout.getvalue() + stderr.getvalue()).replace(str(path), shown)
        return f"$ deployplan check {shown}\n{text}", status


class ExportDirective(DocsDirective):
    """``deployplan-export``: the output of one exporter (``:to:``) for one plan file
    (``:file:``), made at this build; ``:as:`` is the caption."""

    option_spec = {"file": directives.unchanged_required, "to": directives.unchanged_required,
                   "as": directives.unchanged}
    LANGUAGES = {"yml": "yaml", "yaml": "yaml", "json": "json", "md": "markdown"}

    def markdown(self) -> str:
        fmt = self.options.get("to", "")
        if fmt not in EXPORTERS:
            self.warn(f":to: {fmt!r} is not an export format ({', '.join(EXPORTERS)})",
                      "example")
            return ""
        exporter = EXPORTERS[fmt]
        try:
            plan = load_plan_file(self.src_path(self.options.get("file", "")))
            text = exporter.export(plan)
        except (PlanError, ValueError, ImportError) as exc:
            self.warn(f"cannot export {self.options.get('file')} as {fmt}: {exc}", "example")
            return ""
        language = self.LANGUAGES.get(exporter.suffix.rsplit(".", 1)[-1], "text")
        return code_block(text, language,
                          caption=code(self.options.get("as") or exporter.filename(plan)))


class PreCommitDirective(DocsDirective):
    """``deployplan-precommit``: ``.pre-commit-config.yaml`` entries for the hooks the
    repository defines (``:hooks:``, its ``.pre-commit-hooks.yaml``); ``:local:`` gives
    the ``repo: local`` form, which runs the ``deployplan`` already installed."""

    option_spec = {"hooks": directives.unchanged_required, "local": directives.flag}

    def markdown(self) -> str:
        path = self.src_path(self.options.get("hooks", ""))
        try:
            hooks = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as exc:
            self.warn(f"cannot read the hooks file {path}: {exc}", "example")
            return ""
        if not isinstance(hooks, list) or not hooks:
            self.warn(f"{path} defines no hooks", "example")
            return ""
        if "local" in self.options:
            text = "repos:\n  - repo: local\n    hooks:\n"
            for hook in hooks:
                text += (f"      - id: {hook['id']}\n"
                         f"        name: {hook.get('name', hook['id'])}\n"
                         f"        entry: {hook['entry']}\n"
                         f"        language: system\n")
                if "files" in hook:
                    text += f"        files: '{hook['files']}'\n"
            if yaml.safe_load(text)["repos"][0]["hooks"][0].get("files") != hooks[0].get("files"):
                self.warn("the generated local hook does not round-trip", "example")
        else:
            ids = "".join(f"      - id: {hook['id']}\n" for hook in hooks)
            text = ("repos:\n"
                    "  - repo: <URL of the sphinx-deployplan git repository>\n"
                    "    rev: <a tag or commit>\n"
                    "    hooks:\n" + ids)
        return code_block(text, "yaml", caption=code(".pre-commit-config.yaml"))


class SchemaLinkRole(SphinxRole):
    """``{deployplan-schema}`text```: a link to the JSON Schema published with the site."""

    def run(self) -> tuple[list[nodes.Node], list[nodes.system_message]]:
        uri = "../" * self.env.docname.count("/") + SCHEMA_FILE
        text = self.text or SCHEMA_FILE
        ref = nodes.reference(text, "", refuri=uri)
        ref += nodes.literal(text, text)
        return [ref], []


def write_schema(app: Sphinx, exception: Exception | None) -> None:
    """``build-finished``: publish the plan format's JSON Schema at the root of the site."""
    if exception is None and app.builder.format == "html":
        target = Path(app.outdir) / SCHEMA_FILE
        target.write_text(json.dumps(plan_schema(), indent=2) + "\n", encoding="utf-8")


def check_snippets(app: Sphinx) -> None:
    """``builder-inited``: every YAML snippet the how-to guides include must parse."""
    for path in sorted((Path(app.srcdir) / "snippets").glob("*.y*ml")):
        try:
            yaml.safe_load(path.read_text(encoding="utf-8"))
        except yaml.YAMLError as exc:
            logger.warning("%s is not valid YAML: %s", path.name, exc, type=DOCS_WARNING,
                           subtype="example", location=str(path))
