"""Stable anchors for a plan's parts and items, shared by rendering, checks and needs."""

from __future__ import annotations

import re

_NON_ALNUM = re.compile(r"[^a-z0-9]+")


def slugify(text: str) -> str:
    """``Synthetic checkout`` -> ``synthetic-checkout``; never empty."""
    return _NON_ALNUM.sub("-", str(text).lower()).strip("-") or "x"


def anchor(plan_id: str, *parts: object) -> str:
    """The HTML anchor of a part or item of a plan, e.g. ``checkout-v2-env-dev``."""
    return "-".join([slugify(plan_id), *(slugify(str(p)) for p in parts)])


def plan_anchor(plan_id: str) -> str:
    """The anchor of a plan's own section (prefixed: a page titled like the plan id
    already has that id)."""
    return "deployplan-" + slugify(plan_id)


def need_id(plan_id: str, *parts: object) -> str:
    """The sphinx-needs id of a plan, item or check: ``DP_CHECKOUT_V2__ENV__DEV``.
    Upper case with underscores, so it matches sphinx-needs' default id regex."""
    return "DP_" + "__".join(slugify(str(p)).upper().replace("-", "_")
                             for p in (plan_id, *parts))
