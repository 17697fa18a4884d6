"""Site-wide views from every plan's results: the plan index, the traceability
matrix (plans x checks) and the flag report.  Nothing is computed here but
layout; links come from a callback so the Sphinx layer decides the URIs."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from docutils import nodes

from ..checks import PlanResults
from ..ids import anchor, plan_anchor
from ..model import CHECK_IDS, Plan
from .builders import DASH, code, para, table
from .checks import badge
from .plan import METHOD_NAMES

Link = Callable[[str, str], str]  # (docname, anchor) -> refuri


@dataclass(frozen=True)
class PlanView:
    """What the aggregate views need of one plan."""

    plan: Plan
    docname: str
    results: PlanResults


def _ref(text: str | nodes.Node, uri: str) -> nodes.reference:
    node = nodes.reference("", "", refuri=uri, internal=True)
    node += nodes.Text(text) if isinstance(text, str) else text
    return node


def plan_status(results: PlanResults) -> str:
    """One word for a plan: unmet when any check is, waived when any is, else met."""
    statuses = {r.status for r in results.results}
    for status in ("unmet", "waived"):
        if status in statuses:
            return status
    return "met"


def render_index(views: Sequence[PlanView], link: Link) -> nodes.Node:
    rows = []
    for v in views:
        p = v.plan
        method = METHOD_NAMES.get(p.strategy.method, p.strategy.method) \
            if p.strategy and p.strategy.method else DASH
        rows.append([
            _ref(p.title, link(v.docname, plan_anchor(p.plan))),
            code(p.service), p.owner, method,
            f"{len(v.results.met)} of {len(v.results.applicable)}",
            badge(plan_status(v.results)),
        ])
    if not rows:
        return para("No deployment plans on this site yet.")
    return table(["Plan", "Service", "Owner", "Method", "Checks met", "Status"], rows,
                 classes=["deployplan-index"])


def render_matrix(views: Sequence[PlanView], link: Link) -> nodes.Node:
    if not views:
        return para("No deployment plans on this site yet.")
    rows = []
    for v in views:
        cells: list = [_ref(code(v.plan.plan), link(v.docname, plan_anchor(v.plan.plan)))]
        for check in CHECK_IDS:
            result = v.results[check]
            cells.append(_ref(badge(result.status),
                              link(v.docname, anchor(v.plan.plan, "check", check))))
        rows.append(cells)
    return table(["Plan", *CHECK_IDS], rows, classes=["deployplan-matrix"])


def render_flags(views: Sequence[PlanView], link: Link, today: _dt.date) -> nodes.Node:
    rows = []
    for v in views:
        for flag in v.plan.feature_flags or []:
            if flag.cleanup:
                left = (flag.cleanup - today).days
                days: str | nodes.Node = str(left)
                cleanup = flag.cleanup.isoformat()
                stale = left < 0
            else:
                days, cleanup, stale = DASH, "permanent" if flag.permanent else "not set", False
            marker = nodes.inline("stale", "stale", classes=["deployplan-badge",
                                                             "deployplan-badge-unmet"]) \
                if stale else ""
            rows.append([
                _ref(code(flag.name), link(v.docname, anchor(v.plan.plan, "flag", flag.name))),
                _ref(v.plan.plan, link(v.docname, plan_anchor(v.plan.plan))),
                flag.type, flag.owner, flag.default, cleanup, days, marker,
            ])
    if not rows:
        return para("No feature flags in any plan.")
    return table(["Flag", "Plan", "Type", "Owner", "Default", "Cleanup", "Days left", "Stale"],
                 rows, classes=["deployplan-flag-report"])
