"""A deterministic demo exam period: one exam point, twelve rooms, two exam dates, staff.

4 June 2026 holds one subject (русский язык, 180 participants in twelve rooms); 11 June 2026 holds
two at once, обществознание in six rooms and физика in six others, with many of the same people
re-seated. The same seed always gives the same people, seats and documents, so screenshots, tests
and benchmarks see the same period.
"""

from __future__ import annotations

import json
import random
from datetime import date

from app.domain.model import ExamDay, ExamPoint, Participant, Room, StaffMember, seat_label
from app.paths import resources_dir
from app.store import plan_repo

DEMO_POINT = ExamPoint(region="66", msu="043", code="0412", name="МАОУ СОШ № 8, г. Верхний Тагил",
                       tz="Asia/Yekaterinburg", address="ул. Лесная, 10")
DEMO_DAY = ExamDay(date(2026, 6, 4), "01")
# the multi-subject date: rooms 0101-0202 hold обществознание (12), rooms 0203-0303 физика (03)
DEMO_DAY2 = ExamDay(date(2026, 6, 11), ("03", "12"))
DAY2_SUBJECTS = {"0101": "12", "0102": "12", "0103": "12", "0104": "12", "0201": "12", "0202": "12",
                 "0203": "03", "0204": "03", "0205": "03", "0301": "03", "0302": "03", "0303": "03"}
ROOMS = [("0101", 5, 4), ("0102", 5, 4), ("0103", 5, 4), ("0104", 5, 4), ("0201", 5, 5), ("0202", 5, 5),
         ("0203", 5, 4), ("0204", 5, 4), ("0205", 4, 4), ("0301", 5, 4), ("0302", 5, 4), ("0303", 5, 4)]
PER_ROOM = 15


def _female(surname: str) -> str:
    if surname.endswith(("ов", "ев", "ёв", "ин")):
        return surname + "а"
    return surname


def demo_names():
    return json.loads((resources_dir() / "demo" / "names.json").read_text(encoding="utf-8"))


def build_demo(seed: int = 2026, day: ExamDay = DEMO_DAY):
    """Rooms, participants and staff of the demo day (pure; nothing written)."""
    rnd = random.Random(seed)
    names = demo_names()
    rooms = [Room(n, r, s, f"Кабинет {int(n[:2])}{n[2:]}") for n, r, s in ROOMS]
    people: list[Participant] = []
    code = 660_000_100
    used_names: set[tuple[str, str]] = set()

    def person(female: bool) -> tuple[str, str, str]:
        while True:
            sur = rnd.choice(names["surnames"])
            first = rnd.choice(names["female" if female else "male"])
            root = rnd.choice(names["patronymic_roots"])
            if (sur, first) not in used_names:
                used_names.add((sur, first))
                break
        if female:
            return _female(sur), first, root[:-2] + ("овна" if root.endswith("ов") else "евна")
        return sur, first, root[:-2] + ("ович" if root.endswith("ов") else "евич")

    for room in rooms:
        seats = room.seat_labels()
        chosen = sorted(rnd.sample(range(len(seats)), PER_ROOM))
        for idx in chosen:
            code += rnd.randint(1, 9)
            last, first, middle = person(rnd.random() < 0.52)
            people.append(Participant(
                code=str(code), last_name=last, first_name=first, middle_name=middle,
                document_series=f"{rnd.randint(6500, 6525):04d}", document_number=f"{rnd.randint(100000, 999999)}",
                school_code=rnd.choice(names["schools"])["code"], room=room.number, seat=seats[idx], day=day.key,
                ovz=rnd.random() < 0.05, subject_code=day.subjects[0]))
    staff: list[StaffMember] = []
    n = 0
    for room in rooms:
        for lead in (True, False):
            n += 1
            last, first, middle = person(rnd.random() < 0.75)
            staff.append(StaffMember(f"ORG{n:02d}", last, first, middle, "organizer-room", room.number, lead))
    for role, prefix, count in (("organizer-outside", "OUT", 4), ("ppe-head", "HEAD", 1), ("gek", "GEK", 2),
                                ("medic", "MED", 1), ("tech", "TECH", 1), ("observer", "OBS", 1)):
        for i in range(count):
            last, first, middle = person(rnd.random() < 0.6)
            staff.append(StaffMember(f"{prefix}{i + 1:02d}", last, first, middle, role))
    return rooms, people, staff


