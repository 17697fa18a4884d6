"""deployplan_fast_exit: the heap is frozen at exit, so the interpreter's last
collection skips it; only at exit, and only when the option is on."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest
from conftest import SITES

#: Appended to the site's conf.py.  It runs before the extension's config-inited
#: handler registers, so (atexit is last in, first out) this runs after it.
REPORT_AT_EXIT = """
import atexit, gc, pathlib
atexit.register(lambda: pathlib.Path({path!r}).write_text(str(gc.get_freeze_count())))
"""


@pytest.mark.parametrize(("option", "frozen"), [((), True),
                                                (("-D", "deployplan_fast_exit=0"), False)])
def test_the_heap_is_frozen_at_exit_only_when_asked(tmp_path, option, frozen):
    src = tmp_path / "src"
    shutil.copytree(SITES / "test-forms", src)
    report = tmp_path / "frozen-at-exit.txt"
    with (src / "conf.py").open("a", encoding="utf-8") as conf:
        conf.write(REPORT_AT_EXIT.format(path=str(report)))
    result = subprocess.run([sys.executable, "-m", "sphinx", "-b", "html", "-q", *option,
                             str(src), str(tmp_path / "out")], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "out" / "index.html").is_file()
    count = int(report.read_text())
    # the whole heap of the build is many thousands of objects
    assert (count > 10_000) if frozen else (count == 0), count


def test_building_in_process_leaves_the_collector_alone(tmp_path, make_app):
    """sphinx.testing builds run inside pytest: nothing is frozen while it lives."""
    import gc

    src = tmp_path / "src"
    shutil.copytree(SITES / "test-forms", src)
    before = gc.get_freeze_count()
    app = make_app("html", srcdir=src)
    app.build()
    assert gc.get_freeze_count() == before
    assert gc.isenabled()
