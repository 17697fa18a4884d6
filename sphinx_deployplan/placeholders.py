"""Placeholders (``TODO``, ``TBD``, ``<team>``, ``...``) count as missing.

A skeleton from ``deployplan new``, or a plan copied with its TODOs left in,
must load (so it can be edited and previewed) but must not pass a check.  The
loader records every placeholder it meets (:class:`~.model.Placeholder`, for the
``deployplan.placeholder`` warnings) and, on each item, which of its keys hold
one.  The checks then run on :func:`without_placeholders`, a view of the plan
in which every placeholder is absent: an optional value becomes None, a list or
mapping loses the entries that are placeholders, and an item whose required
value is a placeholder is *incomplete* (:attr:`Item.incomplete`) and counts
toward no check.  No Sphinx here.
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any

from .model import Item, Plan, public_fields

#: What a placeholder looks like, once trimmed (see the plan format's contract).
PLACEHOLDER = re.compile(
    r"(?:TODO|TBD|FIXME|XXX|CHANGEME)(?:[:\-\s].*)?"  # a marker word, then anything
    r"|\.\.\.|\?|\?\?\?"  # an ellipsis or question marks alone
    r"|<[^<>]+>",  # one angle-bracketed token
    re.IGNORECASE | re.DOTALL)


#: The same, for a JSON Schema ``pattern`` (ECMA-262 has no flags: case by hand).
JSON_PATTERN = (r"^\s*(?:(?:[Tt][Oo][Dd][Oo]|[Tt][Bb][Dd]|[Ff][Ii][Xx][Mm][Ee]|[Xx][Xx][Xx]|"
                r"[Cc][Hh][Aa][Nn][Gg][Ee][Mm][Ee])(?:[:\-\s][\s\S]*)?|\.\.\.|\?|\?\?\?|"
                r"<[^<>]+>)\s*$")


def is_placeholder(value: object) -> bool:
    return isinstance(value, str) and PLACEHOLDER.fullmatch(value.strip()) is not None


def without_placeholders(plan: Plan) -> Plan:
    """The plan as the checks see it: every placeholder absent (a plan without
    placeholders is returned as it is)."""
    if not plan.placeholders:
        return plan
    view = _view(plan)
    assert isinstance(view, Plan)
    return view


def _view(value: Any) -> Any:
    if isinstance(value, list):
        return [_view(v) for v in value if not is_placeholder(v)]
    if isinstance(value, dict):
        return {k: v for k, v in value.items() if not is_placeholder(v)}
    if not isinstance(value, Item):
        return value
    changes: dict[str, Any] = {}
    for key, spec in public_fields(type(value)).items():
        current = getattr(value, spec.name)
        if key in value.placeholder_keys and not spec.metadata.get("required"):
            changes[spec.name] = None
        elif isinstance(current, list | dict | Item):
            changes[spec.name] = _view(current)
    return dataclasses.replace(value, **changes)
