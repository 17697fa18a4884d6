"""The bridge to sphinx-needs: every plan item and every (plan, check) pair is a need.

The needs are hidden (our own tables already show the items; a rendered
sphinx-needs layout per item roughly triples the build time), but they are in
``needs.json``, in ``needtable``/``needflow`` filters and linkable with
``:need:``.  The element that shows the item (a table row's first cell, a
section, a list item) carries the need's id, so links to it land on the right
place.

Types, fields and links are registered at ``config-inited``: sphinx-needs'
own ``setup()`` clears its registry, so doing it in our ``setup()`` is too early.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from typing import Any, cast

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.util.docutils import SphinxDirective

from ..checks import PlanResults
from ..ids import anchor, need_id
from ..items import ITEM_KINDS, plan_items
from ..model import Plan
from ..problems import Problem
from .config import settings
from .warnings import warn

#: Need type -> (title, colour).  ``dpcheck`` is the (plan, check) pair.
NEED_TYPES: dict[str, tuple[str, str]] = {
    **{f"dp{kind}": (title, "#cfe2f3") for kind, title in ITEM_KINDS.items()},
    "dpcheck": ("A quality check of a plan: its result and evidence", "#fce5cd"),
    "dprule": ("A release-engineering rule of a plan: its result and evidence", "#fff2cc"),
}
NEED_TYPES["dpplan"] = (ITEM_KINDS["plan"], "#d9ead3")

#: Need fields we add: name -> (description, JSON schema).
NEED_FIELDS: dict[str, tuple[str, dict[str, Any]]] = {
    "plan": ("The id of the deployment plan the need belongs to", {"type": "string"}),
    "check": ("The id of the quality check or rule (dpcheck and dprule needs)",
              {"type": "string"}),
    "result": ("The result: met, unmet, n/a or waived (dpcheck and dprule needs)",
               {"type": "string", "enum": ["met", "unmet", "n/a", "waived"]}),
    # What a portal shows of a plan without its source (dpplan and dpflag needs):
    "site": ("The project (Sphinx `project`) the need is published in", {"type": "string"}),
    "service": ("The service a plan deploys (dpplan)", {"type": "string"}),
    "owner": ("Who owns the plan (dpplan) or the flag (dpflag)", {"type": "string"}),
    "method": ("The plan's zero-downtime method (dpplan)", {"type": "string"}),
    "flag": ("The flag's name (dpflag)", {"type": "string"}),
    "flag_type": ("release, ops, experiment or permission (dpflag)", {"type": "string"}),
    "default": ("The flag's default: on, off or a variant (dpflag)", {"type": "string"}),
    "cleanup": ("The flag's cleanup date, YYYY-MM-DD (dpflag)", {"type": "string"}),
    "permanent": ("Whether the flag is permanent (dpflag)", {"type": "boolean"}),
}

#: Link types from a dpcheck need to the items that satisfy or fail it.
NEED_LINKS: dict[str, dict[str, str]] = {
    "satisfied_by": {"incoming": "satisfies", "outgoing": "satisfied by"},
    "failed_by": {"incoming": "fails", "outgoing": "failed by", "color": "#cc0000"},
}


def register(app: Sphinx, config: Config) -> None:
    """``config-inited``: our need types, fields and link types."""
    if not settings(config).needs:
        return
    from sphinx_needs.api import add_field, add_need_type
    from sphinx_needs.exceptions import NeedsApiConfigException

    for directive, (title, colour) in NEED_TYPES.items():
        # a type the user configured in needs_types already exists: theirs wins
        with contextlib.suppress(NeedsApiConfigException):
            add_need_type(app, directive, title, "DP_", colour, "node")
    for name, (description, schema) in NEED_FIELDS.items():
        # (sphinx-needs types each schema shape; ours are plain JSON Schema mappings)
        add_field(name, description, schema=cast(Any, schema), nullable=True)
    links = dict(config.needs_links or {})
    for name, conf in NEED_LINKS.items():
        links.setdefault(name, conf)
    config.needs_links = links


def _index(roots: Iterable[nodes.Node]) -> dict[str, nodes.Element]:
    found: dict[str, nodes.Element] = {}
    for root in roots:
        for node in root.findall(nodes.Element):
            for node_id in node["ids"]:
                found.setdefault(node_id, node)
    return found


def _attach(host: nodes.Element | None, fallback: list[nodes.Node], need: str,
            made: list[nodes.Node]) -> None:
    """Give the element that shows the item the need's id, so that links to the need
    land on it, and put sphinx-needs' hidden need node inside it.

    The id goes on the row's first cell, the section or the list item itself rather
    than on an empty element of its own: one node less per need (about 50 a plan),
    and the same HTML (a second id becomes an empty ``span`` inside the element)."""
    if isinstance(host, nodes.row) and isinstance(host.children[0], nodes.Element):
        host = host.children[0]
    if host is None:
        fallback.extend([nodes.inline("", "", ids=[need]), *made])
        return
    host["ids"].append(need)
    if isinstance(host, nodes.section):
        for node in reversed(made):
            host.insert(1, node)  # after the title, before any subsection
    else:
        host.extend(made)


def add_plan_needs(directive: SphinxDirective, plan: Plan, results: PlanResults,
                   rendered: list[nodes.Node], doc_line: Any) -> list[nodes.Node]:
    """Create the needs of one plan inside ``rendered``; return nodes for needs whose
    item is not shown (placed before the runbook)."""
    from sphinx_needs.api import add_need
    from sphinx_needs.exceptions import InvalidNeedException
    from sphinx_needs.utils import add_doc

    env = directive.env
    app = getattr(env, "_app", None) or env.app  # env.app is deprecated in Sphinx 9
    docname = env.docname
    where = _index(rendered)
    site = env.config.project or ""
    orphans: list[nodes.Node] = []

    def create(need: str, host_anchor: str, line: int, **kwargs: Any) -> None:
        try:
            made = add_need(app, directive.state, docname, line, id=need, hide=True,
                            plan=plan.plan, site=site, **kwargs)
        except InvalidNeedException as err:
            warn(Problem("need", f"plan {plan.plan!r}: sphinx-needs refused need {need!r}: "
                         f"{err.message}"), docname, line)
            return
        _attach(where.get(host_anchor), orphans, need, made)

    flags = {flag.name: flag for flag in plan.feature_flags or []}
    for ref in plan_items(plan):
        extra: dict[str, Any] = {}
        title = ref.label
        if ref.kind == "plan":
            title = plan.title
            extra = {"service": plan.service,
                     "owner": plan.owner,
                     "method": plan.strategy.method if plan.strategy else None}
        elif ref.kind == "flag":
            flag = flags[ref.parts[1]]
            extra = {"flag": flag.name, "flag_type": flag.type, "owner": flag.owner,
                     "default": flag.default,
                     "cleanup": flag.cleanup.isoformat() if flag.cleanup else None,
                     "permanent": bool(flag.permanent)}
        create(ref.need_id(plan.plan), ref.anchor(plan.plan), doc_line(ref.line),
               need_type=f"dp{ref.kind}", title=title,
               **{k: v for k, v in extra.items() if v is not None})
    for kind, result in [*(("check", r) for r in results.results),
                         *(("rule", r) for r in results.rules)]:
        create(need_id(plan.plan, kind, result.check),
               anchor(plan.plan, kind, result.check), doc_line(plan.line),
               need_type=f"dp{kind}",
               title=f"{plan.plan}: {result.check} ({result.title})",
               check=result.check, result=result.status,
               satisfied_by=_unique(r.need_id(plan.plan) for r in result.satisfied_by),
               failed_by=_unique(f.item.need_id(plan.plan) for f in result.failed_by))
    add_doc(env, docname)  # sphinx-needs' per-document bookkeeping; without it, a crash
    return orphans


def _unique(ids: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(ids))
