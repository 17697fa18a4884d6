"""The published runbook site in a real browser: search, live checklist, copy
buttons, offline-only requests, and screenshots in both colour modes."""

from __future__ import annotations

import pytest

PLAN_PAGE = "plans/fraud-scoring.html"


@pytest.mark.parametrize(("query", "expected_page"), [
    ("notification-dispatcher", "plans/notification-dispatcher.html"),   # a service name
    ("rewards-partner-catalog-ranking", "plans/rewards-redemption.html"),  # a flag name
    ("stop-deployment", "plans/ledger-api.html"),  # a rollback command fragment
    ("promotion-tests", "index.html"),                                   # a check id
])
def test_search_finds_the_right_page(visit, query, expected_page):
    page = visit().open(f"search.html?q={query}")
    page.wait_for_selector("#search-results ul.search li a", timeout=15000)
    hrefs = page.eval_on_selector_all("#search-results ul.search li a",
                                      "links => links.map(a => a.getAttribute('href'))")
    pages = [h.split("#")[0].split("?")[0] for h in hrefs]
    assert expected_page in pages, pages


def test_checklist_keeps_ticks_across_a_reload_and_resets(visit):
    v = visit()
    page = v.open(PLAN_PAGE)
    boxes = page.locator("ul.deployplan-checklist input.deployplan-checkbox")
    assert boxes.count() >= 5
    boxes.nth(0).check()
    boxes.nth(4).check()
    page.reload()
    page.wait_for_load_state("networkidle")
    boxes = page.locator("ul.deployplan-checklist input.deployplan-checkbox")
    ticked = [boxes.nth(i).is_checked() for i in range(boxes.count())]
    assert [i for i, t in enumerate(ticked) if t] == [0, 4]
    key = page.evaluate("Object.keys(localStorage).filter(k => k.startsWith('deployplan:'))")
    assert len(key) == 1 and key[0].startswith("deployplan:fraud-scoring-4-1:")
    page.get_by_role("button", name="Untick every item of this rollback checklist").click()
    assert not any(boxes.nth(i).is_checked() for i in range(boxes.count()))
    page.reload()
    page.wait_for_load_state("networkidle")
    boxes = page.locator("ul.deployplan-checklist input.deployplan-checkbox")
    assert not any(boxes.nth(i).is_checked() for i in range(boxes.count()))


def test_printed_checklist_shows_empty_boxes(visit):
    page = visit().open(PLAN_PAGE)
    box = page.locator("ul.deployplan-checklist input.deployplan-checkbox").first
    box.check()
    page.emulate_media(media="print")
    appearance = box.evaluate("b => getComputedStyle(b).appearance")
    assert appearance == "none"  # the tick is not drawn on paper
    assert page.locator("button.deployplan-reset").first.is_hidden()


def test_copy_button_copies_the_exact_command(visit, browser, server):
    v = visit(permissions=["clipboard-read", "clipboard-write"])
    page = v.open(PLAN_PAGE)
    block = page.locator("ul.deployplan-checklist div.highlight").nth(1)
    expected = block.locator("pre").inner_text().strip()
    assert expected == "kubectl argo rollouts abort fraud-scoring -n risk"
    block.hover()
    block.locator("button.copybtn").click()
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied.strip() == expected


def test_every_command_has_a_copy_button(visit):
    page = visit().open(PLAN_PAGE)
    commands = page.locator("pre")
    buttons = page.locator("button.copybtn")
    rollback_blocks = page.locator("ul.deployplan-checklist div.highlight").count()
    health_blocks = page.locator("table.deployplan-health div.highlight").count()
    assert rollback_blocks >= 5 and health_blocks >= 1
    assert buttons.count() >= rollback_blocks + health_blocks
    assert commands.count() >= buttons.count()


@pytest.mark.parametrize("page_name", ["plan", "index"])
@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("width", [1280, 390])
def test_screenshots(visit, screenshots, page_name, scheme, width):
    """Screenshots of a plan page and of the index, light and dark, laptop and phone,
    in example_site/_build/screenshots: look at them when the layout changes."""
    viewport = {"width": width, "height": 900 if width > 600 else 844}
    page = visit(color_scheme=scheme, viewport=viewport).open(
        PLAN_PAGE if page_name == "plan" else "index.html")
    path = screenshots / f"{page_name}-{scheme}-{width}.png"
    page.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 10_000
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert (background != "rgb(255, 255, 255)") == (scheme == "dark")


def test_landing_page_shows_index_matrix_and_flags(visit):
    page = visit().open("index.html")
    assert page.locator("table.deployplan-index tbody tr").count() == 4
    assert page.locator("table.deployplan-matrix tbody tr").count() == 4
    assert page.locator("table.deployplan-flag-report tbody tr").count() >= 4
    page.locator("table.deployplan-matrix tbody tr td:nth-child(2) a").first.click()
    page.wait_for_load_state("networkidle")
    assert "#" in page.url and page.url.split("#")[1].endswith("--check-env-config-access")
