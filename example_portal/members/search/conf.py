"""A second member site of the example portal: the search team's own runbooks."""

project = "Search runbooks"
extensions = ["myst_parser", "sphinx_deployplan"]
exclude_patterns = ["_build"]
html_theme = "furo"
needs_build_json = True  # the portal reads this file
deployplan_today = "2026-11-27"
