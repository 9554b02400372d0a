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
    """The exam dates this station holds, each with its subjects, in date order."""
    by_date: dict[str, set[str]] = {}
    with engine.connect() as conn:
        for r in conn.execute(select(t.exam_days.c.date, t.exam_days.c.subject_code)):
            by_date.setdefault(r.date, set()).add(r.subject_code)
        for r in conn.execute(select(t.participants.c.day, t.participants.c.subject_code).distinct()):
            by_date.setdefault(r.day, set()).add(r.subject_code)
    return [ExamDay(date.fromisoformat(d), tuple(sorted(s for s in subs if s))) for d, subs in sorted(by_date.items())]


def save_day(conn, day: str, subject_code: str) -> None:
    """Note that a subject is held on an exam date (idempotent)."""
    key = f"{day}/{subject_code}"
    conn.execute(delete(t.exam_days).where(t.exam_days.c.key == key))
    conn.execute(insert(t.exam_days).values(key=key, date=day, subject_code=subject_code))


def save_layouts(conn, day: str, rooms: list[Room]) -> None:
    """Rooms' layouts on one date (rooms are shared across dates; a list may seat a room otherwise)."""
    if not rooms:
        return
    conn.execute(delete(t.room_layouts).where((t.room_layouts.c.day == day) &
                                              t.room_layouts.c.number.in_([r.number for r in rooms])))
    conn.exec_driver_sql("INSERT INTO room_layouts (day, number, rows, seats_per_row) VALUES (?, ?, ?, ?)",
                         [(day, r.number, r.rows, r.seats_per_row) for r in rooms])


def save_room(conn, room: Room) -> None:
    conn.execute(delete(t.rooms).where(t.rooms.c.number == room.number))
    conn.execute(insert(t.rooms).values(number=room.number, rows=room.rows, seats_per_row=room.seats_per_row,
                                        name=room.name))


def save_participants(conn, people: list[Participant]) -> None:
    """One executemany of plain tuples: a period list is tens of thousands of rows."""
    if not people:
        return
    conn.exec_driver_sql(
        "INSERT INTO participants (day, code, subject_code, room, seat, last_name, first_name, middle_name, "
        "document_series, document_number, school_code, ovz) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
        [(p.day, p.code, p.subject_code, p.room, p.seat, p.last_name, p.first_name, p.middle_name,
          p.document_series, p.document_number, p.school_code, int(p.ovz)) for p in people])


def replace_participants(conn, day: str, people: list[Participant]) -> None:
    """Replace one exam date's list; every other date stays as it is."""
    conn.execute(delete(t.participants).where(t.participants.c.day == day))
    save_participants(conn, people)
    for subject in sorted({p.subject_code for p in people}):
        save_day(conn, day, subject)


def replace_subject_participants(conn, day: str, subject: str, people: list[Participant]) -> None:
    """Replace one subject's list on a date; the date's other subjects stay as they are."""
    conn.execute(delete(t.participants).where((t.participants.c.day == day) &
                                              (t.participants.c.subject_code == subject)))
    save_participants(conn, people)
    save_day(conn, day, subject)


def all_rooms(conn) -> list[Room]:
    return [Room(r.number, r.rows, r.seats_per_row, r.name) for r in conn.execute(select(t.rooms))]


def save_staff(conn, members: list[StaffMember]) -> None:
    for m in members:
        conn.execute(delete(t.staff).where(t.staff.c.code == m.code))
    if members:
        conn.execute(insert(t.staff), [
            dict(code=m.code, last_name=m.last_name, first_name=m.first_name, middle_name=m.middle_name,
                 role=m.role, room=m.room, lead=m.lead) for m in members])


def load_staff(engine: Engine) -> dict[str, StaffMember]:
    """The exam point's staff for the whole period (ППЭ-07), by code."""
    with engine.connect() as conn:
        return {r.code: StaffMember(r.code, r.last_name, r.first_name, r.middle_name, r.role, r.room, bool(r.lead))
                for r in conn.execute(select(t.staff))}


def room_numbers(engine: Engine) -> set[str]:
    """Every room this station knows, over every date."""
    with engine.connect() as conn:
        return {r.number for r in conn.execute(select(t.rooms.c.number))}


def load_plan(engine: Engine, day: ExamDay) -> DayPlan:
    """The plan of one exam date: the rooms in use that date (with that date's layout), its people, staff."""
    point = load_point(engine)
    if point is None:
        raise LookupError("no exam point in this database")
    key = day.key
    with engine.connect() as conn:
        people = {}
        for r in conn.execute(select(t.participants).where(t.participants.c.day == key)):
            people[r.code] = Participant(
                code=r.code, last_name=r.last_name, first_name=r.first_name, middle_name=r.middle_name,
                document_series=r.document_series, document_number=r.document_number, school_code=r.school_code,
                room=r.room, seat=r.seat, day=r.day, ovz=bool(r.ovz), subject_code=r.subject_code)
        subjects = tuple(sorted({p.subject_code for p in people.values()} | set(day.subjects)))
        plan = DayPlan(point=point, day=ExamDay(day.date, subjects), participants=people)
        layouts = {r.number: r for r in conn.execute(select(t.room_layouts).where(t.room_layouts.c.day == key))}
        used = {p.room for p in people.values()}
        for r in conn.execute(select(t.rooms)):
            if used and r.number not in used:
                continue
            lay = layouts.get(r.number, r)
            plan.rooms[r.number] = Room(r.number, lay.rows, lay.seats_per_row, r.name)
        for r in conn.execute(select(t.staff)):
            plan.staff[r.code] = StaffMember(r.code, r.last_name, r.first_name, r.middle_name, r.role, r.room,
                                             bool(r.lead))
    return plan


def participant_dates(engine: Engine, code: str) -> list[str]:
    """The exam dates on which a participant code is on this station's lists."""
    with engine.connect() as conn:
        return [r[0] for r in conn.execute(select(t.participants.c.day).where(t.participants.c.code == code)
                                           .order_by(t.participants.c.day))]
