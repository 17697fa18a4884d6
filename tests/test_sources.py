"""Plans checked against the repository's real deploy files (rule source-drift).

The deploy files are upstream examples (Argo Rollouts, Flagger, flagd, GitHub's
starter workflows; ``tests/sources/``).  A plan that says what they do is clean; each
single edit of a file (a weight, a pause, a missing environment, a probe path or
period, a flag default, an undocumented flag, a missing analysis metric, a missing
``up_file``...) gives exactly one ``deployplan.drift`` warning naming both sides, in a
real Sphinx build (file and line of the plan) and in ``deployplan check`` (text and
JSON).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from sources_cases import CASES, FILES, TODAY, UPSTREAM, Case, expected, write_case

from sphinx_deployplan.checks import Gate, run_checks
from sphinx_deployplan.loader import DEFAULT_LIMITS, Limits, load_plan
from sphinx_deployplan.sources import read_plan_sources
from sphinx_deployplan.sources.files import SourceFile
from sphinx_deployplan.sources.flags import read_flags
from sphinx_deployplan.sources.rollout import read_rollout
from sphinx_deployplan.sources.tree import json_document
from sphinx_deployplan.sources.workflow import read_workflow
from sphinx_deployplan.sources.workload import read_workload

WARNING = re.compile(r"^(?P<path>.+?):(?P<line>\d+): WARNING: (?P<message>.*) "
                     r"\[(?P<type>[\w.-]+)\]$")
CLI_LINE = re.compile(r"^(?P<path>.+?):(?P<line>\d+): (?P<severity>error|warning): "
                      r"(?P<message>.*) \[deployplan\.(?P<subtype>[\w-]+)\]$")
CONF = ('extensions = ["myst_parser", "sphinx_deployplan"]\n'
        'exclude_patterns = ["_build", "repo", "plans"]\n'
        f'deployplan_today = "{TODAY}"\n')


def upstream(name: str) -> SourceFile:
    path = UPSTREAM / name
    return SourceFile(name, str(path), path.read_text(encoding="utf-8"))


# --- the readers, on the upstream files -------------------------------------------------------


def test_an_argo_canary_reads_as_steps_with_their_pauses():
    facts = read_rollout(upstream("argo-rollouts/rollout-canary.yaml"), DEFAULT_LIMITS)
    assert (facts.tool, facts.kind, facts.name, facts.method) == \
        ("Argo Rollouts", "Rollout", "rollout-canary", "canary")
    assert [(s.percent, s.manual, s.hold_seconds) for s in facts.steps] == \
        [(20, True, None), (40, False, 40), (60, False, 20), (80, False, 20)]
    assert [(s.weight_said, s.weight_line, s.hold_said, s.hold_line) for s in facts.steps[:2]] \
        == [("setWeight: 20", 28, "pause: {}", 31), ("setWeight: 40", 32,
                                                     "pause: {duration: 40s}", 33)]


def test_templates_a_rollout_names_but_does_not_hold_count_by_name():
    facts = read_rollout(upstream("argo-rollouts/rollout-analysis-step.yaml"), DEFAULT_LIMITS)
    assert facts.metrics == {}
    assert facts.templates == {"random-fail": 37, "always-pass": 38}
    both = upstream("argo-rollouts/rollout-canary.yaml")
    templates = upstream("argo-rollouts/analysis-templates.yaml")
    joined = SourceFile("x.yaml", "x.yaml", both.text + templates.text)
    assert list(read_rollout(joined, DEFAULT_LIMITS).metrics) == ["pass", "random-fail"]


def test_an_argo_blue_green_has_no_steps():
    facts = read_rollout(upstream("argo-rollouts/rollout-bluegreen.yaml"), DEFAULT_LIMITS)
    assert (facts.method, facts.method_said, facts.steps) == \
        ("blue-green", "spec.strategy.blueGreen", ())


def test_a_flagger_canary_reads_as_weights_held_for_the_interval():
    facts = read_rollout(upstream("flagger/linkerd-canary-steps.yaml"), DEFAULT_LIMITS)
    assert (facts.tool, facts.method) == ("Flagger", "canary")
    assert [s.percent for s in facts.steps] == list(range(5, 60, 5))
    assert {s.hold_seconds for s in facts.steps} == {15}
    assert facts.thresholds["request-success-rate"].said() == "thresholdRange: {min: 99}"
    stepped = read_rollout(upstream("flagger/istio-canary.yaml"), DEFAULT_LIMITS)
    assert [s.percent for s in stepped.steps] == list(range(5, 55, 5))  # stepWeight up to 50
    assert stepped.steps[-1].weight_said == "stepWeight: 5, maxWeight: 50 (step 10: 50)"


def test_flagd_json_and_yaml_read_alike_with_lines():
    as_json = read_flags(upstream("flagd/example_flags.flagd.json"), DEFAULT_LIMITS)
    as_yaml = read_flags(upstream("flagd/example_flags.yaml"), DEFAULT_LIMITS)
    readings = {key: flag.reading for key, flag in as_json.flags.items()}
    assert readings == {"myBoolFlag": "on", "myStringFlag": "key1", "myFloatFlag": "one",
                        "myIntFlag": "one", "myObjectFlag": "object1", "isColorYellow": "off",
                        "fibAlgo": "recursive", "headerColor": "red"}
    assert {k: f.reading for k, f in as_yaml.flags.items()} == {
        k: v for k, v in readings.items() if k in as_yaml.flags}
    assert (as_json.flags["isColorYellow"].line, as_json.flags["isColorYellow"].default.line) \
        == (48, 54)


def test_json_lines_survive_tabs_crlf_and_escapes():
    text = '{\r\n\t"flags": {\r\n\t\t"a\\/b": {"defaultVariant": "\\u006fn",\r\n' \
           '\t\t\t"variants": {"on": true}}\r\n\t}\r\n}\r\n'
    facts = read_flags(SourceFile("f.json", "f.json", text), DEFAULT_LIMITS)
    assert facts.flags["a/b"].line == 3 and facts.flags["a/b"].reading == "on"
    tree = json_document('[1, 2.5e3, -0, true, null, "x"]', DEFAULT_LIMITS)
    assert [(v.text, v.tag) for v in tree.items] == [
        ("1", "int"), ("2.5e3", "float"), ("-0", "int"), ("true", "bool"), ("null", "null"),
        ("x", "str")]


def test_a_github_workflow_reads_as_jobs_with_environments():
    facts = read_workflow(upstream("starter-workflows/azure-webapps-node.yml"), DEFAULT_LIMITS)
    assert facts.tool == "GitHub Actions"
    [deploy] = facts.deploy_jobs()
    assert (deploy.id, deploy.environment.text, deploy.needs) == \
        ("deploy", "Development", ("build",))
    assert facts.runs_before("build", "deploy") and not facts.runs_before("deploy", "build")
    acme = read_workflow(upstream("acme/deploy.yml"), DEFAULT_LIMITS)
    assert acme.runs_before("deploy-dev", "deploy-production")  # through four jobs


def test_a_gitlab_file_orders_jobs_by_needs_and_stages():
    facts = read_workflow(upstream("acme/gitlab-ci.yml"), DEFAULT_LIMITS)
    assert facts.tool == "GitLab CI"
    assert set(facts.jobs) == {"build", "unit-tests", "deploy-staging", "deploy-production"}
    assert facts.jobs["deploy-production"].manual.text == "manual"
    assert facts.runs_before("unit-tests", "deploy-staging")  # an earlier stage
    assert facts.runs_before("build", "deploy-production")  # needs, then stages
    assert not facts.runs_before("deploy-production", "deploy-staging")


def test_a_workload_gives_the_probes_of_the_service_container():
    facts = read_workload(upstream("acme/deployment.yaml"), DEFAULT_LIMITS, "rollouts-demo")
    assert facts.container == "rollouts-demo"  # not the first container, the log shipper
    ready = facts.probes["readiness"]
    assert (ready.endpoint, ready.period.text, ready.failures.text) == ("/health/ready", "5",
                                                                        "3")
    podinfo = read_workload(upstream("flagger/podinfo-deployment.yaml"), DEFAULT_LIMITS, "x")
    assert podinfo.container == "podinfod"  # no container named like the service: the first
    assert podinfo.probes["liveness"].command == "podcli check http localhost:9898/healthz"


# --- plans against files: the CLI and Sphinx ---------------------------------------------------


def deployplan(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "sphinx_deployplan.cli", *args],
                          capture_output=True, text=True, cwd=cwd)


@pytest.fixture(scope="module")
def repo(tmp_path_factory) -> Path:
    """A site whose root is the sources root: every case's files and plan, a page each."""
    root = tmp_path_factory.mktemp("drift")
    plan_ids = [f"clean-{base}" for base in FILES] + [case.plan_id for case in CASES]
    for base in FILES:
        write_case(root, root / "plans", base, f"clean-{base}")
    for case in CASES:
        write_case(root, root / "plans", case.base, case.plan_id, case)
    for plan_id in plan_ids:
        (root / f"{plan_id}.md").write_text(f"# {plan_id}\n\n```{{deployplan}}\n"
                                            f":file: plans/{plan_id}.yaml\n```\n")
    (root / "conf.py").write_text(CONF)
    (root / "index.md").write_text("# Plans\n\n```{toctree}\n" + "\n".join(plan_ids)
                                   + "\n```\n")
    return root


