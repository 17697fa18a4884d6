"""A GitHub Actions workflow from the plan's pipeline.  No Sphinx here.

The workflow runs on a push to ``main`` and by hand (``workflow_dispatch``, whose
input ``image_tag`` picks the image tag; else the commit SHA), with a read-only
``GITHUB_TOKEN``.  Every job sees ``IMAGE`` (``runtime.image``), ``IMAGE_TAG``
and ``NAMESPACE`` (``runtime.namespace``).  One job per pipeline stage, in plan
order, except approval stages (below):

* **job ids**: the stage id when it is a valid GitHub job id
  (``^[_a-zA-Z][a-zA-Z0-9_-]*$``); otherwise every other character becomes
  ``_`` and a leading ``_`` is added when the id does not start with a letter.
  Ids are compared case-insensitively (GitHub expressions such as
  ``needs.<id>`` are), valid ids keep theirs first, and a clash gets ``_2``,
  ``_3``...  The job's ``name`` shows the stage id as written.
* **needs**: the stage's ``needs`` (the loader has filled in the default, the
  previous stage), an approval stage replaced by what it needs, so the jobs run
  in the plan's order; a job with no upstream has no ``needs`` key.
* **steps**: ``actions/checkout``, then one step per ``run`` command of the
  stage.  A verify stage without commands runs the plan's smoke checks'
  commands.  A stage with no command at all gets one step that fails
  (``exit 1``) naming the stage: a job never passes without doing anything.
* **deploy** jobs carry ``environment: {name, url}`` (the url only when the
  environment has an ``http(s)`` one) and see ``DEPLOY_ENVIRONMENT`` and
  ``URL``; verify jobs see those of the deploy upstream of them.
* **approvals** are the deploy job's own environment protection: one gate.  An
  environment with ``approval: manual``, or behind an approval stage, needs
  required reviewers (the environment's ``access.approve`` and the approval
  stages' ``approvers``); they live in the repository settings, not in this
  file.  The header lists them and the ``github-environments`` export gives
  exactly those settings (:func:`protections`).  GitHub creates an environment
  a job names on first use, without protection, so the deploy job first checks
  that its environment has a required-reviewers rule and fails without one.  No
  approval job and no invented environment: an approval stage has no job.
  A ``automated: false`` stage is a job like any other (GitHub can only wait
  for a person through an environment); the header says so.

Plan text never becomes workflow syntax.  The YAML is written by
``yaml.safe_dump``, so quotes, newlines and ``<script>`` are quoted data.
Every string taken from the plan goes through :func:`escape_expressions`,
which rewrites ``${{`` as ``${{ '$' }}{{`` (the expression ``'$'`` yields a
literal ``$``), so GitHub never evaluates an expression from the plan, in
``name``, ``run``, ``env`` or ``environment`` alike.  The ``run`` commands are
the plan's shell commands, run as written (that is what they are for); the
scripts this exporter adds are fixed text that reads plan text only from
``env:`` variables.  URLs are percent-encoded.
"""

from __future__ import annotations

import re
import urllib.parse
from dataclasses import dataclass

from ..model import Plan, Stage
from .common import (
    Names,
    approvals_of,
    comment,
    deployed_environment,
    dump_yaml,
    header,
    job_needs,
    names,
    safe_url,
    stage_commands,
    stages_of,
)

RUNNER = "ubuntu-latest"
CHECKOUT = "actions/checkout@v4"
IMAGE_TAG = "${{ inputs.image_tag || github.sha }}"
NO_COMMANDS_SCRIPT = (
    'printf "::error::stage %s has no run commands in the plan: add them and export '
    'again\\n" "$DEPLOYPLAN_STAGE"\nexit 1\n')
PROTECTION_SCRIPT = (
    'reviewers=$(gh api "repos/$GITHUB_REPOSITORY/environments/$DEPLOYPLAN_ENVIRONMENT" '
    "--jq '[.protection_rules[]? | select(.type == \"required_reviewers\")] | length')\n"
    'if [ "$reviewers" = "0" ]; then\n'
    '  printf "::error::environment %s has no required reviewers: the plan wants an '
    'approval before this deploy; protect it in the repository settings\\n" '
    '"$DEPLOYPLAN_ENVIRONMENT_NAME"\n'
    "  exit 1\n"
    "fi\n")
#: Every ``run`` script this exporter writes itself: plan text is never part of one.
SCRIPTS = (NO_COMMANDS_SCRIPT, PROTECTION_SCRIPT)

