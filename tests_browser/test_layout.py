"""The runbook on a laptop and on a phone: every table and every pipeline diagram of
every example page is measured in Chromium at 1280 px and at 390 px.

At 1280 px nothing overflows its column (no sideways scroll in a table or a
diagram); at 390 px the page never scrolls sideways, and on plan pages the
tables (stacked as cards) and the diagram (vertical) fit the screen.
"""

from __future__ import annotations

import pytest

PAGES = ["index.html", "plans/fraud-scoring.html", "plans/ledger-api.html",
         "plans/notification-dispatcher.html", "plans/rewards-redemption.html"]
PLAN_PAGES = [p for p in PAGES if p.startswith("plans/")]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}

#: Every table and diagram in the article: its size, the width of the column it
#: sits in, and whether any box between them scrolls sideways.
MEASURE = """() => {
  const article = document.querySelector("article") || document.body;
  const column = article.getBoundingClientRect();
  const out = [];
  const items = article.querySelectorAll(
      "table, .deployplan-diagram-wrap svg:not([hidden]), pre");
  for (const el of items) {
    if (el.getClientRects().length === 0) continue;  // not displayed at this width
    const box = el.getBoundingClientRect();
    let scrolls = null;
    for (let p = el; p && p !== article; p = p.parentElement) {
      if (p.scrollWidth > p.clientWidth + 1 &&
          ["auto", "scroll"].includes(getComputedStyle(p).overflowX)) {
        scrolls = p.className || p.tagName;
        break;
      }
    }
    const label = el.tagName.toLowerCase() + "." + (el.getAttribute("class") || "")
        .split(" ").filter(c => c.startsWith("deployplan") || c.startsWith("dp-")).join(".");
    out.push({label, plan: !!el.closest("section.deployplan"),
              left: box.left - column.left, right: column.right - box.right,
              width: box.width, column: column.width, scrolls});
  }
  return out;
}"""


def _overflowing(page, *, only_plans: bool = False) -> list[dict]:
    found = page.evaluate(MEASURE)
    assert found, "nothing measured"
    return [m for m in found
            if (m["plan"] or not only_plans)
            and (m["scrolls"] or m["left"] < -1 or m["right"] < -1)]


@pytest.mark.parametrize("path", PAGES)
def test_nothing_overflows_its_column_at_1280(visit, path):
    page = visit(viewport=DESKTOP).open(path)
    assert _overflowing(page) == []
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


@pytest.mark.parametrize("path", PAGES)
def test_a_phone_never_scrolls_sideways(visit, path):
    page = visit(viewport=PHONE).open(path)
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0


@pytest.mark.parametrize("path", PLAN_PAGES)
def test_plan_tables_and_the_diagram_fit_a_phone(visit, path):
    page = visit(viewport=PHONE).open(path)
    assert _overflowing(page, only_plans=True) == []
    # the tables are stacked cards: a header-less row per item, each cell labelled
    cells = page.locator("section.deployplan table.deployplan-table td[data-label]")
    assert cells.count() > 20
    assert page.locator("section.deployplan table.deployplan-table thead").first.is_hidden()
    shown = page.locator(".deployplan-diagram-wrap svg:visible")
    assert shown.count() == 1
    box = shown.first.bounding_box()
    assert box["height"] > box["width"], "the diagram is vertical on a phone"


def test_the_diagram_keeps_its_text_readable(visit):
    """The picture scales with its column but never shrinks its text below 10 px."""
    for viewport in (DESKTOP, PHONE):
        page = visit(viewport=viewport).open("plans/ledger-api.html")
        sizes = page.evaluate("""() => [...document.querySelectorAll(
            '.deployplan-diagram-wrap svg')].filter(s => s.getClientRects().length)
            .map(s => {const t = s.querySelector('text.dp-label');
                       return t.getBoundingClientRect().height;})""")
        assert sizes and min(sizes) >= 10, (viewport, sizes)


def test_the_rollback_checklist_on_a_phone(visit):
    page = visit(viewport=PHONE).open("plans/fraud-scoring.html")
    box = page.locator("ul.deployplan-checklist label.deployplan-check").first.bounding_box()
    assert box["height"] >= 44, "a tick target a thumb can hit"
    reset = page.locator("button.deployplan-reset").first
    assert reset.evaluate("b => getComputedStyle(b).position") == "sticky"
    page.locator("ul.deployplan-checklist li").nth(6).scroll_into_view_if_needed()
    assert reset.is_visible() and reset.bounding_box()["y"] >= 0
