"""YAML text -> :class:`~sphinx_deployplan.model.Plan`, with located problems.

The YAML is composed into nodes (safe loader only, the C one where present) and
read into the model by walking the dataclass fields, so every problem knows the
line of the key or value it is about.  All problems of a plan are collected and
raised together as :class:`~sphinx_deployplan.problems.PlanError`.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import functools
import hashlib
import re
import typing
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import yaml
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from .checks.registry import WAIVABLE_IDS
from .files import NotARegularFile, NotUtf8, TooLarge, decode_text, read_limited
from .ids import slugify
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
    Placeholder,
    Plan,
    public_fields,
    strip_optional,
    type_hints,
)
from .placeholders import is_placeholder
from .problems import PlanError, Problem
from .text import closest, quote, suggest
from .yamlmemo import MemoSafeLoader
from .yamlmerge import split_merges


@dataclass(frozen=True)
class Limits:
    """Bounds on what one plan may cost to read."""

    max_bytes: int = 2_000_000  # size of the YAML text
    max_values: int = 50_000  # values visited, counting every alias expansion
    max_depth: int = 64  # nesting of mappings and lists
    max_problems: int = 100  # problems reported before the loader stops looking


DEFAULT_LIMITS = Limits()

_TAG = "tag:yaml.org,2002:"
_ALLOWED_TAGS = {
    _TAG + t for t in ("null", "bool", "int", "float", "str", "timestamp", "seq", "map", "merge")
}
_DURATION_RE = re.compile(r"^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$", re.ASCII)
_DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)
#: Bounds on numbers, so that no consumer (float arithmetic, int32 config fields,
#: timedelta) meets a number it cannot hold.
MAX_WHOLE = 2**31 - 1
MAX_SECONDS = 100 * 366 * 86400  # a duration longer than a century is a typo
_DURATION_UNITS = (86400, 3600, 60, 1)
_TRUE = {"true", "yes", "on", "y"}
_FALSE = {"false", "no", "off", "n"}
_constructor = SafeConstructor()


class _Invalid:
    """Marks a value that could not be read (a problem has been recorded)."""


INVALID = _Invalid()


class _TooBig(Exception):
    pass


class _TooMany(Exception):
    """Raised once a plan has ``max_problems`` problems: the rest are not looked for."""


# --- public API -------------------------------------------------------------------------------


def load_plan(text: str, source: str | None = None, limits: Limits = DEFAULT_LIMITS) -> Plan:
    """Read one plan from YAML text.  Raises :class:`PlanError` with every problem found.

    ``source`` is the file the text came from (for messages), or None for a
    directive body; lines are counted from the first line of ``text``.
    """
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > limits.max_bytes:
        raise PlanError([Problem("yaml", f"the plan is {size:,} bytes, more than the limit of "
                                 f"{limits.max_bytes:,} (deployplan_max_bytes)", 1, source)])
    to_text_line = _text_lines(text)
    try:
        plan = _load(text, source, limits)
    except PlanError as error:
        for problem in error.problems:
            if problem.line is not None:
                problem.line = to_text_line(problem.line)
        raise
    if _EXTRA_BREAKS.search(text):
        _relocate(plan, to_text_line)
        plan.placeholders = tuple(dataclasses.replace(p, line=to_text_line(p.line))
                                  if p.line is not None else p for p in plan.placeholders)
    return plan


def _load(text: str, source: str | None, limits: Limits) -> Plan:
    node = _compose(text, source)
    reader = _Reader(source, limits)
    plan = reader.read_root(node)
    if reader.problems:
        raise PlanError(reader.problems)
    assert isinstance(plan, Plan)
    plan.source = source
    plan.placeholders = tuple(p for _, p in sorted(reader.placeholders.items()))
    plan.digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:16]
    problems = _resolve(plan, source, limits.max_problems)
    if problems:
        raise PlanError(problems)
    return plan


def read_plan_text(path: str | Path, limits: Limits = DEFAULT_LIMITS) -> str:
    """Read a plan file as text (UTF-8, a BOM allowed), or raise a located PlanError.
    Only a regular file is read, never more than ``limits.max_bytes`` of it (see
    :func:`~sphinx_deployplan.files.read_limited`)."""
    path = Path(path)
    too_big = f"more than the limit of {limits.max_bytes:,} (deployplan_max_bytes)"
    try:
        data = read_limited(path, limits.max_bytes)
    except TooLarge as exc:
        size = f"{exc.size:,} bytes, " if exc.size is not None else ""
        raise PlanError([Problem("yaml", f"the plan file is {size}{too_big}", 1,
                                 str(path))]) from None
    except NotARegularFile as exc:
        raise PlanError([Problem("file", f"the plan path is {exc.kind}, not a regular file; "
                                 f"a plan must be a YAML file", None, str(path))]) from None
    except OSError as exc:
        raise PlanError([Problem("file", f"cannot read the plan file: {exc.strerror}",
                                 None, str(path))]) from None
    try:
        return decode_text(data)
    except NotUtf8 as exc:
        raise PlanError([Problem("yaml", f"the plan file is not UTF-8 text ({exc.where}); "
                                 f"save it as UTF-8", exc.line, str(path))]) from None


def load_plan_file(path: str | Path, limits: Limits = DEFAULT_LIMITS) -> Plan:
    """Read a plan from a YAML file."""
    return load_plan(read_plan_text(path, limits), str(path), limits)


# --- YAML -> nodes ---------------------------------------------------------------------------

#: Line breaks for YAML (1.1) that are none for editors, docutils and MyST.
_EXTRA_BREAKS = re.compile("[\x85\u2028\u2029]")
_YAML_BREAKS = re.compile("\r\n|[\n\r\x85\u2028\u2029]")


def _text_lines(text: str) -> typing.Callable[[int], int]:
    """YAML line -> the line of ``text`` an editor shows (and Sphinx counts).

    YAML also breaks lines at NEL, LS and PS (a U+2028 pasted from a chat or a
    word processor, say), which would shift every later line of a warning.  A
    line past the end (an error at the end of the stream) is the last line."""
    last = max(1, text.count("\n") + (0 if text.endswith("\n") else 1))
    if not _EXTRA_BREAKS.search(text):
        return lambda line: min(line, last)
    starts = [1]
    for match in _YAML_BREAKS.finditer(text):
        starts.append(starts[-1] + (match.group() in ("\n", "\r\n")))
    return lambda line: min(starts[line - 1] if 0 < line <= len(starts) else line, last)


def _relocate(value: Any, to_text_line: typing.Callable[[int], int]) -> None:
    """Apply :func:`_text_lines` to the lines an item and its children remember."""
    if isinstance(value, list):
        for child in value:
            _relocate(child, to_text_line)
    elif isinstance(value, Item):
        if value.line is not None:
            value.line = to_text_line(value.line)
        value.key_lines = {k: to_text_line(n) for k, n in value.key_lines.items()}
        for spec in public_fields(type(value)).values():
            _relocate(getattr(value, spec.name), to_text_line)


_NON_PRINTABLE = yaml.reader.Reader.NON_PRINTABLE
_TOO_DEEP = "the plan is nested too deeply to read (lists or mappings inside each other " \
            "hundreds of levels deep)"


def _compose(text: str, source: str | None) -> Node:
    text = text.lstrip("\ufeff")
    bad = _NON_PRINTABLE.search(text)
    if bad:  # both loaders refuse it, the pure-Python one already in its constructor
        line = text.count("\n", 0, bad.start()) + 1
        raise PlanError([Problem("yaml", f"the plan contains a control character "
                                 f"(U+{ord(bad.group()):04X}), which YAML does not allow; "
                                 f"remove it", line, source)])
    loader = MemoSafeLoader(text)
    try:
        node = loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        raise PlanError([_syntax_problem(exc, text, source)]) from None
    except yaml.YAMLError as exc:
        raise PlanError([Problem("yaml", f"YAML error: {exc}", 1, source)]) from None
    except RecursionError:  # the pure-Python composer recurses once per level
        line = getattr(loader, "line", 0) + 1
        raise PlanError([Problem("yaml", _TOO_DEEP, line, source)]) from None
    finally:
        loader.dispose()
    if node is None:
        raise PlanError([Problem("yaml", "the plan is empty: expected a mapping with plan, "
                                 "title, service and owner", 1, source)])
    if not isinstance(node, MappingNode):
        raise PlanError([Problem("yaml", f"the plan must be a mapping of keys to values, "
                                 f"not {_describe(node)}", _line(node), source)])
    return node


def _syntax_problem(exc: yaml.MarkedYAMLError, text: str, source: str | None) -> Problem:
    """A YAML parser error in a plan author's words, at the most useful line."""
    mark = exc.problem_mark or exc.context_mark
    line = mark.line + 1 if mark else 1
    what = " ".join(str(part) for part in (exc.context, exc.problem) if part)
    if "expected a single document" in what:
        return Problem("yaml", "the plan holds several YAML documents (a line '---' starts a "
                       "new one); give one plan per directive", line, source)
    if "maximum nesting depth" in what:  # libyaml stops at 1,000 levels
        return Problem("yaml", _TOO_DEEP, line, source)
    hint = ""
    rows = text.split("\n")
    row = rows[mark.line] if mark and mark.line < len(rows) else ""
    if "tab" in what or (mark and row[mark.column:mark.column + 1] == "\t"):
        hint = "; YAML indents with spaces, not tabs"
    elif "quoted scalar" in what and "end of stream" in what and exc.context_mark:
        line = exc.context_mark.line + 1
        hint = f"; the quoted text that starts on line {line} is never closed"
    elif "expected key" in what or "'-' indicator" in what:
        hint = "; check the indentation of this line against the lines above it"
    elif "mapping values are not allowed" in what:
        hint = "; quote a value that contains ': ', or check the indentation"
    return Problem("yaml", f"YAML syntax error: {what}{hint}", line, source)