_JOB_ID = re.compile(r"^[_a-zA-Z][a-zA-Z0-9_-]*$")


def escape_expressions(text: str) -> str:
    """Text GitHub shows as written: ``${{`` becomes ``${{ '$' }}{{``."""
    return text.replace("${{", "${{ '$' }}{{")


def one_line(text: str) -> str:
    """Whitespace (newlines included) collapsed, for names shown on one line."""
    return " ".join(text.split())


def job_ids(stages: list[Stage]) -> dict[str, str]:
    """Stage id -> GitHub job id (see the module docstring)."""
    ids: dict[str, str] = {}
    taken = Names(sep="_")
    for stage in stages:
        if _JOB_ID.match(stage.id) and stage.id not in taken:
            ids[stage.id] = stage.id
            taken.add(stage.id)
    for stage in stages:
        if stage.id in ids:
            continue
        base = re.sub(r"[^a-zA-Z0-9_-]", "_", stage.id)
        if not re.match(r"[_a-zA-Z]", base):
            base = "_" + base
        ids[stage.id] = taken.claim(base)
    return ids


@dataclass(frozen=True)
class Protection:
    """A GitHub environment the workflow deploys to, and the settings it needs outside
    the workflow file."""

    name: str  # the plan environment's name
    approval: str  # the plan's approval: none | automatic | manual
    deployed_by: tuple[str, ...]  # deploy stage ids
    gated_by: tuple[str, ...]  # approval stage ids in front of those deploys
    reviewers: tuple[str, ...]  # access.approve (manual) and the gates' approvers

    @property
    def protected(self) -> bool:
        """A person must approve before a job deploys here."""
        return self.approval == "manual" or bool(self.gated_by)


def protections(plan: Plan) -> list[Protection]:
    """Every environment a deploy job names, in plan order, with its protection: what
    the header lists and ``github-environments`` writes.  Linear in stages and
    environments."""
    stages = stages_of(plan)
    gates = approvals_of(stages)
    deployed: dict[str, list[str]] = {}
    gated: dict[str, dict[str, None]] = {}
    approvers: dict[str, dict[str, None]] = {}
    for stage in stages:
        if stage.kind != "deploy" or not stage.environment:
            continue
        deployed.setdefault(stage.environment, []).append(stage.id)
        for gate in gates.get(stage.id, ()):
            gated.setdefault(stage.environment, {})[gate.id] = None
            approvers.setdefault(stage.environment, {}).update(
                dict.fromkeys(gate.approvers or []))
    found = []
    for env in plan.environments or []:
        if env.name not in deployed:
            continue
        reviewers: dict[str, None] = {}
        if env.approval == "manual" and env.access:
            reviewers.update(dict.fromkeys(env.access.approve or []))
        reviewers.update(approvers.get(env.name, {}))
        found.append(Protection(env.name, env.approval, tuple(deployed[env.name]),
                                tuple(gated.get(env.name, ())), tuple(reviewers)))
    return found


def _notes(stages: list[Stage], empty: list[Stage], guarded: list[Protection]) -> list[str]:
    notes = ["Jobs see IMAGE (runtime.image), IMAGE_TAG (the workflow input image_tag, "
             "else the commit SHA) and NAMESPACE (runtime.namespace); deploy and verify jobs "
             "also DEPLOY_ENVIRONMENT and URL (the environment they deploy or check)."]
    protected = [p for p in guarded if p.protected]
    if protected:
        notes.append("Set outside this file, in the repository settings (the "
                     "github-environments export has these as REST payloads), before the "
                     "first run: GitHub creates a missing environment without protection, "
                     "and each deploy job below checks its environment and fails without a "
                     "required reviewer.")
        for protection in protected:
            notes.append(f"Environment {comment(protection.name)}: required reviewers "
                         f"{names(protection.reviewers)}; deployments from protected "
                         f"branches only.")
    gated = {gate for p in protected for gate in p.gated_by}
    for stage in stages:
        if stage.kind == "approval":
            if stage.id in gated:
                notes.append(f"Approval stage {comment(stage.id)} is the required reviewers "
                             f"of the environment it gates, not a job.")
            else:
                notes.append(f"Approval stage {comment(stage.id)} gates no deploy: GitHub "
                             f"holds a job only through an environment, so this workflow "
                             f"does not wait for it.")
        elif stage.automated is False:
            notes.append(f"Stage {comment(stage.id)} is done by a person (automated: false); "
                         f"GitHub cannot wait for one outside an environment.")
    for stage in empty:
        notes.append(f"Stage {comment(stage.id)} has no run commands in the plan: its job "
                     f"fails until the plan gives them.")
    return notes


