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
from .domain import DeployPlanDomain, PlanEntry, plan_domain
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


def _our_needs(env: BuildEnvironment) -> dict[str, Any] | None:
    """sphinx-needs' needs of ``env`` (None when traceability is off)."""
    if not env.config.deployplan_needs:
        return None
    from sphinx_needs.data import SphinxNeedsData

    return SphinxNeedsData(env).get_needs_mutable()


def _drop_needs(env: BuildEnvironment, plan_id: str, keep_docname: str | None) -> None:
    """Drop the needs of plan ``plan_id`` recorded on any document but ``keep_docname``."""
    from sphinx_needs.data import SphinxNeedsData

    from .needs import NEED_TYPES

    data = SphinxNeedsData(env)
    needs = data.get_needs_mutable()
    for need_id in [i for i, need in needs.items()
                    if need["type"] in NEED_TYPES and need.get("plan") == plan_id
                    and not need["is_external"] and need["docname"] != keep_docname]:
        data.remove_need(need_id)


def claim_needs(env: BuildEnvironment, entry: PlanEntry) -> None:
    """Before the owner of an id creates its needs: take the ids from other pages."""
    if _our_needs(env) is not None:
        _drop_needs(env, entry.plan_id, entry.docname)


def merge_needs(app: Sphinx, env: BuildEnvironment, docnames: Set[str],
                other: BuildEnvironment) -> None:
    """``env-merge-info``, before sphinx-needs merges a ``-j`` worker's needs (which
    keeps whichever need of an id came first, and warns): keep only the needs of
    each id's owner, in both environments.  The domains are merged already."""
    mine, theirs = _our_needs(env), _our_needs(other)
    if mine is None or theirs is None:
        return
    from .needs import NEED_TYPES

    # what this process dropped after the worker was forked stays dropped
    for need_id in [i for i, need in theirs.items()
                    if need["docname"] not in docnames and i not in mine
                    and need["type"] in NEED_TYPES and not need["is_external"]]:
        del theirs[need_id]
    domain = plan_domain(env)
    plan_ids = {need.get("plan") for need in theirs.values()
                if need["docname"] in docnames and need["type"] in NEED_TYPES}
    for plan_id in sorted(p for p in plan_ids if p):
        owner = domain.winner(plan_id)
        keep = owner.docname if owner is not None else None
        _drop_needs(env, plan_id, keep)
        _drop_needs(other, plan_id, keep)


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

    from .downloads import downloads

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
            for node in [*top.findall(Need), *top.findall(downloads)]:
                node.parent.remove(node)
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

