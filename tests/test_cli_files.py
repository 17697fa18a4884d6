"""What the command line reads and writes: ``-o`` never destroys a file by surprise,
a plan path that is not a regular file is refused at once (through the CLI and
through Sphinx), and ``SOURCE_DATE_EPOCH`` is read as Sphinx reads it."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import strip_colors

from sphinx_deployplan.export.markdown import export as markdown
from sphinx_deployplan.loader import load_plan_file
from sphinx_deployplan.schema import plan_schema

HERE = Path(__file__).parent
COMPLETE = HERE / "plans" / "complete.yaml"
#: A refused plan path must be refused at once; a hang fails the test, not the run.
TIMEOUT = 60


def deployplan(*args: str, cwd: Path | None = None,
               env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "sphinx_deployplan.cli", *args],
                          capture_output=True, text=True, cwd=cwd, timeout=TIMEOUT,
                          env={**os.environ, **(env or {})})


def assert_refused(result: subprocess.CompletedProcess, message: str) -> None:
    """Exit status 2 and one clean line, no traceback."""
    assert result.returncode == 2, result.stderr
    assert result.stderr == f"deployplan: {message}\n"
    assert result.stdout == ""


@pytest.fixture
def plan(tmp_path: Path) -> Path:
    path = tmp_path / "plan.yaml"
    path.write_bytes(COMPLETE.read_bytes())
    return path


# --- -o -----------------------------------------------------------------------------------------


def test_export_never_writes_over_the_plan_it_reads(plan: Path, tmp_path: Path):
    original = plan.read_bytes()
    (tmp_path / "link.yaml").symlink_to(plan)
    os.link(plan, tmp_path / "hard.yaml")
    for target in (plan, tmp_path / "link.yaml", tmp_path / "hard.yaml"):
        for force in ((), ("--force",)):
            result = deployplan("export", "--to", "markdown", str(plan), "-o", str(target),
                                *force)
            assert_refused(result, f"{target} is the plan being read; write to another file")
    assert plan.read_bytes() == original


def test_export_and_schema_keep_an_existing_file_unless_forced(plan: Path, tmp_path: Path):
    out = tmp_path / "runbook.md"
    out.write_text("mine")
    assert_refused(deployplan("export", "--to", "markdown", str(plan), "-o", str(out)),
                   f"{out} exists; use --force to overwrite it")
    assert out.read_text() == "mine"
    forced = deployplan("export", "--to", "markdown", str(plan), "-o", str(out), "--force")
    assert forced.returncode == 0, forced.stderr
    assert out.read_text() == markdown(load_plan_file(plan))

    # the schema command reads no plan, but a plan is an existing file like any other
    original = plan.read_bytes()
    assert_refused(deployplan("schema", "-o", str(plan)),
                   f"{plan} exists; use --force to overwrite it")
    assert plan.read_bytes() == original
    schema = tmp_path / "plan.schema.json"
    assert deployplan("schema", "-o", str(schema)).returncode == 0
    assert json.loads(schema.read_text()) == plan_schema()


@pytest.mark.parametrize("command", [
    ["export", "--to", "gitlab-ci", str(COMPLETE)], ["schema"], ["new", "demo"]])
def test_output_to_a_folder_or_a_missing_folder_is_a_clean_error(command, tmp_path: Path):
    assert_refused(deployplan(*command, "-o", str(tmp_path)),
                   f"{tmp_path} is a folder; give the name of a file to write")
    assert_refused(deployplan(*command, "-o", str(tmp_path), "--force"),
                   f"{tmp_path} is a folder; give the name of a file to write")
    missing = tmp_path / "missing" / "out.txt"
    assert_refused(deployplan(*command, "-o", str(missing)),
                   f"cannot write {missing}: the folder {missing.parent} does not exist")
    assert list(tmp_path.iterdir()) == []


def test_output_that_cannot_be_written_is_a_clean_error(tmp_path: Path):
    if os.geteuid() == 0:
        target = Path("/proc/version")  # refuses writing even to root
    else:
        locked = tmp_path / "locked"
        locked.mkdir(mode=0o500)
        target = locked / "out.json"
    result = deployplan("schema", "-o", str(target), "--force")
    assert result.returncode == 2
    assert result.stderr.startswith(f"deployplan: cannot write {target}: ")
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr


def test_output_to_a_device_is_a_stream(plan: Path):
    """``-o /dev/null`` (or ``/dev/stdout``) is not a file to protect."""
    assert deployplan("export", "--to", "flagd", str(plan), "-o", "/dev/null").returncode == 0
    result = deployplan("schema", "-o", "/dev/stdout")
    assert result.returncode == 0 and json.loads(result.stdout) == plan_schema()


# --- plan paths that are not regular files ----------------------------------------------------


@pytest.fixture
def odd_paths(tmp_path: Path):
    """A named pipe nobody writes to, a folder, a socket and a device, by kind."""
    os.mkfifo(tmp_path / "pipe.yaml")
    (tmp_path / "folder.yaml").mkdir()
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(tmp_path / "socket.yaml"))
    yield {"a named pipe (FIFO)": tmp_path / "pipe.yaml", "a folder": tmp_path / "folder.yaml",
           "a socket": tmp_path / "socket.yaml", "a character device": Path("/dev/zero")}
    server.close()


def test_check_and_export_refuse_a_plan_path_that_is_no_regular_file(odd_paths):
    files = {kind: path for kind, path in odd_paths.items() if kind != "a folder"}
    result = deployplan("check", *map(str, files.values()))  # (a folder is searched)
    assert result.returncode == 1
    assert result.stdout.splitlines() == [
        f"{path}: error: the plan path is {kind}, not a regular file; a plan must be a "
        f"YAML file [deployplan.file]" for kind, path in files.items()]
    for kind, path in odd_paths.items():
        export = deployplan("export", "--to", "markdown", str(path))
        assert export.returncode == 1
        assert f"the plan path is {kind}, not a regular file" in export.stderr


def test_a_sphinx_build_refuses_a_plan_file_that_is_no_regular_file(tmp_path: Path):
    """``:file:`` naming a pipe, a folder or a socket: a located ``deployplan.file``
    warning at the directive, the error box in place of the plan, and the rest of the
    site builds (a pipe used to hang the build)."""
    src = tmp_path / "site"
    src.mkdir()
    os.mkfifo(src / "pipe.yaml")
    (src / "folder.yaml").mkdir()
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(src / "socket.yaml"))
    pages = {"pipe": "a named pipe (FIFO)", "folder": "a folder", "socket": "a socket"}
    (src / "conf.py").write_text('extensions = ["myst_parser", "sphinx_deployplan"]\n'
                                 'exclude_patterns = ["_build"]\n')
    (src / "index.md").write_text("# Plans\n\n```{toctree}\n" + "\n".join(pages) + "\ngood\n```\n")
    for name in pages:
        (src / f"{name}.md").write_text(f"# {name}\n\n```{{deployplan}}\n:file: {name}.yaml\n"
                                        f"```\n\nAfter the plan.\n")
    (src / "good.yaml").write_bytes(COMPLETE.read_bytes())
    (src / "good.md").write_text("# Good\n\n```{deployplan}\n:file: good.yaml\n```\n")
    try:
        result = subprocess.run([sys.executable, "-m", "sphinx", "-b", "html", "-N",
                                 str(src), str(tmp_path / "html")], capture_output=True,
                                text=True, timeout=TIMEOUT * 5)
    finally:
        server.close()
    warnings = strip_colors(result.stderr)
    # the rest of the site builds; the plans that cannot be read fail the gate
    assert result.returncode == 1, warnings
    assert "Traceback" not in warnings
    for name in pages:
        assert f"  {name}.yaml ({name}): unreadable (file)" in warnings
    for name, kind in pages.items():
        assert (f"{src / name}.md:3: WARNING: {src / name}.yaml: the plan path is {kind}, not "
                f"a regular file; a plan must be a YAML file [deployplan.file]") in warnings
        html = (tmp_path / "html" / f"{name}.html").read_text()
        assert "deployplan-error" in html and "After the plan." in html
    assert "Deployment Plan: Complete plan" in (tmp_path / "html" / "good.html").read_text()


# --- SOURCE_DATE_EPOCH --------------------------------------------------------------------------


def test_source_date_epoch_with_a_fraction_is_a_date():
    """1700000000.5 is 2023-11-14 22:13:20.5 UTC, as Sphinx's own dates read it."""
    result = deployplan("check", "--format", "json", str(COMPLETE),
                        env={"SOURCE_DATE_EPOCH": "1700000000.5"})
    assert json.loads(result.stdout)["today"] == "2023-11-14"


