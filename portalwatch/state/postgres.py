"""The crawl state in PostgreSQL, for several workers on several machines sharing one state.

The state classes (RawArchive, Frontier, HealthLog, AlertLog) are written against sqlite3's connection;
PgConnection answers the same calls (qmark parameters, `with` as one transaction, execute returning a
cursor), so their SQL runs unchanged on both: it keeps to what both dialects share (ON CONFLICT upserts,
no INSERT OR REPLACE). The PostgreSQL schema is derived from the SQLite one (every migration applied to
an empty in-memory file, its tables and indexes read back), so the two cannot drift apart.
"""

import hashlib
import re
import sqlite3
from collections.abc import Callable, Iterable, Sequence
from functools import lru_cache
from types import TracebackType
from typing import Any, cast

import psycopg

# Each state file is one schema, versioned by name in this table (SQLite keeps it in PRAGMA user_version).
_VERSIONS = "CREATE TABLE IF NOT EXISTS schema_versions (name TEXT PRIMARY KEY, version INTEGER NOT NULL)"
_QMARK = re.compile(r"\?")
# The version each state file had when it could first live in PostgreSQL: a shared state is upgraded from
# there on (earlier migrations speak SQLite only); a state file with no entry is never upgraded in place.
FIRST_SHARED = {"archive": 3, "alerts": 1}


class StateUnavailable(RuntimeError):
    """The shared state's database cannot be reached; the message is Vietnamese and names the server."""


def is_postgres(target: object) -> bool:
    return isinstance(target, str) and target.startswith(("postgresql://", "postgres://"))


@lru_cache(maxsize=256)  # the state classes run a few dozen distinct statements, over and over
def _pg_sql(sql: str) -> str:
    """sqlite3's qmark parameters as psycopg's; a literal % doubled first."""
    return _QMARK.sub("%s", sql.replace("%", "%%"))


def lock_key(name: str) -> int:
    """A stable signed 64-bit key for an advisory lock named by text."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


def connect(url: str, **options: Any) -> psycopg.Connection[Any]:
    """An autocommit connection, or StateUnavailable saying which server did not answer (never its password)."""
    try:
        return psycopg.connect(url, autocommit=True, connect_timeout=10, **options)
    except psycopg.OperationalError as exc:
        where = psycopg.conninfo.conninfo_to_dict(url)
        raise StateUnavailable(f"Không kết nối được trạng thái dùng chung PostgreSQL ở {where.get('host', '?')}:"
                               f"{where.get('port', 5432)}/{where.get('dbname', '?')} (PORTALWATCH_STATE_URL): "
                               f"{str(exc).splitlines()[0]}") from exc


class PgConnection:
    """A psycopg connection with sqlite3's interface, as far as the state classes use it."""

    def __init__(self, url: str) -> None:
        # Autocommit outside `with`: a statement on its own is its own transaction, as sqlite3's
        # callers here treat a read. `with` opens a real transaction (nested ones become savepoints).
        self.conn = connect(url)
        self._open: list[Any] = []

    def execute(self, sql: str, parameters: Sequence[Any] = ()) -> psycopg.Cursor[Any]:
        return self.conn.execute(_pg_sql(sql), parameters)

    def executemany(self, sql: str, parameters: Iterable[Sequence[Any]]) -> psycopg.Cursor[Any]:
        cursor = self.conn.cursor()
        cursor.executemany(_pg_sql(sql), parameters)
        return cursor

    def commit(self) -> None:
        """Statements outside `with` are committed as they run: nothing is pending here."""

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> "PgConnection":
        transaction = self.conn.transaction()
        transaction.__enter__()
        self._open.append(transaction)
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self._open.pop().__exit__(kind, error, trace)


def sqlite_schema(migrations: Sequence[Callable[[sqlite3.Connection], None]]) -> list[str]:
    """The current schema as SQLite holds it after every migration, in PostgreSQL's words."""
    memory = sqlite3.connect(":memory:")
    try:
        for migration in migrations:
            migration(memory)
        rows = memory.execute("SELECT type, sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY type DESC, rowid")
        statements = []
        for kind, sql in rows:
            sql = re.sub(r"\bBLOB\b", "BYTEA", sql)
            if kind == "table" and re.match(r"CREATE TABLE (IF NOT EXISTS )?frontier\b", sql):
                # SQLite's implicit rowid orders the frontier as found: PostgreSQL needs it spelled out.
                sql = sql.replace("(", "(rowid BIGSERIAL, ", 1)
            statements.append(sql)
        return statements
    finally:
        memory.close()


def migrate_postgres(db: PgConnection, migrations: Sequence[Callable[[sqlite3.Connection], None]], name: str) -> int:
    """Create the named schema at its current version, once, under an advisory lock (two workers starting
    together create or upgrade it once); one the migrations cannot upgrade is refused with what to do."""
    latest = len(migrations)
    with db:
        db.execute("SELECT pg_advisory_xact_lock(?)", (lock_key(f"portalwatch-schema-{name}"),))
        db.execute(_VERSIONS)
        row = db.execute("SELECT version FROM schema_versions WHERE name = ?", (name,)).fetchone()
        if row is None:
            for statement in sqlite_schema(migrations):
                db.execute(statement)
            db.execute("INSERT INTO schema_versions VALUES (?, ?)", (name, latest))
            return latest
        version = row[0]
        if version > latest or version < FIRST_SHARED.get(name, latest):
            raise RuntimeError(f"Trạng thái {name} trong PostgreSQL có lược đồ phiên bản {version}, chương trình này"
                               f" dùng phiên bản {latest}: hãy dùng cùng một phiên bản portalwatch trên mọi máy.")
        # Migrations after the first shared version are written in SQL both dialects read (state/db.py).
        for number in range(version + 1, latest + 1):
            migrations[number - 1](cast(sqlite3.Connection, db))
        if version != latest:
            db.execute("UPDATE schema_versions SET version = ? WHERE name = ?", (latest, name))
        return latest
