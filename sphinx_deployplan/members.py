"""A portal member's ``needs.json``, read as untrusted input.  No Sphinx here.

A portal shows the plans of other sites from the ``needs.json`` they publish.
That file comes from another repository, so nothing in it is trusted: it is read
only if it is a regular file under a size limit, parsed as strict JSON (no
``NaN``, numbers of any length refused rather than raising, nesting bounded),
and every need is checked before anything uses it:

* every string is at most :data:`MAX_TEXT` characters (a 1.6 MB title made
  sphinx-needs' own loading take a minute), every container shallow;
* a deployplan need (type ``dp...``) has the fields of its type with the types
  and values this package writes: a slug ``plan``, a ``check`` id and ``result``
  of the known ones, a ``cleanup`` that is a real ``YYYY-MM-DD`` date, a boolean
  ``permanent``, a document name that is a relative path, and an id that is the
  one this package gives that plan, check or flag (so a need can only ever
  describe the plan it names);
* a member's needs describe that member only: ``site`` must be the file's
  ``project``, and a check, flag or item counts only for a plan the same file
  publishes.

A need that fails is left out, with a sentence saying why; the others stand.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import math
import re
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .checks.registry import CHECK_IDS, RULE_IDS
from .files import NotUtf8, decode_text, read_limited
from .ids import is_need_of, need_id
from .items import ITEM_KINDS
from .model import FlagType, Method

#: The longest string a member's need may hold (titles included).
MAX_TEXT = 10_000
#: The longest name (an id, a document name, a flag name...).
MAX_NAME = 500
#: How deep a need's fields may nest (sphinx-needs writes at most two levels).
MAX_DEPTH = 4
#: Needs left out whose line in the file is looked up (each lookup reads the text).
MAX_LOCATED = 20
#: Default limit on a member file's size (deployplan_portal_max_bytes): about
#: 1,000 plans of the size of this package's samples.
DEFAULT_MAX_BYTES = 100_000_000

RESULTS = frozenset({"met", "unmet", "n/a", "waived"})
METHODS = frozenset(typing.get_args(Method))
FLAG_TYPES = frozenset(typing.get_args(FlagType))
OUR_TYPES = frozenset({*(f"dp{kind}" for kind in ITEM_KINDS), "dpcheck", "dprule"})

_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*\Z")
_NEED_ID = re.compile(r"^[A-Za-z0-9_]+\Z")
#: A page of the site: segments separated by "/", none empty, "." or "..", no
#: control character, backslash or colon (so no URL scheme and no drive).
_DOCNAME = re.compile(r"^(?!.*(?:^|/)\.{1,2}(?:/|$))[^/\x00-\x1f\x7f\\:]+"
                      r"(?:/[^/\x00-\x1f\x7f\\:]+)*\Z")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}\Z")


class MemberRefused(Exception):
    """The whole file cannot serve the portal; the message says why, ``line`` where."""

    def __init__(self, message: str, line: int = 1) -> None:
        super().__init__(message)
        self.line = line


@dataclass(frozen=True)
class MemberFlag:
    name: str
    need_id: str
    type: str | None
    owner: str | None
    default: str | None
    cleanup: _dt.date | None
    permanent: bool


@dataclass
class MemberPlan:
    plan: str
    need_id: str
    docname: str
    title: str
    service: str
    owner: str
    method: str | None
    #: check id -> (result, need id)
    checks: dict[str, tuple[str, str]] = field(default_factory=dict)
    #: rule id -> (result, need id)
    rules: dict[str, tuple[str, str]] = field(default_factory=dict)
    flags: list[MemberFlag] = field(default_factory=list)


@dataclass
class MemberFile:
    """What a member publishes, checked."""

    project: str
    plans: list[MemberPlan]
    document: dict[str, Any]  # the needs.json to hand on: bad needs left out
    problems: list[tuple[int | None, str]]  # (line, why) of each need left out
    digest: str  # of the file's bytes, to notice a change


class _Bad(Exception):
    """A need that is left out; the message says why."""


#: The most digits a whole number in a member file may have (Python refuses more than
#: 4,300 with an error of its own; no field of a needs.json needs more than a few).
MAX_DIGITS = 30


class _Unreadable(ValueError):
    """A JSON value this reader refuses (raised from inside the JSON parser)."""


def _reject_constant(name: str) -> Any:
    raise _Unreadable(f"holds {name}, which is no JSON number")


def _whole_number(text: str) -> int:
    if len(text.lstrip("-")) > MAX_DIGITS:
        raise _Unreadable(f"holds a number of {len(text.lstrip('-')):,} digits")
    return int(text)


def parse(text: str) -> Any:
    """Strict JSON, or :class:`MemberRefused` with a short reason."""
    try:
        return json.loads(text, parse_constant=_reject_constant, parse_int=_whole_number)
    except RecursionError:
        raise MemberRefused("is nested too deeply to be a needs.json") from None
    except json.JSONDecodeError as exc:
        raise MemberRefused(f"is not valid JSON (column {exc.colno}: {exc.msg})",
                            exc.lineno) from None
    except _Unreadable as exc:
        raise MemberRefused(str(exc)) from None


def read_member(path: str | Path, max_bytes: int = DEFAULT_MAX_BYTES,
                version: str | None = None) -> MemberFile:
    """Read and check one member file (see the module docstring).

    Raises :class:`MemberRefused` when the file as a whole is unusable, and the
    :class:`OSError` (or :mod:`.files` error) of a file that cannot be read."""
    data = read_limited(path, max_bytes)
    try:
        text = decode_text(data)
    except NotUtf8 as exc:
        raise MemberRefused(f"is not UTF-8 text ({exc.where})", exc.line) from None
    document = parse(text)
    if not isinstance(document, dict) or not isinstance(document.get("versions"), dict):
        raise MemberRefused("is not a sphinx-needs needs.json (no 'versions' mapping)")
    project = document.get("project")
    if not isinstance(project, str) or not project.strip() or len(project) > MAX_NAME:
        raise MemberRefused("names no project (the 'project' of its site)")
    versions = document["versions"]
    chosen = version if version is not None else document.get("current_version")
    if chosen not in versions and len(versions) == 1:
        chosen = next(iter(versions))
    if not isinstance(chosen, str) or not isinstance(versions.get(chosen), dict):
        raise MemberRefused(f"has no version {chosen!r} of its needs"
                            if chosen is not None else "has several versions and no "
                            "'current_version'")
    needs = versions[chosen].get("needs")
    if not isinstance(needs, dict):
        raise MemberRefused(f"has no 'needs' mapping in its version {chosen!r}")
    kept, plans, problems = _check_needs(needs, project)
    located = [(_line_of(text, key) if index < MAX_LOCATED else None, why)
               for index, (key, why) in enumerate(problems)]
    out = {key: value for key, value in document.items() if key != "versions"}
    out["current_version"] = chosen
    out["versions"] = {chosen: {**versions[chosen], "needs": kept, "needs_amount": len(kept)}}
    return MemberFile(project, plans, out, located, hashlib.sha256(data).hexdigest())


def _line_of(text: str, key: str) -> int | None:
    """The line of the need ``key`` (where the key of its object is written)."""
    start = text.find('"needs"')
    match = re.compile(re.escape(json.dumps(key, ensure_ascii=False)) + r"\s*:").search(
        text, max(start, 0))
    return text.count("\n", 0, match.start()) + 1 if match else None


def _check_needs(needs: dict[str, Any], project: str,
                 ) -> tuple[dict[str, Any], list[MemberPlan], list[tuple[str, str]]]:
    problems: list[tuple[str, str]] = []  # (need key, why it is left out)
    checked: dict[str, dict[str, Any]] = {}
    for key, need in needs.items():
        try:
            checked[key] = _check_need(key, need, project)
        except _Bad as bad:
            problems.append((key, f"need {_clip(key, 80)!r} is left out: {bad}"))
    plans: dict[str, MemberPlan] = {}  # (a plan's need id is its only one: no twins)
    for key, need in checked.items():
        if need["type"] == "dpplan":
            plans[need["plan"]] = MemberPlan(
                plan=need["plan"], need_id=key, docname=need["docname"],
                title=need["title"], service=need.get("service") or "",
                owner=need.get("owner") or "", method=need.get("method"))
    kept: dict[str, Any] = {}
    orphans: dict[str, list[str]] = {}  # plan id not published -> needs that name it
    for key, need in checked.items():
        if need["type"] in OUR_TYPES:
            plan = plans.get(need["plan"])
            if plan is None:
                orphans.setdefault(need["plan"], []).append(key)
                continue
            if need["type"] == "dpcheck":
                plan.checks[need["check"]] = (need["result"], key)
            elif need["type"] == "dprule":
                plan.rules[need["check"]] = (need["result"], key)
            elif need["type"] == "dpflag":
                plan.flags.append(MemberFlag(
                    need["flag"], key, need.get("flag_type"),
                    need.get("owner"), need.get("default"), _date(need.get("cleanup")),
                    bool(need.get("permanent"))))
        kept[key] = needs[key]
    for plan_id, keys in orphans.items():
        named = ", ".join(repr(k) for k in keys[:3]) + (", ..." if len(keys) > 3 else "")
        problems.append((keys[0], f"{len(keys)} need(s) ({named}) are left out: they "
                                  f"describe plan {plan_id!r}, which this site does not "
                                  f"publish"))
    return kept, sorted(plans.values(), key=lambda p: p.plan), problems


# --- one need ----------------------------------------------------------------------------------


def _check_need(key: str, need: Any, project: str) -> dict[str, Any]:
    """The need's fields, checked; raises :class:`_Bad`."""
    if not isinstance(need, dict):
        raise _Bad("it is not a JSON object")
    _bounded(need, 1)
    if need.get("id", key) != key:
        raise _Bad(f"its id is {_show(need.get('id'))}, not its key")
    _name(key, "its id", "a need id", _NEED_ID)
    kind = need.get("type")
    if not isinstance(kind, str):
        raise _Bad(f"its type is {_show(kind)}, not text")
    if kind not in OUR_TYPES:
        return need  # another tool's need: bounded, and left to sphinx-needs' schema
    plan = _name(need.get("plan"), "its plan", "a plan id (a slug)", _SLUG)
    if need.get("site") != project:
        raise _Bad(f"it says it belongs to site {_clip(str(need.get('site')), 80)!r}, but "
                   f"the file is the needs.json of {project!r}")
    _name(need.get("docname"), "its document", "the name of a page of the site", _DOCNAME)
    _text(need.get("title"), "its title")
    if kind == "dpplan":
        _expect_id(key, need_id(plan))
        for name in ("service", "owner"):
            _text(need.get(name), f"its {name}", optional=True)
        _one_of(need.get("method"), METHODS, "its method")
    elif kind in ("dpcheck", "dprule"):
        known = CHECK_IDS if kind == "dpcheck" else RULE_IDS
        _one_of(need.get("check"), known, "its check", optional=False)
        _expect_id(key, need_id(plan, kind.removeprefix("dp"), need["check"]))
        _one_of(need.get("result"), RESULTS, "its result", optional=False)
    elif kind == "dpflag":
        flag = _name(need.get("flag"), "its flag name", "a name")
        _expect_id(key, need_id(plan, "flag", flag))
        _one_of(need.get("flag_type"), FLAG_TYPES, "its flag type")
        for name in ("owner", "default"):
            _text(need.get(name), f"its {name}", optional=True)
        _date(need.get("cleanup"))
        if need.get("permanent") not in (None, True, False):
            raise _Bad("its 'permanent' is not true or false")
    elif not is_need_of(plan, key):
        raise _Bad(f"its id is not one of plan {plan!r}'s")
    return need


