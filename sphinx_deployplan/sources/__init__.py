"""The repository's real deploy files, read for a plan before its checks run.

A plan names them under ``sources`` (a Rollout or Canary, a CI workflow, a
workload, flagd flags) and in its migrations (``up_file``, ``down_file``).
:func:`read_plan_sources` reads each once, with the same care as a plan file
(inside the sources root, a regular file, bounded size, safe YAML only, bounded
values and nesting), and returns what they say with the line of every value,
the located problems of the files it could not read, and every file it looked
at (so the Sphinx layer can make them dependencies of the page).  The rule
``source-drift`` then compares; the checks themselves read nothing.

No Sphinx here.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..loader import DEFAULT_LIMITS, Limits
from ..model import Migration, Plan
from ..placeholders import without_placeholders
from ..problems import Problem
from ..text import plain, quote
from .files import ReadError, SourceFile, find_sources_root, read_source, resolve
from .flags import FlagsFacts, read_flags
from .rollout import RolloutFacts, read_rollout
from .workflow import WorkflowFacts, read_workflow
from .workload import WorkloadFacts, read_workload

__all__ = ["PlanSources", "ReadError", "SourceFile", "Unread", "find_sources_root",
           "read_plan_sources", "read_source"]

#: The keys of ``sources``, with what each must be (for messages).
SOURCE_KEYS = {
    "rollout": "an Argo Rollout or a Flagger Canary",
    "workflow": "a GitHub Actions workflow or a GitLab CI file",
    "workload": "a Kubernetes workload",
    "flags": "flagd flag definitions",
}


@dataclass(frozen=True)
class Unread:
    """A file the plan names that could not be read (a problem says why, where)."""

    name: str
    reason: str


@dataclass
class PlanSources:
    """What the deploy files a plan names say, read before its checks run."""

    root: str
    rollout: RolloutFacts | Unread | None = None
    workflow: WorkflowFacts | Unread | None = None
    workload: WorkloadFacts | Unread | None = None
    flags: FlagsFacts | Unread | None = None
    sql: dict[str, SourceFile | Unread] = field(default_factory=dict)  # by name in the plan
    problems: list[Problem] = field(default_factory=list)
    files: list[str] = field(default_factory=list)  # every file looked at, absolute

    def sql_text(self, name: str) -> str | None:
        """The text of a migration file the plan names, or None when it was not read."""
        found = self.sql.get(name)
        return found.text if isinstance(found, SourceFile) else None


READERS: dict[str, Callable[..., Any]] = {
    "rollout": lambda source, limits, plan: read_rollout(source, limits, plan.service),
    "workflow": lambda source, limits, plan: read_workflow(source, limits),
    "workload": lambda source, limits, plan: read_workload(source, limits, plan.service),
    "flags": lambda source, limits, plan: read_flags(source, limits),
}


def names_sources(plan: Plan) -> bool:
    """Whether the plan names any deploy file."""
    if plan.sources is not None and any(getattr(plan.sources, key) for key in SOURCE_KEYS):
        return True
    return any(m.up_file or m.down_file for m in plan.migrations or [])


def read_plan_sources(plan: Plan, root: str | Path, limits: Limits = DEFAULT_LIMITS,
                      ) -> PlanSources:
    """Read every deploy file ``plan`` names, relative to ``root`` (a placeholder path,
    like any placeholder, counts as none: its own warning says so)."""
    found = PlanSources(os.fspath(root))
    if not names_sources(plan):
        return found
    plan = without_placeholders(plan)
    reader = _Reader(plan, found, limits)
    if plan.sources is not None:
        for key in SOURCE_KEYS:
            name = getattr(plan.sources, key)
            if name:
                setattr(found, key, reader.read(name, f"sources.{key}",
                                                plan.sources.line_of(key), READERS[key]))
    for migration in plan.migrations or []:
        for key in ("up_file", "down_file"):
            name = getattr(migration, key)
            if name and name not in found.sql:
                found.sql[name] = reader.read(name, _migration_key(migration, key),
                                              migration.line_of(key), None)
    return found


def _migration_key(migration: Migration, key: str) -> str:
    return f"migrations[{plain(migration.name)}].{key}"


class _Reader:
    def __init__(self, plan: Plan, found: PlanSources, limits: Limits) -> None:
        self.plan = plan
        self.found = found
        self.limits = limits

    def read(self, name: str, key: str, line: int | None,
             parse: Callable[..., Any] | None) -> Any:
        """Read ``name`` and, with ``parse``, what it says; a located problem and an
        :class:`Unread` when that fails."""
        root = self.found.root
        try:
            path = resolve(root, name)
        except ReadError as error:
            return self._unread(name, key, line, error, None)
        self.found.files.append(str(path))
        try:
            source = read_source(root, name, self.limits, path)
            return parse(source, self.limits, self.plan) if parse else source
        except ReadError as error:
            return self._unread(name, key, line, error, os.path.join(root, name))
        except RecursionError:  # a reader walking something nested beyond its means
            return self._unread(name, key, line, ReadError("is nested too deeply to read",
                                                           1), os.path.join(root, name))

    def _unread(self, name: str, key: str, line: int | None, error: ReadError,
                path: str | None) -> Unread:
        plan = self.plan
        if error.line is not None and path is not None:  # a problem inside the file
            self.found.problems.append(Problem(
                "file", f"{plain(name, 120)} {error.reason} (named by {key} of plan "
                f"{quote(plan.plan)})", error.line, path))
        else:
            where = "" if "root" in error.reason else \
                f" (under the sources root {os.path.abspath(self.found.root)})"
            self.found.problems.append(Problem(
                "file", f"plan {quote(plan.plan)}: {key}: {plain(name, 120)} {error.reason}"
                f"{where}", line, plan.source))
        return Unread(name, error.reason)
