"""The server database: a SQLite file by default, PostgreSQL (psycopg 3) by URL — one code path."""

from __future__ import annotations

import threading
import weakref
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine, create_engine, event

from app.domain.event import utc_iso
from app.errors import UserError

MIGRATION_LOCK = 0x4175646974  # "Audit": the advisory lock key the server's migrations take on PostgreSQL


def now_iso() -> str:
    return utc_iso(datetime.now(UTC))


def db_url(url_or_file: str | Path) -> str:
    """``postgresql://…`` (psycopg 3 driver implied), ``sqlite:///…``, or a plain file path."""
    text = str(url_or_file)
    if text.startswith(("postgresql://", "postgres://")):
        return "postgresql+psycopg://" + text.split("://", 1)[1]
    if "://" in text:
        return text
    p = Path(text)
    if p.exists() and p.is_dir():
        raise UserError(f"{p}: is a folder, not a database file")
    if p.parent and not p.parent.exists():
        raise UserError(f"{p.parent}: no such folder")
    return f"sqlite:///{p}"


def _sqlite_connect(dbapi_conn, _record) -> None:
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=FULL")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()


def _sqlite_begin(conn) -> None:
    # Take the write lock at BEGIN so two workers never deadlock on a read-then-write upgrade.
    conn.exec_driver_sql("BEGIN IMMEDIATE")


def _sqlite_read_connect(dbapi_conn, _record) -> None:
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA query_only=1")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()


def _sqlite_read_begin(conn) -> None:
    # A deferred transaction: one consistent WAL snapshot for the whole read, and no write lock.
    conn.exec_driver_sql("BEGIN")


_readers: weakref.WeakKeyDictionary[Engine, Engine] = weakref.WeakKeyDictionary()
_readers_lock = threading.Lock()


def reader(engine: Engine) -> Engine:
    """The engine reads go through: on SQLite a read-only engine of its own (WAL: a long read never holds
    the write lock, so ingest goes on beside it; writes stay serialised by ``BEGIN IMMEDIATE`` on the
    writer); on PostgreSQL the engine itself (MVCC reads never block writers)."""
    if engine.dialect.name != "sqlite":
        return engine
    db = engine.url.database
    if not db or db == ":memory:" or engine.url.query.get("mode") == "memory":
        return engine
    with _readers_lock:
        r = _readers.get(engine)
        if r is None:
            # query_only rather than mode=ro: a read-only open of a WAL file fails once the last writer
            # has closed it and SQLite removed the -shm
            r = create_engine(engine.url, hide_parameters=True)
            event.listen(r, "connect", _sqlite_read_connect)
            event.listen(r, "begin", _sqlite_read_begin)
            _readers[engine] = r
        return r


def read_connection(engine: Engine):
    """A connection for reading only (see ``reader``): ``with read_connection(engine) as conn: …``."""
    return reader(engine).connect()


def make_engine(url_or_file: str | Path) -> Engine:
    url = db_url(url_or_file)
    if url.startswith("sqlite"):
        engine = create_engine(url, hide_parameters=True)
        event.listen(engine, "connect", _sqlite_connect)
        event.listen(engine, "begin", _sqlite_begin)
    else:
        engine = create_engine(url, hide_parameters=True, pool_pre_ping=True, pool_size=5, max_overflow=5)
    return engine


def open_server_db(url_or_file: str | Path, migrate: bool = True) -> Engine:
    """Open the server database and bring its schema to the newest revision."""
    from app.server import migrations

    engine = make_engine(url_or_file)
    if migrate:
        try:
            with engine.begin() as conn:
                if conn.dialect.name == "postgresql":  # two hosts starting at once: one migrates, the other waits
                    conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK})")
                migrations.upgrade(conn)
        except Exception as e:
            if isinstance(e, UserError):
                raise
            raise UserError(f"server database {safe_url(url_or_file)}: cannot open or migrate "
                            f"({e.__class__.__name__}: {str(e).splitlines()[0][:200]})") from None
    return engine


def safe_url(url_or_file: str | Path) -> str:
    """The database address without a password, for messages and logs."""
    text = str(url_or_file)
    if "://" in text and "@" in text:
        scheme, rest = text.split("://", 1)
        creds, host = rest.rsplit("@", 1)
        return f"{scheme}://{creds.split(':', 1)[0]}:***@{host}"
    return text
