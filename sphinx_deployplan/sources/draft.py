"""``deployplan import``: a draft plan from the repository's deploy files.

Every value the files give is filled in (the strategy's method and steps, the
analysis metrics, the environments and the jobs that deploy to them, the probes,
the flags and their defaults, the migration files), ``sources`` points back at
the files, and the rest is left to the author: text fields hold ``TODO ...``
placeholders, the sections no file describes (rollback, communication) are
written as comments, and guesses (a job's stage kind, a migration's type) carry a
comment saying so.  ``deployplan check`` on the draft reports no drift; its
placeholders and missing sections fail the quality checks until they are filled.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ..ids import slugify
from ..loader import DEFAULT_LIMITS, Limits
from .files import ReadError, read_source
from .flags import FlagsFacts, read_flags
from .rollout import RolloutFacts, read_rollout
from .workflow import Job, WorkflowFacts, read_workflow
from .workload import WorkloadFacts, read_workload

#: A migration file and its direction: ``001_add.up.sql``, ``001_add_down.sql``.
_MIGRATION = re.compile(r"^(?P<base>.+?)(?:[._-](?P<dir>up|down))?\.sql$", re.IGNORECASE)
_DESTRUCTIVE = re.compile(r"\b(DROP\s+(TABLE|COLUMN|INDEX)|RENAME\b|ALTER\s+COLUMN\b.*\bTYPE\b"
                          r"|SET\s+NOT\s+NULL)", re.IGNORECASE | re.DOTALL)
_BUILD_WORDS = ("build", "compile", "package", "image", "docker", "bundle")
_TEST_WORDS = ("test", "lint", "check", "scan", "audit", "unit")
_VERIFY_WORDS = ("smoke", "verify", "e2e", "acceptance", "canary-analysis")


class DraftError(Exception):
    """A file that cannot be drafted from; the message says which and why."""


class _Flow(dict[str, Any]):
    """A mapping written in flow style: ``{traffic: 10%, hold: 5m}``."""


class _Dumper(getattr(yaml, "CSafeDumper", yaml.SafeDumper)):  # type: ignore[misc]
    def ignore_aliases(self, data: Any) -> bool:
        return True


_Dumper.add_representer(_Flow, lambda dumper, data: dumper.represent_mapping(
    "tag:yaml.org,2002:map", data.items(), flow_style=True))


def _dump(data: dict[str, Any]) -> str:
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100,
                     default_flow_style=False)


@dataclass
class Draft:
    """What the files say, gathered section by section."""

    root: str
    limits: Limits = DEFAULT_LIMITS
    rollout: RolloutFacts | None = None
    workflow: WorkflowFacts | None = None
    workload: WorkloadFacts | None = None
    flags: FlagsFacts | None = None
    migrations: list[dict[str, Any]] = field(default_factory=list)
    sources: dict[str, str] = field(default_factory=dict)

    def read(self, key: str, name: str) -> None:
        """Read file ``name`` as the ``key`` section: rollout, workflow, workload or flags."""
        try:
            source = read_source(self.root, name, self.limits)
            if key == "workload":  # the service is the workload's name (checks pick by it)
                workload = read_workload(source, self.limits)
                if workload.name:
                    workload = read_workload(source, self.limits, workload.name)
                self.workload = workload
            elif key == "rollout":
                self.rollout = read_rollout(source, self.limits, self.service())
            elif key == "workflow":
                self.workflow = read_workflow(source, self.limits)
            else:
                self.flags = read_flags(source, self.limits)
        except ReadError as error:
            where = f"{name}:{error.line}" if error.line else name
            raise DraftError(f"--{key} {where}: {error.reason}") from None
        self.sources[key] = name

    def read_migrations(self, folder: str) -> None:
        """``folder`` (relative to the root): its ``.sql`` files, an up file and its down
        file paired by name."""
        base = Path(self.root, folder)
        if not base.is_dir():
            raise DraftError(f"--migrations {folder}: not a folder")
        pairs: dict[str, dict[str, str]] = {}
        for path in sorted(base.iterdir()):
            match = _MIGRATION.match(path.name)
            if not match or not path.is_file():
                continue
            name = Path(folder, path.name).as_posix()
            pairs.setdefault(match["base"], {})[(match["dir"] or "up").lower()] = name
        for stem, files in pairs.items():
            up = files.get("up")
            if up is None:
                continue
            try:
                text = read_source(self.root, up, self.limits).text
            except ReadError as error:
                raise DraftError(f"--migrations {up}: {error.reason}") from None
            contract = bool(_DESTRUCTIVE.search(text))
            entry: dict[str, Any] = {
                "name": slugify(stem),
                "type": "contract" if contract else "expand",
                "run": "post-deploy" if contract else "pre-deploy",
                "reversible": "down" in files,
                "up_file": up,
            }
            if "down" in files:
                entry["down_file"] = files["down"]
            self.migrations.append(entry)

    # --- the plan --------------------------------------------------------------------------

    def service(self) -> str | None:
        """The workload's name, else the Rollout's or Canary's."""
        for facts in (self.workload, self.rollout):
            if facts is not None and facts.name:
                return facts.name
        return None

    def text(self, plan_id: str | None = None) -> str:
        service = self.service()
        plan_id = plan_id or slugify(service or "imported-plan")
        head: dict[str, Any] = {"plan": plan_id, "title": f"TODO title of the {plan_id} release",
                                "service": service or "TODO service name",
                                "owner": "TODO owning team",
                                "summary": "TODO what this release changes."}
        infra: dict[str, str] = {}
        if self.workflow is not None:
            infra["ci_cd"] = self.workflow.tool
        if self.rollout is not None:
            infra["orchestration"] = f"Kubernetes with {self.rollout.tool}"
        elif self.workload is not None:
            infra["orchestration"] = "Kubernetes"
        if infra:
            head["inputs"] = {"infrastructure": _Flow(infra)}
        files = "".join(f"#   {name}\n" for name in sorted(self.sources.values()))
        files += "".join(f"#   {m['up_file']}\n" for m in self.migrations)
        parts = [_HEADER.format(files=files), _dump(head)]
        if self.workflow is not None:
            parts.append(self._pipeline())
        if self.rollout is not None:
            parts.append(self._strategy())
        else:
            parts.append(_TODO_STRATEGY)
        parts.append(_TODO_ROLLBACK)
        if self.flags is not None:
            parts.append("# TODO each flag's type, owner, lifecycle and cleanup date\n" + _dump(
                {"feature_flags": [
                    _Flow({"name": key, **({"default": flag.reading} if flag.reading else {})})
                    for key, flag in self.flags.flags.items()]}))
        if self.workload is not None:
            parts.append(self._health())
        if self.migrations:
            parts.append("# type and run are guessed from the SQL: check them\n"
                         + _dump({"migrations": [_Flow(m) for m in self.migrations]}))
        sources = {key: self.sources[key] for key in ("rollout", "workflow", "workload",
                                                        "flags") if key in self.sources}
        if sources:
            parts.append(_dump({"sources": sources}))
        return "\n".join(parts)

    def _pipeline(self) -> str:
        facts = self.workflow
        assert facts is not None
        order = _job_order(facts)
        environments: list[dict[str, Any]] = []
        stages: list[_Flow] = []
        included = {job.id for job in order}
        for job in order:
            stage: dict[str, Any] = {"id": job.id}
            if job.environment is not None:
                env = job.environment.text
                stage.update(kind="deploy", environment=env)
                if env not in (e["name"] for e in environments):
                    manual = job.manual is not None if facts.tool == "GitLab CI" else True
                    entry: dict[str, Any] = {"name": env, "purpose": f"TODO what {env} is for"}
                    if job.url:
                        entry["url"] = job.url
                    entry.update(deploy=f"job {job.id} of {facts.source.name}",
                                 approval="manual" if manual else "automatic",
                                 config=_Flow(), access=_Flow(deploy=[], approve=[]))
                    environments.append(entry)
            else:
                stage["kind"] = _kind(job.id, job.stage)
            stage["needs"] = [n for n in _needs(facts, job) if n in included]
            stages.append(_Flow(stage))
        note = ("# approval: GitHub keeps an environment's required reviewers in the repository\n"
                "# settings; TODO say none or automatic where there are none, and fill in\n"
                "# config and access for each environment\n") if facts.tool == "GitHub Actions" \
            else "# TODO fill in config and access for each environment\n"
        return (note + _dump({"environments": environments})
                + "\n# kinds of jobs without an environment are guessed from their names\n"
                + _dump({"pipeline": {"stages": stages}}))

    def _strategy(self) -> str:
        facts = self.rollout
        assert facts is not None
        strategy: dict[str, Any] = {"method": facts.method or "canary",
                                    "why": "TODO why this strategy"}
        steps = []
        for step in facts.steps:
            item: dict[str, Any] = {"traffic": f"{step.weight}%"}
            if step.manual:
                item["hold"] = "manual"
            elif step.hold_seconds is not None and step.hold_said:
                item["hold"] = step.hold_said.split(": ", 1)[1].strip("{}").removeprefix(
                    "duration: ")
            steps.append(_Flow(item))
        if steps and facts.steps[-1].percent != 100:
            steps.append(_Flow(traffic="100%"))
        if steps:
            strategy["steps"] = steps
        gates = []
        for metric in [*facts.metrics, *facts.templates]:
            bounds = facts.thresholds.get(metric)
            threshold = f"< {bounds.max}" if bounds and bounds.max else \
                f"> {bounds.min}" if bounds and bounds.min else \
                facts.conditions.get(metric, "TODO threshold")
            gates.append(_Flow(metric=metric, threshold=threshold))
        if gates:
            strategy["promote_when"] = gates
        return "# TODO rollback_time: how long a rollback takes\n" + _dump({"strategy": strategy})

    def _health(self) -> str:
        facts = self.workload
        assert facts is not None
        checks = []
        for kind, probe in facts.probes.items():
            check: dict[str, Any] = {"check": f"{kind.capitalize()} probe", "type": kind}
            if probe.endpoint is not None:
                check["endpoint"] = probe.endpoint
            else:
                check["run"] = probe.command or "TODO command"
            if probe.period is not None:
                check["interval"] = f"{probe.period.text}s"
            if probe.failures is not None and probe.failures.text.isdigit():
                check["failure_threshold"] = int(probe.failures.text)
            checks.append(_Flow(check))
        return ("# TODO a smoke check that runs post-deploy\n"
                + _dump({"health_checks": checks}))


