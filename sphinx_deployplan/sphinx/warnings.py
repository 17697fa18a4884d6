"""The one place that turns located problems into Sphinx warnings.

Every warning has type ``deployplan`` and a subtype from
:data:`sphinx_deployplan.problems.SUBTYPES`, so ``suppress_warnings`` works.
"""

from __future__ import annotations

from sphinx.util import logging

from ..checks import PlanResults
from ..model import Plan
from ..problems import WARNING_TYPE, Problem
from ..rules import rule_title

logger = logging.getLogger("sphinx_deployplan")


def location(problem: Problem, docname: str, body_offset: int | None) -> str | tuple:
    """Where a problem is: a line of a plan file, or a line of the document whose
    directive body holds the plan (``body_offset`` is the document line just
    before the body's first line)."""
    if problem.source:
        return f"{problem.source}:{problem.line}" if problem.line else problem.source
    if problem.line is not None and body_offset is not None:
        return (docname, body_offset + problem.line)
    return (docname, body_offset)


def warn(problem: Problem, docname: str, body_offset: int | None = None) -> None:
    logger.warning(problem.message, type=WARNING_TYPE, subtype=problem.subtype,
                   location=location(problem, docname, body_offset))


def report_results(plan: Plan, results: PlanResults, docname: str,
                   body_offset: int | None) -> None:
    """One ``deployplan.check`` warning per unmet check, at its first failing item, one
    ``deployplan.<rule id>`` warning per unmet rule, and one ``deployplan.waiver``
    warning per expired waiver."""
    for result in results.unmet:
        first = result.failed_by[0].item
        warn(Problem("check", f"plan {plan.plan!r} fails check {result.check!r} "
                     f"({result.title}): {result.summary}", first.line, plan.source),
             docname, body_offset)
    for result in results.rules:
        if result.status == "unmet":
            first = result.failed_by[0].item
            warn(Problem(result.check, f"plan {plan.plan!r} fails rule {result.check!r} "
                         f"({rule_title(result.check)}): {result.summary}", first.line,
                         plan.source), docname, body_offset)
    for expired in results.expired_waivers:
        warn(Problem("waiver", expired.message, expired.waiver.line, plan.source),
             docname, body_offset)