@pytest.mark.parametrize("epoch", ["soon", "nan", "1e400"])
def test_a_bad_source_date_epoch_is_named_as_such(epoch: str):
    assert_refused(deployplan("check", str(COMPLETE), env={"SOURCE_DATE_EPOCH": epoch}),
                   f"SOURCE_DATE_EPOCH must be a number of seconds since 1970-01-01, got "
                   f"{epoch!r}")
    # --today wins over the environment
    assert deployplan("check", str(COMPLETE), "--today", "2026-11-27",
                      env={"SOURCE_DATE_EPOCH": epoch}).returncode == 0


def test_sphinx_configuration_accepts_a_fractional_source_date_epoch(tmp_path: Path):
    """The extension's configuration check takes the epoch as a date.  (Sphinx 8.2 to
    9.2 themselves still read it with int() when they correct the copyright year, a
    later handler of the same event: that error, if any, is Sphinx's own, and never
    the extension's old "deployplan_today ... got None".)"""
    src = tmp_path / "site"
    src.mkdir()
    (src / "conf.py").write_text('extensions = ["sphinx_deployplan"]\n')
    (src / "index.rst").write_text("Home\n====\n")
    result = subprocess.run([sys.executable, "-m", "sphinx", "-b", "html", str(src),
                             str(tmp_path / "html")], capture_output=True, text=True,
                            env={**os.environ, "SOURCE_DATE_EPOCH": "1700000000.5"},
                            timeout=TIMEOUT * 5)
    assert "deployplan_today" not in result.stderr and "got None" not in result.stderr
    assert result.returncode == 0 or "correct_copyright_year" in result.stderr, result.stderr
