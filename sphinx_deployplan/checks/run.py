"""Run every check and rule of a plan and apply its waivers."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping
from typing import TYPE_CHECKING

from ..migration_sql import with_file_sql
from ..model import Plan
from ..placeholders import without_placeholders
from .record import Context, RuleSettings
from .registry import CHECKS, RULES
from .results import PlanResults, WaiverNote
from .wording import complete

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
        try:
            return _dt.datetime.fromtimestamp(float(epoch), _dt.UTC).date()
        except (ValueError, OverflowError, OSError):
            raise ValueError(f"SOURCE_DATE_EPOCH must be a number of seconds since "
                             f"1970-01-01, got {epoch!r}") from None
    return _dt.datetime.now(_dt.UTC).date()


def run_checks(plan: Plan, today: _dt.date, settings: RuleSettings | None = None,
               sources: PlanSources | None = None) -> PlanResults:
    """Every check and rule of the plan, with waivers in force applied as of ``today``.
    ``sources``: the deploy files the plan names, read beforehand
    (:func:`sphinx_deployplan.sources.read_plan_sources`); without them ``source-drift``
    is not applicable."""
    context = Context(today, settings or RuleSettings(), sources)
    seen = without_placeholders(plan)  # placeholders count as missing
    if sources is not None:  # the SQL rules read the repository's migration files
        seen = with_file_sql(seen, sources.sql_text)
    results = [check.run(seen, context) for check in CHECKS]
    rules = [rule.run(seen, context) for rule in RULES]
    expired, unused = [], []
    by_id = {r.check: r for r in (*results, *rules)}
    for waiver in complete(seen.waivers):  # a waiver with a placeholder waives nothing
        result = by_id[waiver.check]
        if waiver.until < today:
            expired.append(WaiverNote(waiver, f"plan {plan.plan!r}: the waiver of "
                                      f"{result.kind} {waiver.check!r} expired on "
                                      f"{waiver.until.isoformat()} and no longer applies"))
        elif result.status == "unmet":
            result.status = "waived"
            result.waiver = waiver
        elif result.waiver is None:  # (a second waiver of a waived result is no news)
            state = "met" if result.status == "met" else "not applicable"
            unused.append(WaiverNote(waiver, f"plan {plan.plan!r}: the waiver of "
                                     f"{result.kind} {waiver.check!r} is not used: the "
                                     f"{result.kind} is {state}; remove the waiver"))
    return PlanResults(plan.plan, results, expired, rules, plan.placeholders, unused)