def build_day2(rooms: list[Room], first: list[Participant], seed: int = 2026) -> list[Participant]:
    """The 11 June list: most of the 4 June people again, re-seated by subject, a few new ones."""
    rnd = random.Random(seed + 611)
    pool = list(first)
    rnd.shuffle(pool)
    out: list[Participant] = []
    code = 660_009_000
    for room in rooms:
        seats = room.seat_labels()
        chosen = sorted(rnd.sample(range(len(seats)), PER_ROOM))
        for idx in chosen:
            if pool and rnd.random() < 0.9:
                p = pool.pop()
            else:  # someone who sits only this date (a graduate of an earlier year)
                code += rnd.randint(1, 9)
                p = Participant(code=str(code), last_name="Новиков" if rnd.random() < 0.5 else "Новикова",
                                first_name="Илья" if code % 2 else "Анна",
                                middle_name="Сергеевич" if code % 2 else "Сергеевна",
                                document_series=f"{rnd.randint(6500, 6525):04d}",
                                document_number=f"{rnd.randint(100000, 999999)}", school_code="",
                                room="", seat="", day="", ovz=rnd.random() < 0.05)
            out.append(Participant(code=p.code, last_name=p.last_name, first_name=p.first_name,
                                   middle_name=p.middle_name, document_series=p.document_series,
                                   document_number=p.document_number, school_code=p.school_code,
                                   room=room.number, seat=seats[idx], day=DEMO_DAY2.key, ovz=p.ovz,
                                   subject_code=DAY2_SUBJECTS[room.number]))
    return out


def install_demo(station, seed: int = 2026) -> None:
    """Fill an empty station with the demo period (4 and 11 June); the station works on 4 June."""
    rooms, people, staff = build_demo(seed)
    with station.engine.begin() as conn:
        plan_repo.save_point(conn, DEMO_POINT)
        plan_repo.set_meta(conn, "day", DEMO_DAY.key)
        plan_repo.set_meta(conn, "demo", "1")
        for r in rooms:
            plan_repo.save_room(conn, r)
        plan_repo.replace_participants(conn, DEMO_DAY.key, people)
        plan_repo.replace_participants(conn, DEMO_DAY2.key, build_day2(rooms, people, seed))
        plan_repo.save_staff(conn, staff)
    station.invalidate()


def seat_of(row: int, index: int) -> str:
    return seat_label(row, index)


def make_demo_pair(db, role: str = "room"):
    """The demo HQ and the demo room station paired as on a real exam point, so the stick works.

    The HQ demo (``demo-hq.db`` beside ``db``) holds the whole demo period; the room demo is room 0101
    set up from the HQ's package for 4 June (its result package imports into the HQ demo). Returns the
    station of ``role``; the other one is made too if it is missing.
    """
    from pathlib import Path

    from app.services.station import Station
    from app.store import plan_repo
    from app.transfer.keys import station_keys
    from app.transfer.setup import export_setup, init_from

    db = Path(db)
    folder = db.parent
    hq_path = db if role == "hq" else folder / "demo-hq.db"
    if hq_path.exists():
        hq = Station.open(hq_path)
    else:
        hq = Station.create(hq_path, role="hq")
        install_demo(hq)
        station_keys(hq)
    if role == "hq":
        return hq
    try:
        hq.use_day(DEMO_DAY.key)
        pkg = folder / "demo-0101-setup.pkg"
        passphrase = "DEMO-PASS-WORD-2345"
        export_setup(hq, "0101", pkg, passphrase=passphrase)
        room, _ = init_from(db, pkg, passphrase)
        pkg.unlink(missing_ok=True)
    finally:
        hq.close()
    with room.engine.begin() as conn:
        plan_repo.set_meta(conn, "demo", "1")
    return room
