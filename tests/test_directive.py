"""The deployplan directive in real Sphinx builds: what a reader and a plan author see."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import yaml
from bs4 import BeautifulSoup
from conftest import strip_colors
from docutils import nodes

from sphinx_deployplan import setup as _setup  # noqa: F401  (the extension under test)

SEED_TABLES = {
    "deployplan-environments": ["Environment", "Purpose", "URL", "Deploy Method", "Approval"],
    "deployplan-flags": ["Flag Name", "Type", "Default", "Rollout Plan", "Cleanup Date"],
    "deployplan-health": ["Check", "Type", "Endpoint/Method", "Interval", "Failure Threshold"],
    "deployplan-migrations": ["Migration", "Type", "Reversible", "Run When", "Dependencies"],
}
SECTION_TITLES = ["Inputs", "Environment Matrix", "Pipeline Diagram", "Deployment Strategy",
                  "Rollback Checklist", "Feature Flag Plan", "Health Checks",
                  "Database Migration Plan", "Communication Plan", "Quality Checks"]


def soup(html: str) -> BeautifulSoup:
    return BeautifulSoup(html, "html.parser")


def headers(table) -> list[str]:
    return [th.get_text(strip=True) for th in table.select("thead th")]


#: The sample's backfill is prose, which destructive-sql rightly refuses (see
#: test_a_prose_migration_in_the_sample_fails_closed); the tests about the runbook use
#: the SQL a team would write instead.
PROSE_BACKFILL = "up: batched UPDATE orders SET status_v2 = status, 10k rows per batch"
SQL_BACKFILL = "up: UPDATE orders SET status_v2 = status WHERE status_v2 IS NULL"


def plan_page(site, shared_plans: Path, name: str, *, page: str = "index") -> None:
    text = (shared_plans / name).read_text(encoding="utf-8")
    site.write(f"plans/{name}", text.replace(PROSE_BACKFILL, SQL_BACKFILL))
    site.write(f"{page}.md", f"# Runbook\n\n```{{deployplan}}\n:file: plans/{name}\n```\n")


# --- MyST and reST ---------------------------------------------------------------------------


def _plan_section(doctree: nodes.document, plan_id: str) -> str:
    [section] = [s for s in doctree.findall(nodes.section) if "deployplan" in s["classes"]]
    need_form = plan_id.upper().replace("-", "_")
    text = section.pformat().replace(plan_id, "PLAN").replace(need_form, "PLAN")
    return re.sub(r'digest="[0-9a-f]+"', 'digest="D"', text)  # the texts differ by the id


@pytest.mark.sphinx("html", testroot="forms")
def test_myst_and_rest_give_the_same_doctree(app):
    app.build()
    assert app.warning.getvalue() == ""
    myst = _plan_section(app.env.get_doctree("plan_md"), "forms-demo-md")
    rest = _plan_section(app.env.get_doctree("plan_rst"), "forms-demo-rst")
    assert myst == rest
    assert "pipeline_diagram" in myst and "checkbox" in myst


@pytest.mark.sphinx("html", testroot="forms")
def test_sections_are_in_the_toc_with_anchors(app):
    app.build()
    page = soup((Path(app.outdir) / "plan_md.html").read_text())
    titles = [h.get_text(strip=True).rstrip("#¶")
              for h in page.select("section.deployplan-part > h3")]
    assert titles == SECTION_TITLES
    toc = app.env.tocs["plan_md"].astext()
    for title in SECTION_TITLES:
        assert title in toc
    assert page.select_one("section#forms-demo-md--rollback")
    assert page.select_one("tr#forms-demo-md--env-prod")


@pytest.mark.sphinx("html", testroot="forms")
def test_user_text_is_escaped(app):
    app.build()
    html = (Path(app.outdir) / "plan_md.html").read_text()
    assert "<script>alert(1)</script>" not in html
    assert "Forms demo &lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert 'href="javascript:' not in html  # a non-http URL stays text


@pytest.mark.sphinx("html", testroot="forms")
def test_extension_is_parallel_safe(app):
    ext = app.extensions["sphinx_deployplan"]
    assert ext.parallel_read_safe is True and ext.parallel_write_safe is True
    assert isinstance(app.registry.get_envversion(app)["sphinx_deployplan"], int)


# --- the shared samples -----------------------------------------------------------------------


@pytest.mark.parametrize("name", ["checkout-v2.yaml", "search-api.yaml"])
def test_shared_samples_build_without_warnings(site, shared_plans, name):
    plan_page(site, shared_plans, name)
    site.build("html")
    assert site.warnings == ""
    page = soup(site.html("index"))
    assert len(page.select("section.deployplan-part")) == len(SECTION_TITLES)
    assert page.select("svg.deployplan-diagram title")


def test_a_prose_migration_in_the_sample_fails_closed(site, shared_plans):
    site.copy(shared_plans / "checkout-v2.yaml", "plans/checkout-v2.yaml")
    site.write("index.md", "# Runbook\n\n```{deployplan}\n:file: plans/checkout-v2.yaml\n```\n")
    site.build("html")
    assert site.warnings == (
        f"{site.root}/plans/checkout-v2.yaml:122: WARNING: plan 'checkout-v2' fails rule "
        f"'destructive-sql' (Migrations that run beside the old version only add): migration "
        f"'backfill-orders-status-v2' runs background but its up is not SQL (it does not start "
        f"with a SQL statement): give the SQL, point up_file at it, or waive "
        f"[deployplan.destructive-sql]\n")


def test_checkout_html_has_the_seed_tables(site, shared_plans):
    plan_page(site, shared_plans, "checkout-v2.yaml")
    site.build("html")
    page = soup(site.html("index"))
    for css, expected in SEED_TABLES.items():
        table = page.select_one(f"table.{css}")
        assert table is not None, css
        assert headers(table) == expected
    flags = page.select_one("table.deployplan-flags")
    release = flags.select_one("tr#checkout-v2--flag-checkout-v2-ui")
    cells = [td.get_text(strip=True) for td in release.select("td")]
    assert cells == ["checkout-v2-ui", "release", "off", "1% → 10% → 100%", "2027-01-15"]
    kill = [td.get_text(strip=True) for td in
            flags.select_one("tr#checkout-v2--flag-checkout-kill-switch").select("td")]
    assert kill[2] == "on" and kill[4] == "permanent (review quarterly)"
    envs = page.select_one("table.deployplan-environments")
    assert [td.get_text(strip=True) for td in envs.select("tbody tr")[2].select("td")][-1] \
        == "Manual"


def test_checkout_rollback_checklist_has_exact_commands(site, shared_plans):
    plan_page(site, shared_plans, "checkout-v2.yaml")
    site.build("html")
    checklist = soup(site.html("index")).select_one("ul.deployplan-checklist")
    items = [li.get_text(" ", strip=True) for li in checklist.select(":scope > li")]
    labels = [text.split(":")[0] for text in items]
    assert labels == ["Trigger"] * 3 + ["Command"] * 2 + ["Verify", "Database"] + ["Notify"] * 2
    commands = [pre.get_text() for pre in checklist.select("pre")]
    assert commands == ["kubectl argo rollouts abort checkout -n shop\n",
                        "kubectl argo rollouts undo checkout -n shop\n",
                        "kubectl argo rollouts status checkout -n shop --timeout 5m\n"]
    assert len(checklist.select("input.deployplan-checkbox")) == 9


def test_checkout_pipeline_diagram(site, shared_plans):
    plan_page(site, shared_plans, "checkout-v2.yaml")
    site.build("html")
    svg = soup(site.html("index")).select_one("svg.deployplan-diagram")
    labels = [t.get_text() for t in svg.select("text.dp-label")]
    assert labels[0] == "commit" and labels[-1] == "smoke-prod"
    assert len(svg.select("polygon.dp-approval")) == 1
    assert len(svg.select("path.dp-edge")) == 9
    assert svg.select_one("desc").get_text().startswith("9 stages after the commit, in order: "
                                                        "build (build), test (test)")
    text = soup(site.html("index")).select_one("details.deployplan-diagram-text pre")
    assert text.get_text().startswith("[commit] -> [build] -> [test] -> [deploy:dev]")


@pytest.mark.parametrize("builder", ["text", "latex", "dirhtml", "singlehtml", "man",
                                     "texinfo"])
def test_other_builders_build_the_samples(site, shared_plans, builder):
    plan_page(site, shared_plans, "checkout-v2.yaml")
    site.copy(shared_plans / "search-api.yaml", "plans/search-api.yaml")
    site.write("search.rst", "Search\n======\n\n.. deployplan::\n   :file: plans/search-api.yaml\n")
    site.write("index.md", site.root.joinpath("index.md").read_text()
               + "\n```{toctree}\nsearch\n```\n")
    site.build(builder)
    assert site.warnings == ""
    if builder == "text":
        text = (Path(site.app.outdir) / "index.txt").read_text()
        assert "[commit] -> [build] -> [test] -> [deploy:dev] -> [deploy:staging]" in text
        assert "[ ] **Command:** Abort the canary" in text
        assert "Flag Name" in text


# --- errors --------------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "line", "message"), [
    ("typo-key.yaml", 6, "unknown key 'enviroments' in the plan (did you mean "
                         "'environments'?) [deployplan.schema]"),
    ("unknown-environment.yaml", 11, "stage 'deploy-prod' deploys to environment 'prod', "
                                     "which the plan does not define (environments: dev) "
                                     "[deployplan.reference]"),
    ("wrong-type.yaml", 8, "rollback.steps must be a list (one entry per line starting with "
                           "'- '), not the text 'kubectl rollout undo deploy/demo' "
                           "[deployplan.schema]"),
])
def test_invalid_samples_warn_once_at_file_and_line(site, shared_plans, name, line, message):
    site.copy(shared_plans / "invalid" / name, f"plans/{name}")
    site.write("index.md", f"# Bad\n\n```{{deployplan}}\n:file: plans/{name}\n```\n\n"
                           "Text after the plan.\n")
    app = site.build("html")
    lines = site.warnings.strip().splitlines()
    plan_id = yaml.safe_load((shared_plans / "invalid" / name).read_text())["plan"]
    assert lines == [f"{site.root / 'plans' / name}:{line}: WARNING: {message}",
                     "ERROR: deployplan: 1 plan(s) fail their quality checks, drift from their "
                     "deploy files or cannot be read (deployplan_fail_on_unmet, "
                     "deployplan_fail_on_drift):",
                     f"  {plan_id} (index): unreadable ({message.rsplit('.', 1)[1][:-1]})"]
    assert app.statuscode == 1
    page = soup(site.html("index"))
    assert page.select_one("div.deployplan-error")
    assert "Text after the plan." in page.get_text()


@pytest.mark.sphinx("html", testroot="errors")
def test_body_errors_are_located_in_the_document(app):
    app.build()
    warnings = app.warning.getvalue()
    src = Path(app.srcdir)
    assert f"{src / 'bad_md.md'}:11: WARNING: environments[1].approval must be one of none, " \
           f"automatic, manual; got 'nope' (did you mean 'none'?) [deployplan.schema]" \
        in warnings
    assert f"{src / 'bad_rst.rst'}:12: WARNING: unknown key 'owne' in the plan (did you " \
           f"mean 'owner'?) [deployplan.schema]" in warnings
    assert f"{src / 'bad_rst.rst'}:7:" not in warnings
    assert f"{src / 'options.md'}:3: WARNING: :sections: names an unknown section " \
           f"'rollbak' (did you mean 'rollback'?)" in warnings
    # the good page beside them still builds in full
    good = soup((Path(app.outdir) / "good.html").read_text())
    assert good.select_one("table.deployplan-environments")
    assert f"{src / 'options.md'}:11: WARNING: the directive has no plan" in warnings
    assert len(re.findall(r"WARNING", warnings)) == 4, warnings


def test_file_outside_the_source_directory_is_refused(site, tmp_path):
    (tmp_path / "secret.yaml").write_text("plan: x\n")
    site.write("index.md", "# Bad\n\n```{deployplan}\n:file: ../secret.yaml\n```\n")
    site.build("html")
    assert "outside the source directory" in site.warnings
    assert "[deployplan.file]" in site.warnings
    assert f"{site.root / 'index.md'}:3:" in site.warnings


def test_symlink_escaping_the_source_directory_is_refused(site, tmp_path):
    (tmp_path / "secret.yaml").write_text("plan: x\n")
    site.root.mkdir(parents=True)
    (site.root / "link.yaml").symlink_to(tmp_path / "secret.yaml")
    site.write("index.md", "# Bad\n\n```{deployplan}\n:file: link.yaml\n```\n")
    site.build("html")
    assert "outside the source directory" in site.warnings


def test_missing_file(site):
    site.write("index.md", "# Bad\n\n```{deployplan}\n:file: nope.yaml\n```\n")
    site.build("html")
    assert "cannot read the plan file: No such file or directory [deployplan.file]" \
        in site.warnings


def test_body_and_file_together(site, shared_plans):
    site.copy(shared_plans / "search-api.yaml", "p.yaml")
    site.write("index.md", "# Bad\n\n```{deployplan}\n:file: p.yaml\n\nplan: x\n```\n")
    site.build("html")
    assert "not both [deployplan.option]" in site.warnings


def test_duplicate_plan_id_across_pages(site, shared_plans):
    site.copy(shared_plans / "search-api.yaml", "p.yaml")
    site.write("index.md", "# A\n\n```{deployplan}\n:file: p.yaml\n```\n\n"
                           "```{toctree}\nother\n```\n")
    site.write("other.md", "# B\n\n```{deployplan}\n:file: p.yaml\n```\n")
    site.build("html")
    assert "plan id 'search-api-blue-green' is already used in document" in site.warnings
    assert "[deployplan.duplicate]" in site.warnings


def test_sections_option_renders_a_subset(site, shared_plans):
    site.write("p.yaml", (shared_plans / "checkout-v2.yaml").read_text()
               .replace(PROSE_BACKFILL, SQL_BACKFILL))
    site.write("index.md", "# A\n\n```{deployplan}\n:file: p.yaml\n"
                           ":sections: environments, feature_flags\n:no-heading:\n```\n")
    site.build("html")
    assert site.warnings == ""
    page = soup(site.html("index"))
    titles = [h.get_text(strip=True).rstrip("#¶")
              for h in page.select("section.deployplan-part h2")]
    assert titles == ["Environment Matrix", "Feature Flag Plan"]
    assert not page.select("section.deployplan")


def test_editing_the_yaml_rebuilds_the_page(site, shared_plans):
    plan_page(site, shared_plans, "search-api.yaml")
    site.build("html")
    assert "Search API 3.1" in site.html("index")
    yaml_file = site.root / "plans" / "search-api.yaml"
    yaml_file.write_text(yaml_file.read_text().replace("Search API 3.1", "Search API 3.2"))
    site.rebuild()
    assert "Search API 3.2" in site.html("index")
    assert site.warnings == ""


# --- downloads -----------------------------------------------------------------------------------


def test_plan_page_offers_its_exports_as_downloads(site, shared_plans):
    plan_page(site, shared_plans, "checkout-v2.yaml")
    site.build("html")
    links = soup(site.html("index")).select("p.deployplan-downloads a")
    names = [a.get_text() for a in links]
    assert names == ["github-actions", "github-environments", "gitlab-ci", "argo-rollouts",
                     "k8s-probes", "flagd", "markdown"]
    for link in links:
        target = Path(site.app.outdir) / link["href"]
        assert target.is_file() and target.stat().st_size > 0, link["href"]
    markdown = Path(site.app.outdir) / "_deployplan/checkout-v2/checkout-v2.runbook.md"
    assert markdown.read_text().startswith("# Deployment Plan: Checkout service v2.4\n\n"
                                           "**Plan** `checkout-v2` for **checkout-service**")


def test_downloads_follow_the_config(site, shared_plans):
    plan_page(site, shared_plans, "checkout-v2.yaml")
    site.build("html", deployplan_exports=["markdown"])
    assert [a.get_text() for a in soup(site.html("index")).select(
        "p.deployplan-downloads a")] == ["markdown"]


def _download_names(site) -> list[str]:
    return [a.get_text() for a in soup(site.html("index")).select("p.deployplan-downloads a")]


def test_changing_the_export_formats_updates_a_built_site(site, shared_plans):
    plan_page(site, shared_plans, "checkout-v2.yaml")
    site.build("html", deployplan_exports=["markdown"])
    site.build("html", fresh=False, deployplan_exports=["flagd", "gitlab-ci"])
    assert _download_names(site) == ["flagd", "gitlab-ci"]
    folder = Path(site.app.outdir) / "_deployplan" / "checkout-v2"
    assert (folder / "checkout-v2.gitlab-ci.yml").is_file()


def test_exports_follow_an_edited_plan_and_come_back_when_deleted(site, shared_plans):
    """The export texts travel with the page's doctree: an edited plan gets new files,
    and files deleted from the output come back on a rebuild that re-reads nothing."""
    yaml_file = site.copy(shared_plans / "checkout-v2.yaml", "plan.yaml")
    site.write("index.md", "# Plans\n\n```{deployplan}\n:file: plan.yaml\n```\n")
    site.build("html")
    runbook = Path(site.app.outdir) / "_deployplan/checkout-v2/checkout-v2.runbook.md"
    yaml_file.write_text(yaml_file.read_text().replace(
        "service: checkout-service", "service: checkout-service-v3"))
    site.rebuild()
    assert "for **checkout-service-v3**" in runbook.read_text()
    shutil.rmtree(runbook.parent)
    (Path(site.app.outdir) / "index.html").unlink()
    before = len(site.app._status.getvalue())
    site.rebuild()
    log = strip_colors(site.app._status.getvalue()[before:])
    assert "0 added, 0 changed, 0 removed" in log and "writing output... [100%] index" in log
    assert "for **checkout-service-v3**" in runbook.read_text()
    assert _download_names(site)[-1] == "markdown"


def test_no_downloads_outside_html(site, shared_plans):
    plan_page(site, shared_plans, "checkout-v2.yaml")
    site.build("text")
    assert "Download as" not in (Path(site.app.outdir) / "index.txt").read_text()
    assert not (Path(site.app.outdir) / "_deployplan").exists()


def test_unknown_export_format_is_a_config_error(site, shared_plans):
    from sphinx.errors import ConfigError

    plan_page(site, shared_plans, "checkout-v2.yaml")
    with pytest.raises(ConfigError, match=r"conf.py: deployplan_exports = \[.helm.\]: "
                       r"names .helm., which is not one of the export formats"):
        site.build("html", deployplan_exports=["helm"])


# --- a plan that cannot be read fails the build ----------------------------------------------


def test_an_unreadable_plan_fails_the_build_and_the_summary_names_it(site, shared_plans):
    site.copy(shared_plans / "invalid" / "typo-key.yaml", "plans/typo.yaml")
    site.write("index.md", "# Runbook\n\n```{deployplan}\n:file: plans/typo.yaml\n```\n\n"
               "```{deployplan}\ntitle: no id, and a key nobody knows\nwhat: x\n```\n")
    app = site.build("html")
    assert app.statuscode == 1
    summary = site.warnings.split("deployplan: ", 1)[1]
    assert summary.startswith("2 plan(s) fail their quality checks, drift from their deploy "
                              "files or cannot be read")
    plan_id = yaml.safe_load((shared_plans / "invalid" / "typo-key.yaml").read_text())["plan"]
    assert f"  {plan_id} (index): unreadable (schema)" in summary
    assert "  the plan at line 7 (index): unreadable (schema)" in summary


def test_an_unreadable_plan_by_file_and_fixed_in_an_incremental_build(site):
    site.write("plans/p.yaml", "plan: p\ntitle: [unclosed\n")
    site.write("index.md", "# Runbook\n\n```{deployplan}\n:file: plans/p.yaml\n```\n")
    assert site.build("html").statuscode == 1
    assert "  p (index): unreadable (yaml)" in site.warnings
    site.write("plans/p.yaml", (Path(__file__).parent / "plans" / "complete.yaml").read_text()
               .replace("plan: complete", "plan: p"))
    assert site.rebuild().statuscode == 0
    assert "cannot be read" not in site.warnings
    site.write("plans/p.yaml", "plan: p\ntitle: [unclosed\n")
    assert site.rebuild().statuscode == 1


def test_unreadable_plans_only_warn_without_fail_on_unmet(site):
    site.write("index.md", "# Runbook\n\n```{deployplan}\nplan: x\n```\n")
    app = site.build("html", deployplan_fail_on_unmet=False)
    assert app.statuscode == 0
    assert "missing the required key 'title'" in site.warnings
