"""Hostile and broken deploy files: a located ``deployplan.file`` problem each, bounded
cost, nothing constructed or executed, no traceback; the plan still renders.

The corpus is ``tests/corpus/sources/`` (one bad file each); inputs too big to keep
or that depend on the machine (a 50 MB file, a file over the size limit, a FIFO, a
folder) are made at test time.  Each goes through the reader directly, one real
Sphinx build (every file named by a plan of its own page) and one ``deployplan
check``.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from sphinx_deployplan.loader import load_plan
from sphinx_deployplan.sources import read_plan_sources

CORPUS = Path(__file__).resolve().parent / "corpus" / "sources"
WARNING = re.compile(r"^(?P<path>.+?):(?P<line>\d+): WARNING: (?P<message>.*) "
                     r"\[(?P<type>[\w.-]+)\]$")


@dataclass(frozen=True)
class Bad:
    key: str  # the sources key that names it
    line: int | None  # of the problem in the file; None: at the plan's line
    says: str  # a fragment of the message


CASES: dict[str, Bad] = {
    "deep.yaml": Bad("rollout", 3, "is nested too deeply to read"),
    "deep.json": Bad("flags", 1, "is nested too deeply to read"),
    "deep-block.yaml": Bad("workload", 67, "is nested too deeply to read"),
    "alias-bomb.yaml": Bad("rollout", 2, "has more than 50,000 values (YAML aliases expand "
                                        "to copies); refusing to read it"),
    "merge-bomb.yaml": Bad("rollout", 2, "has more than 50,000 values"),
    "non-utf8.yaml": Bad("rollout", 3, "is not UTF-8 text (byte 0xe9 at offset 35); save it "
                                       "as UTF-8"),
    "binary.json": Bad("flags", 2, "is binary, not text (it contains NUL bytes)"),
    "control-character.yaml": Bad("rollout", 3, "contains a control character (U+0007)"),
    "python-tag.yaml": Bad("rollout", 3, "uses the YAML tag 'tag:yaml.org,2002:python/object/"
                                         "apply:os.system', which is not allowed"),
    "wrong-kind.yaml": Bad("rollout", 1, "holds no Argo Rollout (kind: Rollout) or Flagger "
                                         "Canary (kind: Canary) (it holds 'ConfigMap', "
                                         "'Service')"),
    "not-a-workflow.yml": Bad("workflow", 1, "is not a GitHub Actions workflow or a GitLab CI "
                                             "file"),
    "bad-json.json": Bad("flags", 3, "is not valid JSON: expected a key in double quotes"),
    "yaml-syntax.yaml": Bad("workload", 4, "is not valid YAML: while parsing a flow sequence"),
    "workload-ref.yaml": Bad("workload", 9, "takes its pod template from workloadRef 'web'"),
    # made at test time
    "fifty-megabytes.yaml": Bad("rollout", None, "is 50,000,000 bytes, more than the limit "
                                                 "of 2,000,000 bytes (deployplan_max_bytes)"),
    "over-limit.json": Bad("flags", None, "more than the limit of 2,000,000 bytes"),
    "fifo.yaml": Bad("workload", None, "is not a regular file (a pipe, a socket or a device)"),
    "folder.yml": Bad("workflow", None, "is a folder, not a file"),
    "missing.yaml": Bad("rollout", None, "does not exist"),
}


def make_corpus(root: Path) -> None:
    """The corpus files into ``root``, and those made at test time."""
    root.mkdir(parents=True, exist_ok=True)
    for path in CORPUS.iterdir():
        (root / path.name).write_bytes(path.read_bytes())
    with (root / "fifty-megabytes.yaml").open("wb") as stream:  # sparse: no disk used
        stream.write(b"kind: Rollout\n")
        stream.truncate(50_000_000)
    (root / "over-limit.json").write_text('{"flags": {"a": "' + "x" * 2_100_000 + '"}}')
    os.mkfifo(root / "fifo.yaml")  # opening it for reading must not wait for a writer
    (root / "folder.yml").mkdir()


def plan_text(plan_id: str, name: str, bad: Bad) -> str:
    return (f"plan: {plan_id}\ntitle: T\nservice: web\nowner: o\nsources:\n"
            f"  {bad.key}: corpus/{name}\n")


PLAN_LINE = 6  # the line of the sources key in plan_text


def plan_id(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("hostile-sources")
    make_corpus(root / "corpus")
    return root


@pytest.mark.parametrize("name", CASES)
def test_the_reader_gives_one_located_problem(corpus, name):
    bad = CASES[name]
    plan = load_plan(plan_text(plan_id(name), name, bad))
    sources = read_plan_sources(plan, corpus)
    [problem] = sources.problems
    assert problem.subtype == "file" and bad.says in problem.message, problem.message
    if bad.line is None:  # at the plan's line, naming the file
        assert (problem.source, problem.line) == (None, PLAN_LINE)
        assert f"sources.{bad.key}: corpus/{name} " in problem.message
    else:  # in the file, at its line
        assert (problem.source, problem.line) == (os.path.join(corpus, "corpus", name),
                                                  bad.line)
        assert problem.message.startswith(f"corpus/{name} ")
    assert len(problem.message) < 500
    assert not (Path.cwd() / "pwned").exists()


@pytest.fixture(scope="module")
def built(corpus) -> subprocess.CompletedProcess:
    (corpus / "plans").mkdir()
    pages = []
    for name, bad in CASES.items():
        pid = plan_id(name)
        (corpus / "plans" / f"{pid}.yaml").write_text(plan_text(pid, name, bad))
        (corpus / f"{pid}.md").write_text(f"# {name}\n\nBefore.\n\n```{{deployplan}}\n"
                                          f":file: plans/{pid}.yaml\n```\n\nAfter the plan.\n")
        pages.append(pid)
    (corpus / "conf.py").write_text(
        'extensions = ["myst_parser", "sphinx_deployplan"]\n'
        'exclude_patterns = ["_build", "corpus", "plans"]\n'
        "deployplan_fail_on_unmet = False\n")
    (corpus / "index.md").write_text("# Corpus\n\n```{toctree}\n" + "\n".join(pages) + "\n```\n")
    return subprocess.run([sys.executable, "-m", "sphinx", "-b", "html", "-E", "-N",
                           str(corpus), str(corpus / "_build")], capture_output=True, text=True,
                          timeout=600)


def test_the_site_builds_without_a_traceback(built):
    assert "Traceback" not in built.stderr + built.stdout
    assert "Exception occurred" not in built.stderr
    assert built.returncode == 1  # every plan drifts: none could be compared
    assert not list(Path.cwd().glob("pwned*"))


@pytest.mark.parametrize("name", CASES)
def test_each_file_is_a_located_warning_and_the_page_renders(corpus, built, name):
    bad = CASES[name]
    pid = plan_id(name)
    plan = corpus / "plans" / f"{pid}.yaml"
    where = (str(corpus / "corpus" / name), bad.line) if bad.line else (str(plan), PLAN_LINE)
    found = [(m["path"], int(m["line"]), m["type"], m["message"])
             for m in map(WARNING.match, built.stderr.splitlines()) if m]
    files = [w for w in found if w[2] == "deployplan.file" and f"plan '{pid}'" in w[3]]
    assert [(path, line) for path, line, _, _ in files] == [where]
    assert bad.says in files[0][3]
    drift = [w for w in found if w[2] == "deployplan.drift" and f"plan '{pid}'" in w[3]]
    assert [(path, line) for path, line, _, _ in drift] == [(str(plan), PLAN_LINE)]
    assert drift[0][3].endswith("nothing was compared with it")
    html = (corpus / "_build" / f"{pid}.html").read_text(encoding="utf-8")
    assert "After the plan." in html and "deployplan-error" not in html


def test_deployplan_check_reports_each_and_fails(corpus):
    plans = sorted((corpus / "plans").glob("*.yaml"))
    if not plans:  # the site fixture writes them; make them here when run alone
        (corpus / "plans").mkdir(exist_ok=True)
        for name, bad in CASES.items():
            (corpus / "plans" / f"{plan_id(name)}.yaml").write_text(
                plan_text(plan_id(name), name, bad))
        plans = sorted((corpus / "plans").glob("*.yaml"))
    result = subprocess.run([sys.executable, "-m", "sphinx_deployplan.cli", "check",
                             "--root", str(corpus), *map(str, plans)], capture_output=True,
                            text=True, timeout=600)
    assert result.returncode == 1
    assert "Traceback" not in result.stdout + result.stderr
    lines = [line for line in result.stdout.splitlines() if line.endswith("[deployplan.file]")]
    assert len(lines) == len(CASES)
    for name, bad in CASES.items():
        if bad.line is not None:
            assert any(line.startswith(f"{corpus / 'corpus' / name}:{bad.line}: error: ")
                       for line in lines), name
