"""Check results -> nodes: the "Quality Checks" section of a runbook, and badges.

The results come from :mod:`sphinx_deployplan.checks`; nothing is computed here.
"""

from __future__ import annotations

from docutils import nodes

from ..checks import CheckResult, ParityEvidence, PlanResults
from ..ids import anchor
from ..items import ItemRef
from .builders import code, para, strong, table

BADGE_TEXT = {"met": "met", "unmet": "unmet", "n/a": "n/a", "waived": "waived"}

#: Which part of the runbook shows each kind of item (so links land on rendered anchors).
ITEM_PARTS = {"env": "environments", "stage": "pipeline", "strategy": "strategy",
              "rollback": "rollback", "trigger": "rollback", "step": "rollback",
              "verify": "rollback", "notify": "communication", "flag": "flags",
              "health": "health", "migration": "migrations"}


def badge_parts(status: str, text: str | None = None) -> tuple[list[str], str]:
    """A badge's classes (one per result, for colour) and its word (or ``text``)."""
    css = "na" if status == "n/a" else status
    return ["deployplan-badge", f"deployplan-badge-{css}"], text or BADGE_TEXT.get(status, status)


def badge(status: str, text: str | None = None) -> nodes.inline:
    """A result as a badge."""
    classes, word = badge_parts(status, text)
    return nodes.inline(word, word, classes=classes)


def _link(plan_id: str, ref: ItemRef, rendered: set[str]) -> nodes.Node:
    """A link to the item's anchor on this page, or plain text when its part is not shown."""
    part = ITEM_PARTS.get(ref.kind) if ref.kind != "plan" else (ref.parts or ("",))[0]
    if part not in rendered:
        return nodes.Text(ref.label)
    node = nodes.reference("", "", internal=True, refid=ref.anchor(plan_id))
    node += nodes.Text(ref.label)
    return node


def _evidence(plan_id: str, result: CheckResult, rendered: set[str]) -> list[nodes.Node]:
    out: list[nodes.Node] = []
    if result.status == "n/a":
        return [para(result.note)]
    for finding in result.failed_by:
        out.append(para(strong("Missing: "), finding.message, " (",
                        _link(plan_id, finding.item, rendered), ")",
                        classes=["deployplan-finding"]))
    if result.waiver:
        w = result.waiver
        out.append(para(strong("Waived"), f" by {w.approved_by} until {w.until.isoformat()}: ",
                        w.reason, classes=["deployplan-waiver"]))
    for detail in result.details:
        out.append(para(detail, classes=["deployplan-detail"]))
    if result.satisfied_by:
        links: list[nodes.Node] = [strong("Satisfied by: ")]
        for i, ref in enumerate(result.satisfied_by):
            if i:
                links.append(nodes.Text(", "))
            links.append(_link(plan_id, ref, rendered))
        out.append(para(*links, classes=["deployplan-evidence"]))
    return out


def render_checks(plan_id: str, results: PlanResults, rendered: set[str]) -> list[nodes.Node]:
    """The checks table: the seed's wording, the check id, a result badge and evidence."""
    met = len(results.met)
    applicable = len(results.applicable)
    summary = para(strong(f"{met} of {applicable}"), " applicable checks met",
                   classes=["deployplan-checks-summary"])
    rows, ids = [], []
    for result in results.results:
        rows.append([[nodes.Text(result.title), nodes.Text(" "), code(result.check)],
                     badge(result.status),
                     _evidence(plan_id, result, rendered)])
        ids.append(anchor(plan_id, "check", result.check))
    out: list[nodes.Node] = [summary, table(["Check", "Result", "Evidence"], rows,
                                            classes=["deployplan-checks"], row_ids=ids)]
    if results.rules:
        out.append(para(strong("Release engineering rules"), " (warnings unless "
                        "deployplan_strict_rules makes them fail the build)",
                        classes=["deployplan-rules-title"]))
        out.append(table(
            ["Rule", "Result", "Evidence"],
            [[[nodes.Text(r.title), nodes.Text(" "), code(r.check)],
              badge(r.status), _evidence(plan_id, r, rendered)] for r in results.rules],
            classes=["deployplan-rules"],
            row_ids=[anchor(plan_id, "rule", r.check) for r in results.rules]))
    return out


def render_drift(drift: ParityEvidence) -> list[nodes.Node]:
    """The environment-parity drift table: production's keys in each lower environment."""
    rows = []
    for key in drift.keys:
        cells: list = [code(key)]
        for env in drift.environments:
            cells.append(badge("unmet") if key in drift.missing[env] else "present")
        cells.append("present")
        rows.append(cells)
    heading = para(strong("Configuration drift from production"), " (keys of ",
                   code(drift.production), " missing in a lower environment are flagged)")
    return [heading, table(["Key", *drift.environments, drift.production], rows,
                           classes=["deployplan-drift"])]
