"""Results -> located problems: the one path from check results to what users read.

The Sphinx layer turns each problem into a warning and the CLI prints it; both
only format what :func:`result_problems` decides (which results are reported,
where, in what words and with which severity).  No Sphinx here.
"""

from __future__ import annotations

from collections.abc import Set

from .checks.gate import Gate
from .checks.registry import BY_ID
from .checks.results import PlanResults
from .problems import Problem, Severity
from .text import quote


def result_problems(results: PlanResults, source: str | None, gate: Gate | Set[str],
                    ) -> list[Problem]:
    """One problem per placeholder (a warning: the checks it empties say the rest), per
    unmet check or rule, and per waiver that does nothing (a warning: expired, or
    waiving a result that is met), each at the first item that fails it; a rule with a
    subtype of its own (``source-drift``: ``drift``) gives one problem per finding, each
    at its item.  A result's problem is an error when ``gate`` says it fails the build,
    else a warning (a set of rule ids is the gate of those strict rules).  ``source`` is
    the plan's file (None for a directive body)."""
    if not isinstance(gate, Gate):
        gate = Gate(strict_rules=frozenset(gate))
    problems = [Problem("placeholder", p.message, p.line, source, "warning")
                for p in results.placeholders]
    for result in results:
        if result.status != "unmet":
            continue
        record = BY_ID[result.check]
        severity: Severity = "error" if gate.fails(result.check, result.status) \
            else "warning"
        if record.subtype:
            problems.extend(Problem(record.warning, f"plan {quote(results.plan_id)}: "
                                    f"{finding.message}", finding.item.line, source, severity)
                            for finding in result.failed_by)
            continue
        problems.append(Problem(record.warning, result.sentence(results.plan_id),
                                result.failed_by[0].item.line, source, severity))
    for note in (*results.expired_waivers, *results.unused_waivers):
        problems.append(Problem("waiver", note.message, note.waiver.line, source, "warning"))
    return problems
