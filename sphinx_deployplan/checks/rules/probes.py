"""probe-sanity: liveness probes restart pods only when a pod is really stuck."""

from __future__ import annotations

import re

from ...items import health_ref
from ...model import HealthCheck, Plan
from ...text import quote
from ..record import Check, Context
from ..results import CheckResult, Finding, not_applicable, verdict
from ..wording import complete

#: Words that mark a check of something outside the process.
DEPENDENCY_WORDS = frozenset({
    "database", "databases", "db", "cache", "redis", "memcached", "kafka", "queue", "queues",
    "rabbitmq", "postgres", "postgresql", "mysql", "mongo", "mongodb", "elasticsearch", "s3",
    "upstream", "upstreams", "downstream", "dependency", "dependencies", "deps",
})


def _dependencies(check: HealthCheck) -> list[str]:
    """The dependencies a check names, in its verifies list or its endpoint path."""
    named = [v for v in check.verifies or []
             if DEPENDENCY_WORDS & set(re.findall(r"[a-z0-9]+", v.lower()))]
    path_words = set(re.findall(r"[a-z0-9]+", (check.endpoint or "").lower()))
    named += sorted(DEPENDENCY_WORDS & path_words)
    return named


def _window(check: HealthCheck) -> int | None:
    """How long a probe tolerates failure: period x failure threshold, in seconds."""
    if check.interval is None or check.failure_threshold is None:
        return None
    return check.interval.seconds * check.failure_threshold


def probe_sanity(plan: Plan, context: Context) -> CheckResult:
    checks = complete(plan.health_checks)
    probes = [c for c in checks if c.type in ("readiness", "liveness", "startup")]
    if not probes:
        return not_applicable("the plan has no probes")
    readiness = [c for c in probes if c.type == "readiness"]
    # the readiness check that waits longest, and every readiness endpoint: each
    # liveness probe is compared with these once (linear in the probes)
    slowest = max(((w, c) for c in readiness if (w := _window(c)) is not None),
                  key=lambda pair: pair[0], default=None)
    ready_endpoints = {c.endpoint for c in readiness if c.endpoint}
    satisfied, failed = [], []
    for probe in probes:
        gaps = []
        if probe.failure_threshold is not None and probe.failure_threshold < 1:
            gaps.append("has a failure threshold below 1")
        if probe.type == "liveness":
            window = _window(probe)
            if window is not None and slowest is not None and window <= slowest[0]:
                gaps.append(f"gives up after {window}s, no later than readiness "
                            f"{quote(slowest[1].check)} ({slowest[0]}s): pods would restart "
                            f"before they are taken out of traffic")
            if probe.endpoint in ready_endpoints:
                gaps.append(f"probes the readiness endpoint {quote(probe.endpoint)}: a "
                            f"dependency outage would restart every pod")
            dependencies = _dependencies(probe)
            if dependencies:
                gaps.append(f"checks dependencies ({', '.join(map(quote, dependencies))}): a "
                            f"dependency outage would restart every pod")
        if gaps:
            failed.append(Finding(health_ref(probe), f"{probe.type} check {quote(probe.check)} "
                                  + "; ".join(gaps)))
        else:
            satisfied.append(health_ref(probe))
    return verdict(satisfied, failed)


RULES = (
    Check(
        id="probe-sanity",
        kind="rule",
        title="Liveness is less aggressive than readiness and does not check dependencies",
        met_when="Applies when the plan has `readiness`, `liveness` or `startup` checks. "
        "Unmet when a probe's `failure_threshold` is below 1, or when a liveness check "
        "gives up (`interval` x `failure_threshold`) no later than a readiness check, "
        "probes the same endpoint as a readiness check, or names a dependency (database, "
        "cache, queue and the like) in `verifies` or in its endpoint.",
        example="""\
health_checks:
  - {check: Readiness, type: readiness, endpoint: /health/ready, interval: 5s,
     failure_threshold: 3, verifies: [database]}
  - {check: Liveness, type: liveness, endpoint: /health/live, interval: 10s,
     failure_threshold: 5}
""",
        waive_when="Waive it while a legacy service can only expose one health endpoint, "
        "until it gets a separate liveness endpoint.",
        waiver_reason="The legacy server has a single status page until the port lands.",
        function=probe_sanity,
    ),
)
