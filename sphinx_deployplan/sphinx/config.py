"""Configuration values of the extension: one table, used by setup() and the docs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..loader import DEFAULT_LIMITS, Limits


@dataclass(frozen=True)
class ConfigValue:
    name: str
    default: Any
    rebuild: str  # "env": changing it re-reads every document
    types: tuple[type, ...]
    doc: str


CONFIG_VALUES: tuple[ConfigValue, ...] = (
    ConfigValue("deployplan_max_bytes", DEFAULT_LIMITS.max_bytes, "env", (int,),
                "Largest plan (YAML text, in bytes) the loader reads; larger plans are "
                "refused with a ``deployplan.yaml`` warning."),
    ConfigValue("deployplan_max_values", DEFAULT_LIMITS.max_values, "env", (int,),
                "Most values one plan may hold, counting each expansion of a YAML alias, "
                "so that an alias bomb is refused instead of exhausting memory."),
)


def limits(config: Any) -> Limits:
    return Limits(max_bytes=config.deployplan_max_bytes,
                  max_values=config.deployplan_max_values,
                  max_depth=DEFAULT_LIMITS.max_depth)
