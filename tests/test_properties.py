"""Property-based tests: plans generated from the model itself, valid and mutated.

The strategies walk the dataclass fields of :class:`~sphinx_deployplan.model.Plan`
and their type hints (the same walk the loader does), so a field added to the
model is generated without touching this file.  Each test runs
``EXAMPLES`` examples (``DEPLOYPLAN_HYPOTHESIS_EXAMPLES`` overrides it, for a long
run before a release); no example database is written (a failure prints the seed
to reproduce it with ``--hypothesis-seed``).  Properties:

* loading any text (a valid plan, a mutated one, a plan with a hostile scalar
  spliced in) raises nothing but :class:`PlanError`, whose problems have a
  documented subtype and a line inside the text;
* whatever the loader accepts, the checks accept, and every exporter either
  returns text or refuses the plan with ``ValueError`` (what the site and the CLI
  expect); checks and exports are deterministic, byte for byte, and leave the
  plan unchanged;
* a valid plan dumped back to YAML and loaded again is the same model, with the
  same check results.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import importlib
import os
import typing
from typing import Any, Literal

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sphinx_deployplan.checks import WAIVABLE_IDS, run_checks
from sphinx_deployplan.export import EXPORTERS
from sphinx_deployplan.ids import slugify
from sphinx_deployplan.loader import MAX_WHOLE, load_plan
from sphinx_deployplan.model import (
    CHECK_ID,
    COMMANDS,
    HOLD,
    ON_OFF,
    SLUG,
    Duration,
    Item,
    Percent,
    Plan,
    public_fields,
    strip_optional,
)
from sphinx_deployplan.problems import SUBTYPES, PlanError

EXAMPLES = int(os.environ.get("DEPLOYPLAN_HYPOTHESIS_EXAMPLES", "100"))
SETTINGS = settings(max_examples=EXAMPLES, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
TODAY = dt.date(2027, 1, 1)


def _available_exporters() -> dict[str, Any]:
    """The exporters whose module exists (others may still be in progress)."""
    found = {}
    for name, exporter in EXPORTERS.items():
        try:
            importlib.import_module(f"sphinx_deployplan.export.{exporter.module}")
        except ModuleNotFoundError:
            continue
        found[name] = exporter
    return found


AVAILABLE = _available_exporters()

# --- strategies: YAML data following the model's type hints ------------------------------------

#: Text as authors write it, with the characters that mean something to YAML,
#: Markdown, HTML, shells and CI expressions.
_SPECIAL = st.sampled_from([
    "", " ", ":", ": ", "- ", "#", "'", '"', "|", "`", "```", "*", "&", "!", "%", "@", "{", "}",
    "[", "]", ",", "<script>", "${{ x }}", "\\", "\n", "\t", "yes", "no", "on", "off", "null",
    "~", "0x1f", "1:30", "1e3", ".nan", "2027-13-45", "\u00e9", "\u2028", "\U0001f680",
])
TEXT = st.one_of(
    st.text(max_size=12),
    st.lists(st.one_of(_SPECIAL, st.text(max_size=4)), max_size=4).map("".join),
)
NAME = st.one_of(st.from_regex(r"[a-z][a-z0-9-]{0,8}", fullmatch=True), TEXT)
SLUG_TEXT = st.from_regex(r"[a-z0-9]{1,6}(-[a-z0-9]{1,4}){0,2}", fullmatch=True)
DURATION = st.one_of(
    st.integers(0, 10**6),
    st.builds(lambda n, unit: f"{n}{unit}", st.integers(0, 999), st.sampled_from("smhd")),
    st.just("1h30m"),
)
PERCENT = st.one_of(st.integers(0, 100), st.builds("{}%".format, st.integers(0, 100)),
                    st.just("0.5%"), st.just(99.95))
DATE = st.one_of(st.dates(dt.date(2000, 1, 1), dt.date(2100, 12, 31)),
                 st.dates(dt.date(2000, 1, 1), dt.date(2100, 12, 31)).map(dt.date.isoformat))


def value_of(tp: Any) -> st.SearchStrategy[Any]:
    """YAML-ready data for a field of type ``tp``."""
    tp = strip_optional(tp)
    origin = typing.get_origin(tp)
    if origin is list:
        return st.lists(value_of(typing.get_args(tp)[0]), max_size=3)
    if origin is dict:
        return st.dictionaries(NAME, TEXT, max_size=3)
    if origin is Literal:
        return st.sampled_from(typing.get_args(tp))
    if origin is typing.Annotated:
        marker = typing.get_args(tp)[1]
        if marker is SLUG:
            return SLUG_TEXT
        if marker is ON_OFF:
            return st.one_of(st.booleans(), st.sampled_from(["on", "off"]), NAME)
        if marker is CHECK_ID:
            return st.sampled_from(WAIVABLE_IDS)
        if marker is HOLD:
            return st.one_of(DURATION, st.just("manual"))
        if marker is COMMANDS:
            return st.one_of(TEXT, st.lists(TEXT, max_size=3))
    if isinstance(tp, type) and issubclass(tp, Item):
        return item_of(tp)
    strategies = {str: TEXT, bool: st.booleans(), int: st.integers(0, 1000),
                  Duration: DURATION, Percent: PERCENT, dt.date: DATE}
    return strategies[tp]


def item_of(cls: type) -> st.SearchStrategy[dict[str, Any]]:
    """A mapping for ``cls``: its required keys always, each optional key maybe."""
    hints = typing.get_type_hints(cls, include_extras=True)
    required, optional = {}, {}
    for key, spec in public_fields(cls).items():
        target = required if spec.metadata.get("required") else optional
        if spec.metadata.get("identity"):
            target[key] = NAME.filter(str.strip)
        elif spec.metadata.get("required") and strip_optional(hints[spec.name]) is str:
            target[key] = TEXT.filter(str.strip)  # a required text must not be blank
        else:
            target[key] = st.deferred(lambda tp=hints[spec.name]: value_of(tp))
    return st.fixed_dictionaries(required, optional=optional)


@st.composite
def valid_plans(draw) -> dict[str, Any]:
    """A plan the loader accepts: unique names, references that resolve, no cycles."""
    data = draw(item_of(Plan))
    for key in ("environments", "feature_flags", "health_checks", "migrations"):
        _dedupe(data.get(key), _identity_key(key))
    envs = [e["name"] for e in data.get("environments") or []]
    stages = (data.get("pipeline") or {}).get("stages") or []
    _dedupe(stages, "id")
    for index, stage in enumerate(stages):
        earlier = [s["id"] for s in stages[:index]]
        if "needs" in stage:  # only earlier stages: no cycle
            stage["needs"] = draw(st.lists(st.sampled_from(earlier), unique=True, max_size=2)
                                  if earlier else st.just([]))
        if stage["kind"] == "deploy" or "environment" in stage:
            if envs:
                stage["environment"] = draw(st.sampled_from(envs))
            else:
                stage.pop("environment", None)
                if stage["kind"] == "deploy":
                    stage["kind"] = "build"
    migrations = data.get("migrations") or []
    for index, migration in enumerate(migrations):
        for key in ("up", "down"):  # SQL in the plan or in a file, not both
            if key in migration:
                migration.pop(f"{key}_file", None)
        if "depends_on" in migration:
            earlier = [m["name"] for m in migrations[:index]]
            migration["depends_on"] = draw(
                st.lists(st.sampled_from(earlier), unique=True, max_size=2)
                if earlier else st.just([]))
    for check in data.get("health_checks") or []:
        if not check.get("endpoint") and not check.get("run"):
            check["endpoint"] = "/health"
    return data


def _identity_key(section: str) -> str:
    return {"health_checks": "check"}.get(section, "name")


def _dedupe(items: list[dict] | None, key: str) -> None:
    """Drop items whose name repeats an earlier one, as the loader compares names: by
    their slug (names that differ only in case or punctuation share an anchor)."""
    seen: set[str] = set()
    for item in list(items or []):
        name = slugify(str(item[key]))
        if name in seen:
            items.remove(item)
        seen.add(name)


def dump(data: Any) -> str:
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=80)


# --- mutations ---------------------------------------------------------------------------------

#: Scalars spliced into YAML text as written (not quoted by a dumper).
HOSTILE_SCALARS = [
    "!!python/object/apply:os.system [echo pwned]", "!!python/name:os.system", "*nowhere",
    "&anchor", "!!int abc", "!!int ''", "!!bool maybe", "!!timestamp soon", "!!float x",
    "!!binary aGk=", "!!set {a: null}", "!custom tag", "9" * 5000, "1" * 40 + "d", "\u00b2",
    "-1", "1:30", "0x7fffffffffffffff", ".nan", "-.inf", "2027-13-45", "2027-02-30 10:00",
    "20270115", "~", "''", '""', "[]", "{}", "[[[[]]]]", "{<<: 1}", "<<", "? [a]", "- -",
    "'unclosed", '"unclosed', "a: b: c", "\t", "|", ">-", "%TAG ! x", "---", "...",
]


def _splice(text: str, index: int, scalar: str) -> str:
    """Replace the value of the ``index``-th ``key: value`` line with ``scalar``."""
    lines = text.split("\n")
    candidates = [i for i, line in enumerate(lines) if ": " in line]
    if not candidates:
        return text + "\nsummary: " + scalar
    i = candidates[index % len(candidates)]
    key = lines[i].split(": ", 1)[0]
    lines[i] = f"{key}: {scalar}"
    return "\n".join(lines)


@st.composite
def mutated_texts(draw) -> str:
    """A valid plan's YAML, then broken: a hostile scalar spliced in, lines dropped,
    duplicated or re-indented, characters inserted, or a key renamed."""
    text = dump(draw(valid_plans()))
    for _ in range(draw(st.integers(1, 3))):
        lines = text.split("\n")
        where = draw(st.integers(0, max(len(lines) - 1, 0)))
        kind = draw(st.sampled_from(["splice", "drop", "dup", "indent", "insert", "rename"]))
        if kind == "splice":
            text = _splice(text, where, draw(st.sampled_from(HOSTILE_SCALARS)))
            continue
        if kind == "drop":
            del lines[where]
        elif kind == "dup":
            lines.insert(where, lines[where])
        elif kind == "indent":
            lines[where] = draw(st.sampled_from([" ", "\t", "  ", ""])) + lines[where].lstrip()
        elif kind == "insert":
            line = lines[where]
            at = draw(st.integers(0, len(line)))
            lines[where] = line[:at] + draw(st.one_of(_SPECIAL, st.text(max_size=3))) + line[at:]
        else:
            lines[where] = lines[where].replace(":", "x:", 1)
        text = "\n".join(lines)
    return text


@st.composite
def wrong_typed_plans(draw) -> str:
    """A valid plan with one value replaced by data of another shape (any JSON-like
    value), or an unknown key added, or a required key removed, somewhere inside."""
    data = draw(valid_plans())
    containers = _containers(data)
    target = draw(st.sampled_from(containers))
    action = draw(st.sampled_from(["replace", "unknown", "delete"]))
    anything = st.recursive(
        st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), TEXT, DATE),
        lambda inner: st.one_of(st.lists(inner, max_size=3),
                                st.dictionaries(TEXT, inner, max_size=3)),
        max_leaves=8)
    if isinstance(target, dict) and target and action != "unknown":
        key = draw(st.sampled_from(sorted(target)))
        if action == "delete":
            del target[key]
        else:
            target[key] = draw(anything)
    elif isinstance(target, dict):
        target[draw(NAME)] = draw(anything)
    elif target:
        target[draw(st.integers(0, len(target) - 1))] = draw(anything)
    return dump(data)


def _containers(value: Any) -> list[Any]:
    found = []
    if isinstance(value, dict):
        found.append(value)
        for child in value.values():
            found.extend(_containers(child))
    elif isinstance(value, list):
        found.append(value)
        for child in value:
            found.extend(_containers(child))
    return found


# --- model -> YAML data (the inverse of the loader) -----------------------------------------------


def to_data(value: Any) -> Any:
    if isinstance(value, Item):
        return {key: to_data(getattr(value, spec.name))
                for key, spec in public_fields(type(value)).items()
                if getattr(value, spec.name) is not None}
    if isinstance(value, list):
        return [to_data(v) for v in value]
    if isinstance(value, dict):
        return {k: to_data(v) for k, v in value.items()}
    if isinstance(value, (Duration, Percent)):
        return value.text
    return value


# --- helpers ------------------------------------------------------------------------------------


def load_or_problems(text: str) -> Plan | None:
    """Load ``text``; on PlanError check that every problem is documented and located."""
    try:
        return load_plan(text)
    except PlanError as error:
        assert error.problems, "a PlanError without problems"
        last_line = text.count("\n") + 1
        for problem in error.problems:
            assert problem.subtype in SUBTYPES, problem
            assert problem.line is not None and 1 <= problem.line <= last_line, \
                (problem, last_line)
            assert "Traceback" not in problem.message
        return None


def exports(plan: Plan) -> dict[str, str]:
    """Every available export of ``plan``: its text, or the refusal's message."""
    out = {}
    for name, exporter in AVAILABLE.items():
        try:
            out[name] = exporter.export(plan)
        except ValueError as exc:  # the plan has no meaning in this format: allowed
            out[name] = f"ValueError: {exc}"
    return out


