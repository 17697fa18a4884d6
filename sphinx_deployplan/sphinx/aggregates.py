"""Aggregate views on any page: ``deployplan-index``, ``deployplan-matrix`` and
``deployplan-flags``.

Each directive leaves a placeholder that is filled at ``doctree-resolved`` from
the domain, so it always shows every plan of the site; and the pages holding
one are re-read whenever any document changes (``env-get-outdated``), so an
incremental build never shows stale data.
"""

from __future__ import annotations

import os
from collections.abc import Set

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.util.docutils import SphinxDirective

from ..checks import resolve_today
from ..render.aggregates import PlanView, render_flags, render_index, render_matrix
from .domain import plan_domain


class aggregate(nodes.General, nodes.Element):
    """Placeholder for an aggregate view; ``kind`` is index, matrix or flags."""


class AggregateDirective(SphinxDirective):
    kind = ""
    has_content = False

    def run(self) -> list[nodes.Node]:
        plan_domain(self.env).aggregates.add(self.env.docname)
        node = aggregate(kind=self.kind)
        self.set_source_info(node)
        return [node]


class IndexDirective(AggregateDirective):
    """Every plan of the site: title, service, owner, method, checks met, status."""

    kind = "index"


class MatrixDirective(AggregateDirective):
    """Plans x checks, each cell the result linking to its evidence."""

    kind = "matrix"


class FlagsDirective(AggregateDirective):
    """Every flag of every plan: type, owner, default, cleanup date, days left."""

    kind = "flags"


def fill_aggregates(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    """``doctree-resolved``: replace each placeholder with its table."""
    placeholders = list(doctree.findall(aggregate))
    if not placeholders:
        return
    domain = plan_domain(app.env)
    views = [PlanView(e.plan, e.docname, e.results) for e in domain.entries()]

    def link(target_doc: str, anchor: str) -> str:
        return f"{app.builder.get_relative_uri(docname, target_doc)}#{anchor}"

    today = resolve_today(app.config.deployplan_today, os.environ)
    for node in placeholders:
        kind = node["kind"]
        if kind == "index":
            node.replace_self(render_index(views, link))
        elif kind == "matrix":
            node.replace_self(render_matrix(views, link))
        else:
            node.replace_self(render_flags(views, link, today))


def outdated(app: Sphinx, env: BuildEnvironment, added: Set[str], changed: Set[str],
             removed: Set[str]) -> list[str]:
    """``env-get-outdated``: re-read the aggregate pages when any document changes,
    and the plans whose waivers or flag ages depend on a "today" that moved."""
    domain = plan_domain(env)
    today = resolve_today(app.config.deployplan_today, os.environ)
    moved = domain.data.get("today") not in (None, today)
    domain.data["today"] = today
    extra: set[str] = set()
    if added or changed or removed or moved:
        extra |= domain.aggregates
    if moved:
        extra |= {e.docname for e in domain.plans.values()
                  if e.plan.waivers or e.plan.feature_flags}
    return sorted(extra - set(removed))
