"""One plan id, one plan: what each definition of an id shows, whatever the build.

The domain records every definition and names the first by (document name,
line) the owner of the id (:meth:`.domain.DeployPlanDomain.winner`).  This
module makes every page and every need agree with that, so that an incremental
or a ``-j`` build gives what a clean serial build gives, whatever was edited:

* **While reading**, a plan creates its needs and its download links only when
  no definition that stays comes before it; it then takes its needs' ids from
  any other page that held them (:func:`claim_needs`).  A second definition of
  an id on the *same* page is known at once and shows an error box instead of
  the runbook (so the page has no duplicate HTML ids).
* **When ``-j`` workers are merged**, before sphinx-needs merges their needs,
  only the owner's needs of each id are kept (:func:`merge_needs`).
* **Before any document is read**, the pages that share an id with a changed or
  removed page are read again (:func:`reread_sharing_pages`): one of them may
  own the id now and must create its needs.  **After reading**, every page that
  defines an id whose definitions changed is written again
  (:func:`rewrite_sharing_pages`), as its standing may have changed.
* **When a page is written**, a definition that does not own its id loses its
  needs' nodes and anchors and its download links, shows why, and is reported
  as a located ``deployplan.duplicate`` warning (:func:`resolve_pages`).
"""

from __future__ import annotations

from collections.abc import Iterable, Set
from typing import Any

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment

from ..ids import is_need_of
from ..problems import Problem
from .config import settings
from .domain import DeployPlanDomain, PlanEntry, plan_domain
from .downloads import downloads
from .needs import NEED_TYPES
from .warnings import warn

#: The attribute that ties the top-level nodes of one directive to its definition:
#: the plan id and how many definitions of it come before on the page (not the
#: line, so that the same plan in MyST and in reST gives the same doctree).
MARK = "deployplan-definition"


def _ordinal(domain: DeployPlanDomain, entry: PlanEntry) -> int:
    return sum(e.docname == entry.docname and e.key < entry.key
               for e in domain.definitions(entry.plan_id))


def mark(rendered: Iterable[nodes.Node], domain: DeployPlanDomain, entry: PlanEntry) -> None:
    tag = f"{entry.plan_id}/{_ordinal(domain, entry)}"
    for node in rendered:
        if isinstance(node, nodes.Element):
            node[MARK] = tag


def _message(entry: PlanEntry, owner: PlanEntry) -> str:
    where = ("on this page" if owner.docname == entry.docname
             else f"in document {owner.docname!r}")
    return (f"plan id {entry.plan_id!r} is already used {where} (line {owner.lineno}); "
            f"plan ids must be unique across the site")


def earlier_on_page(domain: DeployPlanDomain, entry: PlanEntry) -> PlanEntry | None:
    """An earlier definition of the id on the same page: the page shows that one."""
    return next((e for e in domain.definitions(entry.plan_id)
                 if e.docname == entry.docname and e.key < entry.key), None)


def same_page_box(entry: PlanEntry, owner: PlanEntry) -> nodes.Element:
    """What a second definition of an id on one page shows in place of the runbook."""
    return _box(entry, owner, "This deployment plan is not shown: ")


def _box(entry: PlanEntry, owner: PlanEntry, lead: str) -> nodes.Element:
    box = nodes.error(classes=["deployplan-error", "deployplan-duplicate"])
    box += nodes.paragraph("", lead + _message(entry, owner) + ".")
    return box


# --- needs -----------------------------------------------------------------------------------


def _needs_data(env: BuildEnvironment, config: Any = None) -> Any:
    """sphinx-needs' data of ``env`` (None when traceability is off in ``config``, by
    default the environment's own: a -j worker's comes back without our settings)."""
    if not settings(config or env.config).needs:
        return None
    from sphinx_needs.data import SphinxNeedsData

    return SphinxNeedsData(env)


def _by_plan(data: Any) -> dict[str, dict[str, list[str]]]:
    """Plan id -> document -> the ids of the plan's needs recorded on it."""
    found: dict[str, dict[str, list[str]]] = {}
    for need_id, need in data.get_needs_mutable().items():
        if need["type"] in NEED_TYPES and not need["is_external"] and need.get("plan"):
            found.setdefault(need["plan"], {}).setdefault(need["docname"], []).append(need_id)
    return found


def _drop_others(data: Any, held: dict[str, list[str]], keep: str | None) -> None:
    for docname, need_ids in held.items():
        if docname != keep:
            for need_id in need_ids:
                data.remove_need(need_id)


