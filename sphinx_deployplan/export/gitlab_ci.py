"""A GitLab CI pipeline from the plan's pipeline.  No Sphinx here.

The pipeline runs for the default branch and for pipelines started by hand
(``workflow: rules``), like the GitHub workflow's push to main and
``workflow_dispatch``.  It has one job per pipeline stage:

* **job names**: the stage id when it only uses letters, digits, ``_``, ``.``
  and ``-`` (and does not start with ``.``); otherwise other characters become
  ``-``.  A name that GitLab reads as a keyword (``stages``, ``variables``,
  ``default``, ``pages``...) or as a hidden job (``.name``) gets a ``job-``
  prefix; a clash gets ``-2``, ``-3``...; valid ids keep theirs first.
* **stages**: one GitLab stage per pipeline stage, named like its job, in plan
  order made topological (a stage comes after every stage it needs; ties keep
  plan order).  Grouping by graph depth would merge unrelated stages into one
  column; with one stage per job and an explicit ``needs`` on every job
  (``needs: []`` for a job with no upstream, which then starts at once), the
  DAG is exactly the plan's, and ``needs`` never points at a later stage.
* **script**: the stage's ``run`` commands; a verify stage without them runs the
  plan's smoke checks' commands.  A stage with no command at all gets a script
  that fails (``exit 1``) naming the stage: a job never passes without doing
  anything.  Every job sees ``IMAGE`` (``runtime.image``), ``IMAGE_TAG`` (the
  commit SHA unless the pipeline is run with another) and ``NAMESPACE``;
  deploy and verify jobs also ``DEPLOY_ENVIRONMENT`` and ``URL``.
* **deploy** jobs carry ``environment: {name, url, deployment_tier}`` and a
  ``resource_group`` (one deploy per environment at a time).  The tier is
  read from the environment's name, then its purpose (:func:`deployment_tier`).
  Environment names keep letters, digits, spaces, ``_``, ``-`` and ``/``
  (others become ``-``: GitLab allows little more, and ``$``/``{``/``}`` would
  expand variables; the header names each environment renamed); the url only
  when it is ``http(s)``, percent-encoded.
* **approvals**: one gate, the deploy job itself.  A deploy into an
  ``approval: manual`` environment, behind an approval stage, or marked
  ``automated: false`` is a blocking manual job (``when: manual`` with
  ``allow_failure: false``, so the jobs after it wait until someone plays
  it).  Approval stages have no job of their own (the jobs after one need what
  it needed).  Who may play a deploy job is GitLab's protected-environment
  setting, outside this file: the header names the approvers the plan gives
  for each.  Other ``automated: false`` stages are manual jobs too.

Plan text never becomes pipeline syntax.  The YAML is written by
``yaml.safe_dump``, so quotes, newlines and ``<script>`` are quoted data.
The ``script`` lines are the plan's shell commands, run as written (that is
what they are for); any other plan text reaches a job through ``variables``
with ``expand: false`` (GitLab does not expand ``$VAR`` in the value).
"""

from __future__ import annotations

import re

from ..model import Environment, Plan, Stage
from .common import (
    Names,
    approvals_of,
    comment,
    deployed_environment,
    dump_yaml,
    header,
    job_needs,
    safe_url,
    stage_commands,
    stages_of,
    topological,
)
from .common import names as names_of

#: Top-level keys GitLab reads as keywords, not jobs.
RESERVED = frozenset({
    "image", "services", "before_script", "after_script", "variables", "cache", "include",
    "stages", "types", "workflow", "default", "pages", "spec", "$schema", "!reference",
})
WORKFLOW_RULES = [
    {"if": "$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH"},
    {"if": '$CI_PIPELINE_SOURCE == "web"'},
]
TIERS = ("production", "staging", "testing", "development", "other")