def check_summary(plan: Plan) -> list[tuple]:
    """The check and rule results, without source lines."""
    results = run_checks(plan, TODAY)
    return [(r.check, r.status, [i.label for i in r.satisfied_by],
             [(f.item.label, f.message) for f in r.failed_by], r.note, list(r.details))
            for r in (*results.results, *results.rules)] + \
        [e.message for e in results.expired_waivers]


def everything_downstream(plan: Plan) -> None:
    """What the site and the CLI do with a loaded plan: deterministic, no mutation."""
    before = repr(plan)
    first_checks = run_checks(plan, TODAY)
    first_exports = exports(plan)
    assert run_checks(plan, TODAY) == first_checks
    assert repr(run_checks(plan, TODAY)) == repr(first_checks)
    assert exports(plan) == first_exports
    assert repr(plan) == before, "checking or exporting changed the plan"


# --- properties -----------------------------------------------------------------------------------


@SETTINGS
@given(valid_plans())
def test_valid_plans_load_check_and_export_deterministically(data):
    text = dump(data)
    plan = load_plan(text)
    everything_downstream(plan)
    again = load_plan(text)  # a second load of the same text: the same everything
    assert again == plan
    assert exports(again) == exports(plan)
    assert check_summary(again) == check_summary(plan)


@SETTINGS
@given(valid_plans())
def test_a_valid_plan_round_trips_through_yaml(data):
    plan = load_plan(dump(data))
    text = dump(to_data(plan))
    again = load_plan(text)
    assert again == plan
    assert check_summary(again) == check_summary(plan)
    assert dump(to_data(again)) == text  # and the dump is a fixed point


