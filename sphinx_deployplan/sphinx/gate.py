"""The end of a build: a plan whose results fail the build (an unmet check with
``deployplan_fail_on_unmet``, a rule that ``deployplan_strict_rules`` makes
strict, drift from its deploy files with ``deployplan_fail_on_drift``: the
decision is :class:`~sphinx_deployplan.checks.Gate`'s), and, with
``deployplan_fail_on_unmet``, a plan that could not be read at all, fail it,
even without ``-W``, after a summary of what fails.

Everything comes from the domain, which holds the same state after a clean, an
incremental or a ``-j`` build of the same sources (see :mod:`.domain`), so the
summary and the exit status are the same whatever the build.
"""

from __future__ import annotations

from dataclasses import dataclass

from sphinx.application import Sphinx

from ..checks import Gate
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


def failures(domain: DeployPlanDomain, gate: Gate) -> list[Failure]:
    """What fails the build, in document order: each plan that owns its id and has
    results that ``gate`` says fail it (unmet checks, strict rules, drift), and, when
    unmet checks fail the build, each plan that could not be read (it has no results,
    so it must never pass)."""
    found = []
    for entry in domain.entries():
        unmet = entry.failing(gate)
        if unmet:
            found.append(Failure(entry.plan_id, entry.docname, tuple(unmet)))
    for bad in domain.unreadable_plans() if gate.fail_on_unmet else ():
        found.append(Failure(bad.what, bad.docname,
                             (f"unreadable ({', '.join(bad.subtypes)})",)))
    return sorted(found, key=lambda f: f.docname)


def fail_on_unmet(app: Sphinx, exception: Exception | None) -> None:
    """``build-finished``: the summary, and exit status 1."""
    if exception is not None:
        return
    found = failures(plan_domain(app.env), settings(app.config).gate)
    if not found:
        return
    logger.error("deployplan: %d plan(s) fail their quality checks, drift from their deploy "
                 "files or cannot be read (deployplan_fail_on_unmet, "
                 "deployplan_fail_on_drift):\n%s", len(found),
                 "\n".join(f.line() for f in found))
    app.statuscode = 1