@pytest.fixture(scope="module")
def built(repo: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "sphinx", "-b", "html", "-E", "-N", str(repo),
                           str(repo / "_build")], capture_output=True, text=True)


@pytest.fixture(scope="module")
def cli_text(repo: Path) -> subprocess.CompletedProcess:
    plans = sorted(str(p.relative_to(repo)) for p in (repo / "plans").glob("*.yaml"))
    return deployplan("check", "--today", TODAY, "--root", ".", *plans, cwd=repo)


@pytest.fixture(scope="module")
def cli_json(repo: Path) -> dict:
    plans = sorted(str(p.relative_to(repo)) for p in (repo / "plans").glob("*.yaml"))
    result = deployplan("check", "--today", TODAY, "--root", ".", "--format", "json", *plans,
                        cwd=repo)
    return {p["plan"]: p for p in json.loads(result.stdout)["plans"]}


def sphinx_warnings(built: subprocess.CompletedProcess, plan: Path) -> list[tuple[int, str, str]]:
    return [(int(m["line"]), m["type"], m["message"])
            for m in map(WARNING.match, built.stderr.splitlines())
            if m and Path(m["path"]) == plan]


def cli_lines(result: subprocess.CompletedProcess, plan_id: str) -> list[tuple[int, str, str]]:
    return [(int(m["line"]), m["subtype"], m["message"])
            for m in map(CLI_LINE.match, result.stdout.splitlines())
            if m and m["path"] == f"plans/{plan_id}.yaml"]


