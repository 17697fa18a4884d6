"""A Kubernetes workload (Deployment, StatefulSet, DaemonSet, or an Argo Rollout with
its own pod template), read as the plan's probes: the readiness, liveness and
startup probes of the container named like the service, else of the first
container."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..kubernetes import PROBE_KEYS
from ..loader import Limits
from .files import ReadError, SourceFile
from .kube import documents, name_of, pick
from .tree import Map, Scalar, Seq, walk

WORKLOAD_KINDS = ("Deployment", "StatefulSet", "DaemonSet", "Rollout")
#: Shells whose ``-c`` argument is the probe's command line.
SHELLS = frozenset({"sh", "bash", "/bin/sh", "/bin/bash", "/usr/bin/sh", "/usr/bin/bash"})


@dataclass(frozen=True)
class Probe:
    key: str  # readinessProbe, livenessProbe, startupProbe
    line: int
    handler: str | None  # httpGet, exec, tcpSocket, grpc
    path: Scalar | None = None  # httpGet.path
    command: str | None = None  # exec.command, its words joined by spaces
    command_line: int | None = None
    period: Scalar | None = None  # periodSeconds
    failures: Scalar | None = None  # failureThreshold
    port: str | None = None  # tcpSocket.port or grpc.port

    @property
    def endpoint(self) -> str | None:
        """What a plan's ``endpoint`` says of this probe: the HTTP path (``/`` when
        none is given), ``tcpSocket:<port>`` or ``grpc:<port>``; None for exec."""
        if self.handler == "httpGet":
            return self.path.text if self.path else "/"
        if self.handler in ("tcpSocket", "grpc"):
            return f"{self.handler}:{self.port}"
        return None


@dataclass(frozen=True)
class WorkloadFacts:
    source: SourceFile
    kind: str
    name: str | None
    line: int
    container: str
    container_line: int
    probes: dict[str, Probe] = field(default_factory=dict)  # by plan type (readiness...)
    namespace: str | None = None  # metadata.namespace
    container_index: int = 0  # of the container in the pod template's containers


def read_workload(source: SourceFile, limits: Limits, service: str | None = None,
                  ) -> WorkloadFacts:
    doc = pick(documents(source, limits), WORKLOAD_KINDS, service,
               "Deployment, StatefulSet, DaemonSet or Rollout")
    kind = doc.text("kind") or "Deployment"
    pod = walk(doc, "spec", "template", "spec")
    if not isinstance(pod, Map):
        ref = walk(doc, "spec", "workloadRef", "name")
        if isinstance(ref, Scalar):
            raise ReadError(f"holds a {kind} that takes its pod template from workloadRef "
                            f"{ref.text[:60]!r}; name that workload instead", ref.line)
        raise ReadError(f"holds a {kind} without a pod template (spec.template.spec)",
                        doc.line)
    containers = pod.seq("containers")
    listed = [c for c in (containers.items if isinstance(containers, Seq) else [])
              if isinstance(c, Map)]
    if not listed:
        raise ReadError(f"holds a {kind} whose pod template has no containers", pod.line)
    container = next((c for c in listed if service and c.text("name") == service), listed[0])
    assert isinstance(containers, Seq)
    index = next(i for i, c in enumerate(containers.items) if c is container)
    probes = {}
    for plan_type, key in PROBE_KEYS.items():
        probe = container.map(key)
        if probe is not None:
            probes[plan_type] = _probe(key, container.line_of(key), probe)
    meta = doc.map("metadata")
    return WorkloadFacts(source, kind, name_of(doc), doc.line, container.text("name") or "",
                         container.line, probes, meta.text("namespace") if meta else None,
                         index)


def _probe(key: str, line: int, probe: Map) -> Probe:
    handler = next((h for h in ("httpGet", "exec", "tcpSocket", "grpc") if h in probe.items),
                   None)
    path = command = command_line = port = None
    if handler in ("tcpSocket", "grpc"):
        socket = probe.map(handler)
        port = socket.text("port") if socket else None
    elif handler == "httpGet":
        http = probe.map("httpGet")
        path = http.scalar("path") if http else None
    elif handler == "exec":
        run = probe.map("exec")
        words = run.get("command") if run else None
        if isinstance(words, Seq):
            texts = [w.text for w in words.items if isinstance(w, Scalar)]
            # [sh, -c, "a && b"] runs "a && b": that is the command a plan's run names
            if len(texts) == 3 and texts[0] in SHELLS and texts[1] == "-c":
                command = texts[2]
            else:
                command = " ".join(texts)
            command_line = run.line_of("command") if run else None
    return Probe(key, line, handler, path, command, command_line, probe.scalar("periodSeconds"),
                 probe.scalar("failureThreshold"), port)
