"""The aggregate tables written straight as HTML are what Sphinx's HTML5 translator
writes for the same table as docutils nodes."""

from __future__ import annotations

import datetime as _dt
import shutil

import pytest
from conftest import SITES

from sphinx_deployplan.render.aggregates import (
    FlagSummary,
    PlanSummary,
    flags_grid,
    index_grid,
    matrix_grid,
)
from sphinx_deployplan.render.grid import Badge, Code, Grid, Link, grid_html, grid_nodes

TODAY = _dt.date(2026, 11, 27)

#: Text that HTML writers must encode, runs of spaces in code, every kind of cell.
AWKWARD = Grid(
    ["Name & <kind>", "Code", "Link", "Badge", "Empty", "Site"],
    [["a \"quoted\" <b>bold</b> & ok@example.com", Code("two  spaces   and\ttab"),
      Link("https://x.example/?a=1&b=\"2\"", "https://x.example/?a=1&b=\"2\"", external=True),
      Badge("n/a"), None, ""],
     ["second row", Code("x"), Link(Code("plan-id"), "plans/p.html#deployplan-p"),
      Link(Badge("unmet"), "plans/p.html#p-check-zero-downtime"), Badge("unmet", "stale"),
      "site b"],
     ["third row", Code(""), Link("café ✓", "plans/q.html#q"), Badge("waived"), None, None]],
    classes=["deployplan-index"])


def _summaries() -> list[PlanSummary]:
    checks = {"env-config-access": ("met", "plans/a.html#a-check-env-config-access"),
              "zero-downtime": ("unmet", "plans/a.html#a-check-zero-downtime"),
              "flag-lifecycle": ("waived", "plans/a.html#a-check-flag-lifecycle")}
    flags = [FlagSummary("new-checkout", "plans/a.html#a-flag-new-checkout", "release",
                         "payments", "off", _dt.date(2026, 11, 1)),
             FlagSummary("kill-switch", "plans/a.html#a-flag-kill-switch", "ops", "sre", "on",
                         None, permanent=True),
             FlagSummary("unset", "plans/a.html#a-flag-unset", None, None, None, None)]
    return [PlanSummary("a", "Checkout <v2> & more", "checkout", "payments", "canary",
                        "plans/a.html#deployplan-a", "Shop", checks, flags),
            PlanSummary("b", "Remote plan", "search", "search-team", None,
                        "https://other.example/plans/b.html#deployplan-b", "Search", {},
                        external=True)]


@pytest.fixture
def builder(tmp_path, make_app):
    src = tmp_path / "src"
    shutil.copytree(SITES / "test-forms", src)
    app = make_app("html", srcdir=src)
    app.build()
    return app.builder


@pytest.mark.parametrize("grid", [
    AWKWARD,
    index_grid(_summaries()),
    matrix_grid(_summaries()),
    flags_grid(_summaries(), TODAY),
], ids=["awkward", "index", "matrix", "flags"])
def test_html_is_what_the_translator_writes(builder, grid):
    assert grid is not None
    expected = builder.render_partial(grid_nodes(grid))["fragment"]
    assert grid_html(grid) == expected
