"""Results -> located problems: the one path from check results to what users read.

The Sphinx layer turns each problem into a warning and the CLI prints it; both
only format what :func:`result_problems` decides (which results are reported,
where, in what words and with which severity).  No Sphinx here.
"""

from __future__ import annotations

from collections.abc import Set

from .checks.results import PlanResults
from .problems import Problem, Severity


def result_problems(results: PlanResults, source: str | None, strict: Set[str],
                    ) -> list[Problem]:
    """One problem per placeholder (a warning: the checks it empties say the rest), per
    unmet check (an error), per unmet rule (an error when ``strict``
    names it, else a warning) and per waiver that does nothing (a warning: expired, or
    waiving a result that is met), each at the first
    item that fails it; ``source`` is the plan's file (None for a directive body)."""
    problems = [Problem("placeholder", p.message, p.line, source, "warning")
                for p in results.placeholders]
    for result in results:
        if result.status != "unmet":
            continue
        subtype = result.check if result.is_rule else "check"
        severity: Severity = "error" if not result.is_rule or result.check in strict \
            else "warning"
        problems.append(Problem(subtype, result.sentence(results.plan_id),
                                result.failed_by[0].item.line, source, severity))
    for note in (*results.expired_waivers, *results.unused_waivers):
        problems.append(Problem("waiver", note.message, note.waiver.line, source, "warning"))
    return problems
