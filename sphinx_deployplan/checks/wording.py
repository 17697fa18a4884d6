"""Sentences shared by the checks and rules: what is missing, and placeholders.

A value the plan gives as a placeholder is absent for every check; the finding
says so ("a placeholder command ('TODO')") instead of "no command", so the
author knows which TODO to fill in.  Plan text always goes through
:func:`~sphinx_deployplan.text.quote`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TypeVar

from ..model import Item, public_fields
from ..text import quote

AnyItem = TypeVar("AnyItem", bound=Item)


def lacks(item: Item | None, key: str, noun: str, shown: str | None = None, *,
          none: str | None = None) -> str:
    """``no <noun> (<shown>)``, or ``a placeholder <noun> (<shown>: 'TODO ...')`` when the
    plan gives a placeholder for ``key`` of ``item``; ``shown`` is how the value is
    named (default ``key``; ``""`` names nothing), ``none`` replaces ``no <noun>``."""
    shown = key if shown is None else shown
    text = item.placeholder_keys.get(key) if item is not None else None
    if text is not None:
        return f"a placeholder {noun} ({shown + ': ' if shown else ''}{quote(text)})"
    return (none or f"no {noun}") + (f" ({shown})" if shown else "")


def given(item: Item | None, key: str) -> str:
    """``; it is a placeholder ('TODO')`` when the plan gives one for ``key``, else
    nothing: for a finding that already says the value is missing."""
    text = item.placeholder_keys.get(key) if item is not None else None
    return f"; it is a placeholder ({quote(text)})" if text is not None else ""


def placeholder_of(item: Item) -> str:
    """Why an incomplete item counts toward no check: its first required placeholder."""
    fields = public_fields(type(item))
    for key, text in item.placeholder_keys.items():
        if key in fields and fields[key].metadata.get("required"):
            return f"a placeholder for {key} ({quote(text)})"
    return "a placeholder"


def complete(items: Iterable[AnyItem] | None) -> list[AnyItem]:
    """The items that count: those whose required values are not placeholders."""
    return [item for item in items or [] if not item.incomplete]
