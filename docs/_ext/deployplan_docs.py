"""Docs-only Sphinx extension: the reference of sphinx-deployplan, generated from its code.

Every directive here builds docutils nodes from the package's own tables (the
model dataclasses, CHECK_TITLES and CHECK_RULES, SUBTYPES, CONFIG_VALUES, the
registered directives, the need types, EXPORTERS and the CLI parser), so the
reference cannot drift from the code.  Where the docs add prose of their own
(how to satisfy and how to waive a check, what a directive option means), the
prose is keyed by the code's ids and a missing or extra key is a warning, which
fails the ``-W`` build.

``deployplan-example`` shows a plan file, the results of its checks and the
exact text the CLI and ``sphinx-build`` print for it, and warns when the unmet
checks differ from ``:expect-unmet:``: a tutorial step that is meant to fail
keeps failing the way the page says, without failing the build.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import datetime as dt
import io
import os
import re
import types
import typing
from pathlib import Path
from typing import Any, Literal

import yaml
from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.application import Sphinx
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective, SphinxRole

from sphinx_deployplan import __version__, cli, model
from sphinx_deployplan.checks import BY_ID, CHECK_IDS, CHECKS, RULE_IDS, RULES, run_checks
from sphinx_deployplan.export import EXPORTERS
from sphinx_deployplan.ids import need_id
from sphinx_deployplan.items import plan_items
from sphinx_deployplan.loader import load_plan, load_plan_file
from sphinx_deployplan.problems import SUBTYPES, WARNING_TYPE, PlanError
from sphinx_deployplan.render.checks import badge
from sphinx_deployplan.render.plan import PART_ALIASES, PART_KEYS, PARTS
from sphinx_deployplan.schema import plan_schema
from sphinx_deployplan.sphinx.config import PREFIX, options, settings
from sphinx_deployplan.sphinx.needs import NEED_FIELDS, NEED_LINKS, NEED_TYPES

logger = logging.getLogger(__name__)

#: Warnings of this extension: ``deployplan_docs.drift`` when the docs' prose and
#: the code disagree, ``deployplan_docs.example`` when a sample behaves otherwise
#: than the page says.
DOCS_WARNING = "deployplan_docs"

SCHEMA_FILE = "deployplan.schema.json"


_SITES = ("Show only the plans of these sites, separated by commas. A site is the `project` "
          "name of the Sphinx project that publishes a plan; a portal site reads other "
          "sites' plans from their `needs.json` (`needs_external_needs`). Default: every "
          "plan.")

#: What each option of each of the extension's directives means (directive -> option -> text).
#: Every registered directive and every option in its ``option_spec`` needs an entry.
DIRECTIVE_DOCS: dict[str, tuple[str, dict[str, str]]] = {
    "deployplan": (
        "It loads the plan, runs its checks and rules, reports each problem as a warning at "
        "its line, and traces the results with sphinx-needs.",
        {
            "file": "Read the plan from this YAML file instead of the body. The path is "
                    "relative to the page, or to the source directory when it starts with "
                    "`/`. It must stay inside the source directory. Editing the file "
                    "rebuilds the page.",
            "sections": "Render only these parts, in the runbook's order, separated by "
                        "commas or spaces. Names are listed below.",
            "no-heading": "Render the parts without the surrounding "
                          "\"Deployment Plan: <title>\" section, so they sit under the "
                          "page's own headings.",
        },
    ),
    "deployplan-index": (
        "It is filled in after all pages are read, so it always shows every plan.",
        {"sites": _SITES},
    ),
    "deployplan-matrix": (
        "It is filled in after all pages are read, so it always shows every plan.",
        {"sites": _SITES},
    ),
    "deployplan-flags": (
        "Days left are counted from the build's date (see `deployplan_today`).",
        {"sites": _SITES},
    ),
}

#: A YAML plan fragment that causes each loader subtype, shown with the real message.
SUBTYPE_EXAMPLES: dict[str, str] = {
    "yaml": "plan: checkout-v2\ntitle: [Checkout\n",
    "schema": "plan: checkout-v2\ntitle: Checkout\nservice: checkout\nowner: payments\n"
              "enviroments: []\n",
    "duplicate": "plan: checkout-v2\ntitle: Checkout\nservice: checkout\nowner: payments\n"
                 "feature_flags:\n  - {name: new-ui, type: release}\n"
                 "  - {name: new-ui, type: ops}\n",
    "reference": "plan: checkout-v2\ntitle: Checkout\nservice: checkout\nowner: payments\n"
                 "environments: []\npipeline:\n  stages:\n"
                 "    - {id: deploy-prod, kind: deploy, environment: prod}\n",
}

#: Minimal plan the check examples are added to.
_BASE_PLAN = "plan: example\ntitle: Example\nservice: example-service\nowner: example-team\n"
_BASE_ENVIRONMENTS = BY_ID["env-config-access"].example


# --- small node builders ----------------------------------------------------------------------

_INLINE = re.compile(r"``(.+?)``|`([^`]+)`")


def inline(text: str) -> list[nodes.Node]:
    """Text with ``code`` or `code` spans as literal nodes (works from rST and MyST)."""
    out: list[nodes.Node] = []
    pos = 0
    for match in _INLINE.finditer(text):
        if match.start() > pos:
            out.append(nodes.Text(text[pos:match.start()]))
        code = match.group(1) or match.group(2)
        out.append(nodes.literal(code, code))
        pos = match.end()
    if pos < len(text):
        out.append(nodes.Text(text[pos:]))
    return out


def para(*parts: str | nodes.Node, classes: list[str] | None = None) -> nodes.paragraph:
    node = nodes.paragraph(classes=classes or [])
    for part in parts:
        if isinstance(part, str):
            node.extend(inline(part))
        else:
            node += part
    return node


def literal(text: str) -> nodes.literal:
    return nodes.literal(text, text)


Cell = str | nodes.Node | list[nodes.Node]


def table(headers: list[str], rows: list[list[Cell]], widths: list[int] | None = None,
          classes: list[str] | None = None) -> nodes.table:
    tbl = nodes.table(classes=["deployplan-docs-table", "colwidths-given", *(classes or [])])
    group = nodes.tgroup(cols=len(headers))
    tbl += group
    for width in widths or [1] * len(headers):
        group += nodes.colspec(colwidth=width)
    head = nodes.thead()
    group += head
    head += _row(headers)
    body = nodes.tbody()
    group += body
    for row in rows:
        body += _row(row)
    return tbl


def _row(cells: list[Cell]) -> nodes.row:
    row = nodes.row()
    for cell in cells:
        entry = nodes.entry()
        if isinstance(cell, str):
            entry += para(cell) if cell else nodes.paragraph()
        elif isinstance(cell, list):
            if cell and all(isinstance(c, (nodes.Text, nodes.Inline)) for c in cell):
                entry += nodes.paragraph("", "", *cell)
            else:
                entry.extend(cell)
        elif isinstance(cell, (nodes.Text, nodes.Inline)):
            entry += nodes.paragraph("", "", cell)
        else:
            entry += cell
        row += entry
    return row


def code_block(text: str, language: str = "text", caption: str | None = None,
               linenos: bool = False, hl_lines: list[int] | None = None) -> nodes.Element:
    block = nodes.literal_block(text, text, language=language)
    if linenos:
        block["linenos"] = True
    if hl_lines:
        block["highlight_args"] = {"hl_lines": hl_lines}
    if caption is None:
        return block
    wrapper = nodes.container("", literal_block=True, classes=["literal-block-wrapper"])
    wrapper += nodes.caption(caption, "", literal(caption))
    wrapper += block
    return wrapper


def output_block(text: str, language: str) -> nodes.Element:
    """Program output: long lines wrap instead of scrolling."""
    block = code_block(text, language)
    block["classes"].append("deployplan-docs-output")
    return block


def flow_yaml(value: Any) -> str:
    """A value as YAML in flow style, the way one writes it in a plan."""
    if isinstance(value, (dt.date, model.Duration, model.Percent)):
        return str(value)
    text = yaml.safe_dump(value, default_flow_style=True, width=1000, sort_keys=False)
    return text.removesuffix("\n").removesuffix("\n...").strip()


#: The files a generated page depends on: the package's code and this extension.  Sphinx
#: re-reads a page when one of them changes, so an incremental build never shows a stale
#: reference (and the drift checks run again).
CODE_FILES = [*sorted(str(p) for p in Path(model.__file__).parent.rglob("*.py")), __file__]


class DocsDirective(SphinxDirective):
    """Base: a section helper that registers a label, a located warning, and a
    dependency of the page on the package's code."""

    def run(self) -> list[nodes.Node]:
        for path in CODE_FILES:
            self.env.note_dependency(path)
        return self.generate()

    def generate(self) -> list[nodes.Node]:
        raise NotImplementedError

    def section(self, title: list[nodes.Node] | str, label: str) -> nodes.section:
        node = nodes.section()
        node += nodes.title("", "", *(inline(title) if isinstance(title, str) else title))
        node["names"].append(nodes.fully_normalize_name(label))
        self.state.document.note_explicit_target(node, node)
        return node

    def warn(self, message: str, subtype: str = "drift") -> None:
        logger.warning(message, type=DOCS_WARNING, subtype=subtype,
                       location=self.get_location())

    def src_path(self, name: str) -> Path:
        rel, abspath = self.env.relfn2path(name, self.env.docname)
        self.env.note_dependency(rel)
        return Path(abspath)

    def display_path(self, path: Path) -> str:
        return os.path.relpath(path, self.env.srcdir).replace(os.sep, "/")


