"""Argo Rollouts: a ``Rollout`` and, when the strategy has promotion criteria with
queries, an ``AnalysisTemplate``; one multi-document YAML file.

The Rollout carries the plan's runtime (``runtime.namespace``, ``replicas``, the
image ``runtime.image:${IMAGE_TAG}``, the container port ``runtime.port``) and its
health checks as probes, so one exported Rollout serves as both the ``rollout``
and the ``workload`` source of the plan.  Choices:

* **canary**: each traffic step becomes ``setWeight: <traffic>``, followed by
  ``pause: {duration: <hold>}`` when the step has a non-zero hold, or
  ``pause: {}`` (held until someone promotes) for ``hold: manual``.  Every step
  is kept, a final ``100%`` too (``setWeight: 100`` before Argo promotes), so
  the weights are exactly the plan's.  Argo weights are whole percentages: a
  fractional step such as ``0.5%`` raises :class:`ValueError`.  No
  ``trafficRouting`` is emitted: without a traffic router Argo approximates
  weights by replica counts; add one for exact percentages.  A canary plan
  without steps raises :class:`ValueError`;
* **rolling**: Argo has no rolling strategy; a canary with ``maxSurge`` and
  ``maxUnavailable`` from the ``rolling`` block and no steps is Argo's rolling
  update (integers stay integers, ``25%`` stays a string);
* **blue-green**: ``activeService: <name>``, ``previewService: <name>-preview``
  (the Services must exist), ``autoPromotionEnabled: false`` when an environment
  has a manual approval or the pipeline has an approval stage (else true),
  ``scaleDownDelaySeconds`` from ``keep_previous``;
* **feature-flag** plans (and plans without a method) have no Rollout meaning:
  :class:`ValueError`;
* **promotion criteria** (``promote_when``) with a ``query`` become the
  AnalysisTemplate ``<name>-analysis``: one metric per criterion, named after
  it, asking ``runtime.metrics`` (provider ``prometheus``, ``graphite`` or
  ``wavefront`` at its ``address``) the plan's query.  A canary or rolling
  Rollout runs it as background analysis (``strategy.canary.analysis``,
  measured every ``window``, default 1m, until the rollout ends); a blue-green
  Rollout runs it as ``prePromotionAnalysis``, which must end by itself: one
  measurement after ``window`` (``initialDelay``, ``count: 1``).  A threshold
  that is a simple comparison (``< 0.5%``, ``>= 99``, ``= 0``) becomes
  ``successCondition: result[0] < 0.005``: a percentage is divided by 100, for a
  ratio metric.  Any other threshold gets ``successCondition`` and
  ``failureCondition`` both ``"false"``: the measurement is always
  inconclusive, which pauses the rollout for a person to judge (never a metric
  that passes by itself).  A criterion without a query (or every criterion,
  when ``runtime.metrics.address`` is missing) is left out of the analysis and
  named in the header as needing one: never an analysis that cannot work.
  A query may use ``{{args.service-name}}``, the Rollout's name;
* the pod template is the one of :mod:`.k8s_probes`: one container with the
  image and the health checks' probes.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from ..model import Plan, PromotionGate
from ..placeholders import is_placeholder
from .common import Names
from .k8s_probes import (
    INT32_MAX,
    NAME_LABEL,
    dns_label,
    dump,
    go_duration,
    metadata,
    pod_template,
    quote,
)

API_VERSION = "argoproj.io/v1alpha1"
DEFAULT_PROVIDER = "prometheus"
DEFAULT_INTERVAL = "1m"
SERVICE_ARG = "service-name"

_COMPARISON = re.compile(r"^\s*(<=|>=|==|!=|<|>|=)\s*([+-]?\d+(?:\.\d+)?)\s*(%?)\s*$")


def success_condition(threshold: str) -> str | None:
    """``result[0] < 0.005`` for ``< 0.5%``; None when the text is not a simple comparison."""
    match = _COMPARISON.match(threshold)
    if not match:
        return None
    operator, number, percent = match.groups()
    value = Decimal(number) / 100 if percent else Decimal(number)
    text = format(value.normalize(), "f")
    return f"result[0] {'==' if operator == '=' else operator} {text}"


def _metrics(gates: list[PromotionGate], blue_green: bool, provider: str, address: str,
             notes: list[str]) -> list[dict[str, Any]]:
    metrics: list[dict[str, Any]] = []
    used = Names(ignore_case=False)
    for gate in gates:
        metric: dict[str, Any] = {"name": used.claim(gate.metric)}
        if blue_green:
            if gate.window is not None:
                metric["initialDelay"] = go_duration(gate.window.seconds)
            metric["count"] = 1
        else:
            metric["interval"] = (go_duration(gate.window.seconds) if gate.window is not None
                                  else DEFAULT_INTERVAL)
        condition = success_condition(gate.threshold)
        if condition is None:
            notes.append(f"Metric {quote(gate.metric)}: the threshold {quote(gate.threshold)} "
                         f"is not a simple comparison, so the measurement is always "
                         f"inconclusive and pauses the rollout for a person to judge.")
            metric["successCondition"] = "false"
            metric["failureCondition"] = "false"
        else:
            metric["successCondition"] = condition
        assert gate.query is not None
        metric["provider"] = {provider: {"address": address, "query": gate.query}}
        metrics.append(metric)
    return metrics


def _measured(plan: Plan, gates: list[PromotionGate], notes: list[str],
              ) -> tuple[list[PromotionGate], str, str]:
    """The criteria the analysis can measure (those with a query, when the plan says
    where the metrics are), the provider and its address; notes name the others."""
    metrics = plan.runtime.metrics if plan.runtime else None
    provider = (metrics.provider if metrics else None) or DEFAULT_PROVIDER
    address = ((metrics.address if metrics else None) or "").strip()
    if is_placeholder(address):
        address = ""
    if gates and not address:
        notes.append("The promotion criteria need runtime.metrics.address (where "
                     f"{provider} answers queries): the Rollout has no analysis until the "
                     "plan gives it.")
        return [], provider, address
    measured = [g for g in gates if g.query and g.query.strip() and not is_placeholder(g.query)]
    kept = {id(g) for g in measured}
    for gate in gates:
        if id(gate) not in kept:
            notes.append(f"Metric {quote(gate.metric)} needs a query "
                         f"(strategy.promote_when[].query): it is left out of the analysis.")
    return measured, provider, address


def _weight(step_traffic: float, text: str) -> int:
    if step_traffic != int(step_traffic):
        raise ValueError(f"Argo Rollouts weights are whole percentages, and a traffic step "
                         f"is {text}")
    return int(step_traffic)


def _int_or_percent(value: str | None, what: str) -> int | str | None:
    if value is None:
        return None
    text = value.strip()
    if re.fullmatch(r"\d+", text):
        return int(text)
    if re.fullmatch(r"\d+%", text):
        return text
    raise ValueError(f"rolling.{what} must be a number of pods or a percentage such as 25%, "
                     f"not {value!r}")


def _needs_approval(plan: Plan) -> bool:
    stages = plan.pipeline.stages if plan.pipeline else None
    return (any(env.approval == "manual" for env in plan.environments or [])
            or any(stage.kind == "approval" for stage in stages or []))


def export(plan: Plan) -> str:
    strategy = plan.strategy
    method = strategy.method if strategy else None
    if strategy is None or method is None:
        raise ValueError("the plan has no strategy method, so there is no Rollout to write")
    if method == "feature-flag":
        raise ValueError("a feature-flag plan releases through flags, not a Rollout; export "
                         "it as flagd instead")

    name = dns_label(plan)
    template_name = dns_label(plan, "-analysis")
    notes: list[str] = []
    pod, pod_notes = pod_template(plan, name)
    notes += pod_notes
    gates, provider, address = _measured(plan, strategy.promote_when or [], notes)
    analysis = {"templates": [{"templateName": template_name}],
                "args": [{"name": SERVICE_ARG, "value": name}]}

    rollout_strategy: dict[str, Any]
    if method == "blue-green":
        blue_green: dict[str, Any] = {
            "activeService": name,
            "previewService": dns_label(plan, "-preview"),
            "autoPromotionEnabled": not _needs_approval(plan),
        }
        keep = strategy.blue_green.keep_previous if strategy.blue_green else None
        if keep is not None:
            if keep.seconds > INT32_MAX:
                raise ValueError(f"blue-green.keep_previous {keep.text} is too long for Argo")
            blue_green["scaleDownDelaySeconds"] = keep.seconds
        if gates:
            blue_green["prePromotionAnalysis"] = analysis
        rollout_strategy = {"blueGreen": blue_green}
        notes.append(f"The Services {name} and {blue_green['previewService']} must exist and "
                     f"select the pods labelled {NAME_LABEL}: {name}; Argo points them at the "
                     f"colours.")
    else:
        canary: dict[str, Any] = {}
        if method == "canary":
            if not strategy.steps:
                raise ValueError("the canary plan has no traffic steps (strategy.steps)")
            steps: list[dict[str, Any]] = []
            for step in strategy.steps:
                steps.append({"setWeight": _weight(step.traffic.value, step.traffic.text)})
                if step.hold is not None and step.hold.manual:
                    steps.append({"pause": {}})  # held until someone promotes
                elif step.hold is not None and step.hold.seconds:
                    steps.append({"pause": {"duration": go_duration(step.hold.seconds)}})
            canary["steps"] = steps
            notes.append("No trafficRouting: Argo approximates each setWeight by replica "
                         "counts; add a traffic router for exact percentages.")
        else:  # rolling: a canary without steps is Argo's rolling update
            rolling = strategy.rolling
            surge = _int_or_percent(rolling.max_surge if rolling else None, "max_surge")
            unavailable = _int_or_percent(rolling.max_unavailable if rolling else None,
                                          "max_unavailable")
            if surge in (0, "0%") and unavailable in (0, "0%"):
                raise ValueError("rolling.max_surge and rolling.max_unavailable cannot both "
                                 "be zero")
            if surge is not None:
                canary["maxSurge"] = surge
            if unavailable is not None:
                canary["maxUnavailable"] = unavailable
        if gates:
            canary["analysis"] = analysis
        rollout_strategy = {"canary": canary}

    spec: dict[str, Any] = {}
    replicas = plan.runtime.replicas if plan.runtime else None
    if replicas is not None:
        spec["replicas"] = replicas
    spec.update(selector={"matchLabels": {NAME_LABEL: name}}, template=pod,
                strategy=rollout_strategy)
    rollout = {"apiVersion": API_VERSION, "kind": "Rollout",
               "metadata": metadata(plan, name), "spec": spec}
    documents = [rollout]
    if gates:
        metrics = _metrics(gates, method == "blue-green", provider, address, notes)
        documents.append({
            "apiVersion": API_VERSION,
            "kind": "AnalysisTemplate",
            "metadata": metadata(plan, template_name),
            "spec": {"args": [{"name": SERVICE_ARG}], "metrics": metrics},
        })
    return dump(plan, documents, notes)
