"""The quality checks and release-engineering rules, each declared once.

* :mod:`.results`: what a check says (results, findings, evidence); depends on
  nothing else here;
* :mod:`.record`: the record of a check or rule (id, wording, conditions, example,
  waiver note, function);
* :mod:`.quality` and :mod:`.rules`: the functions and their records;
* :mod:`.registry`: every record, in order; :mod:`.run`: the runner;
* :mod:`.gate`: which results fail the build.

No Sphinx here: the CLI, the Sphinx layer and the docs all read these.
"""

from .gate import Gate
from .record import Check, Context, RuleSettings
from .registry import BY_ID, CHECK_IDS, CHECKS, RULE_IDS, RULES, WAIVABLE_IDS, strict_rule_ids
from .results import (
    CheckResult,
    Finding,
    ParityEvidence,
    PlanResults,
    Status,
    WaiverNote,
)
from .run import resolve_today, run_checks

__all__ = [
    "BY_ID",
    "CHECKS",
    "CHECK_IDS",
    "RULES",
    "RULE_IDS",
    "WAIVABLE_IDS",
    "Check",
    "CheckResult",
    "Context",
    "Finding",
    "Gate",
    "ParityEvidence",
    "PlanResults",
    "RuleSettings",
    "Status",
    "WaiverNote",
    "resolve_today",
    "run_checks",
    "strict_rule_ids",
]
