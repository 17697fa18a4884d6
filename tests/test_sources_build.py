"""Deploy files are dependencies of their plan's page: editing one rebuilds the page
and the aggregate views, and the result equals a clean build; ``-j 2`` equals a serial
build.  Real builds (``python -m sphinx``) of sites made by ``bench/generate.py
--sources``, compared file by file with the helpers of ``test_build_equivalence``.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from test_build_equivalence import (
    _READ,
    PARALLEL_PLANS,
    assert_same_output,
    generate,
    sphinx,
    status,
)


def build(src: Path, out: Path, *args: str) -> subprocess.CompletedProcess:
    """A build that may warn and fail (drift does both)."""
    return subprocess.run(
        [sys.executable, "-m", "sphinx", "-b", "html", "-N", "-d", str(out / "doctrees"),
         *args, str(src), str(out / "html")], capture_output=True, text=True)


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, (path, old)
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_editing_a_deploy_file_rebuilds_its_page_as_a_clean_build_would(tmp_path):
    gen = generate.generate(6, tmp_path / "gen", baseline=False, plans=False, sources=True)
    canary = next(p for p in gen.pages if p.method == "canary")
    rollout = gen.site / canary.plan["sources"]["rollout"]
    incremental = tmp_path / "incremental"
    sphinx(gen.site, incremental)

    # an extra analysis metric is no drift (it only gates more), but the runbook's
    # evidence names it: the page must show it without the plan being touched
    _edit(rollout, "  metrics:\n", "  metrics:\n  - name: extra_gate\n    provider:\n"
                                   "      prometheus: {query: up}\n")
    rebuilt = sphinx(gen.site, incremental)
    assert sorted(status(_READ, rebuilt.stdout)) == sorted(["index", canary.docname])
    page = (incremental / "html" / f"{canary.docname}.html").read_text(encoding="utf-8")
    assert "extra_gate" in page
    sphinx(gen.site, tmp_path / "clean", "-E")
    assert_same_output(tmp_path / "clean" / "html", incremental / "html",
                       "incremental vs clean build, after editing a Rollout")

    # then a weight that drifts: the page reports it, the build fails, as a clean one does
    weight = re.search(r"setWeight: \d+\n", rollout.read_text(encoding="utf-8"))[0]
    _edit(rollout, weight, "setWeight: 33\n")
    rebuilt = build(gen.site, incremental)
    assert rebuilt.returncode == 1
    assert sorted(status(_READ, rebuilt.stdout)) == sorted(["index", canary.docname])
    drift = [line for line in rebuilt.stderr.splitlines() if "[deployplan.drift]" in line]
    assert len(drift) == 1 and "sets setWeight: 33" in drift[0], drift
    clean = build(gen.site, tmp_path / "clean-again", "-E")
    assert clean.returncode == 1 and [line for line in clean.stderr.splitlines()
                                      if "[deployplan.drift]" in line] == drift
    # (the drift replaces the evidence that named extra_gate: Sphinx's incremental
    # search index keeps a word no page has any more, with no documents; not compared)
    assert_same_output(tmp_path / "clean-again" / "html", incremental / "html",
                       "incremental vs clean build, after a drifting edit",
                       exact=("objects.inv",))

    # a file that disappears is a located problem; putting it back heals the page
    text = rollout.read_text(encoding="utf-8")
    rollout.unlink()
    gone = build(gen.site, incremental)
    assert canary.docname in status(_READ, gone.stdout)
    assert "does not exist" in gone.stderr and "[deployplan.file]" in gone.stderr
    rollout.write_text(text.replace("setWeight: 33\n", weight), encoding="utf-8")
    back = build(gen.site, incremental)
    assert back.returncode == 0 and "WARNING" not in back.stderr, back.stderr[-2000:]


def test_a_parallel_build_with_sources_equals_a_serial_one(tmp_path):
    gen = generate.generate(PARALLEL_PLANS, tmp_path / "gen", baseline=False, plans=False,
                            sources=True)
    serial, parallel = tmp_path / "serial", tmp_path / "parallel"
    sphinx(gen.site, serial, "-E")
    log = sphinx(gen.site, parallel, "-E", "-j", "2")
    assert any(" .. " in chunk for chunk in status(_READ, log.stdout)), \
        "Sphinx did not read in parallel chunks"
    page = next(iter(sorted((parallel / "html" / "plans").glob("*.html"))))
    assert "matches deploy/" in page.read_text(encoding="utf-8")
    assert_same_output(serial / "html", parallel / "html", "-j 2 vs serial build, with sources")


def test_editing_a_migration_file_updates_the_page_and_its_downloads(site):
    complete = (Path(__file__).parent / "plans" / "complete.yaml").read_text()
    plan = complete.replace(
        "up: ALTER TABLE t ADD COLUMN c text NULL, down: ALTER TABLE t DROP COLUMN c}",
        "up_file: db/add-col.up.sql, down: ALTER TABLE t DROP COLUMN c}")
    assert plan != complete
    site.write("db/add-col.up.sql", "ALTER TABLE t ADD COLUMN c text NULL;\n")
    site.write("plans/p.yaml", plan)
    site.write("conf.py", 'extensions = ["myst_parser", "sphinx_deployplan"]\n'
               'exclude_patterns = ["_build"]\ndeployplan_sources_root = "."\n')
    site.write("index.md", "# P\n\n```{deployplan}\n:file: plans/p.yaml\n```\n")
    site.build("html", deployplan_today="2026-11-27")
    runbook = Path(site.app.outdir) / "_deployplan" / "complete" / "complete.runbook.md"
    assert "ADD COLUMN c text NULL;" in site.html("index") and \
        "ADD COLUMN c text NULL;" in runbook.read_text()
    site.write("db/add-col.up.sql", "ALTER TABLE t ADD COLUMN c varchar(40) NULL;\n")
    site.rebuild()
    assert "ADD COLUMN c varchar(40) NULL;" in site.html("index")
    assert "ADD COLUMN c varchar(40) NULL;" in runbook.read_text()
