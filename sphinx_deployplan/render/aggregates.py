"""Site-wide views: the plan index, the traceability matrix (plans x checks) and the
flag report.

They render :class:`PlanSummary` objects, which the Sphinx layer builds from this
site's plans and, in a portal, from the plans of member sites (read from their
``needs.json``).  Nothing is computed here but layout: each view is a
:class:`~.grid.Grid`, written as HTML or as docutils nodes by :mod:`.grid`.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from docutils import nodes

from ..checks import CHECK_IDS
from ..checks.rules.drift import DRIFT
from .builders import DASH, para
from .grid import Badge, Code, Grid, GridCell, Link, grid_html, grid_nodes
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
    #: the plan against its deploy files (rule source-drift): (result, link), if known
    drift: tuple[str, str] | None = None

    @property
    def status(self) -> str:
        """One word for a plan: unmet when any check is (or it drifts from its deploy
        files), waived when any is, else met."""
        results = {result for result, _ in self.checks.values()}
        if self.drift is not None and self.drift[0] in ("unmet", "waived"):
            results.add(self.drift[0])
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


def _with_site(summaries: Sequence[PlanSummary]) -> bool:
    """A Site column only where plans come from more than one site."""
    return len({s.site for s in summaries}) > 1 or any(s.external for s in summaries)


def index_grid(summaries: Sequence[PlanSummary]) -> Grid | None:
    if not summaries:
        return None
    site = _with_site(summaries)
    rows = []
    for s in summaries:
        method = METHOD_NAMES.get(s.method or "", s.method or DASH)
        row: list[GridCell] = [Link(s.title, s.url, s.external)]
        if site:
            row.append(s.site)
        row += [Code(s.service), s.owner, method, f"{s.met} of {s.applicable}",
                Badge(s.status)]
        rows.append(row)
    headers = ["Plan", *(["Site"] if site else []), "Service", "Owner", "Method",
               "Checks met", "Status"]
    return Grid(headers, rows, classes=["deployplan-index"])


def matrix_grid(summaries: Sequence[PlanSummary]) -> Grid | None:
    if not summaries:
        return None
    site = _with_site(summaries)
    rows = []
    for s in summaries:
        cells: list[GridCell] = [Link(Code(s.plan), s.url, s.external)]
        if site:
            cells.append(s.site)
        for check in CHECK_IDS:
            result, url = s.checks.get(check, ("n/a", s.url))
            cells.append(Link(Badge(result), url, s.external))
        result, url = s.drift or ("n/a", s.url)
        cells.append(Link(Badge(result), url, s.external))
        rows.append(cells)
    return Grid(["Plan", *(["Site"] if site else []), *CHECK_IDS, DRIFT], rows,
                classes=["deployplan-matrix"])


def flags_grid(summaries: Sequence[PlanSummary], today: _dt.date) -> Grid | None:
    site = _with_site(summaries)
    rows = []
    for s in summaries:
        for flag in s.flags:
            if flag.cleanup:
                left = (flag.cleanup - today).days
                days, cleanup, stale = str(left), flag.cleanup.isoformat(), left < 0
            else:
                days, cleanup, stale = DASH, "permanent" if flag.permanent else "not set", False
            row: list[GridCell] = [Link(Code(flag.name), flag.url, s.external),
                                   Link(s.plan, s.url, s.external)]
            if site:
                row.append(s.site)
            row += [flag.type, flag.owner, flag.default, cleanup, days,
                    Badge("unmet", "stale") if stale else None]
            rows.append(row)
    if not rows:
        return None
    return Grid(["Flag", "Plan", *(["Site"] if site else []), "Type", "Owner", "Default",
                 "Cleanup", "Days left", "Stale"], rows, classes=["deployplan-flag-report"])


#: What a view says when it has no row.
EMPTY = {"index": "No deployment plans on this site yet.",
         "matrix": "No deployment plans on this site yet.",
         "flags": "No feature flags in any plan."}


def render_aggregate(kind: str, summaries: Sequence[PlanSummary], today: _dt.date, *,
                     html: bool) -> nodes.Node:
    """The ``kind`` view (index, matrix or flags) of ``summaries``: as raw HTML for
    HTML builders (see :mod:`.grid` for why), else as docutils nodes."""
    if kind == "index":
        grid = index_grid(summaries)
    elif kind == "matrix":
        grid = matrix_grid(summaries)
    else:
        grid = flags_grid(summaries, today)
    if grid is None:
        return para(EMPTY[kind])
    if html:
        return nodes.raw("", grid_html(grid), format="html")
    return grid_nodes(grid)