_JOB_NAME = re.compile(r"^[A-Za-z0-9_-][A-Za-z0-9_.-]*$")
# Checked in this order, on the name and then on the purpose, at the start of a
# word: "pre-prod" is staging before "prod" is production; "product" is not prod.
_TIER_PATTERNS = (
    ("staging", re.compile(r"(?<![a-z])(?:stag|pre-?prod|uat(?![a-z]))")),
    ("production", re.compile(r"(?<![a-z])(?:prod(?!uct(?!ion))|prd(?![a-z])|live(?![a-z]))")),
    ("testing", re.compile(r"(?<![a-z])(?:qa(?![a-z])|test)")),
    ("development", re.compile(r"(?<![a-z])(?:dev|local(?![a-z])|sandbox)")),
)


def deployment_tier(env: Environment) -> str:
    """GitLab's tier for an environment, from its name, else its purpose, else ``other``."""
    for text in (env.name, env.purpose):
        lowered = (text or "").lower()
        for tier, pattern in _TIER_PATTERNS:
            if pattern.search(lowered):
                return tier
    return "other"


def job_names(stages: list[Stage]) -> dict[str, str]:
    """Stage id -> GitLab job name (see the module docstring)."""
    names: dict[str, str] = {}
    taken = Names(ignore_case=False)
    for stage in stages:
        if _JOB_NAME.match(stage.id) and stage.id not in RESERVED and stage.id not in taken:
            names[stage.id] = stage.id
            taken.add(stage.id)
    for stage in stages:
        if stage.id in names:
            continue
        base = re.sub(r"[^A-Za-z0-9_.-]", "-", stage.id) or "job"
        if base in RESERVED or base.startswith("."):
            base = "job-" + base
        names[stage.id] = taken.claim(base)
    return names


def environment_names(plan: Plan) -> dict[str, str]:
    """Plan environment name -> GitLab environment name (see the module docstring)."""
    names: dict[str, str] = {}
    taken = Names()
    for env in plan.environments or []:
        base = re.sub(r"[^A-Za-z0-9 _/-]", "-", env.name).strip(" /") or "environment"
        names[env.name] = taken.claim(base)
    return names


NO_COMMANDS_SCRIPT = ('printf "stage %s has no run commands in the plan: add them and '
                      'export again\\n" "$DEPLOYPLAN_STAGE" >&2; exit 1')
IMAGE_TAG = "$CI_COMMIT_SHA"


def _literal(text: str) -> dict:
    """A job variable GitLab passes as written (no ``$VAR`` expansion)."""
    return {"value": text, "expand": False}


def _job(plan: Plan, stage: Stage, names: dict[str, str], env_names: dict[str, str],
         needs: list[str], gated: set[str], checked: str | None, run: list[str]) -> dict:
    job: dict = {"stage": names[stage.id], "needs": [names[n] for n in needs]}
    env = plan.environment(stage.environment) if stage.environment else None
    deploy = stage.kind == "deploy" and env is not None
    if stage.automated is False or (deploy and (env.approval == "manual"  # type: ignore[union-attr]
                                                or stage.id in gated)):
        job["when"] = "manual"
        job["allow_failure"] = False
    if deploy:
        assert env is not None
        environment = {"name": env_names[env.name]}
        url = safe_url(env.url)
        if url:
            environment["url"] = url
        environment["deployment_tier"] = deployment_tier(env)
        job["environment"] = environment
        job["resource_group"] = env_names[env.name]
    variables: dict = {}
    target = plan.environment(checked) if checked else None
    if target is not None:
        variables["DEPLOY_ENVIRONMENT"] = _literal(env_names[target.name])
        url = safe_url(target.url)
        if url:
            variables["URL"] = _literal(url)
    if run:
        script = list(run)
    else:
        variables["DEPLOYPLAN_STAGE"] = _literal(stage.id)
        script = [NO_COMMANDS_SCRIPT]
    if variables:
        job["variables"] = variables
    job["script"] = script
    return job