@pytest.mark.parametrize("base", list(FILES))
def test_a_matching_plan_is_clean(repo, built, cli_text, cli_json, base):
    plan_id = f"clean-{base}"
    assert sphinx_warnings(built, repo / "plans" / f"{plan_id}.yaml") == []
    assert cli_lines(cli_text, plan_id) == []
    assert re.search(rf"^plans/{plan_id}\.yaml: plan '{plan_id}': (\d) of \1 applicable "
                     rf"checks met \[ok\]$", cli_text.stdout, re.MULTILINE), cli_text.stdout
    drift = next(r for r in cli_json[plan_id]["rules"] if r["check"] == "source-drift")
    assert drift["result"] == "met"
    matched = [d for d in drift["details"] if d.startswith("matches ")]
    # argo: four files and two migrations (three SQL files); flagger: three files
    assert len(matched) == {"argo": 6, "flagger": 3}[base], matched
    # the runbook names the files it matched, as the evidence of the rule
    page = BeautifulSoup((repo / "_build" / f"{plan_id}.html").read_text(), "html.parser")
    evidence = " ".join(p.get_text(" ", strip=True)
                        for p in page.select("table.deployplan-rules p.deployplan-detail"))
    for name in ("rollout.yaml", "deploy.yml", "deployment.yaml") if base == "argo" else (
            "canary.yaml", "gitlab-ci.yml", "podinfo.yaml"):
        assert f"matches repo/{plan_id}/{name}" in evidence


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_one_edit_is_one_drift_warning_in_sphinx(repo, built, case: Case):
    plan = repo / "plans" / f"{case.plan_id}.yaml"
    line, message = expected(repo, case, plan)
    warnings = sphinx_warnings(built, plan)
    assert [w for w in warnings if w[1] == "deployplan.drift"] == \
        [(line, "deployplan.drift", message)]
    others = [w for w in warnings if w[1] != "deployplan.drift"]
    if case.name == "missing-up-file":
        # the file itself is a located file problem, and a pre-deploy migration whose SQL
        # cannot be read fails destructive-sql (a gate cannot pass what it cannot read)
        [(file_line, subtype, text), sql] = others
        assert (file_line, subtype) == (line, "deployplan.file")
        assert text.endswith(f"{case.plan_id}/db/001_add_col.up.sql does not exist (under "
                             f"the sources root {repo})")
        assert sql[:2] == (line, "deployplan.destructive-sql") and "no up script" in sql[2]
    else:
        assert others == []


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_one_edit_is_one_drift_line_in_the_cli(repo, cli_text, cli_json, case: Case):
    line, message = expected(repo, case, repo / "plans" / f"{case.plan_id}.yaml")
    drift = [entry for entry in cli_lines(cli_text, case.plan_id) if entry[1] == "drift"]
    assert drift == [(line, "drift", message)]
    report = cli_json[case.plan_id]
    result = next(r for r in report["rules"] if r["check"] == "source-drift")
    assert result["result"] == "unmet" and report["ok"] is False
    [finding] = result["failed_by"]
    assert (finding["line"], f"plan '{case.plan_id}': " + finding["message"]) == (line, message)


