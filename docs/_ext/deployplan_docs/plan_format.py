"""``deployplan-fields``: every YAML key of the plan format.

The sections follow the JSON Schema (:func:`sphinx_deployplan.schema.plan_schema`,
the schema module's walk of the model): one per model class, in the schema's
order, titled with the YAML paths the class appears at.  The rows of each come
from the model's own fields (:func:`~sphinx_deployplan.model.public_fields`).
"""

from __future__ import annotations

import datetime as dt
import typing
from typing import Any, Literal

import yaml

from sphinx_deployplan import model
from sphinx_deployplan.model import public_fields, strip_optional, type_hints
from sphinx_deployplan.placeholders import is_placeholder
from sphinx_deployplan.schema import plan_schema

from .base import DocsDirective
from .markdown import code, list_table, slug, span


def _references(schema: dict[str, Any], many: bool = False) -> list[tuple[str, bool]]:
    """The definitions a property refers to, each with whether it is a list of them."""
    if "$ref" in schema:
        return [(schema["$ref"].rsplit("/", 1)[-1], many)]
    if "items" in schema:
        return _references(schema["items"], True)
    return [ref for option in schema.get("anyOf", []) for ref in _references(option, many)]


def format_sections() -> dict[type, list[str]]:
    """Each model class of the plan format, in the JSON Schema's order, with the YAML
    paths it appears at (``rollback.steps[]``; the top level is ``""``)."""
    schema = plan_schema()
    definitions = {"Plan": schema, **schema["$defs"]}
    paths: dict[str, list[str]] = {"Plan": [""]}

    def visit(name: str, path: str) -> None:
        for key, prop in definitions[name]["properties"].items():
            # a mapping of the format; other definitions (a placeholder) are values
            found = [(target, many) for target, many in _references(prop)
                     if "properties" in definitions[target]]
            if not found:
                continue
            target, many = found[0]
            child = (f"{path}.{key}" if path else key) + ("[]" if many else "")
            first = target not in paths
            paths.setdefault(target, []).append(child)
            if first:
                visit(target, child)

    visit("Plan", "")
    return {getattr(model, name): paths[name] for name in paths}


def label(path: str) -> str:
    return "format-" + (slug(path) or "top-level")


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


#: Words for the value types, each linking to its line in the value types table.
VALUE_TYPES: dict[Any, tuple[str, str]] = {
    str: ("text", "Plain text, kept as written. Rendered escaped, never as HTML. A number or "
                  "`yes` in a text field stays text."),
    int: ("whole number", "A whole number, 0 or more."),
    bool: ("yes/no", "A boolean: `true`/`false`, `yes`/`no`, `on`/`off`. Shown as yes or no."),
    model.Duration: ("duration", " ".join((model.Duration.__doc__ or "").split())),
    model.Percent: ("percentage", " ".join((model.Percent.__doc__ or "").split())),
    model.Date: ("date", "A date as `YYYY-MM-DD` (quoted or not)."),
    model.SLUG: ("slug", _sentence(model.SLUG.description) + "."),
    model.ON_OFF: ("on/off", _sentence(model.ON_OFF.description)
                   + ". A YAML boolean is read as on or off."),
    model.COMMANDS: ("commands", _sentence(model.COMMANDS.description)
                     + ": `run: make test`, or `run: [make lint, make test]`."),
    model.CHECK_ID: ("check id", _sentence(model.CHECK_ID.description)
                     + ": one of those listed under {ref}`checks-reference`."),
}


#: Placeholders the value types table names; each is checked against the loader's test.
PLACEHOLDER_SAMPLES = ("TODO", "TBD", "<team>")
PLACEHOLDER_DOC = (
    "Any value may be a placeholder while the plan is being written, such as "
    + ", ".join(f"`{sample}`" for sample in PLACEHOLDER_SAMPLES)
    + ": the plan loads, but every check treats the value as missing. See "
    "{ref}`placeholders`.")


def _value_type(word: str) -> str:
    return f"[{word}](#{label('value-' + word)})"


def _section_link(cls: type, sections: dict[type, list[str]]) -> str:
    path = sections[cls][0]
    return f"[{code(path)}](#{label(path)})"


def type_words(tp: Any, sections: dict[type, list[str]]) -> str:
    """A field's type in words, linking to the value types and to nested sections."""
    tp = strip_optional(tp)
    origin = typing.get_origin(tp)
    if origin is list:
        inner = typing.get_args(tp)[0]
        if inner in sections:
            return "list of mappings: " + _section_link(inner, sections)
        return "list of " + type_words(inner, sections)
    if origin is dict:
        key, value = typing.get_args(tp)
        return f"mapping of {type_words(key, sections)} to {type_words(value, sections)}"
    if origin is Literal:
        return "one of " + ", ".join(code(str(choice)) for choice in typing.get_args(tp))
    if origin is typing.Annotated:
        marker = typing.get_args(tp)[1]
        if marker in VALUE_TYPES:
            return _value_type(VALUE_TYPES[marker][0])
        return type_words(typing.get_args(tp)[0], sections)
    if tp in sections:
        return "mapping: " + _section_link(tp, sections)
    if tp in VALUE_TYPES:
        return _value_type(VALUE_TYPES[tp][0])
    raise TypeError(f"no words for the type {tp!r}: add it to VALUE_TYPES")


def flow_yaml(value: Any) -> str:
    """A value as YAML in flow style, the way one writes it in a plan."""
    if isinstance(value, (dt.date, model.Duration, model.Percent)):
        return str(value)
    text = yaml.safe_dump(value, default_flow_style=True, width=1000, sort_keys=False)
    return text.removesuffix("\n").removesuffix("\n...").strip()


class FieldsDirective(DocsDirective):
    """``deployplan-fields``: the value types, then one section per mapping of the
    format with a row per key."""

    def generate(self) -> list:
        sections = format_sections()
        rows = [[f"**{span(word, ids=[label('value-' + word)])}**", text]
                for word, text in VALUE_TYPES.values()]
        rows.append(["**one of**", "Exactly one of the listed words."])
        rows.append(["**placeholder**", PLACEHOLDER_DOC])
        for sample in PLACEHOLDER_SAMPLES:
            if not is_placeholder(sample):
                self.warn(f"the plan format page calls {sample!r} a placeholder, but the "
                          f"loader does not")
        rows.append(["**list of**", "A YAML list. An empty list (`[]`) means \"none\"; leaving "
                     "the key out means \"not planned\"."])
        out = [self.section("Value types", label("value-types"),
                            "The type column of the tables below uses these words.\n\n"
                            + list_table(["Type", "Meaning"], rows, widths=[1, 4]))]
        try:
            out += [self._section(cls, paths, sections) for cls, paths in sections.items()]
        except TypeError as exc:
            self.warn(str(exc))
        return out

    def _section(self, cls: type, paths: list[str], sections: dict[type, list[str]]):
        title = "Top level" if paths == [""] else ", ".join(code(p) for p in paths)
        hints = type_hints(cls)
        rows = []
        for key, spec in public_fields(cls).items():
            meta = spec.metadata
            required = " *required*" if meta.get("required") else ""
            example = meta.get("example")
            rows.append([code(key) + required, type_words(hints[spec.name], sections),
                         meta.get("doc") or "",
                         code(flow_yaml(example)) if example is not None else ""])
        table = list_table(["Key", "Type", "Meaning", "Example"], rows, widths=[2, 2, 5, 3],
                           classes=["deployplan-docs-fields"])
        return self.section(title, label(paths[0]), table)
