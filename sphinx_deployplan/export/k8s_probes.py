"""Kubernetes probes from the health checks, as a patch for the real workload.

Not a second Deployment: the probes are merged into the workload that runs the
service.  Which one: the workload the plan names under ``sources.workload``
(its kind, name, namespace and container, read with the sources reader when
the file is there), else a Deployment named after the service, in
``runtime.namespace``, whose container has that name too.

* a Deployment, StatefulSet or DaemonSet gets a **strategic-merge patch**: the
  object's ``apiVersion``, ``kind`` and ``metadata`` and, under
  ``spec.template.spec.containers``, the container (merged by its ``name``)
  with its probes, each marked ``$patch: replace`` so it replaces the probe it
  finds whole.  ``kubectl patch <kind> <name> --patch-file <file>`` or a
  kustomization's ``patches:`` apply it;
* an Argo Rollout is a custom resource, which Kubernetes cannot
  strategic-merge: it gets a **JSON patch** (RFC 6902), one ``add`` per probe
  at the container's index in the file (``add`` replaces a probe already
  there): ``kubectl patch rollout <name> --type json --patch-file <file>``;
* a ``readiness``, ``liveness`` or ``startup`` check becomes the container's
  ``readinessProbe``, ``livenessProbe`` or ``startupProbe``;
* an ``endpoint`` starting with ``/`` becomes ``httpGet: {path, port}``, the
  port being ``runtime.port`` (else the container's port named ``http``).
  Otherwise a ``run`` command becomes ``exec: {command: [sh, -c, run]}``.  A
  check with neither an endpoint path nor a command cannot be a probe:
  :class:`ValueError`;
* ``interval`` becomes ``periodSeconds``, ``failure_threshold`` becomes
  ``failureThreshold``; absent values are left to Kubernetes' defaults;
* Kubernetes allows one probe of each kind per container, so two checks of the
  same kind raise :class:`ValueError` (merge them, or type the extra one as smoke
  or synthetic): every probe check of the plan appears exactly once;
* smoke and synthetic checks are not probes: they are named in a comment.

The helpers here (names, image, durations, comments, the YAML dump, the pod
template) are shared with the Argo Rollouts exporter, whose pod template
carries the same probes: names are DNS-1123 labels derived from the service
(else the plan id); the image is ``runtime.image`` (else
``pipeline.artifacts.registry`` when it reads as an image reference, else the
placeholder ``registry.invalid/<name>``, never pulled by accident) with the tag
``${IMAGE_TAG}``, which the deploy step substitutes.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..kubernetes import PROBE_KEYS
from ..model import HealthCheck, Plan
from .common import dump_yaml, header

if TYPE_CHECKING:
    from ..sources import PlanSources

DEFAULT_PORT = 8080
PORT_NAME = "http"
PLACEHOLDER_REGISTRY = "registry.invalid"
NAME_LABEL = "app.kubernetes.io/name"
ANNOTATION_PREFIX = "sphinx-deployplan/"
INT32_MAX = 2**31 - 1
#: What the image tag is until the deploy step substitutes it.
IMAGE_TAG = "${IMAGE_TAG}"
TAG_NOTE = ("The image tag is ${IMAGE_TAG}: substitute it when applying, e.g. "
            "IMAGE_TAG=$(git rev-parse HEAD) envsubst '${IMAGE_TAG}' < FILE | "
            "kubectl apply -f - (the CI exports set IMAGE_TAG).")
#: Workloads a strategic-merge patch applies to (Kubernetes knows their merge keys).
BUILT_IN = {"Deployment": "apps/v1", "StatefulSet": "apps/v1", "DaemonSet": "apps/v1"}

_NOT_LABEL = re.compile(r"[^a-z0-9]+")
_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")
_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
_DOMAIN_PART = r"[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?"
_DOMAIN = rf"{_DOMAIN_PART}(?:\.{_DOMAIN_PART})*(?::[0-9]+)?"
_TAG = r"(?::[\w][\w.-]{0,127})?(?:@sha256:[0-9a-f]{64})?"
_REPOSITORY = rf"(?:{_DOMAIN}/)?{_COMPONENT}(?:/{_COMPONENT})*"
_IMAGE = re.compile(rf"^{_REPOSITORY}{_TAG}$")
_UNTAGGED = re.compile(rf"^{_REPOSITORY}$")
_HOST = re.compile(rf"^{_DOMAIN}$")


# --- shared helpers ---------------------------------------------------------------------------


def dns_label(plan: Plan, suffix: str = "") -> str:
    """A DNS-1123 label (at most 63 characters) from the service, else the plan id."""
    base = _NOT_LABEL.sub("-", plan.service.lower()).strip("-")
    if not base:
        base = _NOT_LABEL.sub("-", plan.plan).strip("-") or "app"
    return base[: 63 - len(suffix)].rstrip("-") + suffix


def _tagged(repository: str) -> str:
    """An image reference: the repository with the ``${IMAGE_TAG}`` tag, unless it
    already names a tag or digest."""
    return f"{repository}:{IMAGE_TAG}" if _UNTAGGED.match(repository) else repository


def image(plan: Plan, name: str) -> tuple[str, list[str]]:
    """The container image and the notes about it, for the header comment."""
    given = (plan.runtime.image or "").strip() if plan.runtime else ""
    if given and _IMAGE.match(given):
        return _tagged(given), [TAG_NOTE] if _UNTAGGED.match(given) else []
    registry = plan.pipeline.artifacts.registry if plan.pipeline and plan.pipeline.artifacts \
        else None
    registry = (registry or "").strip()
    if not given and registry and _IMAGE.match(registry) and "/" in registry:
        return _tagged(registry), [TAG_NOTE] if _UNTAGGED.match(registry) else []
    if not given and registry and _HOST.match(registry) and ("." in registry or ":" in registry):
        return _tagged(f"{registry}/{name}"), [TAG_NOTE]
    placeholder = f"{PLACEHOLDER_REGISTRY}/{name}"
    if given:
        why = f"runtime.image {quote(given)} is not an image reference"
    elif registry:
        why = "the plan gives no runtime.image, and its registry is not an image reference"
    else:
        why = "the plan gives no runtime.image"
    return _tagged(placeholder), [f"{why[:1].upper()}{why[1:]}: replace the placeholder "
                                  f"image {placeholder}.", TAG_NOTE]


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


def dump(plan: Plan, documents: list[Any], notes: list[str]) -> str:
    return header(plan, notes) + dump_yaml(*documents)


def namespace(plan: Plan) -> str | None:
    """``runtime.namespace`` when it is a Kubernetes namespace name (a DNS-1123 label);
    otherwise None, and :func:`namespace_notes` says so."""
    given = plan.runtime.namespace if plan.runtime else None
    return given if given and _LABEL.match(given) else None


def namespace_notes(plan: Plan) -> list[str]:
    given = plan.runtime.namespace if plan.runtime else None
    if given is None or not given.strip() or _LABEL.match(given):
        return []
    return [f"runtime.namespace {quote(given)} is not a Kubernetes namespace name (lower-case "
            f"letters, digits and '-', at most 63): the objects name none."]


def port(plan: Plan) -> int | None:
    """``runtime.port``, a TCP port number."""
    given = plan.runtime.port if plan.runtime else None
    if given is not None and not 1 <= given <= 65535:
        raise ValueError(f"runtime.port {given} is not a port number (1 to 65535)")
    return given


def metadata(plan: Plan, name: str) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name}
    space = namespace(plan)
    if space:
        meta["namespace"] = space
    meta["labels"] = {NAME_LABEL: dns_label(plan)}
    meta["annotations"] = {
        f"{ANNOTATION_PREFIX}plan": plan.plan,
        f"{ANNOTATION_PREFIX}title": plan.title,
        f"{ANNOTATION_PREFIX}owner": plan.owner,
    }
    return meta


def _count(value: int, what: str, check: HealthCheck) -> int:
    if not 1 <= value <= INT32_MAX:
        raise ValueError(f"health check {check.check!r}: {what} must be from 1 to "
                         f"{INT32_MAX} for a Kubernetes probe, not {value}")
    return value


def probe(check: HealthCheck, target: int | str = PORT_NAME) -> dict[str, Any]:
    """One Kubernetes probe from one health check; ``target`` is the port probed."""
    result: dict[str, Any]
    if check.endpoint and check.endpoint.startswith("/"):
        result = {"httpGet": {"path": check.endpoint, "port": target}}
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


def probes(plan: Plan, target: int | str = PORT_NAME,
           ) -> tuple[dict[str, dict[str, Any]], list[HealthCheck]]:
    """The container's probe fields, and the checks that are not probes."""
    by_kind: dict[str, HealthCheck] = {}
    others: list[HealthCheck] = []
    for check in plan.health_checks or []:
        if check.type not in PROBE_KEYS:
            others.append(check)
        elif check.type in by_kind:
            raise ValueError(f"Kubernetes allows one {check.type} probe per container, and "
                             f"the checks {by_kind[check.type].check!r} and {check.check!r} "
                             f"are both {check.type} checks: merge them, or make one a smoke "
                             f"or synthetic check")
        else:
            by_kind[check.type] = check
    fields = {key: probe(by_kind[kind], target) for kind, key in PROBE_KEYS.items()
              if kind in by_kind}
    return fields, others


