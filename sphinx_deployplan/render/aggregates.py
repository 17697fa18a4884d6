"""Site-wide views: the plan index, the traceability matrix (plans x checks) and the
flag report.

They render :class:`PlanSummary` objects, which the Sphinx layer builds from this
site's plans and, in a portal, from the plans of member sites (read from their
``needs.json``).  Nothing is computed here but layout.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from docutils import nodes

from ..model import CHECK_IDS
from .builders import DASH, code, para, table
from .checks import badge
from .plan import METHOD_NAMES


@dataclass(frozen=True)
class FlagSummary:
    name: str
    url: str
    type: str | None
    owner: str | None
    default: str | None
    cleanup: _dt.date | None
    permanent: bool = False


@dataclass(frozen=True)
class PlanSummary:
    """What the aggregate views show of one plan, wherever it lives."""

    plan: str
    title: str
    service: str
    owner: str
    method: str | None
    url: str  # link to the plan's section on its page
    site: str  # the project the plan belongs to
    checks: dict[str, tuple[str, str]]  # check id -> (result, link to its evidence)
    flags: list[FlagSummary] = field(default_factory=list)
    external: bool = False

    @property
    def status(self) -> str:
        """One word for a plan: unmet when any check is, waived when any is, else met."""
        results = {result for result, _ in self.checks.values()}
        for status in ("unmet", "waived"):
            if status in results:
                return status
        return "met" if results else "n/a"

    @property
    def applicable(self) -> int:
        return sum(result != "n/a" for result, _ in self.checks.values())

    @property
    def met(self) -> int:
        return sum(result in ("met", "waived") for result, _ in self.checks.values())


def _ref(text: str | nodes.Node, uri: str, external: bool = False) -> nodes.reference:
    node = nodes.reference("", "", refuri=uri, internal=not external)
    node += nodes.Text(text) if isinstance(text, str) else text
    return node


def _with_site(summaries: Sequence[PlanSummary]) -> bool:
    """A Site column only where plans come from more than one site."""
    return len({s.site for s in summaries}) > 1 or any(s.external for s in summaries)


def render_index(summaries: Sequence[PlanSummary]) -> nodes.Node:
    if not summaries:
        return para("No deployment plans on this site yet.")
    site = _with_site(summaries)
    rows = []
    for s in summaries:
        method = METHOD_NAMES.get(s.method or "", s.method or DASH)
        row: list = [_ref(s.title, s.url, s.external)]
        if site:
            row.append(s.site)
        row += [code(s.service), s.owner, method, f"{s.met} of {s.applicable}", badge(s.status)]
        rows.append(row)
    headers = ["Plan", *(["Site"] if site else []), "Service", "Owner", "Method",
               "Checks met", "Status"]
    return table(headers, rows, classes=["deployplan-index"])


def render_matrix(summaries: Sequence[PlanSummary]) -> nodes.Node:
    if not summaries:
        return para("No deployment plans on this site yet.")
    site = _with_site(summaries)
    rows = []
    for s in summaries:
        cells: list = [_ref(code(s.plan), s.url, s.external)]
        if site:
            cells.append(s.site)
        for check in CHECK_IDS:
            result, url = s.checks.get(check, ("n/a", s.url))
            cells.append(_ref(badge(result), url, s.external))
        rows.append(cells)
    return table(["Plan", *(["Site"] if site else []), *CHECK_IDS], rows,
                 classes=["deployplan-matrix"])


def render_flags(summaries: Sequence[PlanSummary], today: _dt.date) -> nodes.Node:
    site = _with_site(summaries)
    rows = []
    for s in summaries:
        for flag in s.flags:
            if flag.cleanup:
                left = (flag.cleanup - today).days
                days, cleanup, stale = str(left), flag.cleanup.isoformat(), left < 0
            else:
                days, cleanup, stale = DASH, "permanent" if flag.permanent else "not set", False
            marker = nodes.inline("stale", "stale", classes=[
                "deployplan-badge", "deployplan-badge-unmet"]) if stale else ""
            row: list = [_ref(code(flag.name), flag.url, s.external),
                         _ref(s.plan, s.url, s.external)]
            if site:
                row.append(s.site)
            row += [flag.type, flag.owner, flag.default, cleanup, days, marker]
            rows.append(row)
    if not rows:
        return para("No feature flags in any plan.")
    return table(["Flag", "Plan", *(["Site"] if site else []), "Type", "Owner", "Default",
                  "Cleanup", "Days left", "Stale"], rows, classes=["deployplan-flag-report"])