@SETTINGS
@given(mutated_texts())
def test_mutated_text_gives_a_plan_or_located_problems(text):
    plan = load_or_problems(text)
    if plan is not None:
        everything_downstream(plan)


@SETTINGS
@given(wrong_typed_plans())
def test_wrong_shapes_give_a_plan_or_located_problems(text):
    plan = load_or_problems(text)
    if plan is not None:
        everything_downstream(plan)


@SETTINGS
@given(st.text(max_size=200))
def test_any_text_gives_a_plan_or_located_problems(text):
    load_or_problems(text)


@SETTINGS
@given(st.sampled_from(HOSTILE_SCALARS), st.integers(0, 10**4))
def test_hostile_scalars_anywhere_in_a_full_plan(scalar, position):
    """A hostile scalar as the value of any key of a plan that has every field.  (All
    pairs, 47 scalars x 90 keys, take a minute: raise the example count to run them.)"""
    plan = load_or_problems(_splice(FULL_TEXT, position, scalar))
    if plan is not None:
        everything_downstream(plan)


def _full_plan() -> dict[str, Any]:
    """One plan with every field of every item, from the model's own examples."""

    def build(cls: type) -> dict[str, Any]:
        hints = typing.get_type_hints(cls, include_extras=True)
        out = {}
        for key, spec in public_fields(cls).items():
            tp = strip_optional(hints[spec.name])
            origin = typing.get_origin(tp)
            inner = typing.get_args(tp)[0] if origin is list else None
            if isinstance(tp, type) and issubclass(tp, Item):
                out[key] = build(tp)
            elif isinstance(inner, type) and issubclass(inner, Item):
                out[key] = [build(inner)]
            elif spec.metadata.get("example") is not None:
                out[key] = spec.metadata["example"]
            elif origin is typing.Annotated and typing.get_args(tp)[1] is CHECK_ID:
                out[key] = WAIVABLE_IDS[0]
            elif origin is Literal:
                out[key] = typing.get_args(tp)[0]
            else:
                out[key] = {bool: True, str: "text", int: 3}.get(tp, [])
        return out

    data = build(Plan)
    stage = data["pipeline"]["stages"][0]
    stage.update(needs=[], environment=data["environments"][0]["name"])
    data["migrations"][0]["depends_on"] = []
    for key in ("up_file", "down_file"):  # the full plan gives up and down in the plan
        data["migrations"][0].pop(key)
    return data


