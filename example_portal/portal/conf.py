"""An example runbook portal: one place that lists the plans of several docs repos.

Each member site is built on its own and publishes needs.json; the portal reads
them through sphinx-needs' external needs. Links point at the member sites'
published pages (here, their local build folders, relative to this portal's
output).
"""

project = "Acme release portal"
extensions = ["myst_parser", "sphinx_deployplan"]
exclude_patterns = ["_build"]
html_theme = "furo"
deployplan_today = "2026-11-27"

needs_external_needs = [
    {
        "base_url": "../../../../example_site/_build/html",
        "json_path": "../../example_site/_build/html/needs.json",
    },
    {
        "base_url": "../../../members/search/_build/html",
        "json_path": "../members/search/_build/html/needs.json",
    },
]
