"""stale-flag: no flag outlives its cleanup date or the policy's maximum age."""

from __future__ import annotations

from ...items import flag_ref
from ...model import Plan
from ...text import quote
from ..record import Check, Context
from ..results import CheckResult, Finding, not_applicable, verdict
from ..wording import given


def stale_flag(plan: Plan, context: Context) -> CheckResult:
    flags = plan.feature_flags
    if not flags:
        return not_applicable("the plan has no feature flags")
    today = context.today
    policy = plan.flag_policy
    max_age = policy.max_age if policy else None
    satisfied, failed = [], []
    for flag in flags:
        ref = flag_ref(flag)
        if flag.permanent and flag.type in ("ops", "permission"):
            # the policy's review cadence covers every permanent flag without its own
            if flag.review or (policy and policy.review):
                satisfied.append(ref)
            else:
                failed.append(Finding(ref, f"permanent {flag.type} flag {quote(flag.name)} "
                                      f"has no review cadence (review, or flag_policy.review "
                                      f"for every permanent flag)" + given(flag, "review")))
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
            failed.append(Finding(ref, f"flag {quote(flag.name)} " + " and ".join(gaps)))
        else:
            satisfied.append(ref)
    return verdict(satisfied, failed)


RULES = (
    Check(
        id="stale-flag",
        kind="rule",
        title="No flag is past its cleanup date or older than the policy allows",
        met_when="Applies when the plan has feature flags. A permanent `ops` or "
        "`permission` flag needs a `review` cadence, its own or the plan's "
        "`flag_policy.review`. Any other flag is unmet when its "
        "`cleanup` date is before today (`deployplan_today`), or when its age since "
        "`created` is more than `flag_policy.max_age`.",
        example="""\
flag_policy: {max_age: 90d}
feature_flags:
  - {name: search-v2, type: release, owner: search-team, lifecycle: rollout,
     created: $TODAY-25, cleanup: $TODAY+65}
  - {name: search-kill-switch, type: ops, owner: sre, lifecycle: full-release,
     permanent: true, review: quarterly}
""",
        waive_when="Waive it while a flag's removal waits on another team's release, "
        "until that release.",
        waiver_reason="The mobile client still reads the flag until its next release.",
        function=stale_flag,
    ),
)
