"""The one place that turns located problems into Sphinx warnings.

Every warning has type ``deployplan`` and a subtype from
:data:`sphinx_deployplan.problems.SUBTYPES`, so ``suppress_warnings`` works.
"""

from __future__ import annotations

from sphinx.util import logging

from ..checks import Gate, PlanResults
from ..problems import WARNING_TYPE, Problem
from ..report import result_problems

logger = logging.getLogger("sphinx_deployplan")


def location(problem: Problem, docname: str, offset: int | None) -> str | tuple:
    """Where a problem is: a line of a plan file, a line of the document whose
    directive body holds the plan (``offset`` is the document line just before the
    body's first line), or, for a problem with no line, the line ``offset`` itself
    (the directive's)."""
    if problem.source and problem.line is not None:
        return f"{problem.source}:{problem.line}"
    if problem.source is None and problem.line is not None and offset is not None:
        return (docname, offset + problem.line)
    return (docname, offset)


def message(problem: Problem) -> str:
    """The warning text; a file named without a line is named in the text."""
    if problem.source and problem.line is None:
        return f"{problem.source}: {problem.message}"
    return problem.message


def warn(problem: Problem, docname: str, offset: int | None = None) -> None:
    logger.warning(message(problem), type=WARNING_TYPE, subtype=problem.subtype,
                   location=location(problem, docname, offset))


def warn_file(path: str, line: int | None, subtype: str, text: str) -> None:
    """A warning about a file that is no document (a portal member's needs.json),
    located at its line, or named in the text when the line is not known."""
    if line is None:
        text = f"{path}: {text}"
    logger.warning(Problem(subtype, text).message, type=WARNING_TYPE, subtype=subtype,
                   location=f"{path}:{line}" if line is not None else None)


def report_results(results: PlanResults, source: str | None, docname: str,
                   body_offset: int | None) -> None:
    """A warning for each problem :func:`~sphinx_deployplan.report.result_problems` finds
    (unmet checks and rules, expired waivers).  Sphinx has no severities: an unmet
    check fails the build through ``deployplan_fail_on_unmet``, not through its warning."""
    for problem in result_problems(results, source, Gate()):
        warn(problem, docname, body_offset)
