"""A GitHub Actions workflow from the plan's pipeline.  No Sphinx here.

The workflow runs on a push to ``main`` and by hand (``workflow_dispatch``),
with a read-only ``GITHUB_TOKEN``.  It has one job per pipeline stage, in plan
order:

* **job ids**: the stage id when it is a valid GitHub job id
  (``^[_a-zA-Z][a-zA-Z0-9_-]*$``); otherwise every other character becomes
  ``_`` and a leading ``_`` is added when the id does not start with a letter.
  Ids are compared case-insensitively (GitHub expressions such as
  ``needs.<id>`` are), valid ids keep theirs first, and a clash gets ``_2``,
  ``_3``...  The job's ``name`` shows the stage id as written, and ``needs``
  uses the mapped ids, so the job graph is the stage graph.
* **needs**: the stage's ``needs`` (the loader has filled in the default, the
  previous stage); a job with no upstream has no ``needs`` key.
* **steps**: ``actions/checkout``, then one ``run`` step per item of
  ``does`` (or one placeholder step naming what the stage is for), each a
  ``printf 'TODO: ...'`` to replace with the real command.
* **deploy** jobs carry ``environment: {name, url}``; the url only when the
  environment has an ``http(s)`` one.
* **approval** stages become a job with no checkout, bound to a GitHub
  environment named after the stage (``approve-prod``; ``<id>-approval`` when
  that is also the name of a plan environment).  That environment's required
  reviewers are the stage's ``approvers`` (see :mod:`.github_environments`,
  which uses :func:`approval_environments` so both files agree).  We do not
  bind the approval job to the environment of the deploy it gates: the deploy
  job references that environment too, so GitHub would ask the same people
  twice, and merging the stage's approvers into the environment's reviewers
  would let either group approve alone (GitHub needs one reviewer of the
  list).  A separate gate keeps both sign-offs the plan asks for.
* **test/verify** jobs run their ``does`` like any other job.

Plan text never becomes workflow syntax.  The YAML is written by
``yaml.safe_dump``, so quotes, newlines and ``<script>`` are quoted data.
Every string taken from the plan goes through :func:`escape_expressions`,
which rewrites ``${{`` as ``${{ '$' }}{{`` (the expression ``'$'`` yields a
literal ``$``), so GitHub shows the text as written and never evaluates an
expression from the plan, in ``name``, ``env`` or ``environment`` alike.
``run`` scripts are fixed text: plan text reaches the shell only through an
``env:`` variable, quoted as ``"$DEPLOYPLAN_TODO"``, so the shell does not
expand it either.  URLs are percent-encoded, which turns ``$``, ``{`` and
``}`` into ``%24``, ``%7B`` and ``%7D``.
"""

from __future__ import annotations

import re

from ..model import Plan, Stage
from . import common
from .common import Names, dump_yaml, header, placeholder, safe_url, stages_of

RUNNER = "ubuntu-latest"
CHECKOUT = "actions/checkout@v4"
TODO_SCRIPT = "printf 'TODO: %s\\n' \"$DEPLOYPLAN_TODO\""
APPROVAL_SCRIPT = ("printf 'Approved: %s (reviewers: %s)\\n' "
                   "\"$DEPLOYPLAN_STAGE\" \"$DEPLOYPLAN_APPROVERS\"")
#: Every ``run`` script this exporter writes: plan text is never part of one.
SCRIPTS = (TODO_SCRIPT, APPROVAL_SCRIPT)

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


def approval_environments(plan: Plan) -> dict[str, str]:
    """Approval stage id -> the GitHub environment its job waits on (its gate)."""
    taken = Names(env.name for env in plan.environments or [])
    gates: dict[str, str] = {}
    for stage in stages_of(plan):
        if stage.kind != "approval":
            continue
        base = stage.id.strip() or "approval"
        if base in taken:
            base = f"{base}-approval"
        gates[stage.id] = taken.claim(base)
    return gates


def gated_deploys(plan: Plan) -> dict[str, list[str]]:
    """Approval stage id -> the deploy stages it gates, in plan order."""
    return common.gated_deploys(stages_of(plan))


def _todo_step(text: str) -> dict:
    return {
        "name": escape_expressions(one_line(text)),
        "env": {"DEPLOYPLAN_TODO": escape_expressions(text)},
        "run": TODO_SCRIPT,
    }


def _job(plan: Plan, stage: Stage, ids: dict[str, str], gates: dict[str, str]) -> dict:
    job: dict = {"name": escape_expressions(one_line(stage.id))}
    needs = [ids[n] for n in dict.fromkeys(stage.needs or []) if n in ids]
    if needs:
        job["needs"] = needs
    job["runs-on"] = RUNNER
    steps: list[dict] = []
    if stage.kind == "approval":
        job["environment"] = {"name": escape_expressions(gates[stage.id])}
        steps.append({
            "name": "Record the approval",
            "env": {
                "DEPLOYPLAN_STAGE": escape_expressions(stage.id),
                "DEPLOYPLAN_APPROVERS": escape_expressions(
                    ", ".join(stage.approvers or []) or "none named in the plan"),
            },
            "run": APPROVAL_SCRIPT,
        })
    else:
        if stage.kind == "deploy" and stage.environment:
            environment = {"name": escape_expressions(stage.environment)}
            env = plan.environment(stage.environment)
            url = safe_url(env.url if env else None)
            if url:
                environment["url"] = url
            job["environment"] = environment
        steps.append({"name": "Check out the repository", "uses": CHECKOUT})
    items = [item for item in stage.does or [] if item.strip()]
    if not items and stage.kind != "approval":
        items = [placeholder(plan, stage)]
    steps.extend(_todo_step(item) for item in items)
    job["steps"] = steps
    return job


def build(plan: Plan) -> dict:
    """The workflow as data (what :func:`export` dumps)."""
    stages = stages_of(plan)
    ids = job_ids(stages)
    gates = approval_environments(plan)
    jobs = {ids[stage.id]: _job(plan, stage, ids, gates) for stage in stages}
    if not jobs:
        jobs["plan"] = {
            "name": "plan",
            "runs-on": RUNNER,
            "steps": [_todo_step("the plan defines no pipeline stages yet")],
        }
    return {
        "name": escape_expressions(one_line(plan.title or "")) or plan.plan,
        "on": {"push": {"branches": ["main"]}, "workflow_dispatch": {}},
        "permissions": {"contents": "read"},
        "jobs": jobs,
    }


def export(plan: Plan) -> str:
    """The workflow YAML, starting with a comment naming the plan."""
    return header(plan) + dump_yaml(build(plan))
