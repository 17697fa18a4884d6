"""The ``deployplan`` directive: hands YAML to the loader, the Plan to the renderer."""

from __future__ import annotations

import hashlib
import itertools
import os
import re
from pathlib import Path

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.util.docutils import SphinxDirective

from ..checks import PlanResults, run_checks
from ..loader import load_plan, read_plan_text
from ..migration_sql import with_file_sql
from ..model import Plan
from ..problems import PlanError, Problem
from ..render.plan import PART_ALIASES, PART_KEYS, render_plan
from ..sources import PlanSources, read_plan_sources
from ..text import quote, suggest
from .config import DeployPlanConfig, settings
from .domain import PlanEntry, Shown, Unreadable, plan_domain
from .downloads import downloads, export_files
from .duplicates import claim_needs, earlier_on_page, mark, same_page_box
from .needs import add_plan_needs
from .warnings import location, logger, message, report_results, warn

_OPTION_KEY = re.compile(r"([A-Za-z_][\w-]*)\s*:")
#: The id a plan that cannot be read still names, for the end-of-build summary.
_PLAN_ID = re.compile(r"^plan:[ \t]*['\"]?([a-z0-9]+(?:-[a-z0-9]+)*)['\"]?[ \t]*(?:#.*)?$",
                      re.MULTILINE)


def _shown(parts: list[str] | None, heading: bool) -> Shown:
    """What the runbook of these options shows (see :func:`render_plan`)."""
    keys = frozenset(parts or PART_KEYS)
    return Shown(heading, keys, next(k for k in PART_KEYS if k in keys))


def _place_downloads(rendered: list[nodes.Node], plan: Plan, names: tuple[str, ...],
                     results: PlanResults, sources: PlanSources) -> None:
    """The export links go after the plan's summary, before its first part.  The
    digest is of the exported texts, which depend on more than the plan's text (its
    check results, the deploy and migration files it names)."""
    files = export_files(plan, names, results, sources)
    digest = hashlib.sha256("\0".join(text for _, _, text in files).encode()).hexdigest()[:16]
    placeholder = downloads(plan=plan.plan, digest=digest, files=files)
    first = rendered[0] if rendered else None
    if isinstance(first, nodes.section) and "deployplan" in first["classes"]:
        index = next((i for i, child in enumerate(first.children)
                      if isinstance(child, nodes.section)), len(first.children))
        first.insert(index, placeholder)
    else:
        rendered.insert(0, placeholder)


