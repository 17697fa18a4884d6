"""Per-document plan state, kept correct under ``-j N`` and incremental builds.

The domain keeps **every** definition of a plan, by document, whatever its id:
what a build read is recorded as it is, and nothing recorded depends on the
order in which documents were read, cleared or merged.  Which definition owns a
plan id is then a function of that state alone: the one with the smallest
(document name, line) (:meth:`DeployPlanDomain.winner`).  The others are
duplicates.  So moving a plan to another page, swapping two pages' plans, or a
duplicate appearing and going away gives, after an incremental or a ``-j``
build, the state a clean serial build gives (what each page then shows:
:mod:`.duplicates`).

Everything the aggregate views and the end-of-build summary show comes from
the winners (:meth:`DeployPlanDomain.entries`).  Other per-document records
follow the same pattern: a mapping by document, emptied in :meth:`clear_doc`,
taken for the merged documents in :meth:`merge_domaindata`, and read by the
summary in :mod:`.gate` (a plan that could not be loaded, say, with its
document, line, id when known and problems).
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable, Set
from dataclasses import dataclass
from typing import Any, ClassVar

from sphinx.domains import Domain
from sphinx.environment import BuildEnvironment

from ..checks import Gate, PlanResults
from ..ids import anchor, plan_anchor
from ..model import Plan


@dataclass(frozen=True)
class FlagFacts:
    """What the flag report shows of a flag."""

    name: str
    type: str | None
    owner: str | None
    default: str | None
    cleanup: _dt.date | None
    permanent: bool


@dataclass(frozen=True)
class Shown:
    """Which parts of a plan its page really shows (``:sections:`` and
    ``:no-heading:``), so that links from other pages land on an anchor that is
    there: an item's own when its part is shown, else the plan's nearest one."""

    heading: bool  # the "Deployment Plan: ..." section with the plan's anchor
    parts: frozenset[str]  # part keys (render.plan.PART_KEYS)
    first: str  # the first part shown, in the runbook's order

    def plan(self, plan_id: str) -> str:
        """The plan's own anchor, else its first part's."""
        return plan_anchor(plan_id) if self.heading else anchor(plan_id, self.first)

    def item(self, plan_id: str, part: str, *item: object) -> str:
        """The anchor of an item shown in ``part``, else the plan's."""
        return anchor(plan_id, *item) if part in self.parts else self.plan(plan_id)


@dataclass
class PlanEntry:
    """What the site keeps of a plan between builds: where it is, and what the
    aggregate views and the build's summary show of it.

    Not the plan itself: the environment is loaded and saved whole on every build,
    and a model with its results is ~90 KB of Python objects per plan (about 90 MB
    for 1,000 plans, for views that need a few fields).
    """

    plan_id: str
    docname: str
    lineno: int  # the document line of the plan (of the directive, for a :file: plan)
    source: str | None  # the plan file, or None for a directive body
    id_line: int | None  # the line of ``plan:``, in the file or in the document
    shown: Shown
    title: str
    service: str
    owner: str
    method: str | None
    checks: tuple[tuple[str, str], ...]  # (check id, result) of the eight checks
    rules: tuple[tuple[str, str], ...]  # (rule id, result)
    flags: tuple[FlagFacts, ...]
    dated: bool  # results depend on the build's "today" (waivers, flag ages)

    @classmethod
    def of(cls, plan: Plan, docname: str, lineno: int, id_line: int | None,
           results: PlanResults, shown: Shown) -> PlanEntry:
        return cls(
            plan_id=plan.plan, docname=docname, lineno=lineno, source=plan.source,
            id_line=id_line, shown=shown,
            title=plan.title, service=plan.service, owner=plan.owner,
            method=plan.strategy.method if plan.strategy else None,
            checks=tuple((r.check, r.status) for r in results.results),
            rules=tuple((r.check, r.status) for r in results.rules),
            flags=tuple(FlagFacts(f.name, f.type, f.owner, f.default, f.cleanup,
                                  bool(f.permanent)) for f in plan.feature_flags or []),
            dated=bool(plan.waivers or plan.feature_flags),
        )

    @property
    def key(self) -> tuple[str, int]:
        """The order in which definitions of one id compete: the first wins."""
        return (self.docname, self.lineno)

    @property
    def anchor(self) -> str:
        return self.shown.plan(self.plan_id)

    def failing(self, gate: Gate) -> list[str]:
        """The checks and rules whose result fails the build."""
        return gate.failing((*self.checks, *self.rules))


@dataclass(frozen=True)
class Unreadable:
    """A plan that could not be read: it has no results, so it fails the gate."""

    docname: str
    lineno: int  # the directive's line
    plan_id: str | None  # when the text names one
    source: str | None  # the plan file, or None for a directive body
    subtypes: tuple[str, ...]  # of its problems, in order, each once

    @property
    def what(self) -> str:
        """How the summary names it: by id when known, else by file."""
        if self.plan_id:
            return self.plan_id
        return self.source or f"the plan at line {self.lineno}"