# --- the plan format --------------------------------------------------------------------------


def _strip_optional(tp: Any) -> Any:
    if typing.get_origin(tp) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        if len(args) == 1:
            return args[0]
    return tp


def _public_fields(cls: type) -> list[tuple[str, dataclasses.Field]]:
    return [((f.metadata.get("key") or f.name), f) for f in dataclasses.fields(cls)
            if not f.metadata.get("internal")]


def _is_item(tp: Any) -> bool:
    return isinstance(tp, type) and issubclass(tp, model.Item)


def _item_type(tp: Any) -> type | None:
    """The Item class a field holds (directly or as list items), if any."""
    tp = _strip_optional(tp)
    if typing.get_origin(tp) is list:
        tp = typing.get_args(tp)[0]
    return tp if _is_item(tp) else None


def walk_model(root: type = model.Plan) -> dict[type, list[str]]:
    """Every Item class reachable from ``root``, in the order of the format, with the
    YAML paths it appears at (``rollback.steps[]``)."""
    found: dict[type, list[str]] = {root: [""]}

    def visit(cls: type, path: str) -> None:
        hints = typing.get_type_hints(cls, include_extras=True)
        for key, spec in _public_fields(cls):
            sub = _item_type(hints[spec.name])
            if sub is None:
                continue
            many = typing.get_origin(_strip_optional(hints[spec.name])) is list
            child = f"{path}.{key}" if path else key
            child += "[]" if many else ""
            first = sub not in found
            found.setdefault(sub, []).append(child)
            if first:
                visit(sub, child)

    visit(root, "")
    return found