class DeployPlanDirective(SphinxDirective):
    """Render a deployment plan given as the body or with ``:file:``."""

    has_content = True
    option_spec = {
        "file": directives.unchanged_required,
        "sections": directives.unchanged_required,
        "no-heading": directives.flag,
    }

    def run(self) -> list[nodes.Node]:
        docname = self.env.docname
        body_offset: int | None = self._body_offset()
        text = "\n".join(self.content)
        try:
            self._check_myst_options_block()
            parts = self._parts()
            if "file" in self.options:
                if self.content:
                    raise PlanError([Problem("option", "give the plan in the directive body "
                                             "or with :file:, not both")])
                text, source = self._read_file(self.options["file"])
                body_offset = None
            else:
                if not self.content:
                    raise PlanError([Problem("option", "the directive has no plan: write the "
                                             "YAML in its body or point :file: at a YAML "
                                             "file")])
                source = None
            plan = load_plan(text, source, self.settings.limits)
        except PlanError as error:
            return self._failed(error, docname, body_offset, text)

        try:
            return self._runbook(plan, parts, docname, body_offset)
        except Exception as exc:
            return self._crashed(plan, exc, docname, text)

    def _runbook(self, plan: Plan, parts: list[str] | None, docname: str,
                 body_offset: int | None) -> list[nodes.Node]:
        """Check, record and render a plan that loaded."""

        def doc_line(line: int | None) -> int:
            """A plan line as a line of this document (the directive's, for a file)."""
            if body_offset is None or line is None:
                return self.lineno
            return body_offset + line

        sources = self._sources(plan, docname, body_offset)
        results = run_checks(plan, self.settings.build_today, self.settings.rule_settings,
                             sources)
        heading = "no-heading" not in self.options
        key_line = plan.line_of("plan") or plan.line
        entry = PlanEntry.of(plan, docname, doc_line(plan.line),
                             key_line if body_offset is None else doc_line(key_line),
                             results, _shown(parts, heading))
        domain = plan_domain(self.env)
        domain.add_plan(entry)
        report_results(results, plan.source, docname, body_offset)
        earlier = earlier_on_page(domain, entry)
        if earlier is not None:  # the same id twice on one page: no second runbook
            box = same_page_box(entry, earlier)
            mark([box], domain, entry)
            return [box]
        # the page and its downloads show the migration SQL that runs, from up_file/down_file
        shown = with_file_sql(plan, sources.sql_text)
        rendered = render_plan(shown, parts, heading=heading, results=results)
        # A plan that does not own its id (see .duplicates) neither links the owner's
        # downloads nor takes its needs.  A page read later, or by another -j
        # process, may still take the id: the page is then rewritten without them.
        owner = domain.wins_while_reading(entry)
        if owner:
            _place_downloads(rendered, shown, self.settings.exports, results, sources)
        if self.settings.needs and owner:
            claim_needs(self.env, entry)
            rendered = add_plan_needs(self, plan, results, rendered, doc_line) + rendered
        mark(rendered, domain, entry)
        return rendered

    @property
    def settings(self) -> DeployPlanConfig:
        return settings(self.config)

    def _sources(self, plan: Plan, docname: str, body_offset: int | None) -> PlanSources:
        """Read the deploy files the plan names: each is a dependency of this page (an
        edit rebuilds it), and each that cannot be read is a located warning."""
        sources = read_plan_sources(plan, self.settings.sources_dir, self.settings.limits)
        for path in sources.files:
            self.env.note_dependency(path)
        for problem in sources.problems:
            warn(problem, docname, body_offset)
        return sources

    def _check_myst_options_block(self) -> None:
        """MyST reads a body whose first line starts with ``---`` as directive options,
        up to the next such line, so plan keys there are lost: say so, at the
        directive, instead of a puzzling "missing required key"."""
        if not type(self.state).__module__.startswith("myst_parser"):
            return
        lines = self.block_text.splitlines()[1:]  # after the opening fence
        if not lines or not lines[0].startswith("---"):
            return
        block = itertools.takewhile(lambda line: not line.startswith("---"), lines[1:])
        taken = [m.group(1) for line in block
                 if (m := _OPTION_KEY.match(line)) and m.group(1) not in self.option_spec]
        if taken:
            keys = ", ".join(repr(k) for k in taken[:5]) + (" ..." if len(taken) > 5 else "")
            raise PlanError([Problem(
                "option", f"the plan starts with a '---' line, which MyST reads as the start "
                f"of a block of directive options: {keys} were taken as options, not as "
                f"plan keys; delete the '---' line (a plan needs none)")])

    def _body_offset(self) -> int:
        """The document line just before the body's first line.  docutils gives an
        absolute 0-based offset; MyST gives the offset from the directive's line."""
        if type(self.state).__module__.startswith("myst_parser"):
            return self.lineno + self.content_offset
        return self.content_offset

    def _parts(self) -> list[str] | None:
        raw = self.options.get("sections")
        if raw is None:
            return None
        parts = []
        for word in raw.replace(",", " ").split():
            key = PART_ALIASES.get(word, word)
            if key not in PART_KEYS:
                hint = suggest(word, [*PART_KEYS, *PART_ALIASES])
                raise PlanError([Problem("option", f":sections: names an unknown section "
                                         f"{quote(word)}{hint}; known sections: "
                                         f"{', '.join(PART_KEYS)}")])
            parts.append(key)
        return parts

    def _read_file(self, name: str) -> tuple[str, str]:
        """Read ``name`` (relative to the document, or to the source directory when
        it starts with /), refusing anything outside the source directory."""
        rel, abspath = self.env.relfn2path(name, self.env.docname)
        srcdir = os.path.realpath(self.env.srcdir)
        real = os.path.realpath(abspath)
        if os.path.commonpath([srcdir, real]) != srcdir:
            raise PlanError([Problem("file", f":file: {name!r} resolves to {real}, outside "
                                     f"the source directory; plan files must live in the "
                                     f"documentation source")])
        self.env.note_dependency(rel)
        text = read_plan_text(Path(abspath), self.settings.limits)
        return text, abspath

    def _crashed(self, plan: Plan, exc: Exception, docname: str, text: str,
                 ) -> list[nodes.Node]:
        """A bug met on this plan: a located warning and an error box in its place, the
        plan counted as unreadable (so the build fails closed), and the rest of the site
        built as usual."""
        logger.debug("deployplan: failed on plan %r", plan.plan, exc_info=True)
        return self._failed(PlanError([Problem(
            "internal", f"plan {quote(plan.plan)}: sphinx-deployplan failed on this plan "
            f"({type(exc).__name__}: {quote(str(exc), 200)}); please report it with the "
            f"plan (sphinx-build -vv shows the traceback)")]), docname, None, text)

    def _failed(self, error: PlanError, docname: str, body_offset: int | None, text: str,
                ) -> list[nodes.Node]:
        """Warn for each problem, show them in place of the plan, and record the plan as
        unreadable: with no results, it fails the build (see .gate)."""
        named = _PLAN_ID.search(text)
        source = next((p.source for p in error.problems if p.source), None)
        plan_domain(self.env).add_unreadable(Unreadable(
            docname, self.lineno, named.group(1) if named else None,
            self.options.get("file") or source,
            tuple(dict.fromkeys(p.subtype for p in error.problems))))
        listing = nodes.bullet_list()
        for problem in error.problems:
            in_body = problem.line is not None and problem.source is None
            offset = body_offset if in_body else self.lineno
            warn(problem, docname, offset)
            where = location(problem, docname, offset)
            if isinstance(where, tuple):
                where = f"line {where[1]}" if where[1] else ""
            else:
                where = os.path.basename(where)
            item = nodes.list_item()
            text = message(problem)
            item += nodes.paragraph("", f"{where}: {text}" if where else text)
            listing += item
        admonition = nodes.error(classes=["deployplan-error"])
        admonition += nodes.paragraph("", "This deployment plan could not be read:")
        admonition += listing
        admonition.source, admonition.line = self.get_source_info()
        return [admonition]
