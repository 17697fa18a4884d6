"""Sphinx configuration of the sphinx-deployplan documentation.

Build it with warnings as errors (what ``nox -s docs`` runs)::

    sphinx-build -W --keep-going -b html docs docs/_build/html
"""

import sys
from pathlib import Path

# The docs-only extension that generates the reference from the package's own code.
sys.path.insert(0, str(Path(__file__).parent / "_ext"))

from sphinx_deployplan import __version__

project = "sphinx-deployplan"
author = "sphinx-deployplan developers"
copyright = "2026, sphinx-deployplan developers"
version = release = __version__

extensions = [
    "myst_parser",
    "sphinx_needs",
    "sphinx_deployplan",
    "sphinx_copybutton",
    "sphinxarg.ext",  # the command line reference, from the CLI's argument parser
    "deployplan_docs",
]

source_suffix = {".md": "markdown"}
exclude_patterns = ["_build"]
myst_enable_extensions = ["colon_fence", "deflist"]

# Furo ships its fonts and scripts: nothing is loaded from a CDN.
html_theme = "furo"
html_title = f"sphinx-deployplan {release}"
html_static_path = ["_static"]
html_css_files = ["docs.css"]

# Copy the command, not the prompt, the output or the line numbers.
copybutton_prompt_text = r"\$ "
copybutton_prompt_is_regexp = True
copybutton_only_copy_prompt_lines = True
copybutton_exclude = ".linenos, .gp"

# Title each subcommand of the command line reference "deployplan check", not "check".
sphinxarg_full_subcommand_name = True

# Publish needs.json (every plan item and every plan-check pair of these docs).
needs_build_json = True

# The date the quality checks treat as "today" (waiver expiry, flag ages), pinned so
# the docs build the same way every day.
deployplan_today = "2026-11-27"

# The deploy files the sample plans name under `sources` are in a small sample
# repository; their paths are relative to it.
deployplan_sources_root = "samples/repo"