def test_drift_fails_the_sphinx_build_and_the_cli(built, cli_text):
    assert built.returncode == 1
    assert ("plan(s) fail their quality checks, drift from their deploy files or cannot "
            "be read") in built.stderr
    assert "  case-weight (case-weight): source-drift" in built.stderr
    assert cli_text.returncode == 1
    assert "Traceback" not in built.stderr + cli_text.stderr


def test_drift_shows_in_the_matrix_and_the_index(site):
    case = next(c for c in CASES if c.name == "weight")
    write_case(site.root, site.root / "plans", case.base, case.plan_id, case)
    site.write("conf.py", CONF)
    site.write("plan.md", "# W\n\n```{deployplan}\n:file: plans/case-weight.yaml\n```\n")
    site.write("index.md", "# Plans\n\n```{toctree}\nplan\n```\n\n```{deployplan-index}\n```"
               "\n\n```{deployplan-matrix}\n```\n")
    site.build("html")
    page = BeautifulSoup(site.html("index"), "html.parser")
    matrix = page.select_one("table.deployplan-matrix")
    assert [th.get_text(strip=True) for th in matrix.select("thead th")][-1] == "source-drift"
    cell = matrix.select("tbody tr")[0].select("td")[-1].select_one("a")
    assert cell.get_text(strip=True) in ("unmet", "✗")
    assert cell["href"] == "plan.html#case-weight--rule-source-drift"
    assert page.select("table.deployplan-index tbody tr td")[-1].get_text(strip=True) == "unmet"


def test_drift_need_not_fail_the_build(site):
    """``deployplan_fail_on_drift = False`` (and ``--no-fail-on-drift``): a warning only."""
    case = next(c for c in CASES if c.name == "weight")
    write_case(site.root, site.root / "plans", case.base, case.plan_id, case)
    site.write("conf.py", CONF)
    site.write("index.md", "# W\n\n```{deployplan}\n:file: plans/case-weight.yaml\n```\n")
    app = site.build("html", deployplan_fail_on_drift=False)
    assert "strategy.steps[2].traffic is 40% but" in site.warnings
    assert app.statuscode == 0
    app = site.build("html")
    assert app.statuscode == 1
    plan = str(site.root / "plans" / "case-weight.yaml")
    assert deployplan("check", "--today", TODAY, "--root", ".", plan,
                      cwd=site.root).returncode == 1
    assert deployplan("check", "--today", TODAY, "--root", ".", "--no-fail-on-drift", plan,
                      cwd=site.root).returncode == 0