def _label(path: str) -> str:
    return "format-" + (re.sub(r"[^a-z0-9]+", "-", path.lower()).strip("-") or "top-level")


#: Words for the value types, each linking to its line in the value types table.
VALUE_TYPES: dict[Any, tuple[str, str]] = {
    str: ("text", "Plain text, kept as written. Rendered escaped, never as HTML. A number or "
                  "`yes` in a text field stays text."),
    int: ("whole number", "A whole number, 0 or more."),
    bool: ("yes/no", "A boolean: `true`/`false`, `yes`/`no`, `on`/`off`. Shown as yes or no."),
    model.Duration: ("duration", " ".join((model.Duration.__doc__ or "").split())),
    model.Percent: ("percentage", " ".join((model.Percent.__doc__ or "").split())),
    model.Date: ("date", "A date as `YYYY-MM-DD` (quoted or not)."),
    model.SLUG: ("slug", model.SLUG.description[0].upper() + model.SLUG.description[1:] + "."),
    model.ON_OFF: ("on/off", model.ON_OFF.description[0].upper()
                   + model.ON_OFF.description[1:] + ". A YAML boolean is read as on or off."),
}


def _type_ref(word: str) -> nodes.Node:
    ref = nodes.reference("", "", internal=True, refid=nodes.make_id("format-value-" + word))
    ref += nodes.Text(word)
    return ref


def _section_ref(cls: type, labels: dict[type, tuple[str, str]]) -> nodes.Node:
    node_id, path = labels[cls]
    ref = nodes.reference("", "", internal=True, refid=node_id)
    ref += literal(path)
    return ref


def type_words(tp: Any, labels: dict[type, tuple[str, str]]) -> list[nodes.Node]:
    """A field's type in words, linking to value types and to nested sections."""
    tp = _strip_optional(tp)
    origin = typing.get_origin(tp)
    if origin is list:
        inner = typing.get_args(tp)[0]
        if _is_item(inner):
            return [nodes.Text("list of mappings: "), _section_ref(inner, labels)]
        return [nodes.Text("list of "), *type_words(inner, labels)]
    if origin is dict:
        key, value = typing.get_args(tp)
        return [nodes.Text("mapping of "), *type_words(key, labels), nodes.Text(" to "),
                *type_words(value, labels)]
    if origin is Literal:
        out: list[nodes.Node] = [nodes.Text("one of ")]
        for i, choice in enumerate(typing.get_args(tp)):
            if i:
                out.append(nodes.Text(", "))
            out.append(literal(str(choice)))
        return out
    if origin is typing.Annotated:
        marker = typing.get_args(tp)[1]
        if marker in VALUE_TYPES:
            return [_type_ref(VALUE_TYPES[marker][0])]
        return type_words(typing.get_args(tp)[0], labels)
    if _is_item(tp):
        return [nodes.Text("mapping: "), _section_ref(tp, labels)]
    if tp in VALUE_TYPES:
        return [_type_ref(VALUE_TYPES[tp][0])]
    raise TypeError(f"no words for the type {tp!r}: add it to VALUE_TYPES")


class FieldsDirective(DocsDirective):
    """``deployplan-fields``: every YAML key of the plan format, from the model."""

    def generate(self) -> list[nodes.Node]:
        classes = walk_model()
        labels = {cls: (nodes.make_id(_label(paths[0])), paths[0])
                  for cls, paths in classes.items()}
        out: list[nodes.Node] = []

        values = self.section("Value types", "format-value-types")
        values += para("The type column of the tables below uses these words.")
        rows: list[list[Cell]] = []
        for word, text in VALUE_TYPES.values():
            target = nodes.inline(ids=[nodes.make_id("format-value-" + word)])
            target += nodes.strong(word, word)
            rows.append([target, text])
        rows.append([nodes.strong("one of", "one of"), "Exactly one of the listed words."])
        rows.append([nodes.strong("list of", "list of"),
                     "A YAML list. An empty list (`[]`) means \"none\"; leaving the key out "
                     "means \"not planned\"."])
        values += table(["Type", "Meaning"], rows, widths=[1, 4])
        out.append(values)

        try:
            for cls, paths in classes.items():
                out.append(self._section(cls, paths, labels))
        except TypeError as exc:
            self.warn(str(exc))
        return out

    def _section(self, cls: type, paths: list[str], labels: dict[type, tuple[str, str]],
                 ) -> nodes.section:
        if paths == [""]:
            title: list[nodes.Node] = [nodes.Text("Top level")]
        else:
            title = []
            for i, path in enumerate(paths):
                if i:
                    title.append(nodes.Text(", "))
                title.append(literal(path))
        node = self.section(title, _label(paths[0]))
        hints = typing.get_type_hints(cls, include_extras=True)
        rows: list[list[Cell]] = []
        for key, spec in _public_fields(cls):
            meta = spec.metadata
            key_cell: list[nodes.Node] = [literal(key)]
            if meta.get("required"):
                key_cell += [nodes.Text(" "), nodes.emphasis("required", "required")]
            doc: list[nodes.Node] = [para(meta.get("doc") or "")]
            if "default" in meta and meta["default"] is not None:
                doc.append(para("Default: ", literal(flow_yaml(meta["default"]))))
            example = meta.get("example")
            example_cell: Cell = literal(flow_yaml(example)) if example is not None else ""
            rows.append([key_cell, type_words(hints[spec.name], labels), doc, example_cell])
        node += table(["Key", "Type", "Meaning", "Example"], rows, widths=[2, 2, 5, 3],
                      classes=["deployplan-docs-fields"])
        return node


