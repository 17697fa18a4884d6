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
* **script**: one line per item of ``does`` (or one placeholder naming what
  the stage is for), each a ``printf 'TODO: ...'`` to replace.
* **deploy** jobs carry ``environment: {name, url, deployment_tier}`` and a
  ``resource_group`` (one deploy per environment at a time).  The tier is
  read from the environment's name, then its purpose (:func:`deployment_tier`).
  Environment names keep letters, digits, spaces, ``_``, ``-`` and ``/``
  (others become ``-``: GitLab allows little more, and ``$``/``{``/``}`` would
  expand variables); the url only when it is ``http(s)``, percent-encoded.
* **approvals** are blocking manual jobs (``when: manual`` with
  ``allow_failure: false``, so the jobs after it wait until someone plays it):
  every approval stage, every stage marked ``automated: false``, and a deploy
  into an ``approval: manual`` environment that no approval stage gates (one
  upstream of it with no other deploy in between).  A deploy behind an
  approval stage is not manual too: one click per sign-off.  Who may click is
  GitLab's protected-environment setting, outside this file; the approval
  job prints the approvers the plan names.

Plan text never becomes pipeline syntax.  The YAML is written by
``yaml.safe_dump``, so quotes, newlines and ``<script>`` are quoted data.
Scripts are fixed text: plan text reaches them through job ``variables``
with ``expand: false`` (GitLab does not expand ``$VAR`` in the value) and is
used as ``"$DEPLOYPLAN_TODO_1"`` (the shell does not expand it either).
"""

from __future__ import annotations

import re

from ..model import Environment, Plan, Stage
from . import common
from .common import Names, dump_yaml, header, placeholder, safe_url, stages_of, topological

APPROVAL_SCRIPT = ("printf 'Approved: %s (approvers: %s)\\n' "
                   "\"$DEPLOYPLAN_STAGE\" \"$DEPLOYPLAN_APPROVERS\"")
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


def gated_deploys(stages: list[Stage]) -> set[str]:
    """Deploy stages downstream of an approval stage with no other deploy in between."""
    return {d for deploys in common.gated_deploys(stages).values() for d in deploys}


def _todo_script(variable: str) -> str:
    """A placeholder script line printing the variable (named by us, never by the plan)."""
    return f"printf 'TODO: %s\\n' \"${variable}\""


def _literal(text: str) -> dict:
    """A job variable GitLab passes as written (no ``$VAR`` expansion)."""
    return {"value": text, "expand": False}


def _job(plan: Plan, stage: Stage, names: dict[str, str], env_names: dict[str, str],
         gated: set[str]) -> dict:
    job: dict = {
        "stage": names[stage.id],
        "needs": [names[n] for n in dict.fromkeys(stage.needs or []) if n in names],
    }
    env = plan.environment(stage.environment) if stage.environment else None
    manual = (stage.kind == "approval" or stage.automated is False
              or (stage.kind == "deploy" and env is not None and env.approval == "manual"
                  and stage.id not in gated))
    if manual:
        job["when"] = "manual"
        job["allow_failure"] = False
    if stage.kind == "deploy" and env is not None:
        environment = {"name": env_names[env.name]}
        url = safe_url(env.url)
        if url:
            environment["url"] = url
        environment["deployment_tier"] = deployment_tier(env)
        job["environment"] = environment
        job["resource_group"] = env_names[env.name]
    variables: dict = {}
    script: list[str] = []
    if stage.kind == "approval":
        variables["DEPLOYPLAN_STAGE"] = _literal(stage.id)
        variables["DEPLOYPLAN_APPROVERS"] = _literal(
            ", ".join(stage.approvers or []) or "none named in the plan")
        script.append(APPROVAL_SCRIPT)
    items = [item for item in stage.does or [] if item.strip()]
    if not items and stage.kind != "approval":
        items = [placeholder(plan, stage)]
    for number, item in enumerate(items, 1):
        name = f"DEPLOYPLAN_TODO_{number}"
        variables[name] = _literal(item)
        script.append(_todo_script(name))
    job["variables"] = variables
    job["script"] = script
    return job


def build(plan: Plan) -> dict:
    """The pipeline as data (what :func:`export` dumps)."""
    stages = topological(stages_of(plan))
    names = job_names(stages)
    env_names = environment_names(plan)
    gated = gated_deploys(stages)
    jobs = {names[stage.id]: _job(plan, stage, names, env_names, gated) for stage in stages}
    if not jobs:
        jobs["plan"] = {
            "stage": "plan",
            "needs": [],
            "variables": {"DEPLOYPLAN_TODO_1": _literal("the plan defines no pipeline stages yet")},
            "script": [_todo_script("DEPLOYPLAN_TODO_1")],
        }
    return {
        "workflow": {"rules": WORKFLOW_RULES},
        "stages": [job["stage"] for job in jobs.values()],
        **jobs,
    }


def export(plan: Plan) -> str:
    """The ``.gitlab-ci.yml``, starting with a comment naming the plan."""
    return header(plan) + dump_yaml(build(plan))