def test_drift_can_be_waived(tmp_path):
    case = next(c for c in CASES if c.name == "pause")
    plan_path = write_case(tmp_path, tmp_path / "plans", case.base, case.plan_id, case)
    with plan_path.open("a") as plan:
        plan.write("waivers:\n  - {check: source-drift, reason: the Rollout change is in "
                   "review, approved_by: sre-lead, until: 2026-12-31}\n")
    result = deployplan("check", "--today", TODAY, "--root", ".", "--format", "json",
                        str(plan_path), cwd=tmp_path)
    assert result.returncode == 0, result.stdout
    [report] = json.loads(result.stdout)["plans"]
    drift = next(r for r in report["rules"] if r["check"] == "source-drift")
    assert drift["result"] == "waived" and drift["failed_by"]


def test_a_plan_without_sources_does_not_drift():
    plan = load_plan((Path(__file__).parent / "plans" / "complete.yaml").read_text())
    sources = read_plan_sources(plan, "/nonexistent")
    assert sources.files == [] and sources.problems == []
    result = run_checks(plan, __import__("datetime").date(2026, 11, 27), None, sources)
    assert result["source-drift"].status == "n/a"
    assert not Gate().failing((r.check, r.status) for r in result)


def test_the_gate_is_one_decision():
    results = [("env-config-access", "unmet"), ("stale-flag", "unmet"),
               ("source-drift", "unmet"), ("communication", "met"), ("source-drift", "waived")]
    assert Gate().failing(results) == ["env-config-access", "source-drift"]
    assert Gate(fail_on_drift=False).failing(results) == ["env-config-access"]
    assert Gate(fail_on_unmet=False).failing(results) == ["source-drift"]
    assert Gate(strict_rules=frozenset({"stale-flag"})).failing(results) == \
        ["env-config-access", "stale-flag", "source-drift"]


# --- the sources root -----------------------------------------------------------------------


def test_the_default_root_is_the_repository(site):
    """The sources root is the nearest folder upwards holding ``.git``: a docs folder
    inside the repository names files at the repository's root."""
    repo = site.root
    (repo / ".git").mkdir(parents=True)
    write_case(repo, repo / "docs" / "plans", "flagger", "podinfo")
    site.root = repo / "docs"
    site.write("conf.py", CONF)
    site.write("index.md", "# P\n\n```{deployplan}\n:file: plans/podinfo.yaml\n```\n")
    app = site.build("html")
    assert "deployplan" not in site.warnings, site.warnings
    assert app.statuscode == 0
    assert "matches repo/podinfo/canary.yaml" in site.html("index")
    # the CLI finds the same root from the plan's folder
    plan = repo / "docs" / "plans" / "podinfo.yaml"
    assert deployplan("check", "--today", TODAY, str(plan), cwd=repo).returncode == 0


def test_a_configured_root_is_relative_to_conf_py(site):
    write_case(site.root / "elsewhere", site.root / "plans", "flagger", "podinfo")
    site.write("conf.py", CONF + 'deployplan_sources_root = "elsewhere"\n')
    site.write("index.md", "# P\n\n```{deployplan}\n:file: plans/podinfo.yaml\n```\n")
    app = site.build("html")
    assert "deployplan" not in site.warnings and app.statuscode == 0
    plan = site.root / "plans" / "podinfo.yaml"
    assert deployplan("check", "--today", TODAY, "--root", "elsewhere", str(plan),
                      cwd=site.root).returncode == 0
    assert deployplan("check", "--root", "nowhere", str(plan), cwd=site.root).returncode == 2


def test_a_root_that_is_no_folder_stops_the_build(site):
    from sphinx.errors import ConfigError

    site.write("conf.py", CONF + 'deployplan_sources_root = "missing"\n')
    site.write("index.md", "# P\n")
    with pytest.raises(ConfigError, match=r"deployplan_sources_root = 'missing': names .*"
                                          r"missing, which is not a folder"):
        site.build("html")