def _line(node: Node) -> int:
    return node.start_mark.line + 1


def _children(node: Node) -> list[Node]:
    """The values directly inside a list or mapping node."""
    if isinstance(node, SequenceNode):
        return node.value
    if isinstance(node, MappingNode):
        return [value for _, value in node.value]
    return []


def _holds_text(tp: Any) -> bool:
    """A list of text or a mapping of names to text, whose entries may be placeholders."""
    tp, origin = _shape(tp)
    if _is_commands(tp):
        return True
    return origin is dict or (origin is list and _str_like(typing.get_args(tp)[0]))


def _is_commands(tp: Any) -> bool:
    return typing.get_origin(tp) is typing.Annotated and typing.get_args(tp)[1] is COMMANDS


def _is_slug(tp: Any) -> bool:
    return typing.get_origin(tp) is typing.Annotated and typing.get_args(tp)[1] is SLUG


def _describe(node: Node) -> str:
    if isinstance(node, MappingNode):
        return "a mapping"
    if isinstance(node, SequenceNode):
        return "a list"
    if node.tag == _TAG + "null":
        return "an empty value"
    text = node.value if len(node.value) <= 40 else node.value[:37] + "..."
    return f"the text {text!r}"


def _is_null(node: Node) -> bool:
    return isinstance(node, ScalarNode) and node.tag == _TAG + "null"