# --- checks and rules -------------------------------------------------------------------------


def _id_drift(code_ids: tuple[str, ...], tables: list[tuple[str, Any]]) -> list[str]:
    """Disagreements between the ids of the code and the keys of each table."""
    problems = []
    for name, table_ in tables:
        missing = [c for c in code_ids if c not in table_]
        extra = [c for c in table_ if c not in code_ids]
        if missing:
            problems.append(f"{name} has no entry for {', '.join(missing)}")
        if extra:
            problems.append(f"{name} names id(s) the code does not have: {', '.join(extra)}")
    return problems


def waiver_yaml(check: str, reason: str, today: dt.date) -> str:
    until = (today + dt.timedelta(days=60)).isoformat()
    return (f"waivers:\n  - check: {check}\n    reason: {reason}\n"
            f"    approved_by: head-of-platform\n    until: {until}\n")


def _dated(fragment: str, today: dt.date) -> str:
    """``$TODAY-25`` -> the date 25 days before today (and ``+`` after)."""
    def date(match: re.Match[str]) -> str:
        return (today + dt.timedelta(days=int(match.group(1)))).isoformat()
    return re.sub(r"\$TODAY([+-]\d+)", date, fragment)


class _ResultsDirective(DocsDirective):
    """Shared by the checks and rules references: verify an example fragment."""

    def verify(self, check: str, fragment: str, today: dt.date, expected: tuple[str, ...],
               base_only: bool = False) -> Any:
        """Load the minimal plan plus ``fragment``; warn unless ``check`` comes out as
        expected.  Sections the fragment needs (environments for a pipeline) are added.
        Returns the result."""
        keys = set(yaml.safe_load(fragment) or {})
        text = _BASE_PLAN + fragment
        if not base_only and "pipeline" in keys and "environments" not in keys:
            text += _BASE_ENVIRONMENTS
        try:
            plan = load_plan(text, "<docs example>")
        except PlanError as error:
            self.warn(f"the example for {check!r} does not load: {error}", "example")
            return None
        result = run_checks(plan, today)[check]
        if result.status not in expected:
            self.warn(f"the example for {check!r} is {result.status}, not "
                      f"{' or '.join(expected)}: {result.summary}", "example")
        return result


class ChecksDirective(_ResultsDirective):
    """``deployplan-checks``: every check, with the runbook's wording, the exact rule, an
    example that meets it (verified) and how to waive it (verified)."""

    def generate(self) -> list[nodes.Node]:
        today = settings(self.config).build_today
        out: list[nodes.Node] = []
        for record in CHECKS:
            check = record.id
            node = self.section([literal(check)], f"check-{check}")
            node += para(nodes.strong("Runbook's wording: ", "Runbook's wording: "),
                         record.title)
            node += para(nodes.strong("Met when: ", "Met when: "), record.met_when)
            node += para(nodes.strong("Reported as: ", "Reported as: "),
                         literal(f"{WARNING_TYPE}.check"), " warning; traced as need ",
                         literal(need_id("PLAN", "check", check).replace("DP_PLAN__",
                                                                          "DP_<PLAN>__")),
                         " (type ", literal("dpcheck"), ").")
            node += para(nodes.strong("How to satisfy it. ", "How to satisfy it. "), record.how)
            self.verify(check, record.example, today, ("met",))
            node += code_block(record.example, "yaml")
            fragment = waiver_yaml(check, record.waiver_reason, today)
            node += para(nodes.strong("How to waive it. ", "How to waive it. "),
                         record.waive_when,
                         " Add a waiver with a reason, who approved it and the last day "
                         "it applies:")
            self.verify(check, fragment, today, ("waived",), base_only=True)
            node += code_block(fragment, "yaml")
            out.append(node)
        return out


class RulesDirective(_ResultsDirective):
    """``deployplan-rules``: every release-engineering rule, from the rule registry, with
    when it is met and an example that meets it (verified)."""

    def generate(self) -> list[nodes.Node]:
        today = settings(self.config).build_today
        out: list[nodes.Node] = []
        for rule in RULES:
            rule_id = rule.id
            node = self.section([literal(rule_id)], f"rule-{rule_id}")
            node += para(nodes.strong("Sound when: ", "Sound when: "), rule.title)
            node += para(nodes.strong("Met when: ", "Met when: "), rule.met_when)
            fragment = rule.example
            node += para(nodes.strong("Reported as: ", "Reported as: "),
                         literal(f"{WARNING_TYPE}.{rule_id}"), " warning; traced as need ",
                         literal(need_id("PLAN", "rule", rule_id).replace("DP_PLAN__",
                                                                          "DP_<PLAN>__")),
                         " (type ", literal("dprule"), ").")
            if fragment:
                fragment = _dated(fragment, today)
                node += para(nodes.strong("Example that meets it:", "Example that meets it:"))
                node += code_block(fragment, "yaml")
                result = self.verify(rule_id, fragment, today, ("met",))
                for detail in getattr(result, "details", None) or []:
                    node += para("For this example: ", detail, ".")
            out.append(node)
        return out