def test_paths_that_leave_the_root_are_not_read(tmp_path):
    (tmp_path / "outside.yaml").write_text("kind: Rollout\nSECRET: 1\n")
    root = tmp_path / "root"
    (root / "link-dir").mkdir(parents=True)
    (root / "link.yaml").symlink_to(tmp_path / "outside.yaml")
    plan = load_plan("plan: p\ntitle: t\nservice: s\nowner: o\nsources:\n"
                     "  rollout: ../outside.yaml\n"
                     f"  workflow: {tmp_path / 'outside.yaml'}\n"
                     "  workload: link.yaml\n"
                     "  flags: link-dir/../../outside.yaml\n")
    sources = read_plan_sources(plan, root)
    assert [(p.subtype, p.line) for p in sources.problems] == [
        ("file", 6), ("file", 7), ("file", 8), ("file", 9)]
    assert all("leaves the sources root" in p.message for p in sources.problems)
    assert sources.files == []  # nothing outside was opened, nor made a dependency


def test_the_sql_of_an_up_file_is_what_the_rules_read(tmp_path):
    from sphinx_deployplan.checks import run_checks
    from sphinx_deployplan.migration_sql import with_file_sql

    plan_path = write_case(tmp_path, tmp_path / "plans", "argo", "sql")
    plan = load_plan(plan_path.read_text())
    sources = read_plan_sources(plan, tmp_path)
    add, drop = with_file_sql(plan, sources.sql_text).migrations
    assert (add.up, add.down) == ("ALTER TABLE t ADD COLUMN c text NULL;\n",
                                  "ALTER TABLE t DROP COLUMN c;\n")
    assert (drop.up, drop.down) == ("ALTER TABLE t DROP COLUMN old;\n", None)
    today = __import__("datetime").date(2026, 11, 27)
    assert run_checks(plan, today, sources=sources)["destructive-sql"].status == "met"
    # the file now drops a column before the deploy: the rule reads it there
    (tmp_path / plan.migrations[0].up_file).write_text("ALTER TABLE t DROP COLUMN c;\n")
    result = run_checks(plan, today, sources=read_plan_sources(plan, tmp_path))
    assert result["destructive-sql"].status == "unmet"
    assert "drops column t.c [DS103/ban-drop-column]" in result["destructive-sql"].summary
    # not read: no SQL to trust, so nothing is shown safe
    assert with_file_sql(plan, lambda name: None).migrations[0].up is None


def test_up_beside_up_file_is_a_schema_problem():
    from sphinx_deployplan.problems import PlanError

    with pytest.raises(PlanError) as info:
        load_plan("plan: p\ntitle: t\nservice: s\nowner: o\nmigrations:\n"
                  "  - name: m\n    type: expand\n    run: pre-deploy\n"
                  "    up: ALTER TABLE t ADD COLUMN c int NULL\n    up_file: db/m.sql\n"
                  "    down: x\n    down_file: db/m.down.sql\n")
    assert [(p.subtype, p.line, p.message) for p in info.value.problems] == [
        ("schema", 10, "migration 'm' gives both up and up_file; keep one (up_file reads "
                       "the SQL from the repository)"),
        ("schema", 12, "migration 'm' gives both down and down_file; keep one (down_file "
                       "reads the SQL from the repository)")]


def test_hold_manual_is_a_hold():
    plan = load_plan("plan: p\ntitle: t\nservice: s\nowner: o\nstrategy:\n  method: canary\n"
                     "  steps:\n    - {traffic: 10%, hold: manual}\n    - {traffic: 100%}\n")
    hold = plan.strategy.steps[0].hold
    assert (hold.manual, str(hold)) == (True, "manual")
    from sphinx_deployplan.problems import PlanError

    with pytest.raises(PlanError, match="must be a duration, or manual"):
        load_plan("plan: p\ntitle: t\nservice: s\nowner: o\nstrategy:\n  steps:\n"
                  "    - {traffic: 10%, hold: later}\n")


