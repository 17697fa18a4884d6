"""Accessibility of the runbook site, checked with axe-core (bundled with
axe-playwright-python, so nothing is fetched): no serious or critical violation on
the index, on every plan page and on the search page, in light and dark mode; the
rollback checklist works with the keyboard; the pipeline picture has a title, a
description and a text alternative listing the stages in order."""

from __future__ import annotations

import pytest

PAGES = ["index.html", "plans/fraud-scoring.html", "plans/ledger-api.html",
         "plans/notification-dispatcher.html", "plans/rewards-redemption.html",
         "search.html?q=rollback"]


def _serious(page) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [f"{v['impact']} {v['id']}: {v['help']} at "
            f"{[n['target'] for n in v['nodes']][:3]}"
            for v in results.response["violations"] if v["impact"] in ("serious", "critical")]


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("path", PAGES)
def test_no_serious_or_critical_violation(visit, path, scheme):
    page = visit(color_scheme=scheme, viewport={"width": 1280, "height": 900}).open(path)
    if path.startswith("search"):
        page.wait_for_selector("#search-results ul.search li", timeout=15000)
    assert _serious(page) == []


def test_no_violation_on_a_phone(visit):
    page = visit(viewport={"width": 390, "height": 844}).open("plans/ledger-api.html")
    assert _serious(page) == []


def test_the_checklist_works_with_the_keyboard(visit):
    page = visit().open("plans/fraud-scoring.html")
    first = page.locator("ul.deployplan-checklist input.deployplan-checkbox").first
    first.focus()
    page.keyboard.press("Space")
    assert first.is_checked()
    page.keyboard.press("Tab")
    second = page.locator("ul.deployplan-checklist input.deployplan-checkbox").nth(1)
    assert second.evaluate("b => b === document.activeElement")
    page.keyboard.press("Space")
    assert second.is_checked()
    # each box is named by the words of its line
    name = first.evaluate("b => b.labels[0].textContent.trim()")
    assert name.startswith("Trigger:")
    reset = page.get_by_role("button", name="Untick every item of this rollback checklist")
    reset.focus()
    page.keyboard.press("Enter")
    assert not first.is_checked() and not second.is_checked()


def test_the_diagram_has_a_title_a_description_and_a_text_alternative(visit):
    page = visit().open("plans/ledger-api.html")
    svg = page.locator(".deployplan-diagram-wrap svg:visible").first
    assert svg.get_attribute("role") == "img"
    labelled = svg.get_attribute("aria-labelledby").split()
    title = page.locator(f"[id='{labelled[0]}']").text_content()
    desc = page.locator(f"[id='{labelled[1]}']").text_content()
    assert title == "Pipeline of plan ledger-api-5-4"
    stages = ["build", "test", "deploy-dev", "verify-dev", "deploy-staging", "verify-staging",
              "approve-prod", "deploy-prod", "verify-prod"]
    positions = [desc.index(f"{s} (") for s in stages]
    assert positions == sorted(positions), desc
    text = page.locator("details.deployplan-diagram-text pre").first.text_content()
    assert text.startswith("[commit] -> [build] -> [test] -> [deploy:dev]")


def test_badges_keep_aa_contrast(visit):
    """Every badge's text against its own background, in light and dark mode."""
    for scheme in ("light", "dark"):
        page = visit(color_scheme=scheme).open("index.html")
        ratios = page.evaluate("""() => {
          const rgb = s => s.match(/[\\d.]+/g).map(Number);
          const lum = ([r, g, b]) => [r, g, b].map(v => { v /= 255;
              return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; })
              .reduce((a, v, i) => a + v * [0.2126, 0.7152, 0.0722][i], 0);
          const over = (top, bottom) => { const a = top[3] ?? 1;
              return [0, 1, 2].map(i => top[i] * a + bottom[i] * (1 - a)); };
          const ground = el => { for (let e = el.parentElement; e; e = e.parentElement) {
              const c = rgb(getComputedStyle(e).backgroundColor);
              if ((c[3] ?? 1) > 0) return c; } return [255, 255, 255]; };
          return [...document.querySelectorAll('.deployplan-badge')].map(b => {
            const s = getComputedStyle(b);
            const back = over(rgb(s.backgroundColor), ground(b));
            const fore = over(rgb(s.color), back);
            const [l1, l2] = [lum(fore), lum(back)].sort((x, y) => y - x);
            return (l1 + 0.05) / (l2 + 0.05);
          });
        }""")
        assert ratios and min(ratios) >= 4.5, (scheme, min(ratios))
