"""Reading and writing the reference side of a station: exam point, day, rooms, people, settings."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Engine, delete, insert, select

from app.domain.model import DayPlan, ExamDay, ExamPoint, Participant, Room, StaffMember
from app.store import schema as t


def get_meta(engine: Engine, key: str, default: str | None = None) -> str | None:
    with engine.connect() as conn:
        row = conn.execute(select(t.meta.c.value).where(t.meta.c.key == key)).first()
    return row[0] if row else default


def set_meta(conn, key: str, value: str) -> None:
    conn.execute(delete(t.meta).where(t.meta.c.key == key))
    conn.execute(insert(t.meta).values(key=key, value=value))


def save_point(conn, point: ExamPoint) -> None:
    conn.execute(delete(t.exam_point))
    conn.execute(insert(t.exam_point).values(code=point.code, region=point.region, msu=point.msu,
                                             name=point.name, tz=point.tz, address=point.address))


def load_point(engine: Engine) -> ExamPoint | None:
    with engine.connect() as conn:
        row = conn.execute(select(t.exam_point)).first()
    if not row:
        return None
    return ExamPoint(region=row.region, msu=row.msu, code=row.code, name=row.name, tz=row.tz, address=row.address)


def days(engine: Engine) -> list[ExamDay]:
    with engine.connect() as conn:
        rows = conn.execute(select(t.exam_days).order_by(t.exam_days.c.key)).all()
    return [ExamDay(date.fromisoformat(r.date), r.subject_code) for r in rows]


def save_day(conn, day: ExamDay) -> None:
    conn.execute(delete(t.exam_days).where(t.exam_days.c.key == day.key))
    conn.execute(insert(t.exam_days).values(key=day.key, date=day.date.isoformat(), subject_code=day.subject_code))


def save_room(conn, room: Room) -> None:
    conn.execute(delete(t.rooms).where(t.rooms.c.number == room.number))
    conn.execute(insert(t.rooms).values(number=room.number, rows=room.rows, seats_per_row=room.seats_per_row,
                                        name=room.name))


def save_participants(conn, people: list[Participant]) -> None:
    if not people:
        return
    conn.execute(insert(t.participants), [
        dict(day=p.day, code=p.code, room=p.room, seat=p.seat, last_name=p.last_name, first_name=p.first_name,
             middle_name=p.middle_name, document_series=p.document_series, document_number=p.document_number,
             school_code=p.school_code, ovz=p.ovz) for p in people])


def replace_participants(conn, day: str, people: list[Participant]) -> None:
    conn.execute(delete(t.participants).where(t.participants.c.day == day))
    save_participants(conn, people)


def save_staff(conn, members: list[StaffMember]) -> None:
    for m in members:
        conn.execute(delete(t.staff).where(t.staff.c.code == m.code))
    if members:
        conn.execute(insert(t.staff), [
            dict(code=m.code, last_name=m.last_name, first_name=m.first_name, middle_name=m.middle_name,
                 role=m.role, room=m.room, lead=m.lead) for m in members])


def load_plan(engine: Engine, day: ExamDay) -> DayPlan:
    point = load_point(engine)
    if point is None:
        raise LookupError("no exam point in this database")
    plan = DayPlan(point=point, day=day)
    with engine.connect() as conn:
        for r in conn.execute(select(t.rooms)):
            plan.rooms[r.number] = Room(r.number, r.rows, r.seats_per_row, r.name)
        for r in conn.execute(select(t.participants).where(t.participants.c.day == day.key)):
            plan.participants[r.code] = Participant(
                code=r.code, last_name=r.last_name, first_name=r.first_name, middle_name=r.middle_name,
                document_series=r.document_series, document_number=r.document_number, school_code=r.school_code,
                room=r.room, seat=r.seat, day=r.day, ovz=bool(r.ovz))
        for r in conn.execute(select(t.staff)):
            plan.staff[r.code] = StaffMember(r.code, r.last_name, r.first_name, r.middle_name, r.role, r.room,
                                             bool(r.lead))
    return plan
