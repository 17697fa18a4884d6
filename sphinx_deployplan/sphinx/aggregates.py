"""Aggregate views on any page: ``deployplan-index``, ``deployplan-matrix`` and
``deployplan-flags``.

Each directive leaves a placeholder that is filled at ``doctree-resolved`` from
the domain, so it always shows every plan of the site; and the pages holding
one are re-read whenever any document changes (``env-get-outdated``), so an
incremental build never shows stale data.
"""

from __future__ import annotations

from collections.abc import Set

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.util.docutils import SphinxDirective

from ..checks.rules.drift import DRIFT
from ..render.aggregates import FlagSummary, PlanSummary, render_aggregate
from .config import settings
from .domain import plan_domain
from .portal import external_summaries, member_fingerprints


class aggregate(nodes.General, nodes.Element):
    """Placeholder for an aggregate view; ``kind`` is index, matrix or flags."""


class AggregateDirective(SphinxDirective):
    kind = ""
    has_content = False
    option_spec = {"sites": directives.unchanged}

    def run(self) -> list[nodes.Node]:
        plan_domain(self.env).aggregates.add(self.env.docname)
        node = aggregate(kind=self.kind)
        if "sites" in self.options:
            node["sites"] = [s.strip() for s in self.options["sites"].split(",") if s.strip()]
        self.set_source_info(node)
        return [node]


class IndexDirective(AggregateDirective):
    """Every plan of the site (and of a portal's member sites): title, site, service,
    owner, method, checks met, status."""

    kind = "index"


class MatrixDirective(AggregateDirective):
    """Plans x checks, each cell the result linking to its evidence."""

    kind = "matrix"


class FlagsDirective(AggregateDirective):
    """Every flag of every plan: type, owner, default, cleanup date, days left."""

    kind = "flags"


def local_summaries(app: Sphinx, fromdoc: str) -> list[PlanSummary]:
    """This site's plans, with links relative to ``fromdoc``."""

    def link(target_doc: str, anchor_id: str) -> str:
        return f"{app.builder.get_relative_uri(fromdoc, target_doc)}#{anchor_id}"

    site = app.config.project or ""
    out = []
    for e in plan_domain(app.env).entries():
        doc, shown = e.docname, e.shown  # links land on anchors the page really has
        out.append(PlanSummary(
            plan=e.plan_id, title=e.title, service=e.service, owner=e.owner, method=e.method,
            url=link(doc, e.anchor), site=site,
            checks={check: (result, link(doc, shown.item(e.plan_id, "checks", "check", check)))
                    for check, result in e.checks},
            flags=[FlagSummary(f.name, link(doc, shown.item(e.plan_id, "flags", "flag", f.name)),
                               f.type, f.owner, f.default, f.cleanup, f.permanent)
                   for f in e.flags],
            drift=next(((result, link(doc, shown.item(e.plan_id, "checks", "rule", rule)))
                        for rule, result in e.rules if rule == DRIFT), None),
        ))
    return out


def fill_aggregates(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    """``doctree-resolved``: replace each placeholder with its table."""
    placeholders = list(doctree.findall(aggregate))
    if not placeholders:
        return
    summaries = local_summaries(app, docname) + external_summaries(app)
    today = settings(app.config).build_today
    html = app.builder.format == "html"
    for node in placeholders:
        sites = node.get("sites")
        chosen = [s for s in summaries if not sites or s.site in sites]
        node.replace_self(render_aggregate(node["kind"], chosen, today, html=html))


def outdated(app: Sphinx, env: BuildEnvironment, added: Set[str], changed: Set[str],
             removed: Set[str]) -> list[str]:
    """``env-get-outdated``: re-read the aggregate pages when any document or portal
    member changes, and the plans whose waivers or flag ages depend on a "today"
    that moved."""
    domain = plan_domain(env)
    today = settings(app.config).build_today
    moved = domain.data.get("today") not in (None, today)
    domain.data["today"] = today
    members = member_fingerprints(app)
    members_changed = domain.data.get("members", {}) != members
    domain.data["members"] = members
    extra: set[str] = set()
    if added or changed or removed or moved or members_changed:
        extra |= domain.aggregates
    if moved:
        extra |= {e.docname for found in domain.plans.values() for e in found if e.dated}
    return sorted(extra - set(removed))
