"""A migration's SQL, wherever the plan keeps it: inline (``up``/``down``) or in the
repository (``up_file``/``down_file``, read with the plan's other deploy files).

The checks and the runbook both read the plan through :func:`with_file_sql`, so
the SQL rules analyse, and the page shows, the SQL that really runs.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from .model import Plan


def with_file_sql(plan: Plan, sql_text: Callable[[str], str | None]) -> Plan:
    """The plan with each migration's ``up``/``down`` read from its ``up_file``/
    ``down_file`` by ``sql_text`` (absent when the file could not be read); the plan
    itself when no migration names a file."""
    if not any(m.up_file or m.down_file for m in plan.migrations or []):
        return plan
    migrations = [dataclasses.replace(m, up=sql_text(m.up_file) if m.up_file else m.up,
                                      down=sql_text(m.down_file) if m.down_file else m.down)
                  for m in plan.migrations or []]
    return dataclasses.replace(plan, migrations=migrations)
