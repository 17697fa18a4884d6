"""Stable anchors for a plan's parts and items, shared by rendering, checks and needs.

Every anchor of a plan is ``<plan id>--<parts>``.  A plan id is a slug, which
never holds ``--``, so the first ``--`` ends it: two plans on one page can never
share an anchor (with a single ``-``, plan ``svc`` and its stage ``checks``
would be ``svc-stage-checks``, the Quality Checks of a plan ``svc-stage``), and
no anchor meets the ids docutils makes from headings, which never hold ``--``
either.  Need ids follow the same rule with ``__``.
"""

from __future__ import annotations

import re

_NON_ALNUM = re.compile(r"[^a-z0-9]+")
#: sphinx-needs' default ``needs_id_regex`` wants at least this many characters.
NEED_ID_MIN = 5


def slugify(text: str) -> str:
    """``Synthetic checkout`` -> ``synthetic-checkout``; never empty."""
    return _NON_ALNUM.sub("-", str(text).lower()).strip("-") or "x"


def anchor(plan_id: str, *parts: object) -> str:
    """The HTML anchor of a part or item of a plan, e.g. ``checkout-v2--env-dev``."""
    return slugify(plan_id) + "--" + "-".join(slugify(str(p)) for p in parts)


def plan_anchor(plan_id: str) -> str:
    """The anchor of a plan's own section: ``checkout-v2--plan``."""
    return anchor(plan_id, "plan")


def need_id(plan_id: str, *parts: object) -> str:
    """The sphinx-needs id of a plan, item or check: ``DP_CHECKOUT_V2__ENV__DEV``.
    Upper case with underscores, so it matches sphinx-needs' default id regex
    (``^[A-Z0-9_]{5,}``): the need of a plan whose id has one character gets
    ``__PLAN`` (``DP_A__PLAN``), as ``DP_A`` would be too short."""
    words = [slugify(str(p)).upper().replace("-", "_") for p in (plan_id, *parts)]
    if len(words) == 1 and len("DP_" + words[0]) < NEED_ID_MIN:
        words.append("PLAN")
    return "DP_" + "__".join(words)


def is_need_of(plan_id: str, candidate: str) -> bool:
    """Whether ``candidate`` is the id of a need of the plan (its own or an item's,
    check's or rule's): the plan part of a need id ends at the first ``__``."""
    own = need_id(plan_id)
    return candidate == own or candidate.startswith("DP_" + own[3:].split("__")[0] + "__")