@functools.cache
def _shape(tp: Any) -> tuple[Any, Any]:
    """A field type without its ``| None``, and its origin (list, dict, Literal...):
    the reader asks this for every value, so it is worked out once per type."""
    tp = strip_optional(tp)
    return tp, typing.get_origin(tp)


# --- nodes -> model ---------------------------------------------------------------------------


class _Placeholder:
    """Marks a value given as a placeholder in a field that cannot hold text (a
    duration, a choice, a section): the field is left absent."""


PLACEHOLDER = _Placeholder()


def _str_like(tp: Any) -> bool:
    """Whether a field holds text (so a placeholder is kept as written, for the runbook)."""
    if typing.get_origin(tp) is typing.Annotated:
        return typing.get_args(tp)[0] is str
    return tp is str


class _Reader:
    def __init__(self, source: str | None, limits: Limits) -> None:
        self.source = source
        self.limits = limits
        self.problems: list[Problem] = []
        self.visited = 0
        # every placeholder once, by its position (an alias repeats a node, not its text)
        self.placeholders: dict[tuple[int, int], Placeholder] = {}

    def placeholder(self, node: Node) -> str | None:
        """The text of ``node`` when it is a placeholder, else None."""
        if isinstance(node, ScalarNode) and node.tag == _TAG + "str" \
                and is_placeholder(node.value):
            return node.value
        return None

    def problem(self, subtype: str, message: str, line: int | None) -> _Invalid:
        self.problems.append(Problem(subtype, message, line, self.source))
        if len(self.problems) >= self.limits.max_problems:
            raise _TooMany
        return INVALID

    def read_root(self, node: Node) -> Any:
        try:
            return self.read(Plan, node, "the plan", 0)
        except _TooBig:
            self.problems = [Problem("yaml", f"the plan has more than "
                                     f"{self.limits.max_values:,} values (YAML aliases "
                                     f"expand to copies); refusing to read it",
                                     _line(node), self.source)]
            return INVALID
        except RecursionError:
            self.problems = [Problem("yaml", _TOO_DEEP, _line(node), self.source)]
            return INVALID
        except _TooMany:
            self.problems.append(_too_many(self.limits.max_problems, self.problems[-1]))
            return INVALID

    def read(self, tp: Any, node: Node, where: str, depth: int) -> Any:
        self.visited += 1
        if self.visited > self.limits.max_values:
            raise _TooBig
        if depth > self.limits.max_depth:
            return self.problem("yaml", f"{where} is nested more than "
                                f"{self.limits.max_depth} levels deep", _line(node))
        if node.tag not in _ALLOWED_TAGS:
            return self.problem("yaml", f"{where}: the YAML tag {quote(node.tag, 100)} is not "
                                f"allowed (plans are plain data)", _line(node))
        tp, origin = _shape(tp)
        text = self.placeholder(node)
        if text is not None and not _is_slug(tp):  # (a plan id is never a placeholder)
            mark = node.start_mark
            self.placeholders.setdefault((mark.line, mark.column),
                                         Placeholder(where, text, _line(node)))
            return text if _str_like(tp) else PLACEHOLDER
        if origin is list:
            return self.read_list(typing.get_args(tp)[0], node, where, depth)
        if _is_commands(tp):  # one command, or a list of them
            if isinstance(node, ScalarNode):
                return [self.read_scalar(str, node, where)]
            if not isinstance(node, SequenceNode):
                return self.problem("schema", f"{where} must be {COMMANDS.description}, "
                                    f"not {_describe(node)}", _line(node))
            return self.read_list(str, node, where, depth)
        if origin is dict:
            return self.read_dict(node, where, depth)
        if isinstance(tp, type) and issubclass(tp, Item):
            return self.read_item(tp, node, where, depth)
        if not isinstance(node, ScalarNode):
            return self.problem("schema", f"{where} must be {self.expected(tp)}, "
                                f"not {_describe(node)}", _line(node))
        return self.read_scalar(tp, node, where)

    def expected(self, tp: Any) -> str:
        origin = typing.get_origin(tp)
        if origin is Literal:
            return "one of " + ", ".join(map(str, typing.get_args(tp)))
        if origin is typing.Annotated:
            marker = typing.get_args(tp)[1]
            if marker is CHECK_ID:
                return "one of " + ", ".join(WAIVABLE_IDS)
            return marker.description
        return {str: "text", int: "a whole number", bool: "yes or no (true/false)",
                Duration: "a duration such as 30s, 5m, 2h or 1d",
                Percent: "a percentage such as 10% or a number from 0 to 100",
                _dt.date: "a date as YYYY-MM-DD"}.get(tp, "a value")

    # scalars

    def choice(self, text: str, allowed: tuple[str, ...], where: str, line: int | None,
               ) -> Any:
        if text in allowed:
            return text
        return self.problem("schema", f"{where} must be one of {', '.join(allowed)}; "
                            f"got {quote(text)}{suggest(text, allowed)}", line)

    def read_scalar(self, tp: Any, node: ScalarNode, where: str) -> Any:
        text = node.value
        if tp is str:  # the common case first
            return "" if node.tag == _TAG + "null" else text
        line = _line(node)
        origin = typing.get_origin(tp)
        shown = quote(text)
        if origin is typing.Annotated:
            marker = typing.get_args(tp)[1]
            if marker is SLUG:
                if not SLUG_PATTERN.match(text):
                    return self.problem("schema", f"{where} must be {SLUG.description} "
                                        f"(like checkout-v2), got {shown}", line)
                return text
            if marker is ON_OFF:
                if node.tag == _TAG + "bool" and text.lower() in _TRUE | _FALSE:
                    return "on" if text.lower() in _TRUE else "off"
                return text
            if marker is CHECK_ID:
                return self.choice(text, WAIVABLE_IDS, where, line)
            if marker is HOLD:
                if text == MANUAL:
                    return Duration(0, MANUAL)
                value = parse_duration(text)
                if value is not None:
                    return value
                return self.problem("schema", f"{where} must be {HOLD.description}, such "
                                    f"as 30m, 1h or manual; got {shown}", line)
        if origin is Literal:
            return self.choice(text, typing.get_args(tp), where, line)
        if tp is bool:
            # (an explicit ``!!bool maybe`` is no boolean either)
            if text.lower() in _TRUE | _FALSE:
                return text.lower() in _TRUE
        elif tp is int:
            if node.tag == _TAG + "int":
                try:  # ``!!int abc`` and 5,000 digits raise from the constructor
                    whole = _constructor.construct_yaml_int(node)
                except (ValueError, IndexError):
                    whole = -1
                if 0 <= whole <= MAX_WHOLE:
                    return whole
        elif tp is Duration:
            duration = parse_duration(text)
            if duration is not None:
                return duration
        elif tp is Percent:
            percent = parse_percent(text)
            if percent is not None:
                return percent
        elif tp is _dt.date:
            if not _DATE_RE.match(text):  # fromisoformat also takes 20270115 and 2027-W03
                return self.problem("schema", f"{where} must be a date as YYYY-MM-DD, got "
                                    f"{shown}", line)
            try:
                if node.tag == _TAG + "timestamp":
                    stamp = _constructor.construct_yaml_timestamp(node)
                    return stamp.date() if isinstance(stamp, _dt.datetime) else stamp
                return _dt.date.fromisoformat(text)
            except (ValueError, AttributeError) as exc:  # AttributeError: ``!!timestamp x``
                return self.problem("schema", f"{where} must be a real date as YYYY-MM-DD; "
                                    f"{shown} is not ({exc})", line)
        return self.problem("schema", f"{where} must be {self.expected(tp)}, got {shown}",
                            line)

    # containers

    def read_list(self, item_tp: Any, node: Node, where: str, depth: int) -> Any:
        if _is_null(node):
            return None
        if not isinstance(node, SequenceNode):
            return self.problem("schema", f"{where} must be a list (one entry per line "
                                f"starting with '- '), not {_describe(node)}", _line(node))
        result = []
        for i, child in enumerate(node.value):
            value = self.read(item_tp, child, f"{where}[{i + 1}]", depth + 1)
            if value is not INVALID and value is not PLACEHOLDER:
                result.append(value)
        return result

    def read_dict(self, node: Node, where: str, depth: int) -> Any:
        if _is_null(node):
            return None
        if not isinstance(node, MappingNode):
            return self.problem("schema", f"{where} must be a mapping of names to values, "
                                f"not {_describe(node)}", _line(node))
        result: dict[str, str] = {}
        for key, value in self.pairs(node, where, depth):
            if key in result:
                continue
            read = self.read(str, value, f"{where}.{key}", depth + 1)
            if read is not INVALID:
                result[key] = read
        return result

    def pairs(self, node: MappingNode, where: str, depth: int) -> Iterator[tuple[str, Node]]:
        """Key text and value node of each pair, merge keys (<<) flattened, duplicates
        reported."""
        seen: dict[str, int] = {}

        def count(source: MappingNode) -> None:
            self.visited += len(source.value)
            if self.visited > self.limits.max_values:
                raise _TooBig

        own, merged = split_merges(node, count, lambda key_node: self.problem(
            "yaml", f"{where}: a merge key (<<) needs a mapping", _line(key_node)))
        for key_node, value_node in own:
            if not isinstance(key_node, ScalarNode):
                self.problem("schema", f"{where}: keys must be plain text, not "
                             f"{_describe(key_node)}", _line(key_node))
                continue
            key = key_node.value
            if key in seen:
                self.problem("duplicate", f"{where}: the key {quote(key)} is given twice "
                             f"(first on line {seen[key]})", _line(key_node))
                continue
            seen[key] = _line(key_node)
            yield key, value_node
        for key_node, value_node in merged:  # explicit keys win over merged ones
            self.visited += 1
            if self.visited > self.limits.max_values:
                raise _TooBig
            if isinstance(key_node, ScalarNode) and key_node.value not in seen:
                seen[key_node.value] = _line(key_node)
                yield key_node.value, value_node

    def read_item(self, cls: type, node: Node, where: str, depth: int) -> Any:
        if not isinstance(node, MappingNode):
            return self.problem("schema", f"{where} must be a mapping of keys to values, "
                                f"not {_describe(node)}", _line(node))
        known = public_fields(cls)
        hints = type_hints(cls)
        lines: dict[str, int] = {}  # the line of each key (its first occurrence)
        for key_node, _ in node.value:
            if isinstance(key_node, ScalarNode):
                lines.setdefault(key_node.value, _line(key_node))
        values: dict[str, Any] = {}
        key_lines: dict[str, int] = {}
        empty: set[str] = set()
        placeholder_keys: dict[str, str] = {}
        suggested: set[str] = set()  # keys an unknown key was probably meant to be
        ok = True
        for key, value_node in self.pairs(node, where, depth):
            spec = known.get(key)
            line = lines.get(key) or _line(value_node)
            if spec is None:
                close = closest(key, known)
                if close:
                    suggested.add(close)
                hint = suggest(key, known) or f"; known keys: {', '.join(known)}"
                self.problem("schema", f"unknown key {quote(key)} in {where}{hint}", line)
                ok = False
                continue
            key_lines[key] = line
            if _is_null(value_node):
                empty.add(key)  # an empty value is an absent one
                continue
            value = self.read(hints[spec.name], value_node, _join(where, key), depth + 1)
            text = self.placeholder(value_node)
            if text is None and _holds_text(hints[spec.name]):  # approve: [TODO]
                text = next(filter(None, map(self.placeholder, _children(value_node))), None)
            if text is not None:
                placeholder_keys[key] = text
            if value is PLACEHOLDER:
                continue  # absent, and no "missing the required key": it is given
            if value is INVALID:
                ok = False
            elif isinstance(value, str) and not value.strip() and spec.metadata.get("required"):
                empty.add(key)  # a blank name cannot be referred to, nor shown
            else:
                values[spec.name] = value
        for key, spec in known.items():
            if not spec.metadata.get("required") or spec.name in values \
                    or key in placeholder_keys:
                continue
            if key in empty:
                self.problem("schema", f"{_join(where, key)} is required and must not be "
                             f"empty", key_lines[key])
            elif key not in key_lines and key not in suggested:
                self.problem("schema", f"{where} is missing the required key {key!r}",
                             _line(node))
            ok = False
        if not ok:
            return INVALID
        item = cls(**values)
        assert isinstance(item, Item)
        item.line = _line(node)
        item.key_lines = key_lines
        item.placeholder_keys = placeholder_keys
        return item


