"""stale-flag: no flag outlives its cleanup date or the policy's maximum age."""

from __future__ import annotations

import datetime as _dt

from ..checks import CheckResult, Finding
from ..items import flag_ref
from ..model import Plan
from . import Rule, RuleSettings


def stale_flag(plan: Plan, today: _dt.date, settings: RuleSettings) -> CheckResult:
    rule = "stale-flag"
    flags = plan.feature_flags
    if not flags:
        return CheckResult(rule, "n/a", note="the plan has no feature flags")
    max_age = plan.flag_policy.max_age if plan.flag_policy else None
    satisfied, failed = [], []
    for flag in flags:
        ref = flag_ref(flag)
        if flag.permanent and flag.type in ("ops", "permission"):
            if flag.review:
                satisfied.append(ref)
            else:
                failed.append(Finding(ref, f"permanent {flag.type} flag {flag.name!r} has no "
                                           f"review cadence (review)"))
            continue
        gaps = []
        if flag.cleanup and flag.cleanup < today:
            gaps.append(f"is past its cleanup date {flag.cleanup.isoformat()} "
                        f"({(today - flag.cleanup).days} days ago)")
        if max_age and flag.created:
            age = (today - flag.created).days
            if age * 86400 > max_age.seconds:
                gaps.append(f"is {age} days old, older than the policy's max_age {max_age}")
        if gaps:
            failed.append(Finding(ref, f"flag {flag.name!r} " + " and ".join(gaps)))
        else:
            satisfied.append(ref)
    return CheckResult(rule, "unmet" if failed else "met", satisfied, failed)


RULES = (Rule("stale-flag", "No flag is past its cleanup date or older than the policy "
              "allows", stale_flag),)