def _bounded(value: Any, depth: int) -> None:
    """Strings, numbers and containers of a sane size, nested at most MAX_DEPTH."""
    if isinstance(value, str):
        if len(value) > MAX_TEXT:
            raise _Bad(f"it holds a text of {len(value):,} characters (at most {MAX_TEXT:,})")
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise _Bad("it holds a number that is not finite")
    elif isinstance(value, dict | list):  # (JSON gives nothing else but None, bools, ints)
        if depth > MAX_DEPTH:
            raise _Bad(f"its fields nest more than {MAX_DEPTH} levels deep")
        for key in value if isinstance(value, dict) else ():
            _bounded(key, depth + 1)
        for item in value.values() if isinstance(value, dict) else value:
            _bounded(item, depth + 1)


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _show(value: Any) -> str:
    """A value as a message names it: text quoted (and clipped), else its kind."""
    if isinstance(value, str):
        return repr(_clip(value, 80))
    if value is None:
        return "missing"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    return "a list" if isinstance(value, list) else "an object"


def _name(value: Any, what: str, kind: str, pattern: re.Pattern[str] | None = None) -> str:
    if not isinstance(value, str) or not value or len(value) > MAX_NAME or (
            pattern is not None and not pattern.match(value)):
        raise _Bad(f"{what} is {_show(value)}, not {kind}")
    return value


def _text(value: Any, what: str, *, optional: bool = False) -> None:
    if value is None and optional:
        return
    if not isinstance(value, str):
        raise _Bad(f"{what} is {_show(value)}, not text")


def _one_of(value: Any, allowed: Any, what: str, *, optional: bool = True) -> None:
    if value is None and optional:
        return
    if value not in allowed:
        raise _Bad(f"{what} is {_show(value)}, not one of {', '.join(sorted(allowed))}")


def _expect_id(key: str, expected: str) -> None:
    if key != expected:
        raise _Bad(f"its id should be {expected!r} for what it describes")


def _date(value: Any) -> _dt.date | None:
    if value is None:
        return None
    if not isinstance(value, str) or not _DATE.match(value):
        raise _Bad(f"its cleanup is {_show(value)}, not a date (YYYY-MM-DD)")
    try:
        return _dt.date.fromisoformat(value)
    except ValueError:
        raise _Bad(f"its cleanup {value!r} is not a date of the calendar") from None
