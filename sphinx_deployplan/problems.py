"""Located problems: what the loader and the checks report, independent of Sphinx.

Every problem has a subtype from :data:`SUBTYPES`.  The Sphinx layer emits each
as a warning of type ``deployplan`` with that subtype, so users can write
``suppress_warnings = ["deployplan.<subtype>"]``; the CLI prints the same text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from .checks.registry import RULES

WARNING_TYPE = "deployplan"

#: Every warning subtype, with the sentence the reference documentation shows.
SUBTYPES: dict[str, str] = {
    "yaml": "The plan is not readable YAML: a syntax error, a root that is not a mapping, "
    "several documents, a forbidden tag, or input over the size limits.",
    "schema": "A value does not fit the plan format: an unknown key, a missing required key, "
    "a wrong type, a value outside its allowed set, a bad duration, percentage or date.",
    "duplicate": "A name that must be unique is used twice: an environment, a stage, a flag, "
    "a migration, a health check, or a plan id on two pages.",
    "reference": "A reference does not resolve (a stage's environment or needs, a migration's "
    "depends_on) or the references form a cycle.",
    "file": "The plan file given with ``:file:`` cannot be read, is not a regular file (a "
    "folder, a named pipe, a socket, a device) or lies outside the source directory; or a "
    "deploy file the plan names (under ``sources``, or a migration's ``up_file`` / "
    "``down_file``) is missing, lies outside the sources root, cannot be read, or is not "
    "what the plan says it is (located in that file where the problem is inside it).",
    "option": "A directive option is wrong: an unknown section name, or both a body and "
    "``:file:``.",
    "placeholder": "A value is a placeholder (``TODO``, ``TBD``, ``FIXME``, ``XXX``, "
    "``CHANGEME``, ``...``, ``?`` or a lone ``<token>``): the plan loads, but every check "
    "treats the value as missing until it is filled in.",
    "check": "A quality check is unmet.  The message names the plan, the check and what is "
    "missing, at the failing item (or at the plan when a whole section is missing).",
    "waiver": "A waiver does nothing: it is past its ``until`` date, or the check or rule "
    "it waives is met (or not applicable), so the waiver can go.",
    "internal": "sphinx-deployplan failed on a plan: a bug.  The page shows an error in the "
    "plan's place, the plan fails the build like one that cannot be read, and the rest "
    "of the site is built; ``sphinx-build -vv`` shows the traceback to report.",
    "need": "sphinx-needs refused a need of a plan (for example its id does not match your "
    "``needs_id_regex``).",
    "portal": "A portal member's needs.json (in ``needs_external_needs``) is missing, too "
    "large or malformed, and the portal builds without that member; or one of its needs is "
    "invalid or describes another site, and the portal builds without that need.",
    "drift": "The plan disagrees with a deploy file it names (rule ``source-drift``): one "
    "warning per difference, at the plan's line, naming the plan field, the file and line, "
    "and both values.  Fails the build unless ``deployplan_fail_on_drift`` is false.",
    **{rule.id: f"The release-engineering rule ``{rule.id}`` is not met (a warning; it "
       f"fails the build only under ``deployplan_strict_rules``)." for rule in RULES
       if rule.warning == rule.id},
}

Severity = Literal["error", "warning"]


@dataclass
class Problem:
    """One thing wrong with a plan, located at a line of its source."""

    subtype: str
    message: str
    line: int | None = None  # 1-based line in ``source``; None when not known
    source: str | None = None  # file path, or None for a directive body
    severity: Severity = "error"  # "error" fails the build (or the CLI), "warning" does not

    def __post_init__(self) -> None:
        if self.subtype not in SUBTYPES:
            raise ValueError(f"unknown problem subtype {self.subtype!r}")

    def format(self, default_source: str = "<plan>") -> str:
        """``file:line: severity: message [deployplan.subtype]``, as compilers write it."""
        where = self.source or default_source
        if self.line is not None:
            where = f"{where}:{self.line}"
        return f"{where}: {self.severity}: {self.message} [{WARNING_TYPE}.{self.subtype}]"


@dataclass
class PlanError(Exception):
    """Raised by the loader when a plan cannot be turned into a model."""

    problems: list[Problem] = field(default_factory=list)

    def __str__(self) -> str:
        return "; ".join(p.format() for p in self.problems)
