"""Migrations read with sqlglot: every dialect but PostgreSQL with pglast installed.

sqlglot leaves statements it does not know as opaque ``Command`` s; those are
counted, not judged.  Known limit: without pglast, sqlglot reads PostgreSQL's
``ALTER TABLE t RENAME a TO b`` (a column rename) as a table rename.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError

from ...text import quote
from . import Analysis, Effect, SqlFinding

_BREAKS: Effect = "breaks"
_LOCKS: Effect = "locks"
#: Dialects whose locking rules are PostgreSQL's (the fallback without pglast).
_POSTGRES_LIKE = {"postgres"}


def _name(node: exp.Expression | None) -> str:
    if node is None:
        return "?"
    return getattr(node, "name", None) or node.sql()


def _not_null(constraints: list[exp.Expression] | None) -> tuple[bool, bool]:
    """(declares NOT NULL, has a default) from a column definition's constraints.
    sqlglot parses ``NULL`` as a NotNullColumnConstraint with allow_null: read the flag."""
    not_null = default = False
    for constraint in constraints or []:
        kind = constraint.args.get("kind")
        if isinstance(kind, exp.NotNullColumnConstraint) and not kind.args.get("allow_null"):
            not_null = True
        if isinstance(kind, exp.DefaultColumnConstraint):
            default = True
    return not_null, default


def _alter_action(table: str, action: exp.Expression) -> Iterator[SqlFinding]:
    if isinstance(action, exp.Drop) and str(action.args.get("kind", "")).upper() == "COLUMN":
        columns = ", ".join(_name(c) for c in action.args.get("tables") or [action.this])
        yield SqlFinding(_BREAKS, "DS103", "ban-drop-column", f"drops column {table}.{columns}")
    elif isinstance(action, exp.RenameColumn):
        yield SqlFinding(_BREAKS, "BC102", "renaming-column", f"renames column {table}."
                         f"{_name(action.this)} to {_name(action.args.get('to'))}")
    elif isinstance(action, exp.AlterRename):
        yield SqlFinding(_BREAKS, "BC101", "renaming-table",
                         f"renames table {table} to {_name(action.this)}")
    elif isinstance(action, exp.AlterColumn):
        if action.args.get("dtype") is not None:
            yield SqlFinding(_LOCKS, None, "changing-column-type", f"changes the type of "
                             f"{table}.{_name(action.this)} to {action.args['dtype'].sql()}, "
                             f"which rewrites the table under a lock")
        if action.args.get("allow_null") is False:
            yield SqlFinding(_BREAKS, "MF104", "adding-not-nullable-field", f"sets NOT NULL "
                             f"on existing column {table}.{_name(action.this)}")
    elif isinstance(action, exp.ModifyColumn):  # MySQL MODIFY / CHANGE COLUMN
        column = action.this
        if action.args.get("rename_from") is not None:
            yield SqlFinding(_BREAKS, "BC102", "renaming-column", f"renames column {table}."
                             f"{_name(action.args['rename_from'])} to {_name(column)}")
        yield SqlFinding(_LOCKS, None, "changing-column-type", f"redefines the type of "
                         f"{table}.{_name(column)} as {column.args['kind'].sql()}, which "
                         f"rewrites the table")
        if _not_null(column.args.get("constraints"))[0]:
            yield SqlFinding(_BREAKS, "MF104", "adding-not-nullable-field", f"makes existing "
                             f"column {table}.{_name(column)} NOT NULL")
    elif isinstance(action, exp.ColumnDef):  # ADD COLUMN
        not_null, default = _not_null(action.args.get("constraints"))
        if not_null and not default:
            yield SqlFinding(_BREAKS, "MF103", "adding-required-field", f"adds column "
                             f"{table}.{_name(action.this)} NOT NULL without a default")


def _postgres_locks(statement: exp.Expression, table: str) -> Iterator[SqlFinding]:
    """PostgreSQL's long locks, for the fallback without pglast."""
    if isinstance(statement, exp.Create) and str(statement.args.get("kind")).upper() == "INDEX" \
            and not statement.args.get("concurrently"):
        index = statement.this
        yield SqlFinding(_LOCKS, None, "require-concurrent-index-creation",
                         f"creates index {_name(index)} on {_name(index.args.get('table'))} "
                         f"without CONCURRENTLY, which blocks writes to the table while it "
                         f"is built")
    if not isinstance(statement, exp.Alter):
        return
    not_valid = bool(statement.args.get("not_valid"))
    for action in statement.args.get("actions") or []:
        if not isinstance(action, exp.AddConstraint):
            continue
        for part in action.find_all(exp.ForeignKey, exp.CheckColumnConstraint,
                                    exp.UniqueColumnConstraint, exp.PrimaryKey):
            if isinstance(part, exp.ForeignKey) and not not_valid:
                yield SqlFinding(_LOCKS, None, "adding-foreign-key-constraint",
                                 f"adds a foreign key to {table} without NOT VALID, which "
                                 f"locks both tables while every row is checked")
            elif isinstance(part, exp.CheckColumnConstraint) and not not_valid:
                yield SqlFinding(_LOCKS, None, "constraint-missing-not-valid",
                                 f"adds a check constraint to {table} without NOT VALID, "
                                 f"which locks the table while every row is checked")
            elif isinstance(part, exp.UniqueColumnConstraint | exp.PrimaryKey):
                yield SqlFinding(_LOCKS, None, "disallowed-unique-constraint",
                                 f"adds a unique constraint to {table} by building its index "
                                 f"under a lock")