def _too_many(max_problems: int, last: Problem) -> Problem:
    return Problem("yaml", f"the plan has more than {max_problems} problems; the rest are not "
                   f"reported (fix these first)", last.line, last.source)


def _join(where: str, key: str) -> str:
    return key if where == "the plan" else f"{where}.{key}"


def _names(names: list[str], limit: int = 10) -> str:
    """A list of names for a message, clipped to ``limit`` of them."""
    shown = ", ".join(quote(n)[1:-1] for n in names[:limit])
    return shown + (f" and {len(names) - limit:,} more" if len(names) > limit else "")


# --- values ---------------------------------------------------------------------------------


def parse_duration(text: str) -> Duration | None:
    """``30s``, ``5m``, ``2h``, ``1d``, ``1h30m`` or a plain number of seconds, up to
    :data:`MAX_SECONDS`."""
    text = text.strip()
    if not text or len(text) > 40:  # (no int() of 5,000 digits)
        return None
    if text.isascii() and text.isdigit():  # ("²".isdigit() is true, int("²") fails)
        seconds, text = int(text), f"{int(text)}s"
    else:
        match = _DURATION_RE.match(text)
        if not match:
            return None
        parts = zip(match.groups(), _DURATION_UNITS, strict=True)
        seconds = sum(int(g) * unit for g, unit in parts if g)
    return Duration(seconds, text) if seconds <= MAX_SECONDS else None


