"""Opening a station database: SQLite in WAL mode with synchronous=FULL, migrated to head.

Every commit is on disk before it returns, so a mark is durable before the screen says so.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, text

from app.errors import UserError
from app.privacy import private_database
from app.store import migrations


def _on_connect(dbapi_conn: sqlite3.Connection, _record) -> None:
    # Manage transactions ourselves (BEGIN / BEGIN IMMEDIATE) instead of pysqlite's guesses.
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=FULL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.close()


def _on_begin(conn) -> None:
    conn.exec_driver_sql("BEGIN")


def make_engine(path: str | Path) -> Engine:
    """An engine for writing: the file (made 0600 first if new) and its -wal/-shm are owner-only."""
    private_database(path)
    engine = create_engine(f"sqlite:///{Path(path)}", hide_parameters=True)
    event.listen(engine, "connect", _on_connect)
    event.listen(engine, "begin", _on_begin)
    return engine


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        has = conn.exec_driver_sql(
            "SELECT 1 FROM sqlite_master WHERE type='table' AND name='alembic_version'").first()
        if not has:
            return None
        row = conn.exec_driver_sql("SELECT version_num FROM alembic_version").first()
        return row[0] if row else None


def open_engine(path: str | Path, create: bool = False, target: str = "head") -> Engine:
    """Open (and if needed migrate) a station database; ``create`` allows a new file."""
    p = Path(path)
    if not create and not p.exists():
        raise UserError(f"{p}: no such database (create it with: auditoria init --db {p})")
    if p.exists() and p.is_dir():
        raise UserError(f"{p}: is a folder, not a database file")
    if p.exists() and (not create or p.stat().st_size > 0):
        from app.store.integrity import sniff

        sniff(p)  # a 0/1-byte or foreign file is refused, never given a fresh schema
    if p.exists() and not create:
        from app.store.integrity import classify, connect_readonly

        ro = connect_readonly(p)  # before any write (journal_mode=WAL would already change the file)
        try:
            classify(ro, p)
        finally:
            ro.close()
    engine = make_engine(p)
    try:
        rev = current_revision(engine)
    except Exception as e:  # already sniffed and classified: the disk or the file is failing
        from app.errors import storage_error

        engine.dispose()
        if (err := storage_error(e, p, mark=False)) is not None:
            raise err from None
        raise UserError(f"{p}: cannot open the database ({e.__class__.__name__})") from None
    if rev != migrations.HEAD or target != "head":
        if rev is None and not create:
            raise UserError(f"{p}: damaged Auditoria database: no schema revision")
        if rev is None and p.exists() and p.stat().st_size > 0:
            with engine.connect() as conn:
                tables = conn.exec_driver_sql("SELECT count(*) FROM sqlite_master WHERE type='table'").scalar()
            if tables:
                raise UserError(f"{p}: not an Auditoria database")
        if rev is not None:
            from app.store.integrity import known_revisions

            if rev not in known_revisions():
                raise UserError(f"{p}: made by a newer Auditoria (schema {rev}; this one knows up to "
                                f"{migrations.HEAD}): open it with that version")
        with engine.begin() as conn:
            migrations.upgrade(conn, target)
    return engine


def check_database(engine: Engine) -> str | None:
    with engine.connect() as conn:
        res = conn.execute(text("PRAGMA integrity_check")).scalar()
    return None if res == "ok" else str(res)
