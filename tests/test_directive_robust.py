"""One bad plan never stops the site: a bug met on a plan becomes a located
warning and an error box, the plan fails the gate, and every other page builds."""

from __future__ import annotations

from pathlib import Path

from bs4 import BeautifulSoup

import sphinx_deployplan.sphinx.directive as directive

COMPLETE = (Path(__file__).parent / "plans" / "complete.yaml").read_text()


def test_a_bug_on_one_plan_leaves_the_rest_of_the_site(site, monkeypatch):
    real = directive.render_plan

    def render(plan, *args, **kwargs):
        if plan.plan == "boom":
            raise RuntimeError("layout exploded\n::error file=x::forged")
        return real(plan, *args, **kwargs)

    monkeypatch.setattr(directive, "render_plan", render)
    site.write("index.md", "# Plans\n\n```{toctree}\nboom\ngood\n```\n")
    site.write("boom.md", "# Boom\n\n```{deployplan}\n"
               + COMPLETE.replace("plan: complete", "plan: boom") + "```\n\nAfter.\n")
    site.write("good.md", "# Good\n\n```{deployplan}\n" + COMPLETE + "```\n")
    app = site.build("html", deployplan_today="2026-11-27")
    assert app.statuscode == 1
    [line] = [w for w in site.warnings.splitlines() if "[deployplan.internal]" in w]
    assert line == (f"{site.root}/boom.md:3: WARNING: plan 'boom': sphinx-deployplan failed on "
                    f"this plan (RuntimeError: 'layout exploded\\n::error file=x::forged'); "
                    f"please report it with the plan (sphinx-build -vv shows the traceback) "
                    f"[deployplan.internal]")
    assert "  boom (boom): unreadable (internal)" in site.warnings
    boom = BeautifulSoup(site.html("boom"), "html.parser")
    assert boom.select_one("div.deployplan-error") and "After." in boom.get_text()
    good = BeautifulSoup(site.html("good"), "html.parser")
    assert good.select_one("section.deployplan") is not None
