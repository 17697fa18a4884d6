"""What every Kubernetes-style deploy file shares: several documents, each with a
``kind``; the one the plan means is picked by kind (and by name, when several)."""

from __future__ import annotations

from collections.abc import Iterable

from ..loader import Limits
from .files import ReadError, SourceFile
from .tree import Map, json_document, yaml_documents


def documents(source: SourceFile, limits: Limits) -> list[Map]:
    """The mappings of a YAML stream (or a JSON file); a ``kind: List`` is opened up."""
    if source.name.endswith(".json") or source.text.lstrip("\ufeff \t\r\n").startswith("{"):
        found = [json_document(source.text, limits)]
    else:
        found = yaml_documents(source.text, limits)
    out: list[Map] = []
    for doc in found:
        if not isinstance(doc, Map):
            continue
        items = doc.seq("items") if doc.text("kind") == "List" else None
        if items is None:
            out.append(doc)
        else:
            out.extend(i for i in items.items if isinstance(i, Map))
    return out


def name_of(doc: Map) -> str | None:
    meta = doc.map("metadata")
    return meta.text("name") if meta else None


def pick(docs: list[Map], kinds: Iterable[str], service: str | None, what: str) -> Map:
    """The document of one of ``kinds`` named like the service, else the first of
    them; ReadError naming the kinds found when there is none."""
    kinds = tuple(kinds)
    matching = [d for d in docs if d.text("kind") in kinds]
    if not matching:
        found = sorted({k for d in docs if (k := d.text("kind"))})
        held = f" (it holds {', '.join(repr(k[:40]) for k in found[:8])})" if found else \
            " (it holds no document with a kind)"
        raise ReadError(f"holds no {what}{held}", 1)
    return next((d for d in matching if service and name_of(d) == service), matching[0])
