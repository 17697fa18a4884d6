"""GitHub environment protection settings, as REST payloads.  No Sphinx here.

The output is JSON::

    {
      "generated_by": "sphinx-deployplan",
      "plan": "checkout-v2",
      "instructions": "...",
      "environments": [
        {
          "name": "production",
          "kind": "environment",
          "approval": "manual",
          "deployed_by": ["deploy-prod"],
          "gated_by": ["approve-prod"],
          "request": {"method": "PUT",
                      "path": "/repos/{owner}/{repo}/environments/production"},
          "reviewer_names": ["sre-oncall", "payments-lead"],
          "payload": {
            "wait_timer": 0,
            "prevent_self_review": true,
            "reviewers": [{"type": "Team", "id": null}, {"type": "Team", "id": null}],
            "deployment_branch_policy": {"protected_branches": true,
                                         "custom_branch_policies": false}
          },
          "warnings": []
        },
        {"name": "approve-prod", "kind": "approval-gate", "stage": "approve-prod",
         "gates": ["deploy-prod"], ...}
      ]
    }

One entry per plan environment, in plan order, then one per approval stage
(``kind: approval-gate``): the GitHub environment that the approval job of
the :mod:`.github_actions` workflow waits on, named as that module names it.
``payload`` is the body of ``PUT /repos/{owner}/{repo}/environments/{name}``
(``request.path`` has the name percent-encoded), once its ids are filled in.

Reviewers.  GitHub wants numeric user or team ids, which a plan does not
have; the plan has names.  ``reviewer_names[i]`` is the name behind
``payload.reviewers[i]``, whose ``id`` is ``null`` until you fill it in
(``gh api /orgs/ORG/teams/SLUG --jq .id`` for a team, ``gh api /users/LOGIN
--jq .id`` for a user, and set ``type`` to ``User`` for a person).  A null id
is deliberate: GitHub rejects the request, so an environment that the plan
protects can never be applied by mistake without its reviewers.

* An environment with ``approval: manual`` gets its ``access.approve`` as
  reviewers, ``prevent_self_review`` (the person who started the run cannot
  approve it) and deploys from protected branches only.
* An approval gate gets the approval stage's ``approvers``, with the same
  settings.  The approvers of an approval stage are *not* merged into the
  reviewers of the environment it gates: GitHub lets any one reviewer of the
  list approve, so merging would let either group approve alone; the deploy
  environment lists the gates in front of it under ``gated_by`` instead.
* ``none`` and ``automatic`` environments get no reviewers (``[]``: applying
  the payload removes any), no self-review rule and no branch policy
  (``null``: every branch may deploy).
* ``wait_timer`` is 0: the plan has no field for it.

``warnings`` lists what GitHub will refuse or what leaves a gate open: more
than six reviewers, or a manual environment or gate with nobody named.
"""

from __future__ import annotations

import json
import urllib.parse

from ..model import Plan
from .common import stages_of
from .github_actions import approval_environments, gated_deploys

MAX_REVIEWERS = 6  # GitHub's limit per environment
INSTRUCTIONS = (
    "One PUT /repos/{owner}/{repo}/environments/{environment_name} per entry, with "
    "'payload' as the JSON body. Before applying, replace each null reviewer id with the "
    "numeric id of the team or user named at the same position in 'reviewer_names' "
    "(gh api /orgs/ORG/teams/SLUG --jq .id, or gh api /users/LOGIN --jq .id with type "
    "'User'); GitHub rejects a null id, so a protected environment is never applied "
    "without its reviewers. Entries of kind 'approval-gate' are the environments that the "
    "approval jobs of the generated GitHub Actions workflow wait on."
)


def _entry(name: str, kind: str, approval: str, names: list[str], protected: bool,
           extra: dict, warnings: list[str]) -> dict:
    if protected and not names:
        warnings.append("nobody is named to approve, so GitHub will not hold the job: "
                        "name the approvers in the plan")
    if len(names) > MAX_REVIEWERS:
        warnings.append(f"GitHub allows at most {MAX_REVIEWERS} reviewers per environment; "
                        f"the plan names {len(names)}")
    payload = {
        "wait_timer": 0,
        "prevent_self_review": protected,
        "reviewers": [{"type": "Team", "id": None} for _ in names],
        "deployment_branch_policy": (
            {"protected_branches": True, "custom_branch_policies": False} if protected
            else None),
    }
    return {
        "name": name,
        "kind": kind,
        "approval": approval,
        **extra,
        "request": {
            "method": "PUT",
            "path": "/repos/{owner}/{repo}/environments/" + urllib.parse.quote(name, safe=""),
        },
        "reviewer_names": names,
        "payload": payload,
        "warnings": warnings,
    }


def build(plan: Plan) -> dict:
    """The document as data (what :func:`export` dumps)."""
    stages = stages_of(plan)
    gates = approval_environments(plan)
    gated = gated_deploys(plan)
    target = {s.id: s.environment for s in stages if s.kind == "deploy" and s.environment}
    entries = []
    for env in plan.environments or []:
        manual = env.approval == "manual"
        names = list(dict.fromkeys(env.access.approve or [])) if manual and env.access else []
        extra = {
            "deployed_by": [s.id for s in stages if target.get(s.id) == env.name],
            "gated_by": [gate for gate, deploys in gated.items()
                         if any(target.get(d) == env.name for d in deploys)],
        }
        entries.append(_entry(env.name, "environment", env.approval, names, manual, extra, []))
    for stage in stages:
        if stage.kind != "approval":
            continue
        names = list(dict.fromkeys(stage.approvers or []))
        extra = {"stage": stage.id, "gates": gated[stage.id]}
        entries.append(_entry(gates[stage.id], "approval-gate", "manual", names, True, extra,
                              []))
    return {
        "generated_by": "sphinx-deployplan",
        "plan": plan.plan,
        "instructions": INSTRUCTIONS,
        "environments": entries,
    }


def export(plan: Plan) -> str:
    """The JSON document described in the module docstring."""
    return json.dumps(build(plan), indent=2, ensure_ascii=False) + "\n"
