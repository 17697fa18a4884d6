extensions = ["myst_parser", "sphinx_deployplan"]
exclude_patterns = ["_build"]
needs_build_json = True
deployplan_today = "2026-11-27"
