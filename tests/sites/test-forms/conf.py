extensions = ["myst_parser", "sphinx_deployplan"]
exclude_patterns = ["_build"]