# --- warnings ---------------------------------------------------------------------------------


def _subtype_message(subtype: str) -> str | None:
    text = SUBTYPE_EXAMPLES.get(subtype)
    if text is None:
        return None
    try:
        load_plan(text, "plan.yaml")
    except PlanError as error:
        for problem in error.problems:
            if problem.subtype == subtype:
                return problem.format()
    return ""


class WarningsDirective(DocsDirective):
    """``deployplan-warnings``: every warning subtype, with a real message where the
    loader can produce one."""

    def generate(self) -> list[nodes.Node]:
        for extra in set(SUBTYPE_EXAMPLES) - set(SUBTYPES):
            self.warn(f"SUBTYPE_EXAMPLES (docs) names subtype {extra!r}, which the code "
                      f"does not have")
        rows: list[list[Cell]] = []
        for subtype, meaning in SUBTYPES.items():
            cell: list[nodes.Node] = [para(meaning)]
            message = _subtype_message(subtype)
            if message == "":
                self.warn(f"the example for warning subtype {subtype!r} does not produce it",
                          "example")
            elif message:
                cell.append(para("Example:"))
                cell.append(output_block(message, "text"))
            rows.append([literal(f"{WARNING_TYPE}.{subtype}"), cell])
        return [table(["Type.subtype", "When"], rows, widths=[1, 4])]


# --- configuration ----------------------------------------------------------------------------


class ConfigDirective(DocsDirective):
    """``deployplan-config``: every configuration value (the config dataclass)."""

    def generate(self) -> list[nodes.Node]:
        out: list[nodes.Node] = []
        for field in options():
            meta = field.metadata
            name = PREFIX + field.name
            node = self.section([literal(name)], f"confval-{name}")
            types_ = " or ".join("None" if t is type(None) else t.__name__
                                 for t in meta["types"])
            node += para(nodes.strong("Type: ", "Type: "), literal(types_), ". ",
                         nodes.strong("Default: ", "Default: "), literal(repr(meta["default"])),
                         ".")
            node += para(meta["doc"])
            if meta["rebuild"] == "env":
                node += para("Changing it re-reads every page on the next build.")
            out.append(node)
        return out


# --- directives -------------------------------------------------------------------------------


def _our_directives() -> dict[str, type]:
    """The directives sphinx-deployplan registered with docutils, by name."""
    registry = getattr(directives, "_directives", {})
    return {name: cls for name, cls in sorted(registry.items())
            if isinstance(cls, type) and cls.__module__.startswith("sphinx_deployplan")}


_CONVERTERS = {
    directives.flag: "no value",
    directives.unchanged_required: "text",
    directives.unchanged: "text (may be empty)",
    directives.path: "a path",
    directives.positive_int: "a positive whole number",
}


class DirectivesDirective(DocsDirective):
    """``deployplan-directives``: every directive of the extension and its options, read
    from the registered classes."""

    def generate(self) -> list[nodes.Node]:
        found = _our_directives()
        for name in DIRECTIVE_DOCS.keys() - found.keys():
            self.warn(f"DIRECTIVE_DOCS (docs) describes directive {name!r}, which "
                      f"sphinx-deployplan does not register")
        out: list[nodes.Node] = []
        for name, cls in found.items():
            extra, option_docs = DIRECTIVE_DOCS.get(name, ("", {}))
            summary = " ".join((cls.__doc__ or "").split())
            if not summary:
                self.warn(f"directive class {cls.__qualname__} of {name!r} has no docstring")
            if name not in DIRECTIVE_DOCS:
                self.warn(f"directive {name!r} has no entry in DIRECTIVE_DOCS (docs)")
            options = dict(getattr(cls, "option_spec", None) or {})
            for option in option_docs.keys() - options.keys():
                self.warn(f"DIRECTIVE_DOCS (docs) describes option :{option}: of {name!r}, "
                          f"which the directive does not have")
            node = self.section([literal(name)], f"directive-{name}")
            node += para(summary, " ", extra)
            body = "a plan in YAML (or none, with `:file:`)" if cls.has_content else "none"
            args = cls.required_arguments + cls.optional_arguments
            node += para(nodes.strong("Arguments: ", "Arguments: "),
                         str(args) if args else "none", ". ",
                         nodes.strong("Body: ", "Body: "), body, ".")
            if options:
                rows: list[list[Cell]] = []
                for option, converter in options.items():
                    doc = option_docs.get(option)
                    if doc is None:
                        self.warn(f"option :{option}: of directive {name!r} has no entry in "
                                  f"DIRECTIVE_DOCS (docs)")
                    rows.append([literal(f":{option}:"),
                                 _CONVERTERS.get(converter, getattr(converter, "__name__",
                                                                    str(converter))),
                                 doc or ""])
                node += table(["Option", "Value", "Meaning"], rows, widths=[2, 2, 6])
            else:
                node += para("No options.")
            if name == "deployplan":
                node += self._sections_table()
            out.append(node)
        return out

    def _sections_table(self) -> nodes.Node:
        titles = {p.key: p.title for p in PARTS}
        titles["checks"] = "Quality Checks"
        aliases: dict[str, list[str]] = {}
        for alias, key in PART_ALIASES.items():
            aliases.setdefault(key, []).append(alias)
        rows: list[list[Cell]] = []
        for key in PART_KEYS:
            other: list[nodes.Node] = []
            for i, alias in enumerate(aliases.get(key, [])):
                if i:
                    other.append(nodes.Text(", "))
                other.append(literal(alias))
            rows.append([literal(key), other or "", titles.get(key, key)])
        wrapper = nodes.container()
        wrapper += para("Names accepted by ", literal(":sections:"), ":")
        wrapper += table(["Name", "Also accepted", "Renders"], rows, widths=[2, 3, 4])
        return wrapper


