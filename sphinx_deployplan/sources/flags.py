"""flagd flag definitions (JSON, or the same in YAML), read as the plan's flags: every
flag key and its ``defaultVariant``.

A default reads as on or off when its variant is named ``on``/``off`` or its value
is a boolean (``"enabled": true`` is on); otherwise it is the variant's name.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..loader import Limits
from .files import ReadError, SourceFile
from .tree import Map, Scalar, json_document, yaml_documents


@dataclass(frozen=True)
class FileFlag:
    key: str
    line: int
    default: Scalar | None  # defaultVariant, as written
    reading: str | None  # on, off or the variant name; None without a default


@dataclass(frozen=True)
class FlagsFacts:
    source: SourceFile
    line: int  # of ``flags``
    flags: dict[str, FileFlag] = field(default_factory=dict)


def is_json(source: SourceFile) -> bool:
    return source.name.endswith(".json") or \
        source.text.lstrip("\ufeff \t\r\n").startswith("{")


def read_flags(source: SourceFile, limits: Limits) -> FlagsFacts:
    if is_json(source):
        docs = [json_document(source.text, limits)]
    else:
        docs = yaml_documents(source.text, limits)
    root = next((d for d in docs if isinstance(d, Map) and "flags" in d.items), None)
    flags = root.map("flags") if root is not None else None
    if root is None or flags is None:
        raise ReadError("is not a flagd flag definition file (expected a mapping with "
                        "\"flags\")", root.line if root is not None else 1)
    found: dict[str, FileFlag] = {}
    for key, value in flags.items.items():
        default = value.scalar("defaultVariant") if isinstance(value, Map) else None
        variants = value.map("variants") if isinstance(value, Map) else None
        found[key] = FileFlag(key, flags.line_of(key), default,
                              _reading(default, variants))
    return FlagsFacts(source, root.line_of("flags"), found)


def _reading(default: Scalar | None, variants: Map | None) -> str | None:
    if default is None:
        return None
    name = default.text
    if name.lower() in ("on", "off"):
        return name.lower()
    value = variants.scalar(name) if variants is not None else None
    if value is not None and value.tag == "bool":
        return "on" if value.value else "off"
    return name
