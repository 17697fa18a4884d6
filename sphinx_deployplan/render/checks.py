"""Check results as badges (the runbook's "Quality Checks" part is laid out in
:mod:`sphinx_deployplan.runbook`)."""

from __future__ import annotations

from docutils import nodes

BADGE_TEXT = {"met": "met", "unmet": "unmet", "n/a": "n/a", "waived": "waived"}


def badge_parts(status: str, text: str | None = None) -> tuple[list[str], str]:
    """A badge's classes (one per result, for colour) and its word (or ``text``)."""
    css = "na" if status == "n/a" else status
    return ["deployplan-badge", f"deployplan-badge-{css}"], text or BADGE_TEXT.get(status, status)


def badge(status: str, text: str | None = None) -> nodes.inline:
    """A result as a badge."""
    classes, word = badge_parts(status, text)
    return nodes.inline(word, word, classes=classes)
