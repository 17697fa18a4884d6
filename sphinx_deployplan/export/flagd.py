"""OpenFeature flagd flag definitions (JSON) from the feature flags.

Choices:

* each plan flag becomes one flag, keyed by its name, ``state: ENABLED``;
* a flag whose ``default`` is on or off is a boolean flag, variants
  ``{"on": true, "off": false}`` and ``defaultVariant`` ``"on"``/``"off"``; a
  flag without a default gets the same variants and ``defaultVariant: null``
  (flagd then uses the default written in the code);
* a flag whose default names a variant is a string flag with that one variant,
  ``{"<name>": "<name>"}``: the plan knows no other variants, add them here;
* the plan's ``default`` is the ``defaultVariant``: what every evaluation gets
  unless a targeting rule says otherwise;
* a ``rollout`` plan is expressed only where the plan says the flag is
  mid-rollout (its ``lifecycle`` is ``rollout``), and only for on/off flags: a
  ``fractional`` targeting rule at the *first* step (``1%`` gives
  ``[["on", 1], ["off", 99]]``; a fractional percentage uses basis points).
  Advancing the rollout is left to the user; in other stages (or for variant
  flags) there is no targeting, so every evaluation gets the plan's default, and
  the rollout stays in the metadata;
* flag ``metadata`` (string, number or boolean values, as flagd's schema allows)
  carries owner, type, lifecycle, created, cleanup (ISO dates), permanent,
  review and the rollout steps as text; the flag set's metadata names the plan
  and says the above (JSON has no comments: this is the file's header);
* flagd keys cannot hold a line break: a flag name or variant name with one raises
  :class:`ValueError`;
* no flags (``feature_flags: []``, or absent) gives a valid file with ``flags: {}``.
"""

from __future__ import annotations

import json
from typing import Any

from ..model import Flag, Percent, Plan

SCHEMA = "https://flagd.dev/schema/v0/flags.json"
TARGETING_NOTE = ("Each flag's defaultVariant is the plan's default. A flag gets a fractional "
                  "targeting rule, at its first rollout step, only while the plan says it is "
                  "mid-rollout (lifecycle: rollout); advance it here as the rollout goes on.")
BOOLEAN_VARIANTS = {"on": True, "off": False}
_LINE_TERMINATORS = "\n\r\u2028\u2029"


def _weights(first: Percent) -> tuple[int, int]:
    if first.value == int(first.value):
        return int(first.value), 100 - int(first.value)
    share = round(first.value * 100)
    return share, 10_000 - share


def _key(text: str, what: str) -> str:
    """A flag or variant key: flagd's schema matches keys with ``^.{1,}$``, and ``.``
    matches no line terminator."""
    if any(c in text for c in _LINE_TERMINATORS):
        raise ValueError(f"{what} {text!r} contains a line break, which flagd does not "
                         f"allow in a key")
    return text


def flag(item: Flag) -> dict[str, Any]:
    boolean = item.default in (None, "on", "off")
    if item.default is not None and not boolean:
        _key(item.default, f"the default variant of flag {item.name!r}")
    result: dict[str, Any] = {
        "state": "ENABLED",
        "variants": dict(BOOLEAN_VARIANTS) if boolean else {item.default: item.default},
        "defaultVariant": item.default,
    }
    if boolean and item.lifecycle == "rollout" and item.rollout:
        on, off = _weights(item.rollout[0])
        result["targeting"] = {"fractional": [["on", on], ["off", off]]}
    meta: dict[str, str | bool] = {}
    for key in ("owner", "type", "lifecycle", "created", "cleanup", "permanent", "review"):
        value = getattr(item, key)
        if value is not None:
            meta[key] = value if isinstance(value, (str, bool)) else value.isoformat()
    if item.rollout:
        meta["rollout"] = ", ".join(step.text for step in item.rollout)
    if meta:
        result["metadata"] = meta
    return result


def export(plan: Plan) -> str:
    document = {
        "$schema": SCHEMA,
        "metadata": {
            "plan": plan.plan,
            "generated_by": f"sphinx-deployplan from plan '{plan.plan}'. Edit the plan, not "
                            f"this file.",
            "targeting": TARGETING_NOTE,
        },
        "flags": {_key(item.name, "flag name"): flag(item) for item in plan.feature_flags or []},
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
