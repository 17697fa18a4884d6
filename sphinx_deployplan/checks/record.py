"""The record of a check or rule: everything about it, declared once.

Each quality check and each release-engineering rule is one :class:`Check`,
written beside its function.  The runner, the CLI, the Sphinx layer, the JSON
Schema, the documentation and the tests all read these records; nothing else
spells a check's id, title or conditions.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .results import CheckResult, Kind

if TYPE_CHECKING:
    from ..model import Plan
    from ..sources import PlanSources


@dataclass(frozen=True)
class RuleSettings:
    """What a site may tune (Sphinx config ``deployplan_rollback_budget_share`` and
    ``deployplan_sql_dialect``, or the CLI's options)."""

    rollback_budget_share: float = 0.25  # of the SLO's error budget
    sql_dialect: str = "postgres"


@dataclass(frozen=True)
class Context:
    """What a check may depend on besides the plan."""

    today: _dt.date
    settings: RuleSettings = RuleSettings()
    #: The deploy files the plan names, read before the checks run (None: not read).
    sources: PlanSources | None = None


@dataclass(frozen=True)
class Check:
    """One quality check or release-engineering rule."""

    id: str
    kind: Kind
    title: str  # the runbook's wording of a check; a rule's one line on what sound looks like
    met_when: str  # exactly when it is met (and when it does not apply), in Markdown
    example: str  # a YAML fragment that meets it (``$TODAY+N`` for dates relative to today;
    # deploy files it names are in the docs' sample repository, docs/samples/repo)
    waive_when: str  # when a waiver of it is reasonable
    waiver_reason: str  # the reason the documentation's generated waiver gives
    function: Callable[[Plan, Context], CheckResult]
    how: str = ""  # how to meet it, in Markdown, where that is more than met_when says
    upstream: str = ""  # the linters whose rule names its findings carry, if any
    #: The warning subtype of its unmet results, when not its own id (a rule) or
    #: ``check`` (a check); with one, each finding is its own warning.
    subtype: str = ""

    @property
    def warning(self) -> str:
        """The warning subtype its unmet results are reported under."""
        return self.subtype or (self.id if self.kind == "rule" else "check")

    def run(self, plan: Plan, context: Context) -> CheckResult:
        result = self.function(plan, context)
        result.check, result.title, result.kind = self.id, self.title, self.kind
        return result
