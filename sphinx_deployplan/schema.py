"""The JSON Schema of the plan format, generated from the model (never written by hand).

Editors use it through a ``# yaml-language-server: $schema=...`` line for
completion and hover documentation; ``deployplan schema`` prints it.  It
describes what the loader accepts: free text may be any scalar (the loader
keeps the text as written), durations may be a number of seconds, and
``null`` means absent.  Cross-references (a stage's environment, needs) are
checked by the loader, not by the schema.
"""

from __future__ import annotations

import datetime as _dt
import typing
from typing import Any, Literal

from . import __version__
from .checks import WAIVABLE_IDS
from .model import (
    CHECK_ID,
    COMMANDS,
    HOLD,
    MANUAL,
    ON_OFF,
    SLUG,
    SLUG_PATTERN,
    Duration,
    Item,
    Percent,
    Plan,
    public_fields,
    strip_optional,
    type_hints,
)
from .placeholders import JSON_PATTERN

SCHEMA_ID = "https://sphinx-deployplan.invalid/schema/plan.json"
_DURATION_PATTERN = r"^\s*(\d+|(?=\d)(\d+d)?(\d+h)?(\d+m)?(\d+s)?)\s*$"
_SCALAR = {"type": ["string", "number", "boolean"]}
_BOOL = {"anyOf": [{"type": "boolean"},
                   {"enum": ["yes", "no", "true", "false", "on", "off", "y", "n"]}]}


_PLACEHOLDER = {"$ref": "#/$defs/Placeholder"}
_PLACEHOLDER_DEF = {
    "type": "string", "pattern": JSON_PATTERN,
    "description": "A placeholder (TODO, TBD, FIXME, XXX, CHANGEME, ..., ? or a lone "
                   "<token>): the plan loads, but every check treats the value as missing.",
}


def _value_or_placeholder(tp: Any, defs: dict[str, Any]) -> dict[str, Any]:
    """The schema of a value, which may also be a placeholder where the value is not text
    (in text, a placeholder is text already)."""
    schema = _value(tp, defs)
    if schema.get("type") == ["string", "number", "boolean"] or "pattern" in schema:
        return schema  # text, or a plan id (which is never a placeholder)
    if set(schema) - {"description"} == {"anyOf"}:
        return {**schema, "anyOf": [*schema["anyOf"], _PLACEHOLDER]}
    description = schema.pop("description", None)
    wrapped: dict[str, Any] = {"anyOf": [schema, _PLACEHOLDER]}
    if description:
        wrapped["description"] = description
    return wrapped


def _value(tp: Any, defs: dict[str, Any]) -> dict[str, Any]:
    tp = strip_optional(tp)
    origin = typing.get_origin(tp)
    if origin is list:
        return {"type": "array", "items": _value_or_placeholder(typing.get_args(tp)[0], defs)}
    if origin is dict:
        # an empty value in a mapping is read as empty text
        return {"type": "object",
                "additionalProperties": {"type": ["string", "number", "boolean", "null"]}}
    if origin is Literal:
        return {"enum": list(typing.get_args(tp))}
    if origin is typing.Annotated:
        marker = typing.get_args(tp)[1]
        if marker is SLUG:
            return {"type": "string", "pattern": SLUG_PATTERN.pattern}
        if marker is ON_OFF:
            return {"anyOf": [{"type": "boolean"}, {"type": "string"}],
                    "description": ON_OFF.description}
        if marker is CHECK_ID:
            return {"enum": list(WAIVABLE_IDS)}
        if marker is COMMANDS:
            return {"anyOf": [dict(_SCALAR), {"type": "array",
                                              "items": _value_or_placeholder(str, defs)}],
                    "description": "A shell command, or a list of shell commands."}
        if marker is HOLD:
            duration = _value(Duration, defs)
            return {"anyOf": [*duration["anyOf"], {"const": MANUAL}],
                    "description": duration["description"]}
    if isinstance(tp, type) and issubclass(tp, Item):
        _define(tp, defs)
        return {"$ref": f"#/$defs/{tp.__name__}"}
    if tp is str:
        return dict(_SCALAR)
    if tp is int:
        return {"type": "integer", "minimum": 0}
    if tp is bool:
        return dict(_BOOL)
    if tp is Duration:
        return {"anyOf": [{"type": "string", "pattern": _DURATION_PATTERN},
                          {"type": "integer", "minimum": 0}],
                "description": "A duration: 30s, 5m, 2h, 1d, 1h30m, or a number of seconds."}
    if tp is Percent:
        return {"anyOf": [{"type": "string", "pattern": r"^\s*\d+(\.\d+)?\s*%?\s*$"},
                          {"type": "number", "minimum": 0, "maximum": 100}],
                "description": "A percentage: 10% or a number from 0 to 100."}
    if tp is _dt.date:
        return {"type": "string", "format": "date", "description": "A date as YYYY-MM-DD."}
    raise TypeError(f"no JSON Schema for {tp!r}")  # a new model type needs a rule here


def _define(cls: type, defs: dict[str, Any]) -> None:
    if cls.__name__ in defs:
        return
    defs[cls.__name__] = {}  # placeholder: stops recursion
    hints = type_hints(cls)
    properties: dict[str, Any] = {}
    required: list[str] = []
    for key, spec in public_fields(cls).items():
        schema = _value_or_placeholder(hints[spec.name], defs)
        kind = schema.pop("description", None)
        if spec.metadata.get("required"):
            required.append(key)
        elif set(schema) == {"anyOf"}:
            schema = {"anyOf": [*schema["anyOf"], {"type": "null"}]}
        else:
            schema = {"anyOf": [schema, {"type": "null"}]}
        doc = " ".join(d for d in (spec.metadata.get("doc"), kind) if d)
        if doc:
            schema["description"] = doc
        if spec.metadata.get("example") is not None:
            schema["examples"] = [spec.metadata["example"]]
        properties[key] = schema
    definition: dict[str, Any] = {"type": "object", "properties": properties,
                                  "additionalProperties": False}
    if required:
        definition["required"] = required
    if cls.__doc__ and cls is not Plan and not cls.__doc__.startswith(cls.__name__ + "("):
        definition["description"] = " ".join(cls.__doc__.split())
    defs[cls.__name__] = definition


def plan_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of one plan."""
    defs: dict[str, Any] = {}
    _define(Plan, defs)
    root = defs.pop("Plan")
    defs["Placeholder"] = _PLACEHOLDER_DEF
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": f"sphinx-deployplan plan (format of sphinx-deployplan {__version__})",
        "description": "A deployment plan: environments, pipeline, zero-downtime strategy, "
                       "rollback, feature flags, health checks, migrations and communication.",
        **root,
        "$defs": defs,
    }

