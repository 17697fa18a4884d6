"""``deployplan new``: a plan skeleton with every section.

The skeleton loads (so an editor with the JSON Schema can complete it), but its
values are placeholders (``TODO ...``), which every check treats as missing: each
of the eight checks is unmet, and each placeholder is reported with its line,
until they are filled in.
"""

from __future__ import annotations

from .model import SLUG_PATTERN

TEMPLATE = """\
# yaml-language-server: $schema=deployplan.schema.json
# A deployment plan skeleton.  Every TODO is a placeholder: the plan loads, but
# each check treats a placeholder as missing, so every check fails until the
# TODOs are filled in.  `deployplan check {name}.yaml` lists each one.
plan: {name}
title: TODO release title
service: TODO service
owner: TODO team
summary: TODO what this release changes.
inputs:
  infrastructure: {{hosting: TODO, orchestration: TODO, ci_cd: TODO}}
  existing_process: TODO how releases happen today
  availability: {{slo: TODO e.g. 99.9%, window: TODO e.g. 30d, maintenance_window: TODO}}

environments:                       # env-config-access: config and access for each
  - name: staging
    purpose: Pre-production validation
    deploy: TODO deploy method
    approval: automatic
    config: {{api: TODO, database: TODO, secrets: TODO}}
    access: {{deploy: [TODO], approve: []}}
  - name: production
    purpose: Live traffic
    deploy: TODO deploy method
    approval: manual
    config: {{api: TODO, database: TODO, secrets: TODO}}
    access: {{deploy: [TODO], approve: [TODO]}}   # manual approval needs approvers

pipeline:                           # promotion-tests: a test between deploys
  stages:
    - {{id: build, kind: build, does: [TODO]}}
    - {{id: test, kind: test, does: [TODO unit tests]}}
    - {{id: deploy-staging, kind: deploy, environment: staging}}
    - {{id: smoke-staging, kind: TODO verify, does: [TODO smoke tests]}}
    - {{id: approve-production, kind: approval, approvers: [TODO]}}
    - {{id: deploy-production, kind: deploy, environment: production}}
  artifacts: {{tagging: TODO, retention: TODO, registry: TODO}}

strategy:                           # zero-downtime: method and rollback_time
  method: TODO canary, blue-green, rolling or feature-flag
  why: TODO why this strategy
  rollback_time: TODO e.g. 5m
  steps:
    - {{traffic: 10%, hold: 30m}}
    - {{traffic: 100%}}
  promote_when:
    - {{metric: TODO, threshold: TODO, window: 5m}}

rollback:                           # rollback-commands: exact commands
  triggers:
    - {{when: TODO condition, automatic: true}}
  steps:
    - {{do: TODO first rollback step, run: TODO exact command}}
  verify:
    - {{do: TODO how to confirm it worked, run: TODO exact command}}
  database: TODO reverse migrations or forward-fix?
  tested: {{how: TODO, when: TODO}}

communication:                      # communication: deploy and rollback
  deploy:
    - {{who: TODO channel, how: TODO, when: at start and at finish}}
  rollback:
    - {{who: TODO on-call, how: TODO, when: immediately}}

flag_policy: {{tool: TODO, naming: TODO, max_age: 90d, review: TODO}}
feature_flags:                      # flag-lifecycle: or feature_flags: [] for none
  - name: TODO-flag
    type: release
    default: off
    owner: TODO team
    lifecycle: creation
    cleanup: TODO YYYY-MM-DD

health_checks:                      # health-coverage: readiness, liveness, smoke
  - {{check: Readiness, type: readiness, endpoint: TODO /health/ready, interval: 5s,
     failure_threshold: 3}}
  - {{check: Liveness, type: TODO liveness, endpoint: TODO /health/live, interval: 10s,
     failure_threshold: 5}}
  - {{check: Smoke, type: smoke, run: TODO smoke command, when: TODO post-deploy}}

migrations:                         # migration-compat: or migrations: [] for none
  - name: TODO-migration
    type: expand
    run: pre-deploy
    reversible: true
    up: TODO forward SQL
    down: TODO reverse SQL
"""


def skeleton(name: str) -> str:
    if not SLUG_PATTERN.match(name):
        raise ValueError(f"the plan name must be a slug (lower-case letters, digits and "
                         f"single hyphens, like checkout-v2), got {name!r}")
    return TEMPLATE.format(name=name)
