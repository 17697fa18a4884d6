"""PostgreSQL migrations read with pglast: libpg_query, the parser PostgreSQL itself
uses (and squawk builds on), so ``ALTER TABLE t RENAME a TO b`` is the column
rename it is, and nothing is left unread."""

from __future__ import annotations

from collections.abc import Iterator

from pglast import ast, parse_sql
from pglast.enums import AlterTableType, ConstrType, ObjectType
from pglast.parser import ParseError

from ...text import quote
from . import Analysis, Effect, SqlFinding

AT = AlterTableType
_BREAKS: Effect = "breaks"
_LOCKS: Effect = "locks"


def _name(relation: ast.RangeVar | None) -> str:
    if relation is None:
        return "?"
    return ".".join(p for p in (relation.schemaname, relation.relname) if p)


def _constraints(column: ast.ColumnDef) -> set[ConstrType]:
    return {c.contype for c in column.constraints or ()
            if isinstance(c, ast.Constraint) and c.contype is not None}


def _table_command(table: str, cmd: ast.AlterTableCmd) -> Iterator[SqlFinding]:
    kind = cmd.subtype
    if kind == AT.AT_DropColumn:
        yield SqlFinding(_BREAKS, "DS103", "ban-drop-column",
                         f"drops column {table}.{cmd.name}")
    elif kind == AT.AT_SetNotNull:
        yield SqlFinding(_BREAKS, "MF104", "adding-not-nullable-field",
                         f"sets NOT NULL on existing column {table}.{cmd.name}")
    elif kind == AT.AT_AlterColumnType:
        yield SqlFinding(_LOCKS, None, "changing-column-type",
                         f"changes the type of {table}.{cmd.name}, which rewrites the table "
                         f"under an exclusive lock")
    elif kind == AT.AT_AddColumn and isinstance(cmd.def_, ast.ColumnDef):
        constraints = _constraints(cmd.def_)
        if ConstrType.CONSTR_NOTNULL in constraints and \
                not constraints & {ConstrType.CONSTR_DEFAULT, ConstrType.CONSTR_IDENTITY,
                                   ConstrType.CONSTR_GENERATED}:
            yield SqlFinding(_BREAKS, "MF103", "adding-required-field",
                             f"adds column {table}.{cmd.def_.colname} NOT NULL without a "
                             f"default")
    elif kind == AT.AT_AddConstraint and isinstance(cmd.def_, ast.Constraint):
        yield from _constraint(table, cmd.def_)


def _constraint(table: str, constraint: ast.Constraint) -> Iterator[SqlFinding]:
    name = quote(constraint.conname) if constraint.conname else "a constraint"
    if constraint.contype == ConstrType.CONSTR_FOREIGN and not constraint.skip_validation:
        yield SqlFinding(_LOCKS, None, "adding-foreign-key-constraint",
                         f"adds foreign key {name} to {table} without NOT VALID, which "
                         f"locks both tables while every row is checked")
    elif constraint.contype == ConstrType.CONSTR_CHECK and not constraint.skip_validation:
        yield SqlFinding(_LOCKS, None, "constraint-missing-not-valid",
                         f"adds check constraint {name} to {table} without NOT VALID, which "
                         f"locks the table while every row is checked")
    elif constraint.contype in (ConstrType.CONSTR_UNIQUE, ConstrType.CONSTR_PRIMARY) \
            and not constraint.indexname:
        yield SqlFinding(_LOCKS, None, "disallowed-unique-constraint",
                         f"adds unique constraint {name} to {table} by building its index "
                         f"under a lock (build the index CONCURRENTLY, then add the "
                         f"constraint USING INDEX)")


def _statement(stmt: ast.Node, created: set[str]) -> Iterator[SqlFinding]:
    if isinstance(stmt, ast.CreateStmt):
        created.add(_name(stmt.relation))
    elif isinstance(stmt, ast.DropStmt):
        names = [".".join(getattr(p, "sval", "?") for p in obj) if isinstance(obj, tuple)
                 else "?" for obj in stmt.objects or ()]
        if stmt.removeType == ObjectType.OBJECT_TABLE:
            yield SqlFinding(_BREAKS, "DS102", "ban-drop-table",
                             f"drops table {', '.join(names)}")
        elif stmt.removeType == ObjectType.OBJECT_INDEX and not stmt.concurrent:
            yield SqlFinding(_LOCKS, None, "require-concurrent-index-deletion",
                             f"drops index {', '.join(names)} without CONCURRENTLY, which "
                             f"blocks reads and writes of its table")
    elif isinstance(stmt, ast.RenameStmt):
        table = _name(stmt.relation)
        if table in created:
            return
        if stmt.renameType == ObjectType.OBJECT_TABLE:
            yield SqlFinding(_BREAKS, "BC101", "renaming-table",
                             f"renames table {table} to {stmt.newname}")
        elif stmt.renameType == ObjectType.OBJECT_COLUMN:
            yield SqlFinding(_BREAKS, "BC102", "renaming-column",
                             f"renames column {table}.{stmt.subname} to {stmt.newname}")
    elif isinstance(stmt, ast.AlterTableStmt) and stmt.objtype == ObjectType.OBJECT_TABLE:
        table = _name(stmt.relation)
        if table not in created:  # a table made by this script serves no traffic yet
            for cmd in stmt.cmds or ():
                if isinstance(cmd, ast.AlterTableCmd):
                    yield from _table_command(table, cmd)
    elif isinstance(stmt, ast.IndexStmt) and not stmt.concurrent \
            and _name(stmt.relation) not in created:
        yield SqlFinding(_LOCKS, None, "require-concurrent-index-creation",
                         f"creates index {stmt.idxname or '(unnamed)'} on "
                         f"{_name(stmt.relation)} without CONCURRENTLY, which blocks writes "
                         f"to the table while it is built")


def analyse(text: str) -> Analysis:
    try:
        statements = parse_sql(text)
    except (ParseError, ValueError, RecursionError) as exc:
        return Analysis("pglast", error=f"does not parse as PostgreSQL: {quote(str(exc), 120)}")
    created: set[str] = set()
    return Analysis("pglast", tuple(f for raw in statements if raw.stmt is not None
                                    for f in _statement(raw.stmt, created)))
