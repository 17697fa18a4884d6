"""Plan -> docutils nodes: the runbook of :mod:`sphinx_deployplan.runbook`, written
as nodes.

Each part is a section (in the TOC, with a stable anchor).  Rendering shows
what the plan says; it computes no check results (those come from
:mod:`sphinx_deployplan.checks` and are only displayed here).
"""

from __future__ import annotations

from docutils import nodes

from ..checks import PlanResults
from ..model import Plan
from ..runbook import CHECKS_PART, METHOD_NAMES, PART_ALIASES, PART_KEYS, PARTS, runbook
from .layout_nodes import runbook_nodes

__all__ = ["CHECKS_PART", "METHOD_NAMES", "PARTS", "PART_ALIASES", "PART_KEYS", "render_plan"]


def render_plan(plan: Plan, parts: list[str] | None = None, *, heading: bool = True,
                results: PlanResults | None = None) -> list[nodes.Node]:
    """The runbook of one plan: a section per part, inside a plan section when
    ``heading`` is true, ending with the Quality Checks when ``results`` are given."""
    return runbook_nodes(runbook(plan, parts, heading=heading, results=results))
