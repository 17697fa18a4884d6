"""YAML and JSON text -> a small tree of values that remember their line.

Deploy files are read as data, never constructed into Python objects: YAML is
composed into nodes with the safe loader (the C one where present), JSON is
parsed by a small parser of our own that keeps the line of every key and value
(``json`` keeps none).  Both give the same three node types, so each reader of a
deploy file works the same on either.  The conversion counts every value (an
alias counts each time it is expanded) and every level of nesting, so a hostile
file costs at most ``Limits.max_values`` values; scalars keep their text as
written (``10m``, ``'on'``), with a tag saying how YAML or JSON reads them.
"""

from __future__ import annotations

import bisect
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Literal

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from ..loader import Limits
from ..yamlmemo import MemoSafeLoader
from ..yamlmerge import split_merges
from .files import ReadError

Tag = Literal["str", "int", "float", "bool", "null"]


@dataclass(slots=True)
class Scalar:
    text: str  # as written, without quotes
    tag: Tag
    line: int

    @property
    def value(self) -> str | bool | None:
        """The text, or a boolean for true/false (and YAML 1.1's on/off, yes/no), or
        None for null."""
        if self.tag == "bool":
            return self.text.lower() in ("true", "yes", "on", "y")
        if self.tag == "null":
            return None
        return self.text


@dataclass(slots=True)
class Seq:
    items: list[Value]
    line: int


@dataclass(slots=True)
class Map:
    items: dict[str, Value]
    line: int
    key_lines: dict[str, int] = field(default_factory=dict)

    def get(self, key: str) -> Value | None:
        return self.items.get(key)

    def line_of(self, key: str) -> int:
        return self.key_lines.get(key, self.line)

    def map(self, key: str) -> Map | None:
        value = self.items.get(key)
        return value if isinstance(value, Map) else None

    def seq(self, key: str) -> Seq | None:
        value = self.items.get(key)
        return value if isinstance(value, Seq) else None

    def scalar(self, key: str) -> Scalar | None:
        value = self.items.get(key)
        return value if isinstance(value, Scalar) and value.tag != "null" else None

    def text(self, key: str) -> str | None:
        value = self.scalar(key)
        return value.text if value is not None else None


Value = Scalar | Seq | Map


def walk(value: Value, *path: str) -> Value | None:
    """``value[path[0]][path[1]]...`` through mappings, or None."""
    current: Value | None = value
    for key in path:
        if not isinstance(current, Map):
            return None
        current = current.items.get(key)
    return current


# --- YAML -------------------------------------------------------------------------------------

_TAG = "tag:yaml.org,2002:"
_TAGS: dict[str, Tag] = {_TAG + "str": "str", _TAG + "int": "int", _TAG + "float": "float",
                         _TAG + "bool": "bool", _TAG + "null": "null",
                         _TAG + "timestamp": "str", _TAG + "binary": "str"}
_NON_PRINTABLE = yaml.reader.Reader.NON_PRINTABLE
_TOO_DEEP = "is nested too deeply to read"


def yaml_documents(text: str, limits: Limits) -> list[Value]:
    """Every document of a YAML stream (a Kubernetes file often holds several)."""
    text = text.lstrip("\ufeff")
    bad = _NON_PRINTABLE.search(text)
    if bad:
        raise ReadError(f"contains a control character (U+{ord(bad.group()):04X}), which "
                        f"YAML does not allow", text.count("\n", 0, bad.start()) + 1)
    loader = MemoSafeLoader(text)
    converter = _Converter(limits)
    documents: list[Value] = []
    try:
        while loader.check_node():
            node = loader.get_node()
            if node is not None and not (isinstance(node, ScalarNode)
                                         and node.tag == _TAG + "null"):
                documents.append(converter.convert(node, 0))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        what = " ".join(str(part) for part in (exc.context, exc.problem) if part)
        # (an error at the end of the stream is on the last line an editor shows)
        line = min(mark.line + 1 if mark else 1, max(1, len(text.splitlines())))
        if "maximum nesting depth" in what:
            raise ReadError(_TOO_DEEP, line) from None
        raise ReadError(f"is not valid YAML: {what}", line) from None
    except yaml.YAMLError as exc:
        raise ReadError(f"is not valid YAML: {exc}") from None
    except RecursionError:  # the pure-Python composer recurses once per level
        raise ReadError(_TOO_DEEP, getattr(loader, "line", 0) + 1) from None
    finally:
        loader.dispose()
    return documents


class _Converter:
    """Composed YAML nodes -> tree values, counting values and depth."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.visited = 0

    def count(self, node: Node, n: int = 1) -> None:
        self.visited += n
        if self.visited > self.limits.max_values:
            raise ReadError(f"has more than {self.limits.max_values:,} values (YAML "
                            f"aliases expand to copies); refusing to read it",
                            node.start_mark.line + 1)

    def convert(self, node: Node, depth: int) -> Value:
        self.count(node)
        line = node.start_mark.line + 1
        if depth > self.limits.max_depth:
            raise ReadError(_TOO_DEEP, line)
        if isinstance(node, ScalarNode):
            tag = _TAGS.get(node.tag)
            if tag is None:
                raise ReadError(f"uses the YAML tag {node.tag[:100]!r}, which is not allowed "
                                f"(deploy files are read as plain data)", line)
            return Scalar(node.value, tag, line)
        if node.tag not in (_TAG + "seq", _TAG + "map", _TAG + "omap", _TAG + "set"):
            raise ReadError(f"uses the YAML tag {node.tag[:100]!r}, which is not allowed "
                            f"(deploy files are read as plain data)", line)
        if isinstance(node, SequenceNode):
            return Seq([self.convert(child, depth + 1) for child in node.value], line)
        assert isinstance(node, MappingNode)
        result = Map({}, line)
        for key_node, value_node in self._pairs(node):
            if not isinstance(key_node, ScalarNode):
                continue  # a complex key names nothing a deploy file reader looks for
            key = key_node.value
            if key in result.items:
                continue  # the first of a duplicated key wins, as in the plan loader
            result.items[key] = self.convert(value_node, depth + 1)
            result.key_lines[key] = key_node.start_mark.line + 1
        return result

    def _pairs(self, node: MappingNode) -> Iterator[tuple[Node, Node]]:
        """The mapping's pairs, merge keys (<<) flattened after the explicit ones."""
        own, merged = split_merges(
            node, lambda source: self.count(source, len(source.value)), lambda key: None)
        yield from own
        yield from merged


