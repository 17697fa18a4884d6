"""Kubernetes probes from the health checks: a ``Deployment`` whose one container
carries a readiness, liveness and startup probe.

A Deployment (rather than a loose probe snippet) so the output validates as a
whole Kubernetes object and can be merged into a real manifest.  Choices:

* a ``readiness``, ``liveness`` or ``startup`` check becomes the container's
  ``readinessProbe``, ``livenessProbe`` or ``startupProbe``;
* an ``endpoint`` starting with ``/`` becomes ``httpGet: {path, port: http}``;
  the container declares the named port ``http`` as :data:`HTTP_PORT` (8080):
  change the ``containerPort`` and every probe follows.  Otherwise a ``run``
  command becomes ``exec: {command: [sh, -c, run]}``.  A check with neither an
  endpoint path nor a command cannot be a probe: :class:`ValueError`;
* ``interval`` becomes ``periodSeconds``, ``failure_threshold`` becomes
  ``failureThreshold``; absent values are left to Kubernetes' defaults;
* Kubernetes allows one probe of each kind per container, so two checks of the
  same kind raise :class:`ValueError` (merge them, or type the extra one as smoke
  or synthetic): every probe check of the plan appears exactly once;
* smoke and synthetic checks are not probes: they are named in a comment;
* names are DNS-1123 labels derived from the service (else the plan id); the
  image is ``pipeline.artifacts.registry`` when it reads as an image reference,
  else the placeholder ``registry.invalid/<name>`` (never pulled by accident);
  no tag is added: the deploy tooling sets it.

The helpers here (names, image, durations, comments, the YAML dump) are shared
with the Argo Rollouts exporter, whose pod template carries the same probes.
"""

from __future__ import annotations

import json
import re
from typing import Any

from ..model import HealthCheck, Plan
from .common import dump_yaml, header

HTTP_PORT = 8080
PORT_NAME = "http"
PLACEHOLDER_REGISTRY = "registry.invalid"
NAME_LABEL = "app.kubernetes.io/name"
ANNOTATION_PREFIX = "sphinx-deployplan/"
INT32_MAX = 2**31 - 1
PROBES = (("readiness", "readinessProbe"), ("liveness", "livenessProbe"),
          ("startup", "startupProbe"))

_NOT_LABEL = re.compile(r"[^a-z0-9]+")
_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
_DOMAIN_PART = r"[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?"
_DOMAIN = rf"{_DOMAIN_PART}(?:\.{_DOMAIN_PART})*(?::[0-9]+)?"
_IMAGE = re.compile(rf"^(?:{_DOMAIN}/)?{_COMPONENT}(?:/{_COMPONENT})*"
                    rf"(?::[\w][\w.-]{{0,127}})?(?:@sha256:[0-9a-f]{{64}})?$")
_HOST = re.compile(rf"^{_DOMAIN}$")


# --- shared helpers ---------------------------------------------------------------------------


def dns_label(plan: Plan, suffix: str = "") -> str:
    """A DNS-1123 label (at most 63 characters) from the service, else the plan id."""
    base = _NOT_LABEL.sub("-", plan.service.lower()).strip("-")
    if not base:
        base = _NOT_LABEL.sub("-", plan.plan).strip("-") or "app"
    return base[: 63 - len(suffix)].rstrip("-") + suffix


def image(plan: Plan, name: str) -> tuple[str, list[str]]:
    """The container image and any note about it, for the header comment."""
    registry = plan.pipeline.artifacts.registry if plan.pipeline and plan.pipeline.artifacts \
        else None
    registry = (registry or "").strip()
    if registry and _IMAGE.match(registry) and "/" in registry:
        return registry, []
    if registry and _HOST.match(registry) and ("." in registry or ":" in registry):
        return f"{registry}/{name}", []
    placeholder = f"{PLACEHOLDER_REGISTRY}/{name}"
    why = ("names no container registry" if not registry
           else "has a registry that is not an image reference")
    return placeholder, [f"The plan {why}: replace the placeholder image {placeholder}."]


