"""What a check or rule says about a plan: results, findings and typed evidence.

This module depends on no other part of the checks: the records, the check
functions, rendering, the CLI and the Sphinx layer all read these types.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Literal

from ..items import ItemRef
from ..model import Placeholder, Waiver

Status = Literal["met", "unmet", "n/a", "waived"]
Kind = Literal["check", "rule"]


@dataclass(frozen=True)
class Finding:
    """What fails a check, at an item (or at the plan for a missing section)."""

    item: ItemRef
    message: str


@dataclass(frozen=True)
class ParityEvidence:
    """Production's configuration keys against every lower environment."""

    production: str
    environments: tuple[str, ...]  # lower environments, in promotion order
    keys: tuple[str, ...]  # production's keys
    missing: dict[str, tuple[str, ...]]  # environment -> keys it lacks


#: A rule's own evidence, beyond the items it names, for the runbook to show.
Evidence = ParityEvidence


@dataclass
class CheckResult:
    """The result of one check or rule for one plan.

    The check functions fill in the outcome; ``check``, ``title`` and ``kind`` are
    stamped by the runner from the check's record, so a function never names its
    own id.
    """

    status: Status
    satisfied_by: list[ItemRef] = field(default_factory=list)
    failed_by: list[Finding] = field(default_factory=list)
    note: str = ""  # why not applicable
    details: list[str] = field(default_factory=list)  # arithmetic, skipped inputs, ...
    evidence: Evidence | None = None
    waiver: Waiver | None = None
    check: str = ""
    title: str = ""
    kind: Kind = "check"

    @property
    def is_rule(self) -> bool:
        return self.kind == "rule"

    def sentence(self, plan_id: str) -> str:
        """How an unmet result is reported, the same in Sphinx and in the CLI."""
        return f"plan {plan_id!r} fails {self.kind} {self.check!r} ({self.title}): " \
               f"{self.summary}"

    @property
    def summary(self) -> str:
        """One sentence on the result."""
        if self.status == "n/a":
            return self.note
        if self.failed_by:
            return "; ".join(f.message for f in self.failed_by)
        return "met by " + ", ".join(i.label for i in self.satisfied_by) \
            if self.satisfied_by else "met"


def met(satisfied_by: Iterable[ItemRef] = (), *, details: Iterable[str] = (),
        evidence: Evidence | None = None) -> CheckResult:
    return CheckResult("met", list(satisfied_by), details=list(details), evidence=evidence)


def not_applicable(note: str) -> CheckResult:
    return CheckResult("n/a", note=note)


def verdict(satisfied_by: Iterable[ItemRef], failed_by: Iterable[Finding], *,
            details: Iterable[str] = (), evidence: Evidence | None = None) -> CheckResult:
    """Unmet when anything fails, else met."""
    failed = list(failed_by)
    return CheckResult("unmet" if failed else "met", list(satisfied_by), failed,
                       details=list(details), evidence=evidence)


@dataclass
class WaiverNote:
    """A waiver that does nothing: expired, or waiving a result that is not unmet."""

    waiver: Waiver
    message: str


@dataclass
class PlanResults:
    plan_id: str
    results: list[CheckResult]  # the eight quality checks, in contract order
    expired_waivers: list[WaiverNote] = field(default_factory=list)
    rules: list[CheckResult] = field(default_factory=list)  # release-engineering rules
    placeholders: tuple[Placeholder, ...] = ()  # where the plan still says TODO
    unused_waivers: list[WaiverNote] = field(default_factory=list)

    def __iter__(self) -> Iterator[CheckResult]:
        """Every result: the checks, then the rules."""
        yield from self.results
        yield from self.rules

    def __getitem__(self, check: str) -> CheckResult:
        return next(r for r in self if r.check == check)

    def evidence(self, kind: type[Evidence]) -> Evidence | None:
        """The first evidence of type ``kind`` any result carries."""
        return next((r.evidence for r in self if isinstance(r.evidence, kind)), None)

    def failing_rules(self, strict: frozenset[str]) -> list[CheckResult]:
        """Unmet rules among ``strict``, the rules that fail the build."""
        return [r for r in self.rules if r.status == "unmet" and r.check in strict]

    @property
    def unmet(self) -> list[CheckResult]:
        return [r for r in self.results if r.status == "unmet"]

    @property
    def applicable(self) -> list[CheckResult]:
        return [r for r in self.results if r.status != "n/a"]

    @property
    def met(self) -> list[CheckResult]:
        return [r for r in self.results if r.status in ("met", "waived")]
