"""``verify`` without writing a byte: what a file is, and whether its event log is whole.

The check opens the database read-only (SQLite URI ``mode=ro``; ``immutable=1`` when no
-wal file is beside it, so not even a -wal/-shm pair is created) and never creates or
migrates anything. It tells apart:

- a file that is no Auditoria database (empty, not SQLite, SQLite of another program) — a
  wrong file, said in one line;
- a damaged Auditoria database (SQLite damaged, our tables missing) — a finding;
- a database of a newer schema than this program knows;
- and for a sound one: SQLite's integrity check, the append-only guard triggers, every
  station's hash chain, and the head against its anchor outside the database (app/store/anchor.py).
"""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from app.domain.event import chain_problems
from app.errors import UserError
from app.store import anchor as anchors
from app.store.guards import GUARDS, missing_guards

SQLITE_MAGIC = b"SQLite format 3\x00"
OUR_TABLES = ("meta", "events", "alembic_version")


class NotAuditoria(UserError):
    """The file is not an Auditoria database at all (a wrong file, not a damaged one)."""


class DamagedDatabase(UserError):
    """An Auditoria database that SQLite cannot read whole."""


def sniff(path: str | Path) -> None:
    """Raise NotAuditoria for a file that cannot be a station database (checked before SQLite opens it).

    SQLite happily treats a 0- or 1-byte file as an empty database and would write a fresh
    schema into it; a wrong file must be refused instead.
    """
    p = Path(path)
    size = p.stat().st_size
    if size == 0:
        raise NotAuditoria(f"{p}: empty file (0 bytes): not an Auditoria database")
    with p.open("rb") as fh:
        head = fh.read(len(SQLITE_MAGIC))
    if head != SQLITE_MAGIC:
        if SQLITE_MAGIC.startswith(head):
            raise DamagedDatabase(f"{p}: damaged: only the first {size} byte(s) of an SQLite database are there")
        raise NotAuditoria(f"{p}: not an SQLite database ({size} bytes): not an Auditoria database")
    if size < 512:
        raise DamagedDatabase(f"{p}: damaged: an SQLite database cut short ({size} bytes)")


def readonly_uri(path: str | Path) -> str:
    p = Path(path).resolve()
    wal = Path(str(p) + "-wal")
    flags = "mode=ro" if wal.exists() else "mode=ro&immutable=1"
    return f"file:{quote(str(p))}?{flags}"


def connect_readonly(path: str | Path) -> sqlite3.Connection:
    return sqlite3.connect(readonly_uri(path), uri=True, isolation_level=None)


def known_revisions() -> set[str]:
    """Revision ids of the migrations this program carries (read from the version files, no Alembic)."""
    import re

    from app.store.migrations import VERSIONS

    out = set()
    for f in VERSIONS.glob("*.py"):
        m = re.search(r'^revision\s*=\s*["\']([^"\']+)["\']', f.read_text(encoding="utf-8"), re.M)
        if m:
            out.add(m.group(1))
    return out


@dataclass
class VerifyReport:
    path: str
    events: int = 0
    revision: str | None = None
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_dict(self) -> dict:
        return {"ok": self.ok, "events": self.events, "revision": self.revision, "problems": self.problems,
                "warnings": self.warnings}


def classify(conn: sqlite3.Connection, p: Path) -> str | None:
    """The schema revision of an Auditoria database; raises NotAuditoria / DamagedDatabase otherwise."""
    try:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    except sqlite3.DatabaseError as e:
        raise DamagedDatabase(f"{p}: damaged SQLite database ({e})") from None
    if not tables:
        raise NotAuditoria(f"{p}: an SQLite database with no tables: not an Auditoria database")
    ours = [t for t in OUR_TABLES if t in tables]
    if not ours:
        shown = ", ".join(sorted(tables)[:5])
        raise NotAuditoria(f"{p}: an SQLite database of another program (tables {shown}): not an Auditoria "
                           "database")
    if len(ours) < len(OUR_TABLES):
        missing = ", ".join(t for t in OUR_TABLES if t not in tables)
        raise DamagedDatabase(f"{p}: damaged Auditoria database: table(s) {missing} missing")
    try:
        row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.DatabaseError as e:
        raise DamagedDatabase(f"{p}: damaged Auditoria database ({e})") from None
    return row[0] if row else None


