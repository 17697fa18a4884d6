"""Release-engineering rules: the checks an experienced release engineer would add.

The eight quality checks say a part of the runbook exists; these rules say it is
sound.  Each module holds rule functions and their records
(:class:`~sphinx_deployplan.checks.record.Check` with ``kind="rule"``).  A rule's
unmet result is a warning unless ``deployplan_strict_rules`` makes it fail the
build.  No Sphinx here: the CLI runs the same rules.
"""