# --- JSON -------------------------------------------------------------------------------------

_WHITESPACE = re.compile(r"[ \t\n\r]*")
_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?")
_LITERALS: dict[str, Tag] = {"true": "bool", "false": "bool", "null": "null"}


def json_document(text: str, limits: Limits) -> Value:
    """One JSON document, with the line of every key and value.

    An iterative parser (no recursion, whatever the nesting) that follows RFC 8259;
    strings are decoded by ``json``'s own scanner, so escapes mean what they mean to
    ``json.loads``."""
    text = text.lstrip("\ufeff")
    breaks = [m.start() for m in re.finditer("\n", text)]

    def line_at(pos: int) -> int:
        return bisect.bisect_right(breaks, pos - 1) + 1

    def fail(message: str, pos: int) -> ReadError:
        return ReadError(f"is not valid JSON: {message}", line_at(pos))

    def skip(pos: int) -> int:
        match = _WHITESPACE.match(text, pos)  # (it matches everywhere, if only "")
        return match.end() if match else pos

    def string(pos: int) -> tuple[str, int]:
        # json.decoder defines scanstring (the C scanner, else its Python twin); typeshed
        # leaves it out
        try:
            return json.decoder.scanstring(text, pos + 1, True)  # type: ignore[attr-defined]
        except json.JSONDecodeError as exc:
            raise fail(exc.msg.lower(), exc.pos) from None

    visited = 0
    # each open container: (node, pending key of a mapping)
    stack: list[tuple[Map | Seq, str | None]] = []
    root: Value | None = None
    pos = skip(0)
    while True:
        # a value starts at pos
        if pos >= len(text):
            raise fail("the text ends where a value should be", pos)
        visited += 1
        if visited > limits.max_values:
            raise ReadError(f"has more than {limits.max_values:,} values; refusing to "
                            f"read it", line_at(pos))
        char = text[pos]
        line = line_at(pos)
        value: Value | None = None
        if char == "{" or char == "[":
            if len(stack) >= limits.max_depth:
                raise ReadError(_TOO_DEEP, line)
            container: Map | Seq = Map({}, line) if char == "{" else Seq([], line)
            pos = skip(pos + 1)
            closing = "}" if char == "{" else "]"
            if pos < len(text) and text[pos] == closing:
                value, pos = container, pos + 1
            else:
                stack.append((container, None))
                if isinstance(container, Map):
                    pos = _key(text, pos, stack, string, fail, skip, line_at)
                continue
        elif char == '"':
            decoded, pos = string(pos)
            value = Scalar(decoded, "str", line)
        else:
            match = _NUMBER.match(text, pos)
            word = next((w for w in _LITERALS if text.startswith(w, pos)), None)
            if word is not None:
                value, pos = Scalar(word, _LITERALS[word], line), pos + len(word)
            elif match and match.end() > pos:
                number = match.group()
                tag: Tag = "float" if any(c in number for c in ".eE") else "int"
                value, pos = Scalar(number, tag, line), match.end()
            else:
                raise fail(f"unexpected {text[pos:pos + 10]!r}", pos)
        # a value is complete: attach it, then close containers as far as they end
        while True:
            if not stack:
                root = value
                pos = skip(pos)
                if pos != len(text):
                    raise fail("more text after the end of the document", pos)
                return root
            container, key = stack[-1]
            if isinstance(container, Map):
                assert key is not None
                container.items.setdefault(key, value)
            else:
                container.items.append(value)
            pos = skip(pos)
            closing = "}" if isinstance(container, Map) else "]"
            if pos < len(text) and text[pos] == ",":
                pos = skip(pos + 1)
                if isinstance(container, Map):
                    pos = _key(text, pos, stack, string, fail, skip, line_at)
                break  # the next value of this container
            if pos < len(text) and text[pos] == closing:
                stack.pop()
                value, pos = container, pos + 1
                continue
            raise fail(f"expected ',' or {closing!r}", pos)


def _key(text, pos, stack, string, fail, skip, line_at) -> int:
    """Read ``"key":`` of the innermost mapping; return where its value starts."""
    if pos >= len(text) or text[pos] != '"':
        raise fail("expected a key in double quotes", pos)
    key, pos = string(pos)
    container, _ = stack[-1]
    if key not in container.items:
        container.key_lines[key] = line_at(pos)
    stack[-1] = (container, key)
    pos = skip(pos)
    if pos >= len(text) or text[pos] != ":":
        raise fail("expected ':' after a key", pos)
    return skip(pos + 1)