def parse_percent(text: str) -> Percent | None:
    """``1%``, ``0.5%`` or a number from 0 to 100."""
    raw = text.strip()
    number = raw[:-1].strip() if raw.endswith("%") else raw
    try:
        value = float(number)
    except ValueError:
        return None
    if not 0 <= value <= 100 or value != value:
        return None
    shown = f"{value:g}%"
    return Percent(value, shown)


# --- cross-references --------------------------------------------------------------------------


def _resolve(plan: Plan, source: str | None, max_problems: int = 100) -> list[Problem]:
    """Defaults that depend on siblings, uniqueness, references and cycles."""
    problems: list[Problem] = []

    def add(subtype: str, message: str, line: int | None) -> None:
        problems.append(Problem(subtype, message, line, source))
        if len(problems) >= max_problems:
            raise _TooMany

    try:
        _resolve_into(plan, add)
    except _TooMany:
        problems.append(_too_many(max_problems, problems[-1]))
    return problems


def _resolve_into(plan: Plan, add: Any) -> None:
    for key, items in (("environments", plan.environments),
                       ("pipeline.stages", plan.pipeline.stages if plan.pipeline else None),
                       ("feature_flags", plan.feature_flags),
                       ("health_checks", plan.health_checks),
                       ("migrations", plan.migrations)):
        _unique(items or [], key, add)

    stages = plan.stages
    env_names = [e.name for e in plan.environments or []]
    stage_ids = [s.id for s in stages]
    env_set, stage_set = set(env_names), set(stage_ids)  # (lookups stay linear)
    for index, stage in enumerate(stages):
        if stage.needs is None:
            stage.needs = [stages[index - 1].id] if index else []
        if stage.automated is None and stage.kind in ("test", "verify"):
            stage.automated = True
        if stage.kind == "deploy" and not stage.environment:
            add("schema", f"deploy stage {quote(stage.id)} must name the environment it deploys "
                f"to (environment: ...)", stage.line)
        if stage.environment and stage.environment not in env_set:
            known = _names(env_names) or "none are defined"
            add("reference", f"stage {quote(stage.id)} deploys to environment "
                f"{quote(stage.environment)}, which the plan does not define (environments: "
                f"{known}){suggest(stage.environment, env_names)}",
                stage.line_of("environment"))
        for upstream in stage.needs:
            if upstream not in stage_set:
                add("reference", f"stage {quote(stage.id)} needs stage {quote(upstream)}, "
                    f"which the pipeline does not define{suggest(upstream, stage_ids)}",
                    stage.line_of("needs"))
    _cycles(_first(stages, "id"), lambda s: s.needs or [], "pipeline stage", "needs", add)

    migrations = plan.migrations or []
    names = [m.name for m in migrations]
    name_set = set(names)
    for migration in migrations:
        for dep in migration.depends_on or []:
            if dep not in name_set:
                add("reference", f"migration {quote(migration.name)} depends on "
                    f"{quote(dep)}, which the plan does not define{suggest(dep, names)}",
                    migration.line_of("depends_on"))
    _cycles(_first(migrations, "name"), lambda m: m.depends_on or [], "migration",
            "depends_on", add)

    for check in plan.health_checks or []:
        if not check.endpoint and not check.run:
            add("schema", f"health check {quote(check.check)} needs an endpoint or a run "
                f"command", check.line)

    for migration in migrations:  # the SQL comes from the plan or from a file, not both
        for key in ("up", "down"):
            if getattr(migration, key) and getattr(migration, f"{key}_file"):
                add("schema", f"migration {quote(migration.name)} gives both {key} and "
                    f"{key}_file; keep one ({key}_file reads the SQL from the repository)",
                    migration.line_of(f"{key}_file"))