def _environment_env(plan: Plan, name: str | None) -> dict[str, str]:
    if not name:
        return {}
    env = plan.environment(name)
    values = {"DEPLOY_ENVIRONMENT": escape_expressions(name)}
    url = safe_url(env.url if env else None)
    if url:
        values["URL"] = url
    return values


def _job(plan: Plan, stage: Stage, ids: dict[str, str], needs: list[str],
         checked: str | None, protected: set[str], run: list[str]) -> dict:
    job: dict = {"name": escape_expressions(one_line(stage.id))}
    if needs:
        job["needs"] = [ids[n] for n in needs]
    job["runs-on"] = RUNNER
    deploys = stage.kind == "deploy" and stage.environment
    if deploys and stage.environment in protected:
        # gh reads the environment's protection rules (actions: read)
        job["permissions"] = {"contents": "read", "actions": "read"}
    if deploys:
        assert stage.environment is not None
        environment = {"name": escape_expressions(stage.environment)}
        env = plan.environment(stage.environment)
        url = safe_url(env.url if env else None)
        if url:
            environment["url"] = url
        job["environment"] = environment
    variables = _environment_env(plan, checked)
    if variables:
        job["env"] = variables
    steps: list[dict] = [{"name": "Check out the repository", "uses": CHECKOUT}]
    if deploys and stage.environment in protected:
        assert stage.environment is not None
        steps.append({
            "name": "Check that the environment requires an approval",
            "env": {"GH_TOKEN": "${{ github.token }}",
                    "DEPLOYPLAN_ENVIRONMENT": urllib.parse.quote(stage.environment, safe=""),
                    "DEPLOYPLAN_ENVIRONMENT_NAME": escape_expressions(stage.environment)},
            "run": PROTECTION_SCRIPT,
        })
    for command in run:
        steps.append({"name": escape_expressions(one_line(command)),
                      "run": escape_expressions(command)})
    if not run:
        steps.append({"name": "No commands in the plan",
                      "env": {"DEPLOYPLAN_STAGE": escape_expressions(stage.id)},
                      "run": NO_COMMANDS_SCRIPT})
    job["steps"] = steps
    return job


def _workflow_env(plan: Plan) -> dict[str, str]:
    runtime = plan.runtime
    values = {}
    if runtime and runtime.image:
        values["IMAGE"] = escape_expressions(runtime.image)
    values["IMAGE_TAG"] = IMAGE_TAG
    if runtime and runtime.namespace:
        values["NAMESPACE"] = escape_expressions(runtime.namespace)
    return values


def build(plan: Plan) -> tuple[dict, list[str]]:
    """The workflow as data (what :func:`export` dumps), and the header's notes."""
    stages = stages_of(plan)
    ids = job_ids([s for s in stages if s.kind != "approval"])
    needs = job_needs(stages, {s.id for s in stages if s.kind == "approval"})
    checked = deployed_environment(stages)
    guarded = protections(plan)
    protected = {p.name for p in guarded if p.protected}
    jobs, empty = {}, []
    for stage in stages:
        if stage.kind == "approval":
            continue
        run = stage_commands(plan, stage)
        if not run:
            empty.append(stage)
        target = checked[stage.id] if stage.kind in ("deploy", "verify") else None
        jobs[ids[stage.id]] = _job(plan, stage, ids, needs[stage.id], target, protected, run)
    if not jobs:
        jobs["plan"] = {
            "name": "plan",
            "runs-on": RUNNER,
            "steps": [{"name": "No stages in the plan",
                       "env": {"DEPLOYPLAN_STAGE": "plan"}, "run": NO_COMMANDS_SCRIPT}],
        }
    workflow = {
        "name": escape_expressions(one_line(plan.title or "")) or plan.plan,
        "on": {"push": {"branches": ["main"]},
               "workflow_dispatch": {"inputs": {"image_tag": {
                   "description": "The image tag to deploy (default: the commit SHA)",
                   "required": False, "type": "string"}}}},
        "permissions": {"contents": "read"},
        "env": _workflow_env(plan),
        "jobs": jobs,
    }
    return workflow, _notes(stages, empty, guarded)


def export(plan: Plan) -> str:
    """The workflow YAML, starting with a comment naming the plan and what it needs."""
    workflow, notes = build(plan)
    return header(plan, notes) + dump_yaml(workflow)
