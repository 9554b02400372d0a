"""Build an HQ station database holding a realistic exam day: several room stations' events
(set up and brought back on USB packages, as in the field) plus the HQ's own marks."""

from __future__ import annotations

from pathlib import Path

from app.clock import FixedClock
from app.services.station import Station


def play_room(st: Station, room: str, variant: int = 0) -> None:
    """A scripted day in one room: admissions, absences, a late arrival, exits, sheets, incidents, a void."""
    people = [p.code for p in st.plan.room_participants(room)]
    org = [s.code for s in st.plan.room_staff(room)]
    st.record("room-opened", room, at="08:00", payload={"organizers": org})
    absent = people[-2:] if variant % 2 == 0 else people[-3:]
    late = people[0]
    for code in people[1:len(people) - len(absent)]:
        st.record("admitted", room, code, at="09:20", payload={"identity": "document"})
    for code in absent:
        st.record("absent", room, code, at="10:00")
    st.record("instruction-given", room, at="09:50")
    st.record("exam-start", room, at="10:00")
    st.record("late", room, late, at="10:05", payload={"identity": "document"})
    st.record("exit", room, people[1], at="11:00")
    st.record("return", room, people[1], at="11:07")
    st.record("exit", room, people[2], at="11:30")
    st.record("return", room, people[2], at="11:34")
    st.record("extra-sheet", room, people[3], at="12:00", payload={"sheet": f"{room}0001"})
    st.record("removal", room, people[4], at="12:10", payload={"reason": "phone"})
    st.record("early-completion", room, people[5], at="12:20", payload={"reason": "illness"})
    wrong = st.record("extra-sheet", room, people[6], at="12:30", payload={"sheet": f"{room}0002"})
    st.void(room, wrong.event.id, "wrong participant")
    st.record("appeal", room, people[7], at="13:00", payload={"text": "noise"})
    st.record("correction", room, people[8], at="10:30",
              payload={"field": "document_number", "old": "1", "new": "2"})
    for code in people[1:len(people) - len(absent)]:
        if code not in (people[4], people[5]):
            st.record("finished", room, code, at="13:50")
    st.record("finished", room, late, at="13:50")
    st.record("room-closed", room, at="14:05")


PASS = "DAYF-ACTO-RYPA-SS23"


def room_through_sticks(hq: Station, room: str, folder: Path, variant: int = 0, clock=None) -> str:
    """A room laptop as in the field: set up from HQ's package, a played day, its result package imported at
    HQ (so HQ holds the room station's own signed head). Returns the room station's id."""
    from app.transfer.results import export_results, import_package
    from app.transfer.setup import export_setup, init_from

    setup = folder / f"{room}-setup.pkg"
    export_setup(hq, room, setup, passphrase=PASS)
    rs, _ = init_from(folder / f"r{room}.db", setup, PASS, clock=clock)
    play_room(rs, room, variant)
    res = folder / f"{room}-results.pkg"
    export_results(rs, res)
    station_id = rs.station_id
    rs.close()
    import_package(hq, res)
    return station_id


def build_hq_day(template: Path, dest_dir: Path, rooms=("0101", "0102", "0103"), hq_room="0201",
                 extra_events: int = 0, point: str | None = None) -> Path:
    """An HQ database with the demo plan, room stations' events imported from their result packages, and
    its own marks. ``point``: another exam point code for the same demo plan (several HQs on one server)."""
    from dataclasses import replace
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from app.services.demo import install_demo
    from app.store import plan_repo

    clock = FixedClock(datetime(2026, 6, 4, 14, 30, tzinfo=ZoneInfo("Asia/Yekaterinburg")))
    hq_path = dest_dir / "hq.db"
    hq = Station.create(hq_path, role="hq", clock=clock)
    install_demo(hq)
    if point:
        with hq.engine.begin() as conn:
            plan_repo.save_point(conn, replace(plan_repo.load_point(hq.engine), code=point))
        hq.invalidate()
    for i, room in enumerate(rooms):
        room_through_sticks(hq, room, dest_dir, i, clock)  # each room laptop is its own station
    play_room(hq, hq_room, 1)  # HQ took over a room whose laptop failed
    for n in range(extra_events):
        hq.record("note", hq_room, at="13:00", payload={"text": f"note {n}"})
    hq.close()
    return hq_path
