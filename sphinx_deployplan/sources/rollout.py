"""An Argo Rollout (with its AnalysisTemplates) or a Flagger Canary, read as the
plan's strategy: method, traffic steps with their holds, and the analysis metrics.

Argo Rollouts: ``spec.strategy.canary`` (without steps: Argo's rolling update)
or ``spec.strategy.blueGreen``; each ``setWeight`` step and the ``pause`` that
follows it (``pause: {}`` waits until someone promotes); the metric names of the
AnalysisTemplates in the same file, and the names of templates referenced by
``templateName`` that the file does not hold.  Flagger: ``analysis.stepWeights``
(or ``stepWeight`` up to ``maxWeight``, default 100), each held for
``analysis.interval``; ``iterations`` without weights is Flagger's blue/green;
``analysis.metrics[]`` with their ``thresholdRange``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, TypedDict

from ..loader import Limits, parse_duration
from .files import ReadError, SourceFile
from .kube import documents, name_of, pick
from .tree import Map, Scalar, Seq, walk

ROLLOUT_KINDS = ("Rollout", "Canary")
TEMPLATE_KINDS = ("AnalysisTemplate", "ClusterAnalysisTemplate")


@dataclass(frozen=True)
class FileStep:
    """One traffic step of the file: its weight and the hold that follows it."""

    weight: str  # as written ("20"), or derived for Flagger's stepWeight
    weight_said: str  # how the file says it: "setWeight: 20"
    weight_line: int
    percent: float | None
    hold_said: str = ""  # "pause: {duration: 10m}", "pause: {}", "interval: 1m"; "" = none
    hold_line: int | None = None
    hold_seconds: int | None = None  # None: no hold, or one that is no duration we read
    has_hold: bool = False
    manual: bool = False  # pause: {}, an indefinite hold


class _Hold(TypedDict, total=False):
    """The hold fields of a :class:`FileStep`, as one file states them."""

    hold_said: str
    hold_line: int | None
    hold_seconds: int | None
    has_hold: bool
    manual: bool


@dataclass(frozen=True)
class Threshold:
    """A Flagger metric's ``thresholdRange``."""

    min: str | None
    max: str | None
    line: int

    def said(self) -> str:
        parts = [f"{k}: {v}" for k, v in (("min", self.min), ("max", self.max)) if v]
        return "thresholdRange: {" + ", ".join(parts) + "}"


@dataclass(frozen=True)
class RolloutFacts:
    source: SourceFile
    tool: Literal["Argo Rollouts", "Flagger"]
    kind: str
    name: str | None
    line: int
    method: str | None  # in the plan's words: canary | blue-green
    method_said: str  # "spec.strategy.canary"
    method_line: int
    steps: tuple[FileStep, ...]
    steps_line: int
    metrics: dict[str, int] = field(default_factory=dict)  # analysis metric -> its line
    templates: dict[str, int] = field(default_factory=dict)  # referenced, not in the file
    thresholds: dict[str, Threshold] = field(default_factory=dict)  # Flagger
    analysis_line: int = 0
    conditions: dict[str, str] = field(default_factory=dict)  # Argo successCondition


def _scalar_text(value: object) -> str | None:
    return value.text if isinstance(value, Scalar) and value.tag != "null" else None


def _percent(text: str | None) -> float | None:
    try:
        return float(text) if text is not None else None
    except ValueError:
        return None


def read_rollout(source: SourceFile, limits: Limits, service: str | None = None,
                 ) -> RolloutFacts:
    docs = documents(source, limits)
    doc = pick(docs, ROLLOUT_KINDS, service, "Argo Rollout (kind: Rollout) or Flagger Canary "
               "(kind: Canary)")
    if doc.text("kind") == "Canary":
        return _flagger(source, doc)
    return _argo(source, doc, docs)


# --- Argo Rollouts ----------------------------------------------------------------------------


def _template_refs(value: object, found: dict[str, int]) -> None:
    """``templateName`` of each template in ``{templates: [...]}`` (and the old
    ``{templateName: x}`` form)."""
    if not isinstance(value, Map):
        return
    single = value.scalar("templateName")
    if single is not None:
        found.setdefault(single.text, single.line)
    templates = value.seq("templates")
    for item in templates.items if templates else []:
        name = item.scalar("templateName") if isinstance(item, Map) else None
        if name is not None:
            found.setdefault(name.text, name.line)


def _argo(source: SourceFile, doc: Map, docs: list[Map]) -> RolloutFacts:
    strategy = walk(doc, "spec", "strategy")
    strategy = strategy if isinstance(strategy, Map) else Map({}, doc.line)
    referenced: dict[str, int] = {}
    steps: list[FileStep] = []
    steps_line = strategy.line
    method, said, method_line = None, "spec.strategy (neither canary nor blueGreen)", \
        strategy.line
    canary, blue_green = strategy.map("canary"), strategy.map("blueGreen")
    if canary is not None:
        method, said, method_line = "canary", "spec.strategy.canary", \
            strategy.line_of("canary")
        _template_refs(canary.get("analysis"), referenced)
        listed = canary.seq("steps")
        if listed is not None:
            steps_line = canary.line_of("steps")
            steps = _argo_steps(listed, referenced)
        if not steps:  # Argo: a canary without steps is a rolling update
            method, said = "rolling", "spec.strategy.canary with no steps (a rolling update)"
    elif blue_green is not None:
        method, said, method_line = "blue-green", "spec.strategy.blueGreen", \
            strategy.line_of("blueGreen")
        for key in ("prePromotionAnalysis", "postPromotionAnalysis"):
            _template_refs(blue_green.get(key), referenced)
    metrics: dict[str, int] = {}
    conditions: dict[str, str] = {}
    in_file: set[str] = set()
    analysis_line = 0
    for template in docs:
        if template.text("kind") not in TEMPLATE_KINDS:
            continue
        name = name_of(template)
        if name:
            in_file.add(name)
        template_metrics = walk(template, "spec", "metrics")
        for metric in template_metrics.items if isinstance(template_metrics, Seq) else []:
            metric_name = metric.scalar("name") if isinstance(metric, Map) else None
            if metric_name is not None:
                metrics.setdefault(metric_name.text, metric_name.line)
                analysis_line = analysis_line or metric_name.line
                condition = metric.text("successCondition") if isinstance(metric, Map) \
                    else None
                if condition:
                    conditions.setdefault(metric_name.text, condition)
    templates = {name: line for name, line in referenced.items() if name not in in_file}
    analysis_line = analysis_line or min(templates.values(), default=method_line)
    return RolloutFacts(source, "Argo Rollouts", doc.text("kind") or "Rollout", name_of(doc),
                        doc.line, method, said, method_line, tuple(steps), steps_line,
                        metrics, templates, {}, analysis_line, conditions)


