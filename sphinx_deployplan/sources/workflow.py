"""A GitHub Actions workflow or a ``.gitlab-ci.yml``, read as the plan's pipeline:
which jobs deploy to which environment, in what order, and (GitLab) which wait
for a person.

GitHub: ``jobs.<id>.environment`` (a name or ``{name: ..., url: ...}``) and
``jobs.<id>.needs``.  GitLab: every top-level mapping that is not a keyword or a
hidden (``.``) job; its ``environment`` (a name or ``{name: ..., url: ...}``;
jobs that only ``stop``, ``prepare``, ``verify`` or ``access`` an environment
deploy nothing), ``when: manual``, and its order from ``needs`` or, without
``needs``, from its ``stage`` among ``stages``.  Templates pulled in with
``extends`` or ``include`` are not followed.
"""

from __future__ import annotations

import dataclasses
import re
from collections import deque
from dataclasses import dataclass, field
from typing import Literal

from ..loader import Limits
from .files import ReadError, SourceFile
from .tree import Map, Scalar, Seq, json_document, yaml_documents

GITLAB_KEYWORDS = frozenset({"default", "include", "stages", "variables", "workflow", "image",
                             "services", "cache", "before_script", "after_script", "spec"})
GITLAB_DEFAULT_STAGES = (".pre", "build", "test", "deploy", ".post")
NOT_A_DEPLOY = frozenset({"stop", "prepare", "verify", "access"})
#: What makes a top-level mapping of a .gitlab-ci.yml a job.
GITLAB_JOB_KEYS = frozenset({"script", "run", "trigger", "extends", "stage", "environment",
                             "needs"})


@dataclass(frozen=True)
class Job:
    id: str
    line: int
    environment: Scalar | None = None  # the environment's name, where it is written
    url: str | None = None
    needs: tuple[str, ...] | None = None  # None: no needs (GitLab: ordered by stage)
    stage: str | None = None
    manual: Scalar | None = None  # GitLab ``when: manual``


@dataclass(frozen=True)
class WorkflowFacts:
    source: SourceFile
    tool: Literal["GitHub Actions", "GitLab CI"]
    jobs: dict[str, Job]
    line: int  # of ``jobs`` (GitHub) or of the first job (GitLab)
    stages: tuple[str, ...] = GITLAB_DEFAULT_STAGES
    name: str | None = None  # the workflow's name
    _before: dict[str, frozenset[str]] = field(default_factory=dict, compare=False)
    _positions: dict[str, int] = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        for index, stage in enumerate(self.stages):  # a lookup, not a scan, per job
            self._positions.setdefault(stage, index)

    def deploy_jobs(self) -> list[Job]:
        """The jobs that deploy to an environment, in the order the file lists them."""
        return [job for job in self.jobs.values() if job.environment is not None]

    def runs_before(self, first: str, then: str) -> bool:
        """Whether job ``first`` has finished before job ``then`` starts: ``then`` needs
        it (directly or through other jobs) or, in GitLab, a job on that path without
        ``needs`` is in a later stage than it."""
        return first in self._upstream(then)

    def _upstream(self, job_id: str) -> frozenset[str]:
        if job_id in self._before:
            return self._before[job_id]
        seen: set[str] = set()
        floor = -1  # GitLab: every job in a stage before this index runs before
        todo = deque([job_id])
        while todo:
            job = self.jobs.get(todo.popleft())
            if job is None:
                continue
            if job.needs is None:
                if self.tool == "GitLab CI":
                    floor = max(floor, self._stage_index(job))
                continue
            for upstream in job.needs:
                if upstream not in seen:
                    seen.add(upstream)
                    todo.append(upstream)
        if floor > 0:
            seen |= {j.id for j in self.jobs.values() if self._stage_index(j) < floor}
        result = frozenset(seen - {job_id})
        self._before[job_id] = result
        return result

    def _stage_index(self, job: Job) -> int:
        return self._positions.get(job.stage or "test", len(self.stages))


def _names(value: object) -> tuple[str, ...]:
    """``needs``: a name, a list of names, or (GitLab) a list of ``{job: name}``."""
    if isinstance(value, Scalar) and value.tag != "null":
        return (value.text,)
    if not isinstance(value, Seq):
        return ()
    out = []
    for item in value.items:
        if isinstance(item, Scalar) and item.tag != "null":
            out.append(item.text)
        elif isinstance(item, Map) and item.scalar("job") is not None:
            out.append(item.text("job") or "")
    return tuple(out)


