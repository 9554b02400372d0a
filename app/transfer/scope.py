"""What a room station may write: only its own room, only the exam date it was set up for.

A room station's result package is signed by that station, so its events are its own; but a
station paired for room 0101 could still append a removal for a room 0201 participant, or an
event for a date the exam point never holds, and HQ would file it in that room's log. So HQ
checks each event against the pairing: the room and date of the set-up package the station
was made from (recorded at HQ when the package was written), and the dates of its own plan.
One event out of scope refuses the whole package, naming the event.
"""

from __future__ import annotations

from sqlalchemy import text

from app.domain.event import Event
from app.domain.kinds import KINDS
from app.domain.transfer import TRANSFER
from app.errors import UserError
from app.i18n import _


def _date(day: str | None) -> str:
    """'2026-06-04' of a day key, legacy ('2026-06-04/01') or new ('2026-06-04')."""
    return str(day or "").split("/")[0]


def plan_dates(engine) -> set[str]:
    with engine.connect() as conn:
        try:
            rows = conn.execute(text("SELECT date FROM exam_days")).all()
        except Exception:  # noqa: BLE001 - a schema without the column: fall back to keys
            rows = conn.execute(text("SELECT key FROM exam_days")).all()
    return {_date(r[0]) for r in rows}


def paired_scope(engine, station_id: str, setup: dict | None) -> tuple[str, str]:
    """(room, date) a room station was set up for; date '' when HQ did not record it (older set-ups)."""
    if setup is None:
        with engine.connect() as conn:
            row = conn.execute(text("SELECT s.room, s.day FROM trusted_stations t JOIN setups s ON s.id = t.via "
                                    "WHERE t.station = :st"), {"st": station_id}).first()
            if row is None:
                row = conn.execute(text("SELECT room, '' FROM trusted_stations WHERE station=:st"),
                                   {"st": station_id}).first()
        return (row[0], _date(row[1])) if row else ("", "")
    return str(setup.get("room", "")), _date(setup.get("day", ""))


def _planned_rooms(engine, date: str) -> dict[str, str]:
    """participant code → the room of the date's list at this exam point."""
    with engine.connect() as conn:
        return {r[0]: r[1] for r in conn.execute(text("SELECT code, room FROM participants WHERE day=:d"),
                                                 {"d": date})}


def _held_transfers(engine, date: str) -> set[tuple[str, str]]:
    """(participant, receiving room) of the transfer marks HQ already holds for the date."""
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT participant, room FROM events WHERE kind=:k AND day >= :a AND day < :b"),
                            {"k": TRANSFER, "a": date, "b": date + "0"}).all()
    return {(r[0], r[1]) for r in rows}


def _participant_problem(e: Event, planned: dict[str, str], moved: set[tuple[str, str]]) -> str | None:
    """Why a participant's event does not fit the plan: someone of no list of this exam point and date, or
    of another room's list without a transfer mark into this room (the transfer itself must come from the
    room of the list, or from a room they were transferred into)."""
    code = e.participant or ""
    home = planned.get(code)
    if home is None:
        return _("event {id} (#{seq}, {kind}) concerns participant {code}, who is on none of this exam point's "
                 "lists for {day}").format(id=e.id, seq=e.seq, kind=e.kind, code=code, day=_date(e.day))
    if e.kind == TRANSFER:
        source = str(e.payload.get("from_room", ""))
        if home == e.room or (source != home and (code, source) not in moved):
            return _("event {id} (#{seq}, transfer-in) moves participant {code} from room {source}, but the list "
                     "seats them in room {home}").format(id=e.id, seq=e.seq, code=code, source=source, home=home)
        moved.add((code, str(e.room)))
        return None
    if home != e.room and (code, e.room) not in moved:
        return _("event {id} (#{seq}, {kind}) concerns participant {code} of room {home} in room {room} without a "
                 "transfer mark").format(id=e.id, seq=e.seq, kind=e.kind, code=code, home=home, room=e.room)
    return None


def check_scope(station, station_id: str, setup: dict | None, events: list[Event], name: str) -> None:
    """Refuse (UserError) a package holding an event outside the room and date its sender was paired for,
    or a participant's event that does not fit the exam point's list (see ``_participant_problem``)."""
    room, date = paired_scope(station.engine, station_id, setup)
    dates = plan_dates(station.engine)
    planned: dict[str, dict[str, str]] = {}
    moved: dict[str, set[tuple[str, str]]] = {}
    for e in events:
        why = None
        if e.room != room:
            where = _("room {room}").format(room=e.room) if e.room else _("the exam point as a whole")
            why = _("event {id} (#{seq}, {kind}) is for {where}, but station {station} was set up for room "
                    "{paired}").format(id=e.id, seq=e.seq, kind=e.kind, where=where, station=station_id,
                                       paired=room)
        elif date and _date(e.day) != date:
            why = _("event {id} (#{seq}, {kind}) is for {day}, but station {station} was set up for {date}").format(
                id=e.id, seq=e.seq, kind=e.kind, day=e.day, station=station_id, date=date)
        elif _date(e.day) not in dates:
            why = _("event {id} (#{seq}, {kind}) is for {day}, a date not in this exam point's plan").format(
                id=e.id, seq=e.seq, kind=e.kind, day=e.day)
        elif e.participant and e.room and (k := KINDS.get(e.kind)) is not None and k.participant:
            d = _date(e.day)
            if d not in planned:
                planned[d], moved[d] = _planned_rooms(station.engine, d), _held_transfers(station.engine, d)
            why = _participant_problem(e, planned[d], moved[d])
        if why:
            raise UserError(_("{name}: {what}; nothing was applied").format(name=name, what=why))


def check_manifest(station, station_id: str, setup: dict | None, m: dict, name: str) -> None:
    """The manifest's room and date must be the pairing's too (they name the package in HQ's records and on
    its screen; a signed manifest that says room 0102 for a station of room 0101 is refused, not filed)."""
    room, date = paired_scope(station.engine, station_id, setup)
    if room and str(m.get("room", "")) != room:
        raise UserError(_("{name}: its manifest names room {other}, but station {station} was set up for room "
                          "{room}; nothing was applied").format(name=name, other=m.get("room"), station=station_id,
                                                               room=room))
    if date and _date(str(m.get("day", ""))) != date:
        raise UserError(_("{name}: its manifest names {other}, but station {station} was set up for {date}; "
                          "nothing was applied").format(name=name, other=m.get("day"), station=station_id,
                                                       date=date))


def check_package_anchor(m: dict, name: str) -> None:
    """A package whose head is behind the signed anchor it carries came from a database cut back."""
    a = m.get("anchor")
    if not isinstance(a, dict):
        return  # packages of stations without an anchor (older versions) carry none
    try:
        seq = int(a.get("seq", 0))
    except (TypeError, ValueError):
        raise UserError(_("{name}: the manifest is damaged; nothing was applied").format(name=name)) from None
    if seq > int(m.get("seq_to", 0)):
        raise UserError(_("{name}: the station's database ends at #{head} but its anchor records #{seq}: events "
                          "were deleted on the room laptop; nothing was applied").format(
            name=name, head=m.get("seq_to"), seq=seq))