def _job_order(facts: WorkflowFacts) -> list[Job]:
    """The jobs, each after the jobs it waits for (file order among equals)."""
    jobs = list(facts.jobs.values())
    position = {job.id: index for index, job in enumerate(jobs)}
    return sorted(jobs, key=lambda job: (len(facts._upstream(job.id)), position[job.id]))


def _needs(facts: WorkflowFacts, job: Job) -> list[str]:
    if job.needs is not None:
        return list(job.needs)
    if facts.tool != "GitLab CI":
        return []
    index = facts._stage_index(job)
    earlier = [facts._stage_index(j) for j in facts.jobs.values() if facts._stage_index(j) < index]
    if not earlier:
        return []
    previous = max(earlier)
    return [j.id for j in facts.jobs.values() if facts._stage_index(j) == previous]


def _kind(job_id: str, stage: str | None) -> str:
    words = f"{stage or ''} {job_id}".lower()
    if stage in ("build", "test"):
        return stage
    for kind, keys in (("verify", _VERIFY_WORDS), ("test", _TEST_WORDS),
                       ("build", _BUILD_WORDS)):
        if any(key in words for key in keys):
            return kind
    return "approval" if "approv" in words else "build"


def relative_to_root(path: str, root: str) -> str:
    """A path given on the command line, as the plan names it: relative to the root."""
    absolute = os.path.realpath(path)
    base = os.path.realpath(root)
    if os.path.commonpath([base, absolute]) != base:
        raise DraftError(f"{path} is outside the sources root {base} (use --root)")
    return Path(os.path.relpath(absolute, base)).as_posix()


_HEADER = """\
# yaml-language-server: $schema=deployplan.schema.json
# A draft plan written by `deployplan import` from
{files}\
# Every value those files give is filled in; `sources` points back at them, so the
# docs build fails if the plan and the files drift apart.  Each TODO, and each
# section left as a comment, fails a quality check until it is filled in: run
# `deployplan check` on this file to see which.
"""

_TODO_STRATEGY = """\
# strategy:                      TODO method, why, rollback_time (no rollout file given)
"""

_TODO_ROLLBACK = """\
# rollback:                      TODO triggers, steps with exact commands, verify, database
# communication:                 TODO who is told on deploy and on rollback
"""
