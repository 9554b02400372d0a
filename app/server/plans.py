"""Exam days, rooms and lists on the server: what HQ stations pull and what monitoring projects over.

An HQ pushes its plan (rooms with their real sizes; participants by code, room, seat, school,
ОВЗ — no names) so the server's figures are computed over the same plan as the station's.
Rows the authority uploaded keep their names; only their placement follows the HQ.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import Engine, and_, delete, insert, select, update
from sqlalchemy.exc import IntegrityError as DBIntegrityError

from app.domain.model import DayPlan, ExamDay, ExamPoint, Participant, Room
from app.server import schema as t
from app.server.admin import get_ppe, save_day
from app.server.db import read_connection
from app.server.ingest import Rejected

MAX_SIDE = 50  # rows, and seats in a row: a room of 2,500 seats is already a stadium
MAX_ROOMS = 500
MAX_PARTICIPANTS = 20_000


def _count(v) -> bool:
    return isinstance(v, int) and not isinstance(v, bool) and 1 <= v <= MAX_SIDE


def _text(d: dict, k: str, maxlen: int = 64, required: bool = True) -> str:
    v = d.get(k, "")
    if v is None:
        v = ""
    if not isinstance(v, str) or len(v) > maxlen or (required and not v):
        raise Rejected(422, "malformed", f"plan: field {k!r} missing or invalid")
    return v


def push_plan(engine: Engine, ppe: str, data: dict) -> dict:
    if not isinstance(data, dict):
        raise Rejected(422, "malformed", "plan must be an object")
    day = _text(data, "day", 13)
    try:
        if not ExamDay.from_key(day).subjects:
            raise ValueError(day)
    except ValueError:
        raise Rejected(422, "malformed", f"plan: bad day {day!r}: a plan is for one date and subject, "
                                         f"YYYY-MM-DD/SS") from None
    rooms = data.get("rooms") or []
    people = data.get("participants") or []
    if not isinstance(rooms, list) or not isinstance(people, list):
        raise Rejected(422, "malformed", "plan: rooms and participants must be lists")
    if not people:
        raise Rejected(422, "empty-plan", f"plan of {day}: no participants; an empty plan would zero the exam "
                                          "point's attendance, so it is refused")
    if len(rooms) > MAX_ROOMS or len(people) > MAX_PARTICIPANTS:
        raise Rejected(413, "too-large", f"plan: at most {MAX_ROOMS} rooms and {MAX_PARTICIPANTS} participants")
    room_rows = []
    for r in rooms:
        if not isinstance(r, dict) or not _count(r.get("rows")) or not _count(r.get("seats_per_row")):
            raise Rejected(422, "malformed", f"plan: room {str((r or {}).get('number'))[:8] if isinstance(r, dict) else ''}"
                                             f": rows and seats per row must be whole numbers from 1 to {MAX_SIDE}")
        room_rows.append(dict(ppe=ppe, number=_text(r, "number", 4), rows=r["rows"], seats_per_row=r["seats_per_row"],
                              name=_text(r, "name", 200, required=False)))
    plist = []
    for p in people:
        if not isinstance(p, dict):
            raise Rejected(422, "malformed", "plan: bad participant")
        plist.append(dict(code=_text(p, "code", 20), room=_text(p, "room", 4), seat=_text(p, "seat", 4),
                          school_code=_text(p, "school_code", 6, required=False), ovz=bool(p.get("ovz"))))
    if len({p["code"] for p in plist}) != len(plist):
        raise Rejected(422, "malformed", "plan: a participant code appears twice")
    try:
        with engine.begin() as conn:
            return _store_plan(conn, ppe, day, room_rows, plist)
    except DBIntegrityError:  # two HQs of one exam point pushed the same new day at once: the loser retries
        with engine.begin() as conn:
            return _store_plan(conn, ppe, day, room_rows, plist)


def _store_plan(conn, ppe: str, day: str, room_rows: list[dict], plist: list[dict]) -> dict:
    """Upsert the day row first: on PostgreSQL its row lock serialises two pushes of one exam point's day,
    so the delete-and-insert of its rows below never races (SQLite: BEGIN IMMEDIATE does the same)."""
    _lock_day(conn, ppe, day)
    for r in room_rows:
        _upsert_room(conn, r)
    admin = {r.code for r in conn.execute(select(t.participants.c.code).where(and_(
        t.participants.c.ppe == ppe, t.participants.c.day == day, t.participants.c.source == "admin")))}
    conn.execute(delete(t.participants).where(and_(t.participants.c.ppe == ppe, t.participants.c.day == day,
                                                   t.participants.c.source == "hq")))
    fresh = []
    for p in plist:
        if p["code"] in admin:
            conn.execute(update(t.participants).where(and_(
                t.participants.c.ppe == ppe, t.participants.c.day == day, t.participants.c.code == p["code"]))
                .values(room=p["room"], seat=p["seat"], school_code=p["school_code"], ovz=p["ovz"]))
        else:
            fresh.append(dict(ppe=ppe, day=day, **p, last_name="", first_name="", middle_name="",
                              document_series="", document_number="", source="hq"))
    if fresh:
        conn.execute(insert(t.participants), fresh)
    from app.server.figures import rebuild_day

    rebuild_day(conn, ppe, day)  # a new plan: that day's stored figures are recomputed from the log
    from app.server.results_rooms import plan_changed

    plan_changed(conn, ppe, day)  # and the room sums of results already held for that day
    return {"day": day, "rooms": len(room_rows), "participants": len(plist)}


def _lock_day(conn, ppe: str, day: str) -> None:
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        from app.server.db import now_iso

        d = ExamDay.from_key(day)
        conn.execute(pg_insert(t.days).values(ppe=ppe, key=day, date=d.date.isoformat(), subject_code=d.subjects[0],
                                              list_sha256="", updated_at=now_iso())
                     .on_conflict_do_update(index_elements=["ppe", "key"], set_={"updated_at": now_iso()}))
        return
    save_day(conn, ppe, day)


def _upsert_room(conn, r: dict) -> None:
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as up
    else:
        from sqlalchemy.dialects.sqlite import insert as up
    q = up(t.rooms).values(**r)
    conn.execute(q.on_conflict_do_update(index_elements=["ppe", "number"], set_={
        "rows": q.excluded.rows, "seats_per_row": q.excluded.seats_per_row, "name": q.excluded.name}))


def list_days(engine: Engine, ppe: str | None = None) -> list[dict]:
    q = select(t.days).order_by(t.days.c.key, t.days.c.ppe)
    if ppe:
        q = q.where(t.days.c.ppe == ppe)
    with read_connection(engine) as conn:
        return [{"ppe": r.ppe, "day": r.key, "date": r.date, "subject_code": r.subject_code,
                 "list_sha256": r.list_sha256} for r in conn.execute(q)]


def get_list(engine: Engine, ppe: str, day: str) -> dict:
    """The authority's distribution list of a day for an exam point (personal data: signed, TLS-only use)."""
    with read_connection(engine) as conn:
        drow = conn.execute(select(t.days).where(and_(t.days.c.ppe == ppe, t.days.c.key == day))).first()
        if drow is None:
            raise Rejected(404, "no-day", f"no exam day {day} for exam point {ppe}")
        people = conn.execute(select(t.participants).where(and_(
            t.participants.c.ppe == ppe, t.participants.c.day == day, t.participants.c.source == "admin"))
            .order_by(t.participants.c.room, t.participants.c.code)).all()
        rooms = conn.execute(select(t.rooms).where(t.rooms.c.ppe == ppe).order_by(t.rooms.c.number)).all()
        point = get_ppe(conn, ppe)
    return {"ppe": point.to_dict(), "day": day, "list_sha256": drow.list_sha256,
            "rooms": [{"number": r.number, "rows": r.rows, "seats_per_row": r.seats_per_row, "name": r.name}
                      for r in rooms],
            "participants": [{"code": p.code, "room": p.room, "seat": p.seat, "school_code": p.school_code,
                              "ovz": bool(p.ovz), "last_name": p.last_name, "first_name": p.first_name,
                              "middle_name": p.middle_name, "document_series": p.document_series,
                              "document_number": p.document_number} for p in people]}


def load_plan(conn, ppe: str, day: str) -> DayPlan | None:
    """The plan of one (date, subject) of an exam point: the rooms holding that subject that date."""
    point = get_ppe(conn, ppe)
    if point is None:
        return None
    d = ExamDay.from_key(day)
    subject = d.subjects[0] if d.subjects else ""
    plan = DayPlan(point=ExamPoint(point.region, point.msu, point.code, point.name, point.tz, point.address), day=d)
    for r in conn.execute(select(t.participants).where(and_(t.participants.c.ppe == ppe,
                                                            t.participants.c.day == day))):
        plan.participants[r.code] = Participant(
            code=r.code, last_name=r.last_name, first_name=r.first_name, middle_name=r.middle_name,
            document_series=r.document_series, document_number=r.document_number, school_code=r.school_code,
            room=r.room, seat=r.seat, day=d.key, ovz=bool(r.ovz), subject_code=subject)
    used = {p.room for p in plan.participants.values()}
    for r in conn.execute(select(t.rooms).where(t.rooms.c.ppe == ppe)):
        if r.number in used:
            plan.rooms[r.number] = Room(r.number, r.rows, r.seats_per_row, r.name)
    return plan


def day_date(day: str) -> date:
    return ExamDay.from_key(day).date
