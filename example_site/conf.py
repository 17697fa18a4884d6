"""Sphinx configuration for the example runbook site of sphinx-deployplan.

Build it with::

    sphinx-build -b html example_site example_site/_build/html
"""

project = "Acme release runbooks"
author = "Acme SRE"
copyright = "2026, Acme SRE"

extensions = ["myst_parser", "sphinx_needs", "sphinx_deployplan", "sphinx_copybutton"]

# Furo: a maintained theme with light and dark modes that ships everything it
# needs (no CDN fonts or scripts), so the runbooks work on an offline network.
html_theme = "furo"
html_title = "Acme release runbooks"
# Copy the command, not the prompt or the highlighting markup.
copybutton_exclude = ".linenos, .gp"

source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
exclude_patterns = ["_build"]

# Publish needs.json: every plan item and every (plan, check) pair as a need.
needs_build_json = True

# The date the quality checks treat as "today" (waiver expiry, flag ages), pinned
# so that the example builds the same way every day.
deployplan_today = "2026-11-27"

# The deploy files the plans name under `sources` (the Rollout, the CI workflows,
# the workloads, the flag definitions, the migration SQL) live in this folder, next
# to the plans: paths in the plans are relative to it.
deployplan_sources_root = "."