def go_duration(seconds: int) -> str:
    """Seconds as a Go duration (``15m``, ``1h30m``, ``0s``), as Argo Rollouts reads them."""
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    text = "".join(f"{n}{unit}" for n, unit in ((hours, "h"), (minutes, "m"), (secs, "s"))
                   if n)
    return text or "0s"


def quote(text: str) -> str:
    """User text for a comment: one line of printable ASCII, JSON-quoted."""
    return json.dumps(text, ensure_ascii=True).replace("\x7f", "\\u007f")


def dump(plan: Plan, documents: list[dict[str, Any]], notes: list[str]) -> str:
    return header(plan, notes) + dump_yaml(*documents)


def metadata(plan: Plan, name: str) -> dict[str, Any]:
    return {
        "name": name,
        "labels": {NAME_LABEL: dns_label(plan)},
        "annotations": {
            f"{ANNOTATION_PREFIX}plan": plan.plan,
            f"{ANNOTATION_PREFIX}title": plan.title,
            f"{ANNOTATION_PREFIX}owner": plan.owner,
        },
    }


def _count(value: int, what: str, check: HealthCheck) -> int:
    if not 1 <= value <= INT32_MAX:
        raise ValueError(f"health check {check.check!r}: {what} must be from 1 to "
                         f"{INT32_MAX} for a Kubernetes probe, not {value}")
    return value


def probe(check: HealthCheck) -> dict[str, Any]:
    """One Kubernetes probe from one health check."""
    result: dict[str, Any]
    if check.endpoint and check.endpoint.startswith("/"):
        result = {"httpGet": {"path": check.endpoint, "port": PORT_NAME}}
    elif check.run:
        result = {"exec": {"command": ["sh", "-c", check.run]}}
    else:
        raise ValueError(f"{check.type} check {check.check!r} has endpoint "
                         f"{check.endpoint!r}: a Kubernetes probe needs a path on the "
                         f"container starting with '/', or a run command")
    if check.interval is not None:
        result["periodSeconds"] = _count(check.interval.seconds, "interval", check)
    if check.failure_threshold is not None:
        result["failureThreshold"] = _count(check.failure_threshold, "failure_threshold",
                                            check)
    return result


def probes(plan: Plan) -> tuple[dict[str, dict[str, Any]], list[HealthCheck]]:
    """The container's probe fields, and the checks that are not probes."""
    by_kind: dict[str, HealthCheck] = {}
    others: list[HealthCheck] = []
    for check in plan.health_checks or []:
        if check.type not in dict(PROBES):
            others.append(check)
        elif check.type in by_kind:
            raise ValueError(f"Kubernetes allows one {check.type} probe per container, and "
                             f"the checks {by_kind[check.type].check!r} and {check.check!r} "
                             f"are both {check.type} checks: merge them, or make one a smoke "
                             f"or synthetic check")
        else:
            by_kind[check.type] = check
    fields = {key: probe(by_kind[kind]) for kind, key in PROBES if kind in by_kind}
    return fields, others


def pod_template(plan: Plan, name: str) -> tuple[dict[str, Any], list[str]]:
    """A pod template with one container carrying the probes, and notes for the header."""
    container_image, notes = image(plan, name)
    fields, _others = probes(plan)
    container = {
        "name": name,
        "image": container_image,
        "ports": [{"name": PORT_NAME, "containerPort": HTTP_PORT}],
        **fields,
    }
    template = {"metadata": {"labels": {NAME_LABEL: name}},
                "spec": {"containers": [container]}}
    return template, notes


# --- the exporter -----------------------------------------------------------------------------


def export(plan: Plan) -> str:
    name = dns_label(plan)
    template, notes = pod_template(plan, name)
    fields, others = probes(plan)
    if not fields:
        notes.append("The plan has no readiness, liveness or startup checks: the container "
                     "has no probes.")
    for check in others:
        notes.append(f"Not a probe, run it from the pipeline: {check.type} check "
                     f"{quote(check.check)}.")
    deployment = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": metadata(plan, name),
        "spec": {"selector": {"matchLabels": {NAME_LABEL: name}}, "template": template},
    }
    return dump(plan, [deployment], notes)
