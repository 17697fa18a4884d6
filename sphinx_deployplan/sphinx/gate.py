"""The end of a build: with ``deployplan_fail_on_unmet``, a plan with an unmet
check (or a rule that ``deployplan_strict_rules`` makes strict), and a plan that
could not be read at all, fail the build, even without ``-W``, after a summary
of what fails.

Everything comes from the domain, which holds the same state after a clean, an
incremental or a ``-j`` build of the same sources (see :mod:`.domain`), so the
summary and the exit status are the same whatever the build.
"""

from __future__ import annotations

from collections.abc import Set
from dataclasses import dataclass

from sphinx.application import Sphinx

from .config import settings
from .domain import DeployPlanDomain, plan_domain
from .warnings import logger


@dataclass(frozen=True)
class Failure:
    """One line of the summary: what fails, where, and why."""

    what: str  # the plan id (or, for a plan that has none, its file)
    docname: str
    reasons: tuple[str, ...]

    def line(self) -> str:
        return f"  {self.what} ({self.docname}): {', '.join(self.reasons)}"


def failures(domain: DeployPlanDomain, strict: Set[str]) -> list[Failure]:
    """What fails the build, in document order: each plan that owns its id and has
    unmet checks (or strict rules), and each plan that could not be read (it has no
    results, so it must never pass)."""
    found = []
    for entry in domain.entries():
        unmet = entry.failing(strict)
        if unmet:
            found.append(Failure(entry.plan_id, entry.docname, tuple(unmet)))
    for bad in domain.unreadable_plans():
        found.append(Failure(bad.what, bad.docname,
                             (f"unreadable ({', '.join(bad.subtypes)})",)))
    return sorted(found, key=lambda f: f.docname)


def fail_on_unmet(app: Sphinx, exception: Exception | None) -> None:
    """``build-finished``: the summary, and exit status 1."""
    config = settings(app.config)
    if exception is not None or not config.fail_on_unmet:
        return
    found = failures(plan_domain(app.env), config.strict_rules)
    if not found:
        return
    logger.error("deployplan: %d plan(s) fail their quality checks or cannot be read "
                 "(deployplan_fail_on_unmet = True):\n%s", len(found),
                 "\n".join(f.line() for f in found))
    app.statuscode = 1