def _unique(items: list[Any], where: str, add: Any) -> None:
    ident = next((f for f in public_fields(type(items[0])).values()
                  if f.metadata.get("identity")), None) if items else None
    if ident is None:
        return
    # Names become anchors and need ids (ids.slugify): "EU West" and "eu-west" would
    # share one, so they count as the same name.
    first: dict[str, tuple[str, int | None]] = {}
    for item in items:
        name = getattr(item, ident.name)
        key = slugify(name)
        if key not in first:
            first[key] = (name, item.line_of(ident.name))
            continue
        earlier, line = first[key]
        if earlier == name:
            add("duplicate", f"{where}: {quote(name)} is defined twice (first on line "
                f"{line}); {ident.name}s must be unique", item.line_of(ident.name))
        else:
            add("duplicate", f"{where}: {quote(name)} and {quote(earlier)} (line {line}) differ "
                f"only in case or punctuation, so they would share one anchor; "
                f"{ident.name}s must differ in their letters or digits",
                item.line_of(ident.name))


def _first(items: list[Any], ident: str) -> dict[str, Any]:
    """Items by name, the first definition of a duplicated name winning (a duplicate
    is reported on its own; its edges would only add a cycle nobody wrote)."""
    graph: dict[str, Any] = {}
    for item in items:
        graph.setdefault(getattr(item, ident), item)
    return graph


