"""Projections over a period: events of several dates and stations, ends per participant's subject."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.domain.event import GENESIS, Event, utc_iso
from app.domain.model import DayPlan, ExamDay, Participant
from app.domain.projection import project_room
from app.domain.reference import load_reference
from app.services.demo import DEMO_DAY, DEMO_DAY2, DEMO_POINT, build_day2, build_demo

TZ = ZoneInfo(DEMO_POINT.tz)
ROOMS, PEOPLE, STAFF = build_demo()
DAY2 = build_day2(ROOMS, PEOPLE)
REF = load_reference(2026)


def plan_of(day: ExamDay, people: list[Participant]) -> DayPlan:
    return DayPlan(DEMO_POINT, day, {r.number: r for r in ROOMS}, {p.code: p for p in people},
                   {s.code: s for s in STAFF})


PLANS = {DEMO_DAY.key: plan_of(DEMO_DAY, PEOPLE), DEMO_DAY2.key: plan_of(DEMO_DAY2, DAY2)}
ROOMS_USED = ("0101", "0203")
KINDS = ["admitted", "late", "absent", "exit", "return", "finished", "removal", "extra-sheet"]


def payload_for(kind: str, i: int) -> dict:
    return {"extra-sheet": {"sheet": str(1000 + i)}, "removal": {"reason": "x"}}.get(kind, {})


op = st.tuples(st.sampled_from([DEMO_DAY.key, DEMO_DAY2.key]), st.sampled_from(ROOMS_USED), st.integers(0, 5),
               st.sampled_from(KINDS + ["exam-start"]), st.integers(0, 300), st.sampled_from("ABC"),
               st.booleans())


def build(ops) -> list[Event]:
    seqs = dict.fromkeys("ABC", 0)
    prev = dict.fromkeys("ABC", GENESIS)
    out = []
    for i, (day, room, who, kind, minute, station, legacy) in enumerate(ops):
        plan = PLANS[day]
        people = plan.room_participants(room)
        code = people[who % len(people)].code if kind != "exam-start" else None
        at = datetime.fromisoformat(day).replace(hour=9, tzinfo=TZ) + timedelta(minutes=minute)
        # events written before the period became the unit carry 'date/subject'
        key = f"{day}/{plan.room_subject(room)}" if legacy else day
        seqs[station] += 1
        e = Event(id=str(uuid.UUID(int=i + 1)), station=station, seq=seqs[station], at=utc_iso(at),
                  recorded_at=utc_iso(at), tz=DEMO_POINT.tz, author="", kind=kind, day=key, room=room,
                  participant=code, payload=payload_for(kind, i), prev_hash=prev[station]).sealed()
        prev[station] = e.hash
        out.append(e)
    return out


def snapshot(events) -> dict:
    out = {}
    for day, plan in PLANS.items():
        for room in ROOMS_USED:
            s = project_room(plan, REF, room, events)
            out[(day, room)] = (s.subject, s.counts(), s.start,
                                {c: (p.status, p.late, p.end) for c, p in sorted(s.participants.items())})
    return out


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(op, max_size=50), st.randoms(use_true_random=False))
def test_any_arrival_order_of_several_dates_and_stations_gives_the_same_state_per_date(ops, rnd):
    events = build(ops)
    a = snapshot(events)
    shuffled = events[:]
    rnd.shuffle(shuffled)
    assert snapshot(shuffled) == a
    # a date's state is that of its own events only
    for day, plan in PLANS.items():
        own = [e for e in events if e.day[:10] == day]
        for room in ROOMS_USED:
            assert project_room(plan, REF, room, own).counts() == project_room(plan, REF, room, events).counts()


def _started(plan: DayPlan, room: str, start: str = "10:00"):
    at = datetime.fromisoformat(plan.day.key).replace(hour=int(start[:2]), minute=int(start[3:]), tzinfo=TZ)
    evs = [Event(id=str(uuid.uuid4()), station="A", seq=1, at=utc_iso(at), recorded_at=utc_iso(at),
                 tz=DEMO_POINT.tz, author="", kind="exam-start", day=plan.day.key, room=room, participant=None,
                 payload={}, prev_hash=GENESIS).sealed()]
    for i, p in enumerate(plan.room_participants(room)):
        evs.append(Event(id=str(uuid.uuid4()), station="A", seq=i + 2, at=utc_iso(at - timedelta(minutes=30)),
                         recorded_at=utc_iso(at), tz=DEMO_POINT.tz, author="", kind="admitted", day=plan.day.key,
                         room=room, participant=p.code, payload={}, prev_hash=GENESIS).sealed())
    return project_room(plan, REF, room, evs)


def _local(dt: datetime) -> str:
    return dt.astimezone(TZ).strftime("%H:%M")


def test_ovz_ends_for_written_and_oral_subjects():
    plan = PLANS[DEMO_DAY2.key]
    physics = _started(plan, "0203")  # физика: 235 min, ОВЗ +90
    assert physics.subject == "03"
    p = next(iter(physics.participants.values()))
    assert _local(physics.personal_end(p)) == "13:55"
    p.ovz = True
    assert _local(physics.personal_end(p)) == "15:25"
    social = _started(plan, "0101")  # обществознание: 210 min
    assert social.subject == "12" and _local(social.end) == "13:30"
    # an oral part of a foreign language: 17 minutes, ОВЗ +30
    d = ExamDay(datetime(2026, 6, 18).date(), ("29",))
    people = [Participant(code=f"77{i}", last_name="Орлова", first_name="Анна", middle_name="", document_series="",
                          document_number="1", school_code="", room="0301", seat=f"1{'АБ'[i]}", day=d.key,
                          ovz=i == 1, subject_code="29") for i in range(2)]
    oral = _started(plan_of(d, people), "0301")
    ends = {c: _local(x.end) for c, x in oral.participants.items()}
    assert ends == {"770": "10:17", "771": "10:47"}


def test_a_participant_of_another_subject_in_the_room_keeps_their_own_end():
    d = ExamDay(datetime(2026, 6, 11).date(), ("03", "12"))
    people = [Participant(code=f"88{i}", last_name="Орлов", first_name="Пётр", middle_name="", document_series="",
                          document_number="1", school_code="", room="0101", seat=f"1{'АБВ'[i]}", day=d.key,
                          ovz=False, subject_code="12" if i < 2 else "03") for i in range(3)]
    st_ = _started(plan_of(d, people), "0101")
    assert st_.subject == "12"
    assert {c: _local(x.end) for c, x in st_.participants.items()} == {"880": "13:30", "881": "13:30",
                                                                        "882": "13:55"}