class DeployPlanDomain(Domain):
    name = "deployplan"
    label = "Deployment plans"
    # plans: plan id -> its definitions, sorted by key; documents: document -> the
    # plan ids it defines; aggregates: documents with an index, matrix or flag
    # report (rewritten whenever any plan changes); today: of the last build;
    # members: portal members' fingerprints; unreadable: document -> the plans it
    # holds that could not be read.  For this build only: touched, the ids whose
    # definitions changed; pending, the documents still to be read.
    initial_data: ClassVar[dict[str, Any]] = {"plans": {}, "documents": {}, "aggregates": set(),
                                    "today": None, "members": {}, "touched": set(),
                                    "pending": set(), "unreadable": {}}
    data_version = 5

    @property
    def plans(self) -> dict[str, list[PlanEntry]]:
        return self.data.setdefault("plans", {})

    @property
    def documents(self) -> dict[str, list[str]]:
        return self.data.setdefault("documents", {})

    @property
    def aggregates(self) -> set[str]:
        return self.data.setdefault("aggregates", set())

    @property
    def unreadable(self) -> dict[str, list[Unreadable]]:
        return self.data.setdefault("unreadable", {})

    @property
    def touched(self) -> set[str]:
        return self.data.setdefault("touched", set())

    @property
    def pending(self) -> set[str]:
        return self.data.setdefault("pending", set())

    # --- recording -------------------------------------------------------------------

    def add_plan(self, entry: PlanEntry) -> None:
        """Record a definition, whatever else defines its id."""
        found = self.plans.setdefault(entry.plan_id, [])
        found.append(entry)
        found.sort(key=lambda e: e.key)
        self.documents.setdefault(entry.docname, []).append(entry.plan_id)
        self.touched.add(entry.plan_id)

    def add_unreadable(self, entry: Unreadable) -> None:
        self.unreadable.setdefault(entry.docname, []).append(entry)

    def unreadable_plans(self) -> list[Unreadable]:
        """Every plan that could not be read, by document and line."""
        return sorted((u for found in self.unreadable.values() for u in found),
                      key=lambda u: (u.docname, u.lineno))

    def clear_doc(self, docname: str) -> None:
        self.unreadable.pop(docname, None)
        for plan_id in dict.fromkeys(self.documents.pop(docname, ())):
            kept = [e for e in self.plans.get(plan_id, ()) if e.docname != docname]
            if kept:
                self.plans[plan_id] = kept
            else:
                self.plans.pop(plan_id, None)
            self.touched.add(plan_id)
        self.aggregates.discard(docname)
        self.pending.discard(docname)

    def merge_domaindata(self, docnames: Set[str], otherdata: dict[str, Any]) -> None:
        self.aggregates.update(d for d in otherdata.get("aggregates", ()) if d in docnames)
        for docname, found in otherdata.get("unreadable", {}).items():
            if docname in docnames:
                self.unreadable[docname] = list(found)
        theirs = otherdata.get("plans", {})
        for docname in docnames:
            for plan_id in dict.fromkeys(otherdata.get("documents", {}).get(docname, ())):
                for entry in theirs.get(plan_id, ()):
                    if entry.docname == docname:
                        self.add_plan(entry)

    def begin_build(self) -> None:
        """At the start of a build's reading (``env-get-outdated``)."""
        self.touched.clear()
        self.pending.clear()

    def begin_reading(self, docnames: Iterable[str]) -> None:
        """``docnames`` are about to be read: until then, what they recorded in an
        earlier build is on its way out and decides nothing."""
        self.pending.update(docnames)

    # --- who owns an id --------------------------------------------------------------

    def definitions(self, plan_id: str) -> list[PlanEntry]:
        return list(self.plans.get(plan_id, ()))

    def winner(self, plan_id: str) -> PlanEntry | None:
        """The definition that owns the id: the first by (document name, line)."""
        found = self.plans.get(plan_id)
        return found[0] if found else None

    def is_winner(self, entry: PlanEntry) -> bool:
        return self.winner(entry.plan_id) is entry

    def wins_while_reading(self, entry: PlanEntry) -> bool:
        """Whether ``entry``, just read, owns its id as far as this process can know:
        no definition that stays (of a document not waiting to be read again) comes
        before it.  A document read later, or in another ``-j`` process, may still
        take the id; one that comes earlier and stays never gives it back."""
        return not any(e.key < entry.key and e.docname not in self.pending
                       for e in self.plans.get(entry.plan_id, ()) if e is not entry)

    def entries(self) -> list[PlanEntry]:
        """The plan of each id (its first definition), by document and line."""
        return sorted((found[0] for found in self.plans.values()), key=lambda e: e.key)

    def duplicates(self, docname: str | None = None) -> list[tuple[PlanEntry, PlanEntry]]:
        """(duplicate, the definition that owns its id), of one document or all."""
        ids = self.plans if docname is None else dict.fromkeys(self.documents.get(docname, ()))
        return [(e, found[0]) for found in map(self.plans.get, ids) if found
                for e in found[1:] if docname is None or e.docname == docname]

    def docs_defining(self, plan_ids: Iterable[str]) -> set[str]:
        return {e.docname for plan_id in plan_ids for e in self.plans.get(plan_id, ())}

    def ids_of(self, docnames: Iterable[str]) -> set[str]:
        return {plan_id for d in docnames for plan_id in self.documents.get(d, ())}

    def resolve_any_xref(self, *args: Any, **kwargs: Any) -> list:
        return []


def plan_domain(env: BuildEnvironment) -> DeployPlanDomain:
    domain = env.domains[DeployPlanDomain.name]
    assert isinstance(domain, DeployPlanDomain)
    return domain
