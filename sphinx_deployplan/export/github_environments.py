"""GitHub environment protection settings, as REST payloads.  No Sphinx here.

Exactly the settings the :mod:`.github_actions` workflow's header says live
outside the workflow file: one entry per protected environment a deploy job of
the workflow names, in plan order (:func:`~.github_actions.protections`, so
both files agree).  The other environments need no setting: GitHub creates them
when a job first names them.  The output is JSON::

    {
      "generated_by": "sphinx-deployplan",
      "plan": "checkout-v2",
      "instructions": "...",
      "environments": [
        {
          "name": "production",
          "approval": "manual",
          "deployed_by": ["deploy-prod"],
          "gated_by": ["approve-prod"],
          "request": {"method": "PUT",
                      "path": "/repos/{owner}/{repo}/environments/production"},
          "reviewer_names": ["sre-oncall", "payments-lead", "release-managers"],
          "payload": {
            "wait_timer": 0,
            "prevent_self_review": true,
            "reviewers": [{"type": "Team", "id": null}, ...],
            "deployment_branch_policy": {"protected_branches": true,
                                         "custom_branch_policies": false}
          },
          "warnings": []
        }
      ]
    }

``payload`` is the body of ``PUT /repos/{owner}/{repo}/environments/{name}``
(``request.path`` has the name percent-encoded), once its ids are filled in.

An environment is **protected** when its ``approval`` is ``manual`` or an
approval stage gates a deploy to it: one gate, the environment's required
reviewers, who are the environment's ``access.approve`` (when manual) and the
``approvers`` of the approval stages in front of it.  GitHub lets any one of
them approve.  A protected environment gets ``prevent_self_review`` (the person
who started the run cannot approve it) and deploys from protected branches
only.
``wait_timer`` is 0: the plan has no field for it.

Reviewers.  GitHub wants numeric user or team ids, which a plan does not
have; the plan has names.  ``reviewer_names[i]`` is the name behind
``payload.reviewers[i]``, whose ``id`` is ``null`` until you fill it in
(``gh api /orgs/ORG/teams/SLUG --jq .id`` for a team, ``gh api /users/LOGIN
--jq .id`` for a user, and set ``type`` to ``User`` for a person).  A null id
is deliberate: GitHub rejects the request, so an environment that the plan
protects can never be applied by mistake without its reviewers.

``warnings`` lists what GitHub will refuse or what leaves a gate open: more
than six reviewers, or a protected environment with nobody named.
"""

from __future__ import annotations

import json
import urllib.parse

from ..model import Plan
from .github_actions import Protection, protections

MAX_REVIEWERS = 6  # GitHub's limit per environment
INSTRUCTIONS = (
    "One PUT /repos/{owner}/{repo}/environments/{environment_name} per entry, with "
    "'payload' as the JSON body, before the workflow first runs (GitHub creates a missing "
    "environment without protection). Before applying, replace each null reviewer id with "
    "the numeric id of the team or user named at the same position in 'reviewer_names' "
    "(gh api /orgs/ORG/teams/SLUG --jq .id, or gh api /users/LOGIN --jq .id with type "
    "'User'); GitHub rejects a null id, so a protected environment is never applied "
    "without its reviewers."
)


def _entry(protection: Protection) -> dict:
    names = list(protection.reviewers)
    warnings = []
    if not names:
        warnings.append("nobody is named to approve, so GitHub will not hold the job: "
                        "name the approvers in the plan")
    if len(names) > MAX_REVIEWERS:
        warnings.append(f"GitHub allows at most {MAX_REVIEWERS} reviewers per environment; "
                        f"the plan names {len(names)}")
    return {
        "name": protection.name,
        "approval": protection.approval,
        "deployed_by": list(protection.deployed_by),
        "gated_by": list(protection.gated_by),
        "request": {
            "method": "PUT",
            "path": "/repos/{owner}/{repo}/environments/"
                    + urllib.parse.quote(protection.name, safe=""),
        },
        "reviewer_names": names,
        "payload": {
            "wait_timer": 0,
            "prevent_self_review": True,
            "reviewers": [{"type": "Team", "id": None} for _ in names],
            "deployment_branch_policy": {"protected_branches": True,
                                         "custom_branch_policies": False},
        },
        "warnings": warnings,
    }


def build(plan: Plan) -> dict:
    """The document as data (what :func:`export` dumps)."""
    return {
        "generated_by": "sphinx-deployplan",
        "plan": plan.plan,
        "instructions": INSTRUCTIONS,
        "environments": [_entry(p) for p in protections(plan) if p.protected],
    }


def export(plan: Plan) -> str:
    """The JSON document described in the module docstring."""
    return json.dumps(build(plan), indent=2, ensure_ascii=False) + "\n"