def pod_template(plan: Plan, name: str) -> tuple[dict[str, Any], list[str]]:
    """A pod template with one container carrying the probes, and notes for the header.
    The container declares ``runtime.port`` (else 8080) as its port ``http``."""
    container_image, notes = image(plan, name)
    notes += namespace_notes(plan)
    fields, _others = probes(plan)
    given = port(plan)
    if given is None:
        notes.append(f"The plan gives no runtime.port: the container port is "
                     f"{DEFAULT_PORT}.")
    container = {
        "name": name,
        "image": container_image,
        "ports": [{"name": PORT_NAME, "containerPort": given or DEFAULT_PORT}],
        **fields,
    }
    template = {"metadata": {"labels": {NAME_LABEL: name}},
                "spec": {"containers": [container]}}
    return template, notes


# --- the exporter -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """The workload the probes are merged into."""

    kind: str
    name: str
    namespace: str | None
    container: str
    index: int  # of the container in the pod template (for a JSON patch)
    source: str | None = None  # the file it was read from


def target(plan: Plan, sources: PlanSources | None = None) -> Target:
    """The workload of ``sources.workload`` when it was read, else the service's."""
    from ..sources.workload import WorkloadFacts

    facts = sources.workload if sources is not None else None
    name = dns_label(plan)
    if isinstance(facts, WorkloadFacts):
        return Target(facts.kind, facts.name or name, facts.namespace or namespace(plan),
                      facts.container or name, facts.container_index, facts.source.name)
    return Target("Deployment", name, namespace(plan), name, 0)


