"""The reference tables: warnings, configuration, directives, needs, exports and the CLI.

Each is written as MyST from the package's own declarations, so it cannot drift
from the code.  Where the docs add prose of their own (what a directive option
means), the prose is keyed by the code's names, and a missing or extra key is a
warning, which fails the ``-W`` build.
"""

from __future__ import annotations

import datetime as dt
import re

from docutils.parsers.rst import Directive, directives

from sphinx_deployplan import cli
from sphinx_deployplan.checks import CHECK_IDS, RULE_IDS, run_checks
from sphinx_deployplan.export import EXPORTERS
from sphinx_deployplan.ids import need_id
from sphinx_deployplan.items import plan_items
from sphinx_deployplan.loader import load_plan, load_plan_file
from sphinx_deployplan.problems import SUBTYPES, WARNING_TYPE, PlanError
from sphinx_deployplan.render.plan import CHECKS_PART, PART_ALIASES, PART_KEYS, PARTS
from sphinx_deployplan.report import result_problems
from sphinx_deployplan.sphinx.config import PREFIX, options, settings
from sphinx_deployplan.sphinx.needs import NEED_FIELDS, NEED_LINKS, NEED_TYPES

from .base import DocsDirective, link_options
from .markdown import code, directive, list_table, output_block

# --- warnings -----------------------------------------------------------------------------------

_PLAN = "plan: checkout-v2\ntitle: Checkout\nservice: checkout\n"

#: A YAML plan that causes each subtype, shown with the real message: the loader's
#: for the first four, the checks' for the others.
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
    "placeholder": _PLAN + "owner: TODO\n",
    "check": _PLAN + "owner: payments\n",
    "waiver": _PLAN + "owner: payments\nwaivers:\n  - {check: zero-downtime, reason: Outage "
              "window agreed, approved_by: cto, until: 2020-01-31}\n",
}


def subtype_message(subtype: str, today: dt.date) -> str | None:
    """What the loader or the checks report for the example of ``subtype`` (None: no
    example; "": the example does not produce it)."""
    text = SUBTYPE_EXAMPLES.get(subtype)
    if text is None:
        return None
    try:
        plan = load_plan(text, "plan.yaml")
    except PlanError as error:
        problems = error.problems
    else:
        problems = result_problems(run_checks(plan, today), "plan.yaml", frozenset())
    return next((p.format() for p in problems if p.subtype == subtype), "")


class WarningsDirective(DocsDirective):
    """``deployplan-warnings``: every warning subtype, with a real message where the
    loader can produce one."""

    def markdown(self) -> str:
        for extra in SUBTYPE_EXAMPLES.keys() - SUBTYPES.keys():
            self.warn(f"SUBTYPE_EXAMPLES (docs) names subtype {extra!r}, which the code "
                      f"does not have")
        rows = []
        for subtype, meaning in SUBTYPES.items():
            cell = link_options(meaning)
            message = subtype_message(subtype, settings(self.config).build_today)
            if message == "":
                self.warn(f"the example for warning subtype {subtype!r} does not produce it",
                          "example")
            elif message:
                cell += "\n\nExample:\n\n" + output_block(message)
            rows.append([code(f"{WARNING_TYPE}.{subtype}"), cell])
        return list_table(["Type.subtype", "When"], rows, widths=[1, 4])


# --- configuration ------------------------------------------------------------------------------


def type_names(types: tuple[type, ...]) -> str:
    return " or ".join(code("None" if t is type(None) else t.__name__) for t in types)


class ConfigDirective(DocsDirective):
    """``deployplan-config``: every configuration value, as Sphinx ``confval`` entries
    (so that ``{confval}`deployplan_today``` links to one), from the config dataclass."""

    def markdown(self) -> str:
        entries = []
        for field in options():
            meta = field.metadata
            text = link_options(meta["doc"])
            if meta["rebuild"] == "env":
                text += "\n\nChanging it re-reads every page on the next build."
            entries.append(directive("confval", PREFIX + field.name, text,
                                     type=type_names(meta["types"]),
                                     default=code(repr(meta["default"]))))
        return "\n".join(entries)


