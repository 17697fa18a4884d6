"""Per-document plan state, kept correct under ``-j N`` and incremental builds."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable, Set
from dataclasses import dataclass
from typing import Any

from sphinx.domains import Domain
from sphinx.environment import BuildEnvironment

from ..checks import Gate, PlanResults
from ..ids import plan_anchor
from ..model import Plan
from ..problems import Problem
from .warnings import warn


@dataclass(frozen=True)
class FlagFacts:
    """What the flag report shows of a flag."""

    name: str
    type: str | None
    owner: str | None
    default: str | None
    cleanup: _dt.date | None
    permanent: bool


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
    lineno: int
    anchor: str
    title: str
    service: str
    owner: str
    method: str | None
    checks: tuple[tuple[str, str], ...]  # (check id, result) of the eight checks
    rules: tuple[tuple[str, str], ...]  # (rule id, result)
    flags: tuple[FlagFacts, ...]
    dated: bool  # results depend on the build's "today" (waivers, flag ages)

    @classmethod
    def of(cls, plan: Plan, docname: str, lineno: int, results: PlanResults) -> PlanEntry:
        return cls(
            plan_id=plan.plan, docname=docname, lineno=lineno, anchor=plan_anchor(plan.plan),
            title=plan.title, service=plan.service, owner=plan.owner,
            method=plan.strategy.method if plan.strategy else None,
            checks=tuple((r.check, r.status) for r in results.results),
            rules=tuple((r.check, r.status) for r in results.rules),
            flags=tuple(FlagFacts(f.name, f.type, f.owner, f.default, f.cleanup,
                                  bool(f.permanent)) for f in plan.feature_flags or []),
            dated=bool(plan.waivers or plan.feature_flags),
        )

    def failing(self, gate: Gate) -> list[str]:
        """The checks and rules whose result fails the build."""
        return gate.failing((*self.checks, *self.rules))


class DeployPlanDomain(Domain):
    name = "deployplan"
    label = "Deployment plans"
    # plans: plan id -> PlanEntry; aggregates: documents with an index, matrix or
    # flag report (rewritten whenever any plan changes); today: of the last build.
    initial_data: dict[str, Any] = {"plans": {}, "aggregates": set(), "today": None}
    data_version = 3

    @property
    def plans(self) -> dict[str, PlanEntry]:
        return self.data.setdefault("plans", {})

    @property
    def aggregates(self) -> set[str]:
        return self.data.setdefault("aggregates", set())

    def add_plan(self, plan: Plan, docname: str, lineno: int, results: PlanResults,
                 ) -> Problem | None:
        """Record a plan; a plan id already used elsewhere is a problem (the first
        definition keeps the id)."""
        existing = self.plans.get(plan.plan)
        if existing is not None and (existing.docname, existing.lineno) != (docname, lineno):
            return Problem("duplicate", f"plan id {plan.plan!r} is already used in document "
                           f"{existing.docname!r} (line {existing.lineno}); plan ids must be "
                           f"unique across the site", plan.line_of("plan"), plan.source)
        self.plans[plan.plan] = PlanEntry.of(plan, docname, lineno, results)
        return None

    def entries(self) -> Iterable[PlanEntry]:
        return sorted(self.plans.values(), key=lambda e: (e.docname, e.lineno))

    def clear_doc(self, docname: str) -> None:
        for plan_id, entry in list(self.plans.items()):
            if entry.docname == docname:
                del self.plans[plan_id]
        self.aggregates.discard(docname)

    def merge_domaindata(self, docnames: Set[str], otherdata: dict[str, Any]) -> None:
        self.aggregates.update(d for d in otherdata.get("aggregates", ()) if d in docnames)
        for plan_id, entry in otherdata.get("plans", {}).items():
            if entry.docname not in docnames:
                continue
            existing = self.plans.get(plan_id)
            if existing is not None and existing.docname != entry.docname:
                warn(Problem("duplicate", f"plan id {plan_id!r} is used both in document "
                             f"{existing.docname!r} and here; plan ids must be unique "
                             f"across the site"), entry.docname, entry.lineno)
                continue
            self.plans[plan_id] = entry

    def resolve_any_xref(self, *args: Any, **kwargs: Any) -> list:
        return []


def plan_domain(env: BuildEnvironment) -> DeployPlanDomain:
    domain = env.domains[DeployPlanDomain.name]
    assert isinstance(domain, DeployPlanDomain)
    return domain