def _mysql_locks(statement: exp.Expression, table: str) -> Iterator[SqlFinding]:
    """An ALTER TABLE that MySQL may run by copying the table: anything but nullable
    columns added (instant since 8.0) without ALGORITHM=INPLACE, LOCK=NONE or
    ALGORITHM=INSTANT."""
    if not isinstance(statement, exp.Alter):
        return
    options = {type(o).__name__: o.name.upper() for o in statement.args.get("options") or []}
    algorithm, lock = options.get("AlgorithmProperty"), options.get("LockProperty")
    if algorithm == "INSTANT" or (algorithm == "INPLACE" and lock == "NONE"):
        return
    actions = statement.args.get("actions") or []
    if all(isinstance(a, exp.ColumnDef) and not _not_null(a.args.get("constraints"))[0]
           for a in actions):
        return
    yield SqlFinding(_LOCKS, None, "mysql-online-ddl",
                     f"alters table {table} without ALGORITHM=INPLACE, LOCK=NONE (or "
                     f"ALGORITHM=INSTANT), so MySQL may copy the table and block writes")


def _statement(statement: exp.Expression, dialect: str) -> Iterator[SqlFinding]:
    table = _name(statement.this) if isinstance(statement, exp.Alter) else "?"
    if isinstance(statement, exp.Drop) and str(statement.args.get("kind", "")).upper() == "TABLE":
        tables = ", ".join(_name(t) for t in statement.args.get("tables") or [statement.this])
        yield SqlFinding(_BREAKS, "DS102", "ban-drop-table", f"drops table {tables}")
    elif isinstance(statement, exp.Command) and str(statement.this).upper() == "RENAME":
        yield SqlFinding(_BREAKS, "BC101", "renaming-table",
                         f"renames a table ({statement.expression.name})")
    elif isinstance(statement, exp.Alter):
        for action in statement.args.get("actions") or []:
            yield from _alter_action(table, action)
    if dialect in _POSTGRES_LIKE:
        yield from _postgres_locks(statement, table)
    elif dialect == "mysql":
        yield from _mysql_locks(statement, table)


def analyse(text: str, dialect: str) -> Analysis:
    quiet = logging.getLogger("sqlglot")
    level = quiet.level
    quiet.setLevel(logging.ERROR)  # sqlglot logs unsupported syntax it falls back on
    try:
        statements = sqlglot.parse(text, dialect=dialect)
    except (SqlglotError, ValueError, RecursionError) as exc:
        return Analysis("sqlglot", error=f"does not parse as {dialect} SQL: "
                                         f"{quote(str(exc).splitlines()[0], 120)}")
    finally:
        quiet.setLevel(level)
    found = [s for s in statements if isinstance(s, exp.Expression)]
    opaque = sum(isinstance(s, exp.Command) and str(s.this).upper() != "RENAME" for s in found)
    return Analysis("sqlglot", tuple(f for s in found for f in _statement(s, dialect)),
                    opaque=opaque)