def claim_needs(env: BuildEnvironment, entry: PlanEntry) -> None:
    """Before the owner of an id creates its needs: take the ids from any other page
    that holds them.  A page's needs and definitions are cleared together, so only
    an id that another page defines can have needs elsewhere."""
    data = _needs_data(env)
    others = [e for e in plan_domain(env).definitions(entry.plan_id)
              if e.docname != entry.docname]
    if data is not None and others:
        _drop_others(data, _by_plan(data).get(entry.plan_id, {}), entry.docname)


def merge_needs(app: Sphinx, env: BuildEnvironment, docnames: Set[str],
                other: BuildEnvironment) -> None:
    """``env-merge-info``, before sphinx-needs merges a ``-j`` worker's needs (which
    keeps whichever need of an id came first, and warns): keep only the needs of
    each id's owner, in both environments.  The domains are merged already."""
    mine, theirs = _needs_data(env), _needs_data(other, env.config)
    if mine is None or theirs is None:
        return
    # what this process dropped after the worker was forked stays dropped
    held = mine.get_needs_mutable()
    for need_id in [i for i, need in theirs.get_needs_mutable().items()
                    if need["docname"] not in docnames and i not in held
                    and need["type"] in NEED_TYPES and not need["is_external"]]:
        theirs.remove_need(need_id)
    theirs_by_plan = _by_plan(theirs)
    plan_ids = sorted(p for p, docs in theirs_by_plan.items() if not docnames.isdisjoint(docs))
    if not plan_ids:
        return
    domain, mine_by_plan = plan_domain(env), _by_plan(mine)
    for plan_id in plan_ids:
        owner = domain.winner(plan_id)
        keep = owner.docname if owner is not None else None
        _drop_others(mine, mine_by_plan.get(plan_id, {}), keep)
        _drop_others(theirs, theirs_by_plan.get(plan_id, {}), keep)


# --- which pages to read and write -------------------------------------------------------------


def reread_sharing_pages(app: Sphinx, env: BuildEnvironment, added: Set[str],
                         changed: Set[str], removed: Set[str]) -> list[str]:
    """``env-get-outdated``: the pages that share a plan id with a changed or removed
    page (as last read) are read again; this build starts here."""
    domain = plan_domain(env)
    gone = domain.ids_of(changed | removed)
    domain.begin_build()
    return sorted(domain.docs_defining(gone) - set(removed))


def note_pending(app: Sphinx, env: BuildEnvironment, docnames: list[str]) -> None:
    """``env-before-read-docs``."""
    plan_domain(env).begin_reading(docnames)


def rewrite_sharing_pages(app: Sphinx, env: BuildEnvironment) -> list[str]:
    """``env-get-updated``: every page defining an id whose definitions changed."""
    domain = plan_domain(env)
    return sorted(domain.docs_defining(domain.touched))


# --- what a page shows -------------------------------------------------------------------------


def resolve_pages(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    """``doctree-resolved``, before sphinx-needs' and the downloads' handlers: each
    definition on the page that does not own its id loses its needs and download
    links and says why; each is a ``deployplan.duplicate`` warning."""
    domain = plan_domain(app.env)
    losers = domain.duplicates(docname)
    if not losers:
        return
    from sphinx_needs.nodes import Need

    marked: dict[str, list[nodes.Element]] = {}
    for node in doctree.findall(nodes.Element):
        if MARK in node.attributes:
            marked.setdefault(node[MARK], []).append(node)
    for entry, owner in sorted(losers, key=lambda pair: pair[0].key):
        owner = earlier_on_page(domain, entry) or owner
        warn(Problem("duplicate", _message(entry, owner), entry.id_line, entry.source),
             docname, 0)
        found = marked.get(f"{entry.plan_id}/{_ordinal(domain, entry)}", [])
        if not found or any("deployplan-duplicate" in n["classes"] for n in found):
            continue  # the box that a second definition on one page shows already
        for top in found:
            for gone in [*top.findall(Need), *top.findall(downloads)]:
                assert isinstance(gone, nodes.Element) and gone.parent is not None
                gone.parent.remove(gone)
            for node in top.findall(nodes.Element):  # the needs' anchors
                node["ids"] = [i for i in node["ids"] if not is_need_of(entry.plan_id, i)]
            if top.parent is not None and not (top.children or top["ids"]):
                top.parent.remove(top)  # the anchor of a need whose item is not shown
        found = [n for n in found if n.parent is not None]
        if found:
            found[0].parent.insert(found[0].parent.index(found[0]), _box(
                entry, owner, "This deployment plan is left out of the site's plan index, "
                "matrix, flag report, needs and downloads: "))


def register(app: Sphinx) -> None:
    app.connect("env-get-outdated", reread_sharing_pages)
    app.connect("env-before-read-docs", note_pending)
    app.connect("env-get-updated", rewrite_sharing_pages)
    app.connect("env-merge-info", merge_needs, priority=400)
    app.connect("doctree-resolved", resolve_pages, priority=400)

