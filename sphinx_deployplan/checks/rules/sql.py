"""destructive-sql: no migration that runs while the old version still serves
traffic breaks that version.

The ``up`` script of every migration running pre-deploy or in the background is
parsed with sqlglot (a real SQL parser, in the migration's dialect) and each
statement is matched against what breaks a running version.  Findings are named
after the established linters' rules: Atlas (``atlas migrate lint``) codes and
squawk rule names.  Text that is not SQL (a tool command, a description) is
skipped with a note, never an error.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from ...items import migration_ref
from ...model import Migration, Plan
from ..record import Check, Context
from ..results import CheckResult, Finding, not_applicable, verdict

_SQL_START = re.compile(r"^\s*(ALTER|CREATE|DROP|RENAME|UPDATE|INSERT|DELETE|TRUNCATE|"
                        r"COMMENT|GRANT|REVOKE|WITH|SELECT|BEGIN|SET)\b", re.IGNORECASE)


@dataclass(frozen=True)
class SqlFinding:
    atlas: str | None  # Atlas lint code, where Atlas has one
    squawk: str  # squawk rule name
    what: str

    def __str__(self) -> str:
        names = "/".join(n for n in (self.atlas, self.squawk) if n)
        return f"{self.what} [{names}]"


def _name(node) -> str:
    if node is None:
        return "?"
    return getattr(node, "name", None) or node.sql()


def _not_null(constraints) -> tuple[bool, bool]:
    """(declares NOT NULL, has a default) from a column definition's constraints.
    sqlglot parses ``NULL`` as a NotNullColumnConstraint with allow_null: read the flag."""
    from sqlglot import exp

    not_null = default = False
    for constraint in constraints or []:
        kind = constraint.args.get("kind")
        if isinstance(kind, exp.NotNullColumnConstraint) and not kind.args.get("allow_null"):
            not_null = True
        if isinstance(kind, exp.DefaultColumnConstraint):
            default = True
    return not_null, default


def findings(statement) -> list[SqlFinding]:
    """What in one parsed statement breaks the version still running."""
    from sqlglot import exp

    found: list[SqlFinding] = []
    if isinstance(statement, exp.Drop) and str(statement.args.get("kind", "")).upper() == "TABLE":
        tables = ", ".join(_name(t) for t in statement.args.get("tables") or [statement.this])
        found.append(SqlFinding("DS102", "ban-drop-table", f"drops table {tables}"))
    elif isinstance(statement, exp.Command) and str(statement.this).upper() == "RENAME":
        found.append(SqlFinding("BC101", "renaming-table",
                                f"renames a table ({statement.expression.name})"))
    elif isinstance(statement, exp.Alter):
        table = _name(statement.this)
        for action in statement.args.get("actions") or []:
            found.extend(_alter_action(table, action))
    return found


def _alter_action(table: str, action) -> list[SqlFinding]:
    from sqlglot import exp

    if isinstance(action, exp.Drop) and str(action.args.get("kind", "")).upper() == "COLUMN":
        columns = ", ".join(_name(c) for c in action.args.get("tables") or [action.this])
        return [SqlFinding("DS103", "ban-drop-column", f"drops column {table}.{columns}")]
    if isinstance(action, exp.RenameColumn):
        return [SqlFinding("BC102", "renaming-column", f"renames column {table}."
                           f"{_name(action.this)} to {_name(action.args.get('to'))}")]
    if isinstance(action, exp.AlterRename):
        return [SqlFinding("BC101", "renaming-table",
                           f"renames table {table} to {_name(action.this)}")]
    if isinstance(action, exp.AlterColumn):
        out = []
        if action.args.get("dtype") is not None:
            out.append(SqlFinding(None, "changing-column-type", f"changes the type of "
                                  f"{table}.{_name(action.this)} to "
                                  f"{action.args['dtype'].sql()}"))
        if action.args.get("allow_null") is False:
            out.append(SqlFinding("MF104", "adding-not-nullable-field", f"sets NOT NULL on "
                                  f"existing column {table}.{_name(action.this)}"))
        return out
    if isinstance(action, exp.ModifyColumn):  # MySQL MODIFY / CHANGE COLUMN
        column = action.this
        out = []
        if action.args.get("rename_from") is not None:
            out.append(SqlFinding("BC102", "renaming-column", f"renames column {table}."
                                  f"{_name(action.args['rename_from'])} to {_name(column)}"))
        out.append(SqlFinding(None, "changing-column-type", f"redefines the type of "
                              f"{table}.{_name(column)} as {column.args['kind'].sql()}"))
        if _not_null(column.args.get("constraints"))[0]:
            out.append(SqlFinding("MF104", "adding-not-nullable-field", f"makes existing "
                                  f"column {table}.{_name(column)} NOT NULL"))
        return out
    if isinstance(action, exp.ColumnDef):  # ADD COLUMN
        not_null, default = _not_null(action.args.get("constraints"))
        if not_null and not default:
            return [SqlFinding("MF103", "adding-required-field", f"adds column "
                               f"{table}.{_name(action.this)} NOT NULL without a default")]
    return []


def load_parser(dialect: str) -> None:
    """Import sqlglot and its ``dialect`` now: processes forked afterwards inherit them
    instead of each importing them again (~0.2 s per process)."""
    import sqlglot

    sqlglot.Dialect.get_or_raise(dialect)


def analyse(text: str, dialect: str) -> tuple[list[SqlFinding], str | None]:
    """Findings in a migration script, or a note on why it was skipped."""
    if not _SQL_START.match(text):
        return [], "not SQL (a tool command or a description)"
    import sqlglot
    from sqlglot.errors import SqlglotError

    quiet = logging.getLogger("sqlglot")
    level = quiet.level
    quiet.setLevel(logging.ERROR)  # sqlglot logs unsupported syntax it falls back on
    try:
        statements = sqlglot.parse(text, dialect=dialect)
    except (SqlglotError, ValueError, RecursionError):
        return [], f"not parseable as {dialect} SQL"
    finally:
        quiet.setLevel(level)
    out: list[SqlFinding] = []
    for statement in statements:
        if statement is not None:
            out.extend(findings(statement))
    return out, None


def destructive_sql(plan: Plan, context: Context) -> CheckResult:
    running: list[Migration] = [m for m in plan.migrations or []
                                if m.run in ("pre-deploy", "background") and m.up]
    if not running:
        return not_applicable("no migration runs while the old version serves traffic")
    satisfied, failed, notes = [], [], []
    for migration in running:
        dialect = migration.dialect or context.settings.sql_dialect
        found, skipped = analyse(migration.up or "", dialect)
        ref = migration_ref(migration)
        if skipped:
            notes.append(f"migration {migration.name!r}: up is {skipped}; skipped")
            satisfied.append(ref)
        elif found:
            failed.append(Finding(ref, f"migration {migration.name!r} runs {migration.run} "
                                  f"and " + "; ".join(map(str, found))))
        else:
            satisfied.append(ref)
    return verdict(satisfied, failed, details=notes)


RULES = (
    Check(
        id="destructive-sql",
        kind="rule",
        title="Migrations that run beside the old version only add",
        met_when="Applies to migrations that run `pre-deploy` or in the `background` and "
        "have an `up`. An `up` that starts like SQL is parsed with sqlglot in the "
        "migration's `dialect` (default: `deployplan_sql_dialect`). Unmet when a statement "
        "drops or renames a table or column, changes a column's type, sets NOT NULL on an "
        "existing column, or adds a NOT NULL column without a default. An `up` that is not "
        "SQL (a tool command or a description) is skipped with a note.",
        example="""\
migrations:
  - name: add-status-v2
    type: expand
    run: pre-deploy
    up: ALTER TABLE orders ADD COLUMN status_v2 text NULL
  - name: drop-status
    type: contract
    run: post-deploy
    up: ALTER TABLE orders DROP COLUMN status
""",
        waive_when="Waive it only when the old version provably no longer reads what the "
        "migration removes (it was stopped, or a previous release stopped using it).",
        waiver_reason="The column has been unread since the previous release.",
        function=destructive_sql,
        upstream="Atlas (`atlas migrate lint`) codes and squawk rule names",
    ),
)
