"""Sessions: tests, lint, site (the example runbook site).  `nox -l` lists them."""

from __future__ import annotations

import nox

nox.options.default_venv_backend = "venv"
nox.options.reuse_existing_virtualenvs = True
nox.options.sessions = ["tests", "lint", "site", "docs"]


@nox.session
def tests(session: nox.Session) -> None:
    """Run the test suite against real Sphinx builds."""
    session.install("-e", ".[test]")
    session.run("pytest", *session.posargs)


@nox.session
def lint(session: nox.Session) -> None:
    """Static checks: ruff on everything, mypy on the package (config in pyproject.toml).

    The postgres extra is installed so that the pglast code is checked against pglast's
    own types."""
    session.install("ruff", "mypy", "types-PyYAML", "types-docutils", "-e", ".[postgres]")
    session.run("ruff", "check", ".")
    session.run("mypy", "sphinx_deployplan")


@nox.session
def site(session: nox.Session) -> None:
    """Build the example runbook site into example_site/_build/html, warnings as errors."""
    session.install("-e", ".[site]")
    session.run("sphinx-build", "-W", "--keep-going", "-b", "html", "example_site",
                "example_site/_build/html", *session.posargs)


@nox.session
def docs(session: nox.Session) -> None:
    """Build the documentation into docs/_build/html, warnings as errors.

    The reference pages are generated from the package's code (docs/_ext), and every
    plan shown in the docs is loaded and checked during the build.
    """
    session.install("-e", ".[site]")
    session.run("sphinx-build", "-W", "--keep-going", "-b", "html", "docs",
                "docs/_build/html", *session.posargs)


@nox.session
def portal(session: nox.Session) -> None:
    """Build the example portal: two member sites first, then the portal that lists
    their plans from their needs.json (example_portal/portal/_build/html)."""
    session.install("-e", ".[site]")
    for source in ("example_site", "example_portal/members/search", "example_portal/portal"):
        session.run("sphinx-build", "-W", "--keep-going", "-q", "-b", "html", source,
                    f"{source}/_build/html")


@nox.session
def browser(session: nox.Session) -> None:
    """Build the example site, then test it in Chromium with Playwright: layout at
    1280 and 390 px, accessibility with axe-core, the checklist, search, copy buttons.

    Needs Debian's Chromium at /usr/bin/chromium (apt-get install chromium); the
    tests fail without it. Screenshots go to example_site/_build/screenshots.
    """
    session.install("-e", ".[site,browser]")
    session.run("sphinx-build", "-W", "--keep-going", "-q", "-b", "html", "example_site",
                "example_site/_build/html")
    session.run("pytest", "-p", "no:cacheprovider", "tests_browser", *session.posargs)
    session.log("screenshots: example_site/_build/screenshots")


@nox.session
def serve(session: nox.Session) -> None:
    """Live preview of the example site: rebuilds and reloads when a page or plan changes.

    Another site: `nox -s serve -- path/to/docs`.
    """
    session.install("-e", ".[site]", "sphinx-autobuild")
    source = session.posargs[0] if session.posargs else "example_site"
    session.run("sphinx-autobuild", "--watch", "sphinx_deployplan", source,
                f"{source}/_build/html", *session.posargs[1:])


@nox.session
def bench(session: nox.Session) -> None:
    """Build-speed benchmark: generated sites of N plans; times, ratios, peak RSS.

    nox -s bench (N = 10 and 200) | nox -s bench -- --n 1000 | nox -s bench -- 10 200 1000
    Not in the default sessions: it takes about 20 minutes. See bench/README.md.
    """
    session.install(".")
    session.run("python", "bench/run.py", *session.posargs)
