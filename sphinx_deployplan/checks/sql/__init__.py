"""Migration SQL, read with a real parser, as facts the SQL rules judge.

Each statement of a migration's ``up`` is read into :class:`SqlFinding` s:
what in it *breaks* the version that still runs (a dropped or renamed table
or column, a new required column) and what *locks* or rewrites a table while
traffic is served (an index built without ``CONCURRENTLY``, a constraint
validated in place, a column type change, a MySQL ``ALTER TABLE`` that may copy
the table).  Findings carry the names the established linters give them:
squawk's rule names and Atlas' codes.

PostgreSQL is read with pglast (libpg_query: PostgreSQL's own parser) when it
is installed (``pip install sphinx-deployplan[postgres]``), else with sqlglot,
which also reads every other dialect.  The parsers are imported on first use:
the CLI and the loader start without them.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Literal

Effect = Literal["breaks", "locks"]

#: What a script must start with to be read as SQL at all (not a tool command or prose).
SQL_START = re.compile(r"^\s*(?:--[^\n]*\n\s*)*(ALTER|CREATE|DROP|RENAME|UPDATE|INSERT|DELETE|"
                       r"TRUNCATE|COMMENT|GRANT|REVOKE|WITH|SELECT|BEGIN|START|SET|COMMIT)\b",
                       re.IGNORECASE)


@dataclass(frozen=True)
class SqlFinding:
    effect: Effect
    atlas: str | None  # Atlas lint code, where Atlas has one
    squawk: str  # squawk rule name (or ours, for MySQL's copying ALTER TABLE)
    what: str

    def __str__(self) -> str:
        names = "/".join(n for n in (self.atlas, self.squawk) if n)
        return f"{self.what} [{names}]"


@dataclass(frozen=True)
class Analysis:
    """What a script does, or why it could not be read (``error``)."""

    parser: str
    findings: tuple[SqlFinding, ...] = ()
    error: str | None = None
    opaque: int = 0  # statements the parser read only as text (sqlglot's Command)

    def of(self, effect: Effect) -> list[SqlFinding]:
        return [f for f in self.findings if f.effect == effect]


def pglast_available() -> bool:
    try:
        import pglast  # noqa: F401
    except ImportError:
        return False
    return True


@functools.lru_cache(maxsize=64)  # both SQL rules read each script: parse it once
def analyse(text: str, dialect: str) -> Analysis:
    """Read a migration script in ``dialect``."""
    if not SQL_START.match(text):
        return Analysis("none", error="is not SQL (it does not start with a SQL statement)")
    if dialect == "postgres" and pglast_available():
        from . import postgres

        return postgres.analyse(text)
    from . import generic

    return generic.analyse(text, dialect)


def load_parsers(dialect: str) -> None:
    """Import the parser of ``dialect`` now: processes forked afterwards inherit it instead
    of each importing it again (~0.2 s per process)."""
    analyse("SELECT 1", dialect)
