"""The environment-parity table stays the size of the plan: N lower environments
without configuration and a production with N keys no longer make N x N cells.
Built through Sphinx; the Markdown export shows the same rows."""

from __future__ import annotations

from pathlib import Path

from bs4 import BeautifulSoup

HEAD = """plan: {id}
title: Parity
service: svc
owner: team
environments:
"""


def parity_plan(plan_id: str, n: int, *, partial: int = 0) -> str:
    """``n`` lower environments (the first ``partial`` with some keys, the rest with
    none), then production with ``n`` keys; the pipeline deploys them in order."""
    envs = []
    for i in range(n):
        config = ""
        if i < partial:
            config = ", config: {" + ", ".join(f"k{j}: v" for j in range(0, n, 2)) + "}"
        envs.append(f"  - {{name: env{i}, purpose: p, deploy: d, approval: none{config}}}\n")
    keys = ", ".join(f"k{j}: v" for j in range(n))
    envs.append(f"  - {{name: prod, purpose: live, deploy: d, approval: manual, "
                f"config: {{{keys}}}}}\n")
    stages = "".join(f"    - {{id: d{i}, kind: deploy, environment: env{i}}}\n"
                     for i in range(n))
    stages += "    - {id: dprod, kind: deploy, environment: prod}\n"
    return HEAD.format(id=plan_id) + "".join(envs) + "pipeline:\n  stages:\n" + stages


def _build(site, plans: dict[str, str]):
    site.write("conf.py", 'extensions = ["myst_parser", "sphinx_deployplan"]\n'
               'exclude_patterns = ["_build"]\ndeployplan_fail_on_unmet = False\n'
               'deployplan_needs = False\ndeployplan_exports = ["markdown"]\n'
               'deployplan_today = "2026-11-27"\n')
    site.write("index.md", "# Plans\n\n```{toctree}\n" + "\n".join(plans) + "\n```\n")
    for name, text in plans.items():
        site.write(f"{name}.md", f"# {name}\n\n```{{deployplan}}\n{text}```\n")
    return site.build("html")


def _drift(site, name: str):
    page = BeautifulSoup(site.html(name), "html.parser")
    return page.select_one("table.deployplan-drift")


def test_many_environments_without_config_fold_into_one_row(site):
    app = _build(site, {"wide": parity_plan("wide", 200, partial=2)})
    table = _drift(site, "wide")
    rows = [" ".join(td.get_text("").split()) for td in
            table.select("tbody tr td:nth-child(1)")]
    cells = [" ".join(td.get_text("").split()) for td in
             table.select("tbody tr td:nth-child(2)")]
    assert [th.get_text(strip=True) for th in table.select("th")] == \
        ["Environments", "Missing keys"]
    assert rows == ["env0", "env1", "env2 .. env199 (198 environments)"]
    assert cells[0].startswith("unmet k1, k3, k5") and cells[0].endswith("and 92 more")
    assert cells[2] == "unmet all 200 keys"
    export = (Path(app.outdir) / "_deployplan" / "wide" / "wide.runbook.md").read_text()
    assert "| `env2` .. `env199` (198 environments) | unmet all 200 keys |" in export


def test_a_small_plan_keeps_the_matrix(site):
    _build(site, {"small": parity_plan("small", 3, partial=1)})
    table = _drift(site, "small")
    assert [th.get_text(strip=True) for th in table.select("th")] == \
        ["Key", "env0", "env1", "env2", "prod"]
    assert len(table.select("tbody tr")) == 3


def test_runs_of_complete_environments_fold_too(site):
    text = parity_plan("complete-runs", 30).replace("approval: none}", "approval: none, "
                                                    "config: {" + ", ".join(
                                                        f"k{j}: v" for j in range(30)) + "}}")
    _build(site, {"runs": text})
    rows = [" ".join(tr.get_text(" ", strip=True).split())
            for tr in _drift(site, "runs").select("tbody tr")]
    assert rows == ["env0 .. env29 (30 environments) none"]


def test_the_page_grows_linearly_with_environments_and_keys(site):
    """Doubling environments and keys doubles the page, not quadruples it."""
    _build(site, {"p100": parity_plan("p100", 100), "p200": parity_plan("p200", 200)})
    small = len(site.html("p100"))
    large = len(site.html("p200"))
    assert large < 2.6 * small, (small, large)
    assert len(_drift(site, "p200").select("tbody tr")) == 1