def _argo_steps(listed: Seq, referenced: dict[str, int]) -> list[FileStep]:
    steps: list[FileStep] = []
    for item in listed.items:
        if not isinstance(item, Map):
            continue
        weight = item.scalar("setWeight")
        if weight is not None:
            steps.append(FileStep(weight.text, f"setWeight: {weight.text}", weight.line,
                                  _percent(weight.text)))
            continue
        if "pause" in item.items:
            if steps and steps[-1].has_hold:
                continue  # a second pause in a row: the first one is the step's hold
            pause = item.get("pause")
            duration = _scalar_text(pause.get("duration")) if isinstance(pause, Map) \
                else None
            line = item.line_of("pause")
            hold = _Hold(has_hold=True, hold_line=line, manual=duration is None)
            if duration is None:
                hold["hold_said"] = "pause: {}"
            else:
                parsed = parse_duration(duration)
                hold["hold_said"] = f"pause: {{duration: {duration}}}"
                hold["hold_seconds"] = parsed.seconds if parsed else None
            if not steps:  # a pause before any setWeight holds at 0%
                steps.append(FileStep("0", "no setWeight before it (0%)", line, 0.0, **hold))
            else:
                last = steps[-1]
                steps[-1] = FileStep(last.weight, last.weight_said, last.weight_line,
                                     last.percent, **hold)
            continue
        _template_refs(item.get("analysis"), referenced)
    return steps


# --- Flagger ---------------------------------------------------------------------------------


def _flagger(source: SourceFile, doc: Map) -> RolloutFacts:
    spec = doc.map("spec") or Map({}, doc.line)
    key = "analysis" if "analysis" in spec.items else "canaryAnalysis"
    analysis = spec.map(key)
    if analysis is None:
        raise ReadError(f"is a Flagger Canary with no spec.analysis (line {doc.line})",
                        doc.line)
    interval = analysis.scalar("interval")
    hold_seconds = None
    if interval is not None:
        parsed = parse_duration(interval.text)
        hold_seconds = parsed.seconds if parsed else None
    hold = _Hold(has_hold=interval is not None,
                 hold_said=f"interval: {interval.text}" if interval is not None else "",
                 hold_line=interval.line if interval is not None else None,
                 hold_seconds=hold_seconds)
    steps: list[FileStep] = []
    listed, step, top = analysis.seq("stepWeights"), analysis.scalar("stepWeight"), \
        analysis.scalar("maxWeight")
    steps_line = analysis.line
    if listed is not None:
        steps_line = analysis.line_of("stepWeights")
        for index, written in enumerate(listed.items, 1):
            text = _scalar_text(written) or "?"
            steps.append(FileStep(text, f"stepWeights[{index}]: {text}", written.line,
                                  _percent(text), **hold))
    elif step is not None:
        steps_line = step.line
        size, most = _percent(step.text), _percent(top.text if top else "100")
        if size and size > 0 and most is not None:
            said = f"stepWeight: {step.text}" + (f", maxWeight: {top.text}" if top else "")
            weight, count = size, 0
            while weight < most and count < 1000:  # (a stepWeight of 0.0001 stops too)
                steps.append(FileStep(f"{weight:g}", f"{said} (step {count + 1}: {weight:g})",
                                      step.line, weight, **hold))
                weight, count = weight + size, count + 1
            steps.append(FileStep(f"{most:g}", f"{said} (step {count + 1}: {most:g})",
                                  top.line if top else step.line, most, **hold))
    if steps:
        weights = "stepWeights" if listed is not None else "stepWeight"
        method, said, method_line = "canary", f"{key}.{weights}", steps_line
    elif analysis.scalar("iterations") is not None:
        method, said = "blue-green", f"{key}.iterations (Flagger's blue/green)"
        method_line = analysis.line_of("iterations")
    else:
        method, said, method_line = None, f"{key} (no stepWeights, stepWeight or iterations)", \
            analysis.line
    metrics: dict[str, int] = {}
    thresholds: dict[str, Threshold] = {}
    listed_metrics = analysis.seq("metrics")
    for metric in listed_metrics.items if listed_metrics else []:
        if not isinstance(metric, Map) or (name := metric.scalar("name")) is None:
            continue
        metrics.setdefault(name.text, name.line)
        bounds = metric.map("thresholdRange")
        if bounds is not None and name.text not in thresholds:
            thresholds[name.text] = Threshold(bounds.text("min"), bounds.text("max"),
                                              bounds.line)
    analysis_line = min(metrics.values(), default=analysis.line)
    return RolloutFacts(source, "Flagger", "Canary", name_of(doc), doc.line, method, said,
                        method_line, tuple(steps), steps_line, metrics, {}, thresholds,
                        analysis_line)