def _cycles(graph: dict[str, Any], edges: Any, noun: str, key: str, add: Any) -> None:
    """Report each cycle once, at the first node of it in definition order."""
    state: dict[str, int] = {}  # 1 = on the stack, 2 = done
    for start in graph:
        if state.get(start):
            continue
        stack: list[tuple[str, Iterator[str]]] = [(start, iter(edges(graph[start])))]
        path = [start]
        state[start] = 1
        while stack:
            name, it = stack[-1]
            nxt = next(it, None)
            if nxt is None:
                stack.pop()
                path.pop()
                state[name] = 2
                continue
            if nxt not in graph:
                continue
            if state.get(nxt) == 1:
                cycle = [*path[path.index(nxt):], nxt]
                head = graph[cycle[0]]
                if len(cycle) > 12:  # a cycle through 10,000 stages makes no 10,000-name line
                    cycle = [*cycle[:6], f"... ({len(cycle) - 11:,} more)", *cycle[-5:]]
                add("reference", f"{noun}s form a cycle through {key}: "
                    f"{' -> '.join(quote(c)[1:-1] for c in cycle)}", head.line_of(key))
            elif not state.get(nxt):
                state[nxt] = 1
                path.append(nxt)
                stack.append((nxt, iter(edges(graph[nxt]))))
