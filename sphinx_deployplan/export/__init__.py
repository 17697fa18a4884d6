"""Plans exported as configuration people can run.  No Sphinx here.

Each exporter is a module with ``export(plan: Plan) -> str``: deterministic text
(the same plan gives the same bytes), every piece of user text quoted or
escaped for its format.  An exporter that ``reads_sources`` also takes
``sources``, the plan's deploy files as :func:`~sphinx_deployplan.sources.read_plan_sources`
read them (the probes patch targets the workload the plan names).
:data:`EXPORTERS` is the registry the CLI and the site downloads use.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass

from ..model import Plan


@dataclass(frozen=True)
class Exporter:
    name: str  # the --to value
    module: str  # module in this package with export(plan) -> str
    suffix: str  # file name suffix of the download: f"{plan.plan}{suffix}"
    description: str
    reads_sources: bool = False  # export(plan, sources=...) targets the plan's deploy files

    @property
    def export(self) -> Callable[[Plan], str]:
        return importlib.import_module(f"{__name__}.{self.module}").export

    def filename(self, plan: Plan) -> str:
        return f"{plan.plan}{self.suffix}"


EXPORTERS: dict[str, Exporter] = {e.name: e for e in (
    Exporter("github-actions", "github_actions", ".github-actions.yml",
             "GitHub Actions workflow: a job per stage running its commands, deploy jobs "
             "gated by their environment's required reviewers"),
    Exporter("github-environments", "github_environments", ".github-environments.json",
             "GitHub environment protection settings (REST payloads): the required "
             "reviewers the workflow's environments need"),
    Exporter("gitlab-ci", "gitlab_ci", ".gitlab-ci.yml",
             "GitLab CI pipeline: a job per stage running its commands, environments with "
             "deployment tiers, manual deploy jobs where the plan wants an approval"),
    Exporter("argo-rollouts", "argo", ".argo-rollouts.yaml",
             "Argo Rollouts Rollout (runtime, probes, canary steps or blue-green services) "
             "and an AnalysisTemplate from the promotion criteria's queries"),
    Exporter("k8s-probes", "k8s_probes", ".k8s-probes.yaml",
             "Kubernetes readiness, liveness and startup probes from the health checks, as "
             "a patch for the workload", reads_sources=True),
    Exporter("flagd", "flagd", ".flagd.json",
             "OpenFeature flagd flag definitions from the feature flags"),
    Exporter("markdown", "markdown", ".runbook.md",
             "The runbook as Markdown, for a ticket or PR"),
)}