def test_limits_bound_what_a_source_file_may_cost(tmp_path):
    write_case(tmp_path, tmp_path / "plans", "argo", "small")
    plan = load_plan((tmp_path / "plans" / "small.yaml").read_text())
    sources = read_plan_sources(plan, tmp_path, Limits(max_bytes=1000))
    assert any("more than the limit of 1,000 bytes" in p.message for p in sources.problems)


# --- the how-to guides show what the tools print -----------------------------------------------

DOCS = Path(__file__).resolve().parent.parent / "docs"
SAMPLE_REPO = DOCS / "samples" / "repo"


def _blocks(page: str, language: str) -> list[str]:
    text = (DOCS / "howto" / page).read_text(encoding="utf-8")
    return re.findall(rf"^```{language}\n(.*?)^```$", text, re.M | re.S)


def test_the_drift_how_to_shows_what_the_tools_print(tmp_path, site):
    import shutil

    repo = tmp_path / "repo"
    shutil.copytree(SAMPLE_REPO, repo)
    (repo / ".git").mkdir()
    [diff] = _blocks("sources.md", "diff")
    rollout = repo / "deploy" / "checkout-rollout.yaml"
    lines = rollout.read_text(encoding="utf-8").splitlines(keepends=True)
    assert "@@ -13,3 +13,3 @@" in diff and lines[13] == "      - setWeight: 10\n"
    lines[13] = "      - setWeight: 20\n"
    rollout.write_text("".join(lines), encoding="utf-8")

    [console] = [b for b in _blocks("sources.md", "console") if "deployplan check" in b]
    command, *printed = console.splitlines()
    result = deployplan(*command.removeprefix("$ deployplan ").split(), "--today", TODAY,
                        cwd=repo)
    assert result.returncode == 1
    assert result.stdout.splitlines() == printed

    [warning] = [b.strip() for b in _blocks("sources.md", "text") if "WARNING" in b]
    site.root = repo
    site.write("conf.py", CONF + 'deployplan_sources_root = "."\n')
    site.write("index.md", "# C\n\n```{deployplan}\n:file: plans/checkout.yaml\n```\n")
    app = site.build("html")
    assert app.statuscode == 1
    [line] = [w for w in site.warnings.splitlines() if "[deployplan.drift]" in w]
    assert line == str(repo / warning.split(":", 1)[0]) + ":" + warning.split(":", 1)[1]


def test_the_onboarding_draft_is_what_import_writes(tmp_path):
    import shutil

    repo = tmp_path / "repo"
    shutil.copytree(SAMPLE_REPO, repo)
    (repo / ".git").mkdir()
    [console] = [b for b in _blocks("onboard.md", "console") if "deployplan import" in b]
    args = console.replace("\\\n", " ").removeprefix("$ deployplan ").split()
    args[args.index("-o") + 1] = "plans/draft.yaml"
    # the page's workflow path is the sample repository's
    assert (repo / args[args.index("--workflow") + 1]).is_file()
    made = deployplan(*args, cwd=repo)
    assert made.returncode == 0, made.stderr
    assert (repo / "plans" / "draft.yaml").read_text() == \
        (SAMPLE_REPO / "plans" / "checkout-draft.yaml").read_text()
    checked = deployplan("check", "--today", TODAY, "plans/draft.yaml", cwd=repo)
    assert "[deployplan.drift]" not in checked.stdout and checked.returncode == 1


def test_a_placeholder_path_is_no_path():
    """``rollout: TODO`` is a placeholder (its own warning): nothing is read for it."""
    plan = load_plan("plan: p\ntitle: t\nservice: s\nowner: o\nsources:\n  rollout: TODO\n"
                     "migrations:\n  - {name: m, type: expand, run: post-deploy, "
                     "up_file: <file>}\n")
    sources = read_plan_sources(plan, "/nonexistent")
    assert (sources.problems, sources.files) == ([], [])
    assert run_checks(plan, __import__("datetime").date(2026, 11, 27), None,
                      sources)["source-drift"].status == "n/a"
    assert [p.where for p in plan.placeholders] == ["sources.rollout", "migrations[1].up_file"]
