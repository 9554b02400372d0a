"""A demo exam day moved through real USB packages: HQ, room stations, set-up and result files.

Used by the screenshots, the transfer benchmark and tests, so all three see the same day.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from app.clock import FixedClock
from app.services.demo import DEMO_DAY, DEMO_POINT

PASSPHRASE = "DEMO-PASS-WORD-2345"


def local(hhmm: str, on: date | None = None) -> datetime:
    """An instant at a local wall-clock time of the demo exam point, on the demo day or ``on``."""
    h, m = map(int, hhmm.split(":"))
    return datetime.combine(on or DEMO_DAY.date, datetime.min.time(), tzinfo=ZoneInfo(DEMO_POINT.tz)).replace(
        hour=h, minute=m)


def room_day(st, room: str | None = None, until: str = "end"):
    """A realistic room day: admission, start, exits, extra sheets, incidents, hand-in, closing.

    ``until``: "morning" (up to mid-exam, one participant out of the room), "afternoon" (the rest),
    or "end" (both).
    """
    room = room or st.home_room
    people = st.plan.room_participants(room)
    on = st.day.date

    def local(hhmm: str) -> datetime:  # the station's own exam date
        return _local(hhmm, on)

    if until in ("end", "morning"):
        st.record("room-opened", room, at=local("08:45"), payload={"organizers": ["ORG01", "ORG02"]})
        st.record("absent", room, people[0].code, at=local("09:40"))
        for i, p in enumerate(people[1:]):
            st.record("admitted", room, p.code, at=local(f"09:{10 + i:02d}"))
            st.record("seated", room, p.code, at=local(f"09:{10 + i:02d}"), payload={"seat": p.seat})
        st.record("instruction-given", room, at=local("09:50"))
        st.record("exam-start", room, at=local("10:00"))
        st.record("exit", room, people[2].code, at=local("11:00"), payload={"accompanied_by": "OUT01"})
        st.record("return", room, people[2].code, at=local("11:06"))
        st.record("extra-sheet", room, people[3].code, at=local("11:30"), payload={"sheet": "2600001"})
        st.record("removal", room, people[4].code, at=local("11:40"), payload={"reason": "phone", "item": "phone"})
        st.record("correction", room, people[5].code, at=local("10:20"),
                  payload={"field": "last_name", "old": people[5].last_name, "new": people[5].last_name + "а"})
        st.record("exit", room, people[8].code, at=local("11:50"), payload={"accompanied_by": "OUT02"})
    if until in ("end", "afternoon"):
        st.record("return", room, people[8].code, at=local("11:58"))
        st.record("early-completion", room, people[6].code, at=local("12:10"), payload={"reason": "illness"})
        st.record("appeal", room, people[7].code, at=local("13:20"), payload={"text": "noise"})
        for p in people[7:]:
            st.record("finished", room, p.code, at=local("13:30"))
        for p in people[1:4]:
            st.record("finished", room, p.code, at=local("13:30"))
        st.record("finished", room, people[5].code, at=local("13:30"))
        st.record("materials-collected", room, at=local("13:45"), payload={"blanks": 13, "extra_sheets": 1})
        st.record("room-closed", room, at=local("13:50"))
    return people


_local = local


def make_hq(path: Path, clock=None):
    from app.services.demo import install_demo
    from app.services.station import Station
    from app.transfer.keys import station_keys

    hq = Station.create(path, role="hq", clock=clock or FixedClock(local("12:00")))
    install_demo(hq)
    station_keys(hq)
    return hq


def set_up_room(hq, room: str, folder: Path, name: str | None = None):
    """A room station set up from HQ's package for the room on HQ's current exam date."""
    from app.transfer.setup import export_setup, init_from

    name = name or f"room{room}"
    pkg = folder / f"{name}-setup.pkg"
    export_setup(hq, room, pkg, passphrase=PASSPHRASE)
    st, _ = init_from(folder / f"{name}.db", pkg, PASSPHRASE, clock=FixedClock(local("08:40", hq.day.date)))
    return st


def demo_exchange(folder: Path, plan: dict[str, str] | None = None):
    """HQ plus room stations with their days, results imported at HQ through package files.

    ``plan`` maps room → how far its day went ("end", "morning"); rooms not in it stay unopened.
    """
    folder.mkdir(parents=True, exist_ok=True)
    plan = plan or {"0101": "end", "0102": "end", "0103": "morning", "0104": "morning", "0201": "end"}
    hq = make_hq(folder / "hq.db")
    from app.transfer.results import export_results, import_package

    rooms = {}
    for room, until in plan.items():
        st = set_up_room(hq, room, folder)
        room_day(st, until=until)
        export_results(st, folder / f"{room}-results.pkg")
        import_package(hq, folder / f"{room}-results.pkg")
        rooms[room] = st
    return hq, rooms
