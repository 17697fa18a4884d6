"""Kubernetes' own names and defaults for probes, shared by the deploy-file reader
(:mod:`.sources.workload`), the ``source-drift`` rule and the probes export.
Imports nothing, so any layer may use it."""

from __future__ import annotations

#: A plan's health-check type and the container field that holds its probe.
PROBE_KEYS = {"readiness": "readinessProbe", "liveness": "livenessProbe",
              "startup": "startupProbe"}
#: What Kubernetes uses when a probe leaves ``periodSeconds`` / ``failureThreshold`` out.
DEFAULT_PERIOD_SECONDS = 10
DEFAULT_FAILURE_THRESHOLD = 3
