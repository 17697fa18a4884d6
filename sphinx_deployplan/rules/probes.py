"""probe-sanity: liveness probes restart pods only when a pod is really stuck."""

from __future__ import annotations

import datetime as _dt
import re

from ..checks import CheckResult, Finding
from ..items import health_ref
from ..model import HealthCheck, Plan
from . import Rule, RuleSettings

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


def probe_sanity(plan: Plan, today: _dt.date, settings: RuleSettings) -> CheckResult:
    rule = "probe-sanity"
    checks = plan.health_checks or []
    probes = [c for c in checks if c.type in ("readiness", "liveness", "startup")]
    if not probes:
        return CheckResult(rule, "n/a", note="the plan has no probes")
    readiness = [c for c in probes if c.type == "readiness"]
    satisfied, failed = [], []
    for probe in probes:
        gaps = []
        if probe.failure_threshold is not None and probe.failure_threshold < 1:
            gaps.append("has a failure threshold below 1")
        if probe.type == "liveness":
            window = _window(probe)
            for ready in readiness:
                other = _window(ready)
                if window is not None and other is not None and window <= other:
                    gaps.append(f"gives up after {window}s, no later than readiness "
                                f"{ready.check!r} ({other}s): pods would restart before "
                                f"they are taken out of traffic")
                if probe.endpoint and probe.endpoint == ready.endpoint:
                    gaps.append(f"probes the readiness endpoint {probe.endpoint}: a "
                                f"dependency outage would restart every pod")
            dependencies = _dependencies(probe)
            if dependencies:
                gaps.append(f"checks dependencies ({', '.join(dependencies)}): a "
                            f"dependency outage would restart every pod")
        if gaps:
            failed.append(Finding(health_ref(probe), f"{probe.type} check {probe.check!r} "
                                  + "; ".join(gaps)))
        else:
            satisfied.append(health_ref(probe))
    return CheckResult(rule, "unmet" if failed else "met", satisfied, failed)


RULES = (Rule("probe-sanity", "Liveness is less aggressive than readiness and does not "
              "check dependencies", probe_sanity),)
