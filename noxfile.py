"""Sessions: tests, lint, site (the example runbook site).  `nox -l` lists them."""

from __future__ import annotations

import nox

nox.options.default_venv_backend = "venv"
nox.options.reuse_existing_virtualenvs = True
nox.options.sessions = ["tests", "lint", "site"]


@nox.session
def tests(session: nox.Session) -> None:
    """Run the test suite against real Sphinx builds."""
    session.install("-e", ".[test]")
    session.run("pytest", *session.posargs)


@nox.session
def lint(session: nox.Session) -> None:
    """Static checks with ruff."""
    session.install("ruff")
    session.run("ruff", "check", ".")


@nox.session
def site(session: nox.Session) -> None:
    """Build the example runbook site into example_site/_build/html, warnings as errors."""
    session.install("-e", ".")
    session.run("sphinx-build", "-W", "--keep-going", "-b", "html", "example_site",
                "example_site/_build/html", *session.posargs)
