"""Run every check and rule of a plan and apply its waivers."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping
from typing import TYPE_CHECKING

from ..model import Plan
from .record import Context, RuleSettings
from .registry import CHECKS, RULES
from .results import ExpiredWaiver, PlanResults

if TYPE_CHECKING:
    from ..sources import PlanSources


def resolve_today(configured: str | _dt.date | None, environ: Mapping[str, str]) -> _dt.date:
    """The build's "today": the configured ISO date, else SOURCE_DATE_EPOCH (for
    reproducible builds), else the current UTC date.  Raises ValueError for a date or
    an epoch that is none."""
    if isinstance(configured, _dt.date):
        return configured
    if configured:
        return _dt.date.fromisoformat(str(configured))
    epoch = environ.get("SOURCE_DATE_EPOCH")
    if epoch:  # a float, as Sphinx (and Python's time functions) accept it
        return _dt.datetime.fromtimestamp(float(epoch), _dt.UTC).date()
    return _dt.datetime.now(_dt.UTC).date()


def run_checks(plan: Plan, today: _dt.date, settings: RuleSettings | None = None,
               sources: PlanSources | None = None) -> PlanResults:
    """Every check and rule of the plan, with waivers in force applied as of ``today``.
    ``sources``: the deploy files the plan names, read beforehand
    (:func:`sphinx_deployplan.sources.read_plan_sources`); without them ``source-drift``
    is not applicable."""
    context = Context(today, settings or RuleSettings(), sources)
    results = [check.run(plan, context) for check in CHECKS]
    rules = [rule.run(plan, context) for rule in RULES]
    expired = []
    by_id = {r.check: r for r in (*results, *rules)}
    for waiver in plan.waivers or []:
        if waiver.until < today:
            expired.append(ExpiredWaiver(waiver, f"plan {plan.plan!r}: the waiver of check "
                                         f"{waiver.check!r} expired on "
                                         f"{waiver.until.isoformat()} and no longer applies"))
            continue
        result = by_id.get(waiver.check)
        if result is not None and result.status == "unmet":
            result.status = "waived"
            result.waiver = waiver
    return PlanResults(plan.plan, results, expired, rules)