def verify_file(path: str | Path) -> VerifyReport:
    """Check a station database without changing it; raises UserError for a file that is not one."""
    from app.store.eventlog import _COLUMNS, _event
    from app.store.migrations import HEAD

    p = Path(path)
    if not p.exists():
        raise UserError(f"{p}: no such database")
    if p.is_dir():
        raise UserError(f"{p}: is a folder, not a database file")
    if not os.access(p, os.R_OK):
        raise UserError(f"{p}: cannot be read (permissions)")
    sniff(p)
    rep = VerifyReport(str(p))
    conn = connect_readonly(p)
    try:
        rep.revision = classify(conn, p)
        if rep.revision not in known_revisions():
            raise UserError(f"{p}: made by a newer Auditoria (schema {rep.revision}; this one knows up to {HEAD}): "
                            "verify it with that version")
        check = conn.execute("PRAGMA integrity_check").fetchall()
        if [r[0] for r in check] != ["ok"]:
            rep.problems.append(f"database integrity: {check[0][0]}")
        required = tuple(GUARDS) if rep.revision == HEAD else ("events_no_update", "events_no_delete")
        rep.problems += missing_guards(conn, required)
        if rep.revision != HEAD:
            rep.warnings.append(f"schema {rep.revision} is older than {HEAD}: opening it for writing upgrades it")
        rep.problems += _chains(conn, _COLUMNS, _event)
        rep.events = int(conn.execute("SELECT count(*) FROM events").fetchone()[0])
        meta = dict(conn.execute("SELECT key, value FROM meta WHERE key IN ('station_id')").fetchall())
        _check_anchor(conn, p, meta.get("station_id", ""), rep)
    except sqlite3.DatabaseError as e:
        raise DamagedDatabase(f"{p}: damaged Auditoria database ({e})") from None
    finally:
        conn.close()
    return rep


def _chains(conn: sqlite3.Connection, columns, to_event) -> list[str]:
    sql = f"SELECT {', '.join(columns)} FROM events ORDER BY station, seq"
    return chain_problems(to_event(row) for row in conn.execute(sql))


def _check_anchor(conn: sqlite3.Connection, p: Path, station: str, rep: VerifyReport) -> None:
    row = conn.execute("SELECT seq, hash FROM events WHERE station=? ORDER BY seq DESC LIMIT 1",
                       (station,)).fetchone()
    head_seq = int(row[0]) if row else 0
    try:
        a = anchors.read_anchor(p)
    except anchors.AnchorDamaged:
        rep.problems.append(f"{anchors.anchor_path(p).name}: the head anchor is damaged")
        return
    if a is None:
        if head_seq:
            rep.warnings.append(f"no head anchor ({anchors.anchor_path(p).name}) beside the database: deleted "
                                "events at the end of the chain could not be noticed")
        return
    if a.station != station:
        rep.problems.append(f"the head anchor belongs to station {a.station}, not to this database's {station}")
        return
    pk = anchors.station_sign_pk(p)
    if a.signature:
        if pk is not None and not a.signed_by(pk):
            rep.problems.append("the head anchor's signature does not verify with the station key: it was forged")
            return
        if pk is None and not (a.sign_pk and a.signed_by(anchors._unb64(a.sign_pk))):
            rep.problems.append("the head anchor's signature does not verify: it was forged")
            return
    elif pk is not None:
        rep.warnings.append("the head anchor is not signed although the station has a key")
    if head_seq < a.seq:
        rep.problems.append(f"station {station}: the database ends at #{head_seq} but its anchor records #{a.seq}: "
                            "events were deleted from the end, or an older copy was put back")
        return
    held = conn.execute("SELECT hash FROM events WHERE station=? AND seq=?", (station, a.seq)).fetchone()
    if a.seq and (held is None or held[0] != a.hash):
        rep.problems.append(f"station {station}: event #{a.seq} is not the one anchored: the chain was rewritten "
                            "(forked from its anchor)")
        return
    if head_seq > a.seq:
        n = head_seq - a.seq
        rep.warnings.append(f"station {station}: {n} event(s) after the anchored head #{a.seq} (written just before "
                            "a crash, or appended by something else)")