# --- directives ---------------------------------------------------------------------------------

_SITES = ("Show only the plans of these sites, separated by commas. A site is the `project` "
          "name of the Sphinx project that publishes a plan; a portal site reads other "
          "sites' plans from their `needs.json` (`needs_external_needs`). Default: every "
          "plan.")

#: What each option of each of the extension's directives means (directive -> option -> text).
#: Every directive the package defines and every option in its ``option_spec`` needs an entry.
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
                          "\"Deployment Plan: *title*\" section, so they sit under the "
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

_CONVERTERS = {
    directives.flag: "no value",
    directives.unchanged_required: "text",
    directives.unchanged: "text (may be empty)",
    directives.path: "a path",
    directives.positive_int: "a positive whole number",
}


def defined_directives() -> set[type]:
    """The directive classes sphinx-deployplan defines, bases left out."""
    found, todo = set(), [Directive]
    while todo:
        subclasses = todo.pop().__subclasses__()
        todo += subclasses
        found |= {cls for cls in subclasses if not cls.__subclasses__()
                  and cls.__module__.startswith("sphinx_deployplan.")}
    return found


class DirectivesDirective(DocsDirective):
    """``deployplan-directives``: every directive of the extension and its options, read
    from the classes registered under the names :data:`DIRECTIVE_DOCS` documents."""

    def generate(self) -> list:
        out, documented = [], set()
        for name, (extra, option_docs) in DIRECTIVE_DOCS.items():
            cls, _messages = directives.directive(name, self.state.memo.language,
                                                  self.state.document)
            if cls is None or not cls.__module__.startswith("sphinx_deployplan."):
                self.warn(f"DIRECTIVE_DOCS (docs) describes directive {name!r}, which "
                          f"sphinx-deployplan does not register")
                continue
            documented.add(cls)
            out.append(self.section(code(name), f"directive-{name}",
                                    self.describe(name, cls, extra, option_docs)))
        for cls in defined_directives() - documented:
            self.warn(f"directive class {cls.__module__}.{cls.__qualname__} has no entry in "
                      f"DIRECTIVE_DOCS (docs)")
        return out

    def describe(self, name: str, cls: type[Directive], extra: str,
                 option_docs: dict[str, str]) -> str:
        summary = " ".join((cls.__doc__ or "").split())
        if not summary:
            self.warn(f"directive class {cls.__qualname__} of {name!r} has no docstring")
        spec = dict(cls.option_spec or {})
        for option in option_docs.keys() - spec.keys():
            self.warn(f"DIRECTIVE_DOCS (docs) describes option :{option}: of {name!r}, "
                      f"which the directive does not have")
        body = "a plan in YAML (or none, with `:file:`)" if cls.has_content else "none"
        args = cls.required_arguments + cls.optional_arguments
        parts = [link_options(f"{summary} {extra}"),
                 f"**Arguments:** {args or 'none'}. **Body:** {body}."]
        rows = []
        for option, converter in spec.items():
            if option not in option_docs:
                self.warn(f"option :{option}: of directive {name!r} has no entry in "
                          f"DIRECTIVE_DOCS (docs)")
            rows.append([code(f":{option}:"),
                         _CONVERTERS.get(converter, getattr(converter, "__name__", "")),
                         option_docs.get(option, "")])
        parts.append(list_table(["Option", "Value", "Meaning"], rows, widths=[2, 2, 6])
                     if rows else "No options.")
        if name == "deployplan":
            parts += [f"Names accepted by {code(':sections:')}:", self.sections_table()]
        return "\n\n".join(parts)

    @staticmethod
    def sections_table() -> str:
        titles = {p.key: p.title for p in (*PARTS, CHECKS_PART)}
        aliases: dict[str, list[str]] = {}
        for alias, key in PART_ALIASES.items():
            aliases.setdefault(key, []).append(code(alias))
        rows = [[code(key), ", ".join(aliases.get(key, [])), titles.get(key, key)]
                for key in PART_KEYS]
        return list_table(["Name", "Also accepted", "Renders"], rows, widths=[2, 3, 4])


