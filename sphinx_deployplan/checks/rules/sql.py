"""destructive-sql and blocking-ddl: migrations neither break the running version
nor lock its tables.

Each migration's ``up`` is read with a real SQL parser (:mod:`..sql`): pglast for
PostgreSQL, sqlglot otherwise.  A migration that runs while the old version
still serves (pre-deploy or in the background) and whose ``up`` is not SQL, or
does not parse, fails ``destructive-sql``: a gate cannot pass what it cannot
read.
"""

from __future__ import annotations

from ...items import migration_ref
from ...model import Migration, Plan
from ...text import quote
from ..record import Check, Context
from ..results import CheckResult, Finding, not_applicable, verdict
from ..sql import Analysis, analyse
from ..wording import complete, lacks

_BESIDE_OLD_VERSION = ("pre-deploy", "background")
_GIVE_SQL = "give the SQL, point up_file at it, or waive"


def _analysis(migration: Migration, context: Context) -> Analysis | None:
    """The migration's ``up`` read in its dialect; None when it gives none."""
    if not migration.up:
        return None
    return analyse(migration.up, migration.dialect or context.settings.sql_dialect)


def destructive_sql(plan: Plan, context: Context) -> CheckResult:
    running = [m for m in complete(plan.migrations) if m.run in _BESIDE_OLD_VERSION]
    if not running:
        return not_applicable("no migration runs while the old version serves traffic")
    satisfied, failed, notes = [], [], []
    for migration in running:
        ref = migration_ref(migration)
        name = quote(migration.name)
        analysis = _analysis(migration, context)
        if analysis is None:
            failed.append(Finding(ref, f"migration {name} runs {migration.run} but has "
                                  f"{lacks(migration, 'up', 'up script', '')}: {_GIVE_SQL}"))
        elif analysis.error:
            failed.append(Finding(ref, f"migration {name} runs {migration.run} but its up "
                                  f"{analysis.error}: {_GIVE_SQL}"))
        elif breaks := analysis.of("breaks"):
            failed.append(Finding(ref, f"migration {name} runs {migration.run} and "
                                  + "; ".join(map(str, breaks))))
        else:
            satisfied.append(ref)
        if analysis is not None and analysis.opaque:
            notes.append(f"migration {name}: {analysis.opaque} statement(s) of its up could "
                         f"not be analysed by {analysis.parser}")
    return verdict(satisfied, failed, details=notes)


def blocking_ddl(plan: Plan, context: Context) -> CheckResult:
    satisfied, failed, notes = [], [], []
    for migration in complete(plan.migrations):
        analysis = _analysis(migration, context)
        if analysis is None:
            continue
        ref = migration_ref(migration)
        if analysis.error:
            notes.append(f"migration {quote(migration.name)}: its up {analysis.error}; "
                         f"not analysed")
        elif locks := analysis.of("locks"):
            failed.append(Finding(ref, f"migration {quote(migration.name)} "
                                  + "; ".join(map(str, locks))))
        else:
            satisfied.append(ref)
    if not (satisfied or failed):
        return not_applicable("no migration gives SQL to analyse" if not notes
                              else "no migration's SQL could be read: " + "; ".join(notes))
    return verdict(satisfied, failed, details=notes)


RULES = (
    Check(
        id="destructive-sql",
        kind="rule",
        title="Migrations that run beside the old version only add",
        met_when="Applies to migrations that run `pre-deploy` or in the `background`. Their "
        "`up` is parsed in the migration's `dialect` (default: `deployplan_sql_dialect`): "
        "with pglast, PostgreSQL's own parser, for `postgres` when it is installed, else "
        "with sqlglot. Unmet when a statement drops or renames a table or column, sets NOT "
        "NULL on an existing column, or adds a NOT NULL column without a default; and "
        "unmet when the `up` is missing, is not SQL or does not parse, since what cannot be "
        "read cannot be shown safe.",
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
        "migration removes (it was stopped, or a previous release stopped using it), or "
        "when the migration is run by a tool whose SQL is not in the repository.",
        waiver_reason="The column has been unread since the previous release.",
        function=destructive_sql,
        upstream="Atlas (`atlas migrate lint`) codes and squawk rule names",
    ),
    Check(
        id="blocking-ddl",
        kind="rule",
        title="Migrations take no long locks and rewrite no table while traffic is served",
        met_when="Applies to every migration whose `up` is SQL (a long lock blocks whichever "
        "version is serving). Unmet for PostgreSQL when a statement creates or drops an "
        "index without `CONCURRENTLY`, adds a foreign key or check constraint without "
        "`NOT VALID`, adds a unique or primary key constraint that builds its own index "
        "(instead of `USING INDEX` an index built concurrently), or changes a column's "
        "type; for MySQL when an `ALTER TABLE` other than adding nullable columns does not "
        "say `ALGORITHM=INPLACE, LOCK=NONE` or `ALGORITHM=INSTANT`, so MySQL may copy the "
        "table. Statements on a table the same script creates are not judged.",
        example="""\
migrations:
  - name: index-orders-status
    type: expand
    run: pre-deploy
    up: CREATE INDEX CONCURRENTLY orders_status_idx ON orders (status_v2)
  - name: orders-customer-fk
    type: expand
    run: pre-deploy
    up: >-
      ALTER TABLE orders ADD CONSTRAINT orders_customer_fk
      FOREIGN KEY (customer_id) REFERENCES customers (id) NOT VALID
""",
        waive_when="Waive it for a table small enough that the lock lasts milliseconds, "
        "or for a migration run in an announced maintenance window.",
        waiver_reason="The lookup table has 40 rows; the lock lasts milliseconds.",
        function=blocking_ddl,
        upstream="squawk rule names (and `mysql-online-ddl`, ours, for MySQL)",
    ),
)