FULL = _full_plan()
FULL_TEXT = dump(FULL)


def test_the_full_plan_is_valid():
    """The plan the parametrised test mutates is valid to begin with."""
    load_plan(dump(FULL))


def test_whole_numbers_are_bounded():
    assert load_or_problems(dump({**FULL, "health_checks": [
        {"check": "c", "type": "readiness", "endpoint": "/", "failure_threshold": MAX_WHOLE}]}))
    assert load_or_problems(dump({**FULL, "health_checks": [
        {"check": "c", "type": "readiness", "endpoint": "/",
         "failure_threshold": MAX_WHOLE + 1}]})) is None


def test_generated_plans_cover_every_item_type():
    """The strategies reach every Item subclass of the model (so a new one is tested)."""

    def reachable(cls: type, seen: set[type]) -> set[type]:
        seen.add(cls)
        hints = typing.get_type_hints(cls, include_extras=True)
        for spec in public_fields(cls).values():
            tp = strip_optional(hints[spec.name])
            args = typing.get_args(tp) if typing.get_origin(tp) is list else (tp,)
            for arg in args:
                if isinstance(arg, type) and issubclass(arg, Item) and arg not in seen:
                    reachable(arg, seen)
        return seen

    def subclasses(cls: type) -> set[type]:
        return {cls, *(s for sub in cls.__subclasses__() for s in subclasses(sub))}

    model_items = {c for c in subclasses(Item) if c.__module__ == "sphinx_deployplan.model"}
    assert reachable(Plan, set()) == model_items - {Item}
    assert dataclasses.is_dataclass(Plan)