# --- needs --------------------------------------------------------------------------------------


class NeedsDirective(DocsDirective):
    """``deployplan-needs``: need types (with an example id from ``:file:``), fields and
    link types (``:show:``, default all three)."""

    option_spec = {"file": directives.unchanged_required, "show": directives.unchanged}

    def markdown(self) -> str:
        show = (self.options.get("show") or "types, fields, links").replace(",", " ").split()
        out = []
        if "types" in show:
            examples = self.example_ids()
            rows = [[code(need_type), title, code(examples[need_type])
                     if need_type in examples else ""]
                    for need_type, (title, _colour) in NEED_TYPES.items()]
            out.append(list_table(["Need type", "What it is", "Example id"], rows,
                                  widths=[2, 5, 5]))
        if "fields" in show:
            rows = [[code(name), description, ", ".join(map(code, schema.get("enum", [])))]
                    for name, (description, schema) in NEED_FIELDS.items()]
            out.append(list_table(["Field", "Meaning", "Values"], rows, widths=[1, 4, 2]))
        if "links" in show:
            rows = [[code(name), conf.get("outgoing", ""), conf.get("incoming", "")]
                    for name, conf in NEED_LINKS.items()]
            out.append(list_table(["Link type", "Reads (outgoing)", "Reads (incoming)"], rows,
                                  widths=[2, 3, 3]))
        return "\n".join(out)

    def example_ids(self) -> dict[str, str]:
        """An example need id of each type, from the plan in ``:file:``."""
        if "file" not in self.options:
            return {}
        try:
            plan = load_plan_file(self.src_path(self.options["file"]))
        except PlanError as error:
            self.warn(f"{self.options['file']} does not load: {error}", "example")
            return {}
        examples: dict[str, str] = {}
        for ref in plan_items(plan):
            examples.setdefault(f"dp{ref.kind}", ref.need_id(plan.plan))
        examples["dpcheck"] = need_id(plan.plan, "check", CHECK_IDS[0])
        examples["dprule"] = need_id(plan.plan, "rule", RULE_IDS[0])
        for need_type in NEED_TYPES.keys() - examples.keys():
            self.warn(f"{self.options['file']} has no item of need type {need_type!r}: "
                      f"use a plan that has every kind of item", "example")
        return examples


# --- exports and the command line ---------------------------------------------------------------


class ExportersDirective(DocsDirective):
    """``deployplan-exporters``: the export formats (``EXPORTERS``)."""

    def markdown(self) -> str:
        rows = [[code(e.name), code("<plan>" + e.suffix), e.description]
                for e in EXPORTERS.values()]
        return list_table(["`--to`", "Download name", "What it writes"], rows,
                          widths=[2, 3, 6])


class CliDirective(DocsDirective):
    """``deployplan-cli``: the exit status (from the CLI module's docstring), then every
    command and option, by sphinx-argparse from ``sphinx_deployplan.cli.parser()``."""

    def markdown(self) -> str:
        doc = " ".join((cli.__doc__ or "").split())
        exit_status = re.search(r"Exit status.*?\.(?=\s|$)", doc)
        if exit_status is None:
            self.warn("the module docstring of sphinx_deployplan.cli no longer says the exit "
                      "status")
        # options as code, which keeps "--" from becoming a dash
        intro = re.sub(r"(?<!\S)--[a-z][\w-]*", lambda m: code(m.group(0)),
                       exit_status.group(0) if exit_status else "")
        return intro + "\n\n" + directive("argparse", module=cli.__name__, func="parser",
                                          prog="deployplan")