# --- needs ------------------------------------------------------------------------------------


class NeedsDirective(DocsDirective):
    """``deployplan-needs``: need types (with an example id from ``:file:``), fields and
    link types."""

    option_spec = {"file": directives.unchanged_required, "show": directives.unchanged}

    def generate(self) -> list[nodes.Node]:
        show = (self.options.get("show") or "types, fields, links").replace(",", " ").split()
        out: list[nodes.Node] = []
        if "types" in show:
            out.append(self._types())
        if "fields" in show:
            rows: list[list[Cell]] = []
            for name, (description, schema) in NEED_FIELDS.items():
                values: Cell = ""
                if "enum" in schema:
                    values = [literal(v) for v in schema["enum"]]
                    values = _join(values)
                rows.append([literal(name), description, values])
            out.append(table(["Field", "Meaning", "Values"], rows, widths=[1, 4, 2]))
        if "links" in show:
            rows = [[literal(name), conf.get("outgoing", ""), conf.get("incoming", "")]
                    for name, conf in NEED_LINKS.items()]
            out.append(table(["Link type", "Reads (outgoing)", "Reads (incoming)"], rows,
                             widths=[2, 3, 3]))
        return out

    def _types(self) -> nodes.Node:
        examples: dict[str, str] = {}
        if "file" in self.options:
            path = self.src_path(self.options["file"])
            try:
                plan = load_plan_file(path)
            except PlanError as error:
                self.warn(f"{self.options['file']} does not load: {error}", "example")
            else:
                for ref in plan_items(plan):
                    examples.setdefault(f"dp{ref.kind}", ref.need_id(plan.plan))
                examples["dpcheck"] = need_id(plan.plan, "check", CHECK_IDS[0])
                examples["dprule"] = need_id(plan.plan, "rule", RULE_IDS[0])
        rows: list[list[Cell]] = []
        for need_type, (title, _colour) in NEED_TYPES.items():
            example = examples.get(need_type)
            if "file" in self.options and example is None:
                self.warn(f"{self.options['file']} has no item of need type {need_type!r}: "
                          f"use a plan that has every kind of item", "example")
            rows.append([literal(need_type), title, literal(example) if example else ""])
        return table(["Need type", "What it is", "Example id"], rows, widths=[2, 5, 5])


def _join(items: list[nodes.Node], sep: str = ", ") -> list[nodes.Node]:
    out: list[nodes.Node] = []
    for i, item in enumerate(items):
        if i:
            out.append(nodes.Text(sep))
        out.append(item)
    return out


# --- exporters and CLI ------------------------------------------------------------------------


class ExportersDirective(DocsDirective):
    """``deployplan-exporters``: the export formats (EXPORTERS)."""

    def generate(self) -> list[nodes.Node]:
        rows: list[list[Cell]] = [[literal(e.name), literal("<plan>" + e.suffix), e.description]
                                  for e in EXPORTERS.values()]
        return [table(["`--to`", "Download name", "What it writes"], rows, widths=[2, 3, 6])]


class ExportDirective(DocsDirective):
    """``deployplan-export``: the output of one exporter for one plan file, made now."""

    option_spec = {"file": directives.unchanged_required, "to": directives.unchanged_required,
                   "as": directives.unchanged}

    def generate(self) -> list[nodes.Node]:
        fmt = self.options.get("to", "")
        if fmt not in EXPORTERS:
            self.warn(f":to: {fmt!r} is not an export format ({', '.join(EXPORTERS)})",
                      "example")
            return []
        path = self.src_path(self.options.get("file", ""))
        exporter = EXPORTERS[fmt]
        try:
            plan = load_plan_file(path)
            text = exporter.export(plan)
        except (PlanError, ValueError, ImportError) as exc:
            self.warn(f"cannot export {self.options.get('file')} as {fmt}: {exc}", "example")
            return []
        suffix = exporter.suffix.rsplit(".", 1)[-1]
        language = {"yml": "yaml", "yaml": "yaml", "json": "json", "md": "markdown"}.get(
            suffix, "text")
        caption = self.options.get("as") or exporter.filename(plan)
        return [code_block(text, language, caption=caption)]