def export(plan: Plan, sources: PlanSources | None = None) -> str:
    workload = target(plan, sources)
    given = port(plan)
    fields, others = probes(plan, given or PORT_NAME)
    notes = [] if workload.source else namespace_notes(plan)
    where = f" (read from {quote(workload.source)})" if workload.source else ""
    # the command names the workload only where its names are plain labels
    shown = workload.name if _LABEL.match(workload.name) else "NAME"
    if workload.namespace:
        shown += f" -n {workload.namespace if _LABEL.match(workload.namespace) else 'NAMESPACE'}"
    kind = workload.kind.lower()
    if workload.kind in BUILT_IN:
        notes.append(f"A strategic-merge patch of the probes of container "
                     f"{quote(workload.container)} of {workload.kind} {quote(workload.name)}"
                     f"{where}: kubectl patch {kind} {shown} --patch-file FILE, or list it "
                     f"under patches: in a kustomization.")
    else:
        notes.append(f"A JSON patch (RFC 6902) of the probes of container "
                     f"{quote(workload.container)} (index {workload.index}) of "
                     f"{workload.kind} {quote(workload.name)}{where}, a custom resource that "
                     f"Kubernetes cannot strategic-merge: kubectl patch {kind} {shown} "
                     f"--type json --patch-file FILE.")
    if given is None and any("httpGet" in p for p in fields.values()):
        notes.append(f"The plan gives no runtime.port: the HTTP probes use the container's "
                     f"port named {PORT_NAME}.")
    if not fields:
        notes.append("The plan has no readiness, liveness or startup checks: the patch sets "
                     "no probe.")
    for check in others:
        notes.append(f"Not a probe, run it from the pipeline: {check.type} check "
                     f"{quote(check.check)}.")
    if workload.kind not in BUILT_IN:
        base = f"/spec/template/spec/containers/{workload.index}"
        ops = [{"op": "add", "path": f"{base}/{key}", "value": value}
               for key, value in fields.items()]
        return dump(plan, [ops], notes)
    meta: dict[str, Any] = {"name": workload.name}
    if workload.namespace:
        meta["namespace"] = workload.namespace
    container = {"name": workload.container,
                 **{key: {"$patch": "replace", **value} for key, value in fields.items()}}
    patch = {
        "apiVersion": BUILT_IN[workload.kind],
        "kind": workload.kind,
        "metadata": meta,
        "spec": {"template": {"spec": {"containers": [container]}}},
    }
    return dump(plan, [patch], notes)
