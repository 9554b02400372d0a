"""Where each event has got to: recorded in the room → at HQ → at the municipal server.

On the HQ station every event in its database is at HQ; ``event_status`` adds when and by
which package it arrived, and ``sent_at`` once the municipal server acknowledged it. The
sync client (app/sync) calls ``unsent`` to build its outbox and ``mark_sent`` after the
server's acknowledgement.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from sqlalchemy import Engine, text

from app.domain.event import Event, utc_iso

ROOM, HQ, SERVER = "room", "hq", "server"


def mark_arrived(conn, events: Iterable[Event], package: str | None, at: str) -> None:
    """Record that these events reached HQ (in a package, or recorded at HQ itself)."""
    rows = [{"id": e.id, "station": e.station, "seq": e.seq, "at": at, "pkg": package} for e in events]
    if rows:
        conn.execute(text("INSERT OR IGNORE INTO event_status (event_id, station, seq, at_hq, package, sent_at)"
                          " VALUES (:id, :station, :seq, :at, :pkg, NULL)"), rows)


def mark_sent(engine: Engine, event_ids: Iterable[str], at: datetime | None = None) -> int:
    """Mark events as acknowledged by the municipal server; returns how many changed."""
    when = utc_iso(at or datetime.now(UTC))
    ids = list(event_ids)
    if not ids:
        return 0
    n = 0
    with engine.begin() as conn:
        for i in range(0, len(ids), 500):
            chunk = ids[i:i + 500]
            marks = ",".join(f":i{j}" for j in range(len(chunk)))
            params = {f"i{j}": v for j, v in enumerate(chunk)}
            conn.execute(text(
                "INSERT OR IGNORE INTO event_status (event_id, station, seq, at_hq, package, sent_at) "
                f"SELECT id, station, seq, NULL, NULL, NULL FROM events WHERE id IN ({marks})"), params)
            res = conn.execute(text(f"UPDATE event_status SET sent_at=:at WHERE sent_at IS NULL AND event_id IN"
                                    f" ({marks})"), {**params, "at": when})
            n += res.rowcount or 0
    return n


def unsent(engine: Engine, limit: int | None = None) -> list[Event]:
    """Events the municipal server has not acknowledged yet, by station and sequence."""
    from app.store.eventlog import _COLUMNS, _event

    sql = (f"SELECT {', '.join('e.' + c for c in _COLUMNS)} FROM events e LEFT JOIN event_status s "
           "ON s.event_id = e.id WHERE s.sent_at IS NULL ORDER BY e.station, e.seq")
    if limit:
        sql += f" LIMIT {int(limit)}"
    with engine.connect() as conn:
        return [_event(tuple(r)) for r in conn.exec_driver_sql(sql).all()]


def status_of(engine: Engine, station_role: str, event_ids: Iterable[str] | None = None) -> dict[str, str]:
    """{event id: room | hq | server} as seen from this station."""
    sql = "SELECT e.id, s.sent_at FROM events e LEFT JOIN event_status s ON s.event_id = e.id"
    with engine.connect() as conn:
        rows = conn.exec_driver_sql(sql).all()
    wanted = set(event_ids) if event_ids is not None else None
    here = HQ if station_role == "hq" else ROOM
    return {eid: (SERVER if sent else here) for eid, sent in rows if wanted is None or eid in wanted}


def counts(engine: Engine, station_role: str) -> dict[str, int]:
    out = {ROOM: 0, HQ: 0, SERVER: 0}
    for v in status_of(engine, station_role).values():
        out[v] += 1
    return out