def _subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def _help(parser: argparse.ArgumentParser) -> str:
    if hasattr(parser, "color"):
        parser.color = False
    old = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = "88"
    try:
        return parser.format_help().rstrip() + "\n"
    finally:
        if old is None:
            os.environ.pop("COLUMNS", None)
        else:
            os.environ["COLUMNS"] = old


class CliDirective(DocsDirective):
    """``deployplan-cli``: the help of ``deployplan`` and of each subcommand, from
    ``sphinx_deployplan.cli.parser()``."""

    def generate(self) -> list[nodes.Node]:
        top = cli.parser()
        out: list[nodes.Node] = [code_block("$ deployplan --help\n" + _help(top), "text")]
        exit_status = re.search(r"Exit status.*?\.(?=\s|$)", " ".join((cli.__doc__ or "").split()))
        if exit_status:
            out.append(para(exit_status.group(0)))
        else:
            self.warn("the module docstring of sphinx_deployplan.cli no longer says the exit "
                      "status")
        for name, sub in _subparsers(top).items():
            node = self.section([literal(f"deployplan {name}")], f"cli-{name}")
            node += code_block(f"$ deployplan {name} --help\n" + _help(sub), "text")
            out.append(node)
        return out


# --- examples ---------------------------------------------------------------------------------


def _id_list(text: str | None) -> list[str]:
    if not text or text.strip().lower() == "none":
        return []
    return [w for w in text.replace(",", " ").split() if w]


class ExampleDirective(DocsDirective):
    """``deployplan-example``: a plan file, its check results and the exact text the CLI
    and sphinx-build print for it.  Warns when the unmet checks (or, for a plan that
    does not load, the problem subtypes) differ from what the page expects.

    Options: ``:file:`` the plan (relative to the page); ``:as:`` the path shown to
    the reader (default: the file's path in the docs); ``:expect-unmet:`` check ids,
    or ``none``; ``:expect-problems:`` subtypes, for a plan that does not load;
    ``:diff:`` an earlier version of the file, to show the change as a diff;
    ``:show:`` any of ``yaml``, ``diff``, ``results``, ``cli``, ``sphinx`` (default:
    all that apply).
    """

    option_spec = {
        "file": directives.unchanged_required,
        "as": directives.unchanged,
        "expect-unmet": directives.unchanged,
        "expect-problems": directives.unchanged,
        "diff": directives.unchanged_required,
        "show": directives.unchanged,
    }

    def generate(self) -> list[nodes.Node]:
        if "file" not in self.options:
            self.warn("deployplan-example needs :file:", "example")
            return []
        path = self.src_path(self.options["file"])
        shown = self.options.get("as") or self.display_path(path)
        show = set((self.options.get("show") or "yaml diff results cli sphinx")
                   .replace(",", " ").split())
        today = settings(self.config).build_today
        unknown = [c for c in _id_list(self.options.get("expect-unmet"))
                   if c not in (*CHECK_IDS, *RULE_IDS)]
        if unknown:
            self.warn(f":expect-unmet: names unknown check(s) {', '.join(unknown)}", "example")

        out: list[nodes.Node] = []
        failing_lines: list[int] = []
        try:
            plan = load_plan_file(path)
        except PlanError as error:
            got = sorted({p.subtype for p in error.problems})
            want = sorted(set(_id_list(self.options.get("expect-problems"))))
            if got != want:
                self.warn(f"{shown}: expected problems {want or 'none'}, got {got}: {error}",
                          "example")
            failing_lines = [p.line for p in error.problems if p.line]
            results = None
        else:
            if "expect-problems" in self.options:
                self.warn(f"{shown}: expected problems "
                          f"{_id_list(self.options['expect-problems'])}, but the plan loads",
                          "example")
            results = run_checks(plan, today)
            got = sorted(r.check for r in (*results.unmet, *results.rules)
                         if r.status == "unmet")
            want = sorted(set(_id_list(self.options.get("expect-unmet"))))
            if got != want:
                self.warn(f"{shown}: expected unmet checks {want or 'none'}, got "
                          f"{got or 'none'}", "example")
            failing_lines = sorted({r.failed_by[0].item.line
                                    for r in (*results.results, *results.rules)
                                    if r.status == "unmet" and r.failed_by
                                    and r.failed_by[0].item.line}
                                   | {e.waiver.line for e in results.expired_waivers
                                      if e.waiver.line})

        if "yaml" in show:
            text = path.read_text(encoding="utf-8")
            out.append(code_block(text, "yaml", caption=shown, linenos=True,
                                  hl_lines=failing_lines or None))
        if "diff" in show and "diff" in self.options:
            import difflib

            before = self.src_path(self.options["diff"]).read_text(encoding="utf-8")
            after = path.read_text(encoding="utf-8")
            diff = "".join(difflib.unified_diff(before.splitlines(keepends=True),
                                                after.splitlines(keepends=True),
                                                f"a/{shown}", f"b/{shown}"))
            if not diff:
                self.warn(f"{self.options['file']} and {self.options['diff']} are the same",
                          "example")
            out.append(code_block(diff, "diff"))
        if "results" in show and results is not None:
            rows: list[list[Cell]] = [[literal(r.check), badge(r.status), r.summary]
                                      for r in results.results]
            rows += [[literal(r.check), badge(r.status), r.summary]
                     for r in results.rules if r.status in ("unmet", "waived")]
            out.append(table(["Check", "Result", "Details"], rows, widths=[3, 1, 8],
                             classes=["deployplan-docs-results"]))
        cli_text, status = self._cli(path, shown, today)
        expected_status = 0 if results is not None and not results.unmet else 1
        if status != expected_status:
            self.warn(f"deployplan check {shown} exits {status}, not {expected_status}",
                      "example")
        if "cli" in show:
            out.append(output_block(cli_text, "console"))
        if "sphinx" in show:
            lines = [line for line in cli_text.splitlines()
                     if re.search(r" \[deployplan\.\w+\]$", line)]
            warnings = [re.sub(r"^(\S+?): (?:warning: |error: )?", r"\1: WARNING: ", line,
                               count=1) for line in lines]
            if warnings:
                if "cli" in show:
                    out.append(para("In ", literal("sphinx-build"), " output (with the full "
                                    "path of the file):"))
                out.append(output_block("\n".join(warnings) + "\n", "text"))
        return out

    def _cli(self, path: Path, shown: str, today: dt.date) -> tuple[str, int]:
        stdout, stderr = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
            status = cli.main(["check", "--today", today.isoformat(), str(path)])
        text = (stdout.getvalue() + stderr.getvalue()).replace(str(path), shown)
        return f"$ deployplan check {shown}\n{text}", status


