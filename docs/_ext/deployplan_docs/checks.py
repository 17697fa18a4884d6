"""``deployplan-checks`` and ``deployplan-rules``: every check and rule, from its record.

Each section shows what the record says (the runbook's wording, when it is met,
how to meet it, the linters its findings are named after, when to waive it)
with two YAML examples that are checked at every build: the record's example
must meet it, and the generated waiver must load (and, for a check, turn the
unmet check into ``waived``).
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import yaml

from sphinx_deployplan.checks import BY_ID, CHECKS, RULES, Check, CheckResult, run_checks
from sphinx_deployplan.ids import need_id
from sphinx_deployplan.loader import load_plan
from sphinx_deployplan.problems import WARNING_TYPE, PlanError
from sphinx_deployplan.sources import read_plan_sources
from sphinx_deployplan.sphinx.config import settings

from .base import DocsDirective, link_options
from .markdown import code, code_block

#: The minimal plan each example is added to.
BASE_PLAN = "plan: example\ntitle: Example\nservice: example-service\nowner: example-team\n"
#: Added when an example has a pipeline but no environments for its stages to name.
BASE_ENVIRONMENTS = BY_ID["env-config-access"].example
#: The sample repository whose deploy files an example names (docs/samples/repo).
SAMPLE_REPO = Path(__file__).resolve().parents[2] / "samples" / "repo"


def dated(fragment: str, today: dt.date) -> str:
    """``$TODAY-25`` -> the date 25 days before today (and ``+`` after)."""
    def date(match: re.Match[str]) -> str:
        return (today + dt.timedelta(days=int(match.group(1)))).isoformat()
    return re.sub(r"\$TODAY([+-]\d+)", date, fragment)


def yaml_scalar(text: str) -> str:
    """``text`` as a YAML scalar, quoted only where YAML needs it."""
    return yaml.safe_dump(text, width=1000).removesuffix("\n").removesuffix("\n...")


def waiver_yaml(check: str, reason: str, today: dt.date) -> str:
    until = (today + dt.timedelta(days=60)).isoformat()
    return (f"waivers:\n  - check: {check}\n    reason: {yaml_scalar(reason)}\n"
            f"    approved_by: head-of-platform\n    until: {until}\n")


class RecordsDirective(DocsDirective):
    """Base: one section per record of :attr:`records`."""

    records: tuple[Check, ...] = ()

    def generate(self) -> list:
        self.today = settings(self.config).build_today
        return [self.section(code(record.id), f"{record.kind}-{record.id}", self.body(record))
                for record in self.records]

    def body(self, record: Check) -> str:
        subtype = record.warning
        need = need_id("PLAN", record.kind, record.id).replace("DP_PLAN__", "DP_<PLAN>__")
        heading = "Runbook's wording" if record.kind == "check" else "Sound when"
        parts = [
            f"**{heading}:** {record.title}",
            f"**Met when:** {record.met_when}",
            f"**Reported as:** {code(f'{WARNING_TYPE}.{subtype}')} warning; traced as need "
            f"{code(need)} (type {code('dp' + record.kind)}).",
        ]
        if record.how:
            parts.append(f"**How to meet it.** {record.how}")
        example = dated(record.example, self.today)
        result = self.verify(record.id, example, ("met",))
        parts.append("**Example that meets it:**")
        parts.append(code_block(example, "yaml"))
        if result is not None and record.kind == "rule":
            parts += [f"For this example: {detail}." for detail in result.details]
        if record.upstream:
            parts.append(f"**Findings named after:** {record.upstream}.")
        waiver = waiver_yaml(record.id, record.waiver_reason, self.today)
        # On the bare minimal plan every check is unmet, so its waiver must make it
        # "waived"; a rule does not apply there, so its waiver must only load.
        self.verify(record.id, waiver, ("waived",) if record.kind == "check" else None,
                    base_only=True)
        parts.append(f"**How to waive it.** {record.waive_when} Add a waiver with a reason, "
                     f"who approved it and the last day it applies:")
        parts.append(code_block(waiver, "yaml"))
        return link_options("\n\n".join(parts))

    def verify(self, check: str, fragment: str, expected: tuple[str, ...] | None,
               base_only: bool = False) -> CheckResult | None:
        """Load the minimal plan plus ``fragment``; warn unless it loads and ``check``
        comes out as ``expected``.  Environments are added for a pipeline to name."""
        text = BASE_PLAN + fragment
        if not base_only and "\npipeline:" in text and "\nenvironments:" not in text:
            text += BASE_ENVIRONMENTS
        try:
            plan = load_plan(text, "<docs example>")
        except PlanError as error:
            self.warn(f"the example for {check!r} does not load: {error}", "example")
            return None
        sources = read_plan_sources(plan, SAMPLE_REPO)  # (the deploy files it names, if any)
        result = run_checks(plan, self.today, settings(self.config).rule_settings,
                            sources)[check]
        if expected is not None and result.status not in expected:
            self.warn(f"the example for {check!r} is {result.status}, not "
                      f"{' or '.join(expected)}: {result.summary}", "example")
        return result


class ChecksDirective(RecordsDirective):
    """``deployplan-checks``: every quality check."""

    records = CHECKS


class RulesDirective(RecordsDirective):
    """``deployplan-rules``: every release-engineering rule."""

    records = RULES