def _variables(plan: Plan) -> dict:
    runtime = plan.runtime
    values: dict = {}
    if runtime and runtime.image:
        values["IMAGE"] = _literal(runtime.image)
    values["IMAGE_TAG"] = {"value": IMAGE_TAG,
                           "description": "The image tag to deploy (default: the commit SHA)"}
    if runtime and runtime.namespace:
        values["NAMESPACE"] = _literal(runtime.namespace)
    return values


def _notes(plan: Plan, stages: list[Stage], jobs: dict, names: dict[str, str],
           env_names: dict[str, str], empty: list[Stage]) -> list[str]:
    notes = ["Jobs see IMAGE (runtime.image), IMAGE_TAG (the commit SHA unless the pipeline "
             "is run with another) and NAMESPACE (runtime.namespace); deploy and verify jobs "
             "also DEPLOY_ENVIRONMENT and URL (the environment they deploy or check)."]
    gates = approvals_of(stages)
    gating = {gate.id for found in gates.values() for gate in found}
    for stage in stages:
        job = jobs.get(names.get(stage.id, ""))
        if stage.kind == "deploy" and job is not None and job.get("when") == "manual":
            env = plan.environment(stage.environment or "")
            approvers: dict[str, None] = {}
            if env is not None and env.approval == "manual" and env.access:
                approvers.update(dict.fromkeys(env.access.approve or []))
            for gate in gates.get(stage.id, ()):
                approvers.update(dict.fromkeys(gate.approvers or []))
            notes.append(f"Job {comment(names[stage.id])} waits for a person (when: manual); "
                         f"the plan names as approvers {names_of(approvers)}: allow only them "
                         f"to deploy to {comment(job['environment']['name'])} (Settings > "
                         f"CI/CD > Protected environments).")
        elif stage.kind == "approval" and stage.id not in gating:
            notes.append(f"Approval stage {comment(stage.id)} gates no deploy: no job waits "
                         f"for it.")
    for original, renamed in env_names.items():
        if original != renamed:
            notes.append(f"Environment {comment(original)} is named {comment(renamed)} here: "
                         f"GitLab allows letters, digits, spaces, _, - and / in a name.")
    for stage in empty:
        notes.append(f"Stage {comment(stage.id)} has no run commands in the plan: its job "
                     f"fails until the plan gives them.")
    return notes


def build(plan: Plan) -> tuple[dict, list[str]]:
    """The pipeline as data (what :func:`export` dumps), and the header's notes."""
    stages = topological(stages_of(plan))
    approvals = {s.id for s in stages if s.kind == "approval"}
    kept = [s for s in stages if s.id not in approvals]
    names = job_names(kept)
    env_names = environment_names(plan)
    needs = job_needs(stages, approvals)
    gated = set(approvals_of(stages))
    checked = deployed_environment(stages)
    jobs, empty = {}, []
    for stage in kept:
        run = stage_commands(plan, stage)
        if not run:
            empty.append(stage)
        target = checked[stage.id] if stage.kind in ("deploy", "verify") else None
        jobs[names[stage.id]] = _job(plan, stage, names, env_names, needs[stage.id], gated,
                                     target, run)
    if not jobs:
        jobs["plan"] = {
            "stage": "plan",
            "needs": [],
            "variables": {"DEPLOYPLAN_STAGE": _literal("plan")},
            "script": [NO_COMMANDS_SCRIPT],
        }
    pipeline = {
        "workflow": {"rules": WORKFLOW_RULES},
        "variables": _variables(plan),
        "stages": [job["stage"] for job in jobs.values()],
        **jobs,
    }
    return pipeline, _notes(plan, stages, jobs, names, env_names, empty)


def export(plan: Plan) -> str:
    """The ``.gitlab-ci.yml``, starting with a comment naming the plan and what it needs."""
    pipeline, notes = build(plan)
    return header(plan, notes) + dump_yaml(pipeline)
