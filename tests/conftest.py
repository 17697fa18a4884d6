"""Shared fixtures: real Sphinx builds of fixture sites, the format's sample plans and
the schemas exports are validated against (all inside tests/: nothing is skipped)."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

pytest_plugins = ("sphinx.testing.fixtures",)

HERE = Path(__file__).resolve().parent
SITES = HERE / "sites"
CONF = 'extensions = ["myst_parser", "sphinx_deployplan"]\nexclude_patterns = ["_build"]\n'


@pytest.fixture(scope="session")
def rootdir() -> Path:
    """Where sphinx.testing finds ``@pytest.mark.sphinx(testroot=...)`` sites."""
    return SITES


@pytest.fixture
def shared_plans() -> Path:
    """The plan format's sample plans (tests/samples)."""
    return HERE / "samples"


@pytest.fixture
def shared_schemas() -> Path:
    """Third-party schemas for validating exports (tests/schemas)."""
    return HERE / "schemas"


class Site:
    """A Sphinx project written into a temporary folder, built for real."""

    def __init__(self, root: Path, make_app: Callable) -> None:
        self.root = root
        self.make_app = make_app
        self.app = None

    def write(self, name: str, text: str) -> Path:
        path = self.root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return path

    def copy(self, source: Path, name: str) -> Path:
        target = self.root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
        return target

    def build(self, buildername: str = "html", *, fresh: bool = True, **overrides):
        if not (self.root / "conf.py").exists():
            self.write("conf.py", CONF)
        self.app = self.make_app(buildername, srcdir=self.root, freshenv=fresh,
                                 confoverrides=overrides or None)
        self.app.build()
        return self.app

    def rebuild(self):
        """An incremental build with the same application, as a second sphinx-build
        without -E would do."""
        self.app.warning.seek(0)
        self.app.warning.truncate()
        self.app.build()
        return self.app

    @property
    def warnings(self) -> str:
        return strip_colors(self.app.warning.getvalue())

    def html(self, docname: str) -> str:
        return (Path(self.app.outdir) / f"{docname}.html").read_text(encoding="utf-8")


def strip_colors(text: str) -> str:
    import re

    return re.sub(r"\x1b\[[0-9;]*m", "", text)


@pytest.fixture
def site(tmp_path: Path, make_app: Callable) -> Site:
    return Site(tmp_path / "site", make_app)
