"""Per-document plan state, kept correct under ``-j N`` and incremental builds."""

from __future__ import annotations

from collections.abc import Iterable, Set
from dataclasses import dataclass
from typing import Any

from sphinx.domains import Domain
from sphinx.environment import BuildEnvironment

from ..checks import PlanResults
from ..ids import plan_anchor
from ..model import Plan
from ..problems import Problem
from .warnings import warn


@dataclass
class PlanEntry:
    """A plan as the site knows it: where it is, and the model itself."""

    plan: Plan
    docname: str
    lineno: int
    anchor: str
    results: PlanResults


class DeployPlanDomain(Domain):
    name = "deployplan"
    label = "Deployment plans"
    # plans: plan id -> PlanEntry; aggregates: documents with an index, matrix or
    # flag report (rewritten whenever any plan changes); today: of the last build.
    initial_data: dict[str, Any] = {"plans": {}, "aggregates": set(), "today": None}
    data_version = 2

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
        self.plans[plan.plan] = PlanEntry(plan, docname, lineno, plan_anchor(plan.plan), results)
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