def _environment(value: object) -> tuple[Scalar | None, str | None, str | None]:
    """(name, url, action) of an ``environment:`` value."""
    if isinstance(value, Scalar) and value.tag != "null":
        return value, None, None
    if isinstance(value, Map):
        return value.scalar("name"), value.text("url"), value.text("action")
    return None, None, None


def read_workflow(source: SourceFile, limits: Limits) -> WorkflowFacts:
    if source.name.endswith(".json"):
        docs = [json_document(source.text, limits)]
    else:
        docs = yaml_documents(source.text, limits)
    root = docs[0] if docs else None
    if not isinstance(root, Map):
        raise ReadError("is not a GitHub Actions workflow or a GitLab CI file (expected a "
                        "mapping of jobs)", getattr(root, "line", 1))
    jobs = root.map("jobs")
    if jobs is not None and _is_github(root, jobs):
        return _github(source, root, jobs)
    return _gitlab(source, root)


def _is_github(root: Map, jobs: Map) -> bool:
    """A workflow has triggers (``on``, which YAML 1.1 also reads as true) or jobs that
    run on a runner or call a reusable workflow."""
    if "on" in root.items or "true" in root.items:
        return True
    return any(isinstance(job, Map) and ("runs-on" in job.items or "uses" in job.items)
               for job in jobs.items.values())


#: A GitHub expression that is only a string literal: ``${{ 'text' }}`` is ``text``.
_LITERAL_EXPRESSION = re.compile(r"\$\{\{\s*'((?:[^']|'')*)'\s*\}\}")


def github_text(scalar: Scalar | None) -> Scalar | None:
    """A value as GitHub shows it where its expressions are string literals
    (``${{ '$' }}`` is how a literal ``${{`` is written); other expressions stay."""
    if scalar is None or "${{" not in scalar.text:
        return scalar
    text = _LITERAL_EXPRESSION.sub(lambda m: m.group(1).replace("''", "'"), scalar.text)
    return dataclasses.replace(scalar, text=text)


def _github(source: SourceFile, root: Map, jobs: Map) -> WorkflowFacts:
    found: dict[str, Job] = {}
    for job_id, value in jobs.items.items():
        if not isinstance(value, Map):
            continue
        name, url, _ = _environment(value.get("environment"))
        name = github_text(name)
        needs = _names(value.get("needs"))
        found[job_id] = Job(job_id, jobs.line_of(job_id), name, url, needs)
    return WorkflowFacts(source, "GitHub Actions", found, root.line_of("jobs"),
                         name=root.text("name"))


def _gitlab(source: SourceFile, root: Map) -> WorkflowFacts:
    listed = root.seq("stages")
    stages = tuple(s.text for s in listed.items if isinstance(s, Scalar)) if listed \
        else GITLAB_DEFAULT_STAGES
    if listed is not None:  # .pre and .post are always there, first and last
        stages = (".pre", *(s for s in stages if s not in (".pre", ".post")), ".post")
    found: dict[str, Job] = {}
    for job_id, value in root.items.items():
        if job_id in GITLAB_KEYWORDS or job_id.startswith(".") or not isinstance(value, Map) \
                or not GITLAB_JOB_KEYS & value.items.keys():
            continue
        name, url, action = _environment(value.get("environment"))
        if action in NOT_A_DEPLOY:
            name = None
        when = value.scalar("when")
        needs = _names(value.get("needs")) if "needs" in value.items else None
        found[job_id] = Job(job_id, root.line_of(job_id), name, url, needs,
                            value.text("stage"), when if when and when.text == "manual"
                            else None)
    if not found:
        said = root.text("kind")
        kind = f" (it is a Kubernetes {said[:40]!r})" if said else ""
        raise ReadError(f"is not a GitHub Actions workflow (no jobs) nor a GitLab CI file (no "
                        f"job with a script){kind}", root.line)
    first = min(job.line for job in found.values())
    return WorkflowFacts(source, "GitLab CI", found, first, stages)
