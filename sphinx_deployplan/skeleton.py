"""``deployplan new``: a plan skeleton with every section.

The skeleton loads (so an editor with the JSON Schema can complete it), but its
placeholders fail each of the eight checks until they are filled in: no
configuration, no test between deploys, no rollback estimate, commands left as
TODO, a flag with no cleanup date, no liveness check, a reversible migration
with no down script and nobody told about a rollback.
"""

from __future__ import annotations

from .model import SLUG_PATTERN

TEMPLATE = """\
# yaml-language-server: $schema=deployplan.schema.json
# A deployment plan skeleton. Every TODO fails a quality check until it is filled
# in: run `deployplan check {name}.yaml` to see which.
plan: {name}
title: TODO release title
service: TODO-service
owner: TODO-team
summary: TODO what this release changes.
inputs:
  infrastructure: {{hosting: TODO, orchestration: TODO, ci_cd: TODO}}
  existing_process: TODO how releases happen today
  availability: {{slo: 99.9%, window: 30d, maintenance_window: none}}

environments:                       # env-config-access: config and access for each
  - name: staging
    purpose: Pre-production validation
    deploy: TODO deploy method
    approval: automatic
    config: {{}}                     # TODO api, database, flags, secrets
    access: {{deploy: [], approve: []}}
  - name: production
    purpose: Live traffic
    deploy: TODO deploy method
    approval: manual
    config: {{}}
    access: {{deploy: [], approve: []}}   # manual approval needs approvers

pipeline:                           # promotion-tests: a test between deploys
  stages:
    - {{id: build, kind: build, does: [TODO]}}
    - {{id: test, kind: test, does: [TODO unit tests]}}
    - {{id: deploy-staging, kind: deploy, environment: staging}}
    - {{id: approve-production, kind: approval, approvers: [TODO]}}
    - {{id: deploy-production, kind: deploy, environment: production}}
  artifacts: {{tagging: TODO, retention: TODO, registry: TODO}}

strategy:                           # zero-downtime: method and rollback_time
  method: canary
  why: TODO why this strategy
  # rollback_time: 5m               # TODO rollback speed estimate
  steps:
    - {{traffic: 10%, hold: 30m}}
    - {{traffic: 100%}}
  promote_when:
    - {{metric: TODO, threshold: TODO, window: 5m}}

rollback:                           # rollback-commands: exact commands
  triggers:
    - {{when: TODO condition, automatic: true}}
  steps:
    - {{do: TODO first rollback step}}   # add run: <command> (or manual: true)
  verify:
    - {{do: TODO how to confirm it worked}}
  database: TODO reverse migrations or forward-fix?
  tested: {{how: TODO, when: TODO}}

communication:                      # communication: deploy and rollback
  deploy:
    - {{who: TODO channel, how: TODO, when: at start and at finish}}
  rollback: []                      # TODO who is told during a rollback

flag_policy: {{tool: TODO, naming: TODO, max_age: 90d, review: monthly}}
feature_flags:                      # flag-lifecycle: or feature_flags: [] for none
  - name: TODO-flag
    type: release
    default: off
    owner: TODO-team
    lifecycle: creation
    # cleanup: YYYY-MM-DD           # TODO cleanup date

health_checks:                      # health-coverage: readiness, liveness, smoke
  - {{check: Readiness, type: readiness, endpoint: /TODO, interval: 5s, failure_threshold: 3}}
  - {{check: Smoke, type: smoke, run: TODO smoke command, when: TODO}}

migrations:                         # migration-compat: or migrations: [] for none
  - name: TODO-migration
    type: expand
    run: pre-deploy
    reversible: true
    up: TODO forward SQL
    # down: TODO reverse SQL
"""


def skeleton(name: str) -> str:
    if not SLUG_PATTERN.match(name):
        raise ValueError(f"the plan name must be a slug (lower-case letters, digits and "
                         f"single hyphens, like checkout-v2), got {name!r}")
    return TEMPLATE.format(name=name)
