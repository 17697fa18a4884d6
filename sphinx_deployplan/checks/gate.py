"""What fails the build: the one decision the CLI and the Sphinx build both take.

An unmet quality check fails it (``deployplan_fail_on_unmet``, always in the
CLI); an unmet rule only when ``deployplan_strict_rules`` (``--strict-rules``)
names it; drift from the deploy files (rule ``source-drift``) by default, unless
``deployplan_fail_on_drift`` (``--no-fail-on-drift``) is false.  A waived or
not-applicable result never fails it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from .registry import RULE_IDS
from .rules.drift import DRIFT


@dataclass(frozen=True)
class Gate:
    fail_on_unmet: bool = True
    strict_rules: frozenset[str] = frozenset()
    fail_on_drift: bool = True

    def fails(self, check: str, status: str) -> bool:
        """Whether a result (check or rule id, status) fails the build."""
        if status != "unmet":
            return False
        if check == DRIFT:
            return self.fail_on_drift
        if check in RULE_IDS:
            return self.fail_on_unmet and check in self.strict_rules
        return self.fail_on_unmet

    def failing(self, results: Iterable[tuple[str, str]]) -> list[str]:
        """The ids of the (id, status) pairs that fail the build, in order."""
        return [check for check, status in results if self.fails(check, status)]
