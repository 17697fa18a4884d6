"""destructive-sql and blocking-ddl: what each parser reads in migration SQL, and the
rules' verdicts on plans (unreadable SQL fails closed)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml

from sphinx_deployplan.checks import run_checks
from sphinx_deployplan.checks.sql import analyse, generic, postgres
from sphinx_deployplan.loader import load_plan

COMPLETE = Path(__file__).parent / "plans" / "complete.yaml"
TODAY = dt.date(2026, 11, 27)


def findings(sql: str, dialect: str, effect: str | None = None) -> list[str]:
    analysis = analyse(sql, dialect)
    assert analysis.error is None, analysis.error
    return [str(f) for f in analysis.findings if effect is None or f.effect == effect]


def rule(edit, rule_id: str):
    data = yaml.safe_load(COMPLETE.read_text())
    edit(data)
    return run_checks(load_plan(yaml.safe_dump(data, sort_keys=False)), TODAY)[rule_id]


def test_postgres_is_read_with_pglast():
    assert analyse("SELECT 1", "postgres").parser == "pglast"
    assert analyse("SELECT 1", "mysql").parser == "sqlglot"


# --- what breaks the running version ----------------------------------------------------------

BREAKS = [
    ("DROP TABLE orders", "drops table orders [DS102/ban-drop-table]"),
    ("ALTER TABLE orders DROP COLUMN status", "drops column orders.status [DS103/ban-drop-column]"),
    ("ALTER TABLE orders RENAME COLUMN total TO amount",
     "renames column orders.total to amount [BC102/renaming-column]"),
    ("ALTER TABLE orders RENAME TO purchases", "renames table orders to purchases "
     "[BC101/renaming-table]"),
    ("ALTER TABLE orders ADD COLUMN region text NOT NULL",
     "adds column orders.region NOT NULL without a default [MF103/adding-required-field]"),
    ("ALTER TABLE orders ALTER COLUMN region SET NOT NULL",
     "sets NOT NULL on existing column orders.region [MF104/adding-not-nullable-field]"),
]


@pytest.mark.parametrize(("sql", "expected"), BREAKS)
def test_postgres_breaking_statements(sql, expected):
    assert findings(sql, "postgres", "breaks") == [expected]


@pytest.mark.parametrize(("sql", "expected"), BREAKS)
def test_the_sqlglot_fallback_reads_the_same_postgres(sql, expected):
    analysis = generic.analyse(sql, "postgres")
    assert [str(f) for f in analysis.of("breaks")] == [expected]


def test_a_postgres_column_rename_without_column_is_a_column_rename():
    # valid PostgreSQL that sqlglot reads as a table rename; pglast reads it right
    assert findings("ALTER TABLE orders RENAME status TO state", "postgres") == [
        "renames column orders.status to state [BC102/renaming-column]"]


@pytest.mark.parametrize(("sql", "expected"), [
    ("ALTER TABLE orders DROP COLUMN status", "drops column orders.status [DS103/ban-drop-column]"),
    ("RENAME TABLE orders TO purchases",
     "renames a table (TABLE orders TO purchases) [BC101/renaming-table]"),
    ("ALTER TABLE orders CHANGE COLUMN total amount INT",
     "renames column orders.total to amount [BC102/renaming-column]"),
    ("ALTER TABLE orders MODIFY COLUMN region VARCHAR(20) NOT NULL",
     "makes existing column orders.region NOT NULL [MF104/adding-not-nullable-field]"),
    ("ALTER TABLE orders ADD COLUMN region INT NOT NULL",
     "adds column orders.region NOT NULL without a default [MF103/adding-required-field]"),
])
def test_mysql_breaking_statements(sql, expected):
    assert findings(sql, "mysql", "breaks") == [expected]


# --- what locks ---------------------------------------------------------------------------------

LOCKS = [
    ("CREATE INDEX orders_region ON orders (region)", "require-concurrent-index-creation"),
    ("ALTER TABLE orders ADD CONSTRAINT orders_customer_fk FOREIGN KEY (customer_id) "
     "REFERENCES customers (id)", "adding-foreign-key-constraint"),
    ("ALTER TABLE orders ADD CONSTRAINT positive CHECK (total > 0)",
     "constraint-missing-not-valid"),
    ("ALTER TABLE orders ALTER COLUMN total TYPE bigint", "changing-column-type"),
    ("ALTER TABLE orders ADD CONSTRAINT orders_ref_key UNIQUE (ref)",
     "disallowed-unique-constraint"),
]


@pytest.mark.parametrize(("sql", "squawk"), LOCKS)
def test_postgres_locking_statements_are_named_after_squawk(sql, squawk):
    found = analyse(sql, "postgres").of("locks")
    assert [f.squawk for f in found] == [squawk]
    assert str(found[0]).endswith(f"[{squawk}]")
    assert [f.squawk for f in generic.analyse(sql, "postgres").of("locks")] == [squawk]


@pytest.mark.parametrize("sql", [
    "CREATE INDEX CONCURRENTLY orders_region ON orders (region)",
    "ALTER TABLE orders ADD CONSTRAINT orders_customer_fk FOREIGN KEY (customer_id) "
    "REFERENCES customers (id) NOT VALID",
    "ALTER TABLE orders ADD CONSTRAINT positive CHECK (total > 0) NOT VALID",
    "ALTER TABLE orders ADD COLUMN region text NULL",
    "ALTER TABLE orders ADD COLUMN region text NOT NULL DEFAULT 'eu'",
    "ALTER TABLE orders ADD CONSTRAINT orders_ref_key UNIQUE USING INDEX orders_ref_idx",
    "CREATE TABLE audit (id int PRIMARY KEY); CREATE INDEX audit_id ON audit (id)",
])
def test_safe_postgres_forms_raise_nothing(sql):
    assert analyse(sql, "postgres").findings == ()


def test_drop_index_without_concurrently_locks():
    assert [f.squawk for f in analyse("DROP INDEX orders_region", "postgres").findings] == [
        "require-concurrent-index-deletion"]
    assert analyse("DROP INDEX CONCURRENTLY orders_region", "postgres").findings == ()


@pytest.mark.parametrize(("sql", "locks"), [
    ("ALTER TABLE orders ADD INDEX orders_region (region)", True),
    ("ALTER TABLE orders MODIFY COLUMN total BIGINT", True),
    ("ALTER TABLE orders ADD INDEX orders_region (region), ALGORITHM=INPLACE, LOCK=NONE", False),
    ("ALTER TABLE orders ADD COLUMN note TEXT, ALGORITHM=INSTANT", False),
    ("ALTER TABLE orders ADD COLUMN note TEXT NULL", False),
])
def test_mysql_alter_table_that_may_copy_the_table(sql, locks):
    found = [f.squawk for f in analyse(sql, "mysql").of("locks")]
    if locks:
        assert "mysql-online-ddl" in found
    else:
        assert found == []


@pytest.mark.parametrize("text", [
    "batched UPDATE orders SET status_v2 = status, 10k rows per batch",
    "goose -dir db/migrations up",
])
def test_prose_and_tool_commands_are_not_sql(text):
    assert analyse(text, "postgres").error.startswith("is not SQL")


def test_sql_that_does_not_parse_says_so():
    analysis = analyse("ALTER TABLE ((( nonsense", "postgres")
    assert analysis.error.startswith("does not parse as PostgreSQL: 'syntax error")
    assert generic.analyse("ALTER TABLE ((( nonsense", "mysql").error.startswith(
        "does not parse as mysql SQL")


def test_pglast_reader_survives_hostile_text():
    for text in ["SELECT " + "(" * 5000 + "1" + ")" * 5000, "\x00\x1b[31m", "ALTER" * 10000]:
        analysis = postgres.analyse(text)
        assert analysis.error or analysis.findings == ()


# --- the rules on plans -------------------------------------------------------------------------


def test_destructive_sql_on_a_plan():
    def edit(d):
        d["migrations"][0]["up"] = "ALTER TABLE t DROP COLUMN old; ALTER TABLE t ADD COLUMN c int"
    result = rule(edit, "destructive-sql")
    assert result.status == "unmet"
    assert result.summary == ("migration 'add-col' runs pre-deploy and drops column t.old "
                              "[DS103/ban-drop-column]")
    # a post-deploy contract migration may drop: it runs after the old version is gone
    assert rule(lambda d: None, "destructive-sql").status == "met"


@pytest.mark.parametrize("up", ["run the backfill job from the admin UI",
                                "ALTER TABLE ((( nonsense"])
def test_destructive_sql_fails_closed_on_sql_it_cannot_read(up):
    def edit(d):
        d["migrations"][0]["up"] = up
    result = rule(edit, "destructive-sql")
    assert result.status == "unmet"
    assert result.summary.startswith("migration 'add-col' runs pre-deploy but its up ")
    assert result.summary.endswith(": give the SQL, point up_file at it, or waive")


def test_destructive_sql_fails_closed_without_an_up():
    def edit(d):
        del d["migrations"][0]["up"]
    assert rule(edit, "destructive-sql").summary == (
        "migration 'add-col' runs pre-deploy but has no up script: give the SQL, point "
        "up_file at it, or waive")


def test_destructive_sql_uses_the_migration_dialect():
    def edit(d):
        d["migrations"][0].update(up="RENAME TABLE t TO u", dialect="mysql")
    assert "renaming-table" in rule(edit, "destructive-sql").summary


def test_blocking_ddl_on_a_plan():
    def edit(d):
        d["migrations"][0]["up"] = "CREATE INDEX t_c ON t (c)"
    result = rule(edit, "blocking-ddl")
    assert result.status == "unmet"
    assert result.summary == ("migration 'add-col' creates index t_c on t without "
                              "CONCURRENTLY, which blocks writes to the table while it is "
                              "built [require-concurrent-index-creation]")
    assert rule(lambda d: None, "blocking-ddl").status == "met"


def test_blocking_ddl_can_be_waived():
    def edit(d):
        d["migrations"][0]["up"] = "CREATE INDEX t_c ON t (c)"
        d["waivers"] = [{"check": "blocking-ddl", "reason": "tiny table",
                         "approved_by": "dba", "until": "2027-01-01"}]
    assert rule(edit, "blocking-ddl").status == "waived"