# --- pre-commit -----------------------------------------------------------------------------


class PreCommitDirective(DocsDirective):
    """``deployplan-precommit``: ``.pre-commit-config.yaml`` entries for the hooks the
    repository defines (``:hooks:``, its ``.pre-commit-hooks.yaml``); ``:local:`` gives
    the ``repo: local`` form, which runs the ``deployplan`` already installed."""

    option_spec = {"hooks": directives.unchanged_required, "local": directives.flag}

    def generate(self) -> list[nodes.Node]:
        path = self.src_path(self.options.get("hooks", ""))
        try:
            hooks = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as exc:
            self.warn(f"cannot read the hooks file {path}: {exc}", "example")
            return []
        if not isinstance(hooks, list) or not hooks:
            self.warn(f"{path} defines no hooks", "example")
            return []
        if "local" in self.options:
            text = "repos:\n  - repo: local\n    hooks:\n"
            for hook in hooks:
                text += (f"      - id: {hook['id']}\n"
                         f"        name: {hook.get('name', hook['id'])}\n"
                         f"        entry: {hook['entry']}\n"
                         f"        language: system\n")
                if "files" in hook:
                    text += f"        files: '{hook['files']}'\n"
            if yaml.safe_load(text)["repos"][0]["hooks"][0].get("files") != hooks[0].get("files"):
                self.warn("the generated local hook does not round-trip", "example")
        else:
            ids = "".join(f"      - id: {hook['id']}\n" for hook in hooks)
            text = ("repos:\n"
                    "  - repo: <URL of the sphinx-deployplan git repository>\n"
                    "    rev: <a tag or commit>\n"
                    "    hooks:\n" + ids)
        return [code_block(text, "yaml", caption=".pre-commit-config.yaml")]


# --- the schema file --------------------------------------------------------------------------


class SchemaLinkRole(SphinxRole):
    """``{deployplan-schema}`text``: a link to the JSON Schema published with the site."""

    def run(self) -> tuple[list[nodes.Node], list[nodes.system_message]]:
        depth = self.env.docname.count("/")
        uri = "../" * depth + SCHEMA_FILE
        text = self.text or SCHEMA_FILE
        ref = nodes.reference(text, "", refuri=uri)
        ref += literal(text)
        return [ref], []


def write_schema(app: Sphinx, exception: Exception | None) -> None:
    """``build-finished``: publish the plan format's JSON Schema at the root of the site."""
    if exception is None and app.builder.format == "html":
        import json

        target = Path(app.outdir) / SCHEMA_FILE
        target.write_text(json.dumps(plan_schema(), indent=2) + "\n", encoding="utf-8")


def check_snippets(app: Sphinx) -> None:
    """``builder-inited``: every YAML snippet the how-to guides include must parse."""
    folder = Path(app.srcdir) / "snippets"
    for path in sorted(folder.glob("*.y*ml")):
        try:
            yaml.safe_load(path.read_text(encoding="utf-8"))
        except yaml.YAMLError as exc:
            logger.warning("%s is not valid YAML: %s", path.name, exc, type=DOCS_WARNING,
                           subtype="example", location=str(path))


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_directive("deployplan-fields", FieldsDirective)
    app.add_directive("deployplan-checks", ChecksDirective)
    app.add_directive("deployplan-rules", RulesDirective)
    app.add_directive("deployplan-warnings", WarningsDirective)
    app.add_directive("deployplan-config", ConfigDirective)
    app.add_directive("deployplan-directives", DirectivesDirective)
    app.add_directive("deployplan-needs", NeedsDirective)
    app.add_directive("deployplan-exporters", ExportersDirective)
    app.add_directive("deployplan-export", ExportDirective)
    app.add_directive("deployplan-cli", CliDirective)
    app.add_directive("deployplan-example", ExampleDirective)
    app.add_directive("deployplan-precommit", PreCommitDirective)
    app.add_role("deployplan-schema", SchemaLinkRole())
    app.connect("builder-inited", check_snippets)
    app.connect("build-finished", write_schema)
    return {"version": __version__, "parallel_read_safe": True, "parallel_write_safe": True}
