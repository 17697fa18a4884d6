extensions = ["myst_parser", "sphinx_deployplan"]
exclude_patterns = ["_build"]
# The "good" plan is incomplete on purpose (it only has environments); this site
# is about load errors, so its unmet checks are silenced the way a user would.
from sphinx_deployplan.checks import RULE_IDS

suppress_warnings = ["deployplan.check", *(f"deployplan.{rule}" for rule in RULE_IDS)]
deployplan_fail_on_unmet = False
