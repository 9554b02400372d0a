"""Public observers (общественные наблюдатели) at the exam point: checked in and out at HQ.

An observer is a member of the staff list with the role ``observer``: either listed beforehand (ППЭ-07)
or added at HQ on the day when they arrive with their certificate. Their presence is a pair of point-level
events (``observer-arrived`` / ``observer-left``) that carry only the staff code: the name stays in HQ's
staff list, so the municipal server can count observers per exam point and date (seed 002 §4.1) without
personal data. The acts drawn up at HQ while an observer is present name them on the observer's line.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from app.domain.event import Event, parse_utc
from app.domain.model import StaffMember
from app.errors import UserError
from app.i18n import _
from app.store import plan_repo

ROLE = "observer"


@dataclass(frozen=True)
class Visit:
    """One observer's stay at the exam point on the date."""

    code: str
    name: str
    arrived: datetime
    left: datetime | None
    rooms: tuple[str, ...] = ()
    event_id: str = ""

    def present_at(self, when: datetime) -> bool:
        return self.arrived <= when and (self.left is None or when < self.left)


def _require_hq(station) -> None:
    if station.role != "hq":
        raise UserError(_("public observers are checked in at HQ (Штаб ППЭ), not at a room station"))


def _next_code(staff: dict[str, StaffMember]) -> str:
    n = 1
    while f"OBS{n:02d}" in staff:
        n += 1
    return f"OBS{n:02d}"


def add_observer(station, last_name: str, first_name: str, middle_name: str = "") -> StaffMember:
    """Add an observer who was not on the staff list to HQ's staff (role observer); the same name twice
    gives the member already there, so a second click does not make a second person."""
    _require_hq(station)
    last, first, middle = (x.strip() for x in (last_name, first_name, middle_name))
    if not last or not first:
        raise UserError(_("an observer needs a surname and a first name"))
    staff = station.plan.staff
    for s in staff.values():
        if s.role == ROLE and (s.last_name, s.first_name, s.middle_name) == (last, first, middle):
            return s
    member = StaffMember(_next_code(staff), last, first, middle, ROLE)
    with station.engine.begin() as conn:
        plan_repo.save_staff(conn, [member])
    station.invalidate()
    return member


def arrived(station, code: str, rooms: list[str] | None = None, at=None, author: str = ""):
    """Record that a listed observer came to the exam point (checked in at HQ)."""
    _require_hq(station)
    member = station.plan.staff.get(code)
    if member is None or member.role != ROLE:
        raise UserError(_("no public observer with code {code} in the staff list").format(code=code))
    if any(v.code == code and v.left is None for v in visits(station)):
        raise UserError(_("{name} is already checked in").format(name=member.short_name))
    payload: dict = {"observer": code}
    if rooms:
        payload["rooms"] = [station.room(r).number for r in rooms]
    return station.record("observer-arrived", None, at=at, author=author, payload=payload)


def left(station, code: str, at=None, author: str = ""):
    """Record that a checked-in observer left the exam point."""
    _require_hq(station)
    stay = next((v for v in visits(station) if v.code == code and v.left is None), None)
    if stay is None:
        raise UserError(_("observer {code} is not checked in").format(code=code))
    when = at if isinstance(at, datetime) else station.parse_at(at)
    if when < stay.arrived:
        raise UserError(_("observer {code} cannot leave before arriving").format(code=code))
    return station.record("observer-left", None, at=when, author=author, payload={"observer": code})


def visits_of(events: list[Event], staff: dict[str, StaffMember]) -> list[Visit]:
    """Observers' stays from the date's effective point events (voids already applied), in arrival order."""
    out: list[Visit] = []
    open_: dict[str, int] = {}
    for e in sorted(events, key=lambda e: e.at):
        code = str(e.payload.get("observer", ""))
        if e.kind == "observer-arrived" and code not in open_:
            member = staff.get(code)
            open_[code] = len(out)
            out.append(Visit(code, member.full_name if member else code, parse_utc(e.at), None,
                             tuple(e.payload.get("rooms") or ()), e.id))
        elif e.kind == "observer-left" and code in open_:
            i = open_.pop(code)
            v = out[i]
            out[i] = Visit(v.code, v.name, v.arrived, parse_utc(e.at), v.rooms, v.event_id)
    return out


def visits(station) -> list[Visit]:
    return visits_of(station.point_events(), station.plan.staff)


def present_at(station_or_visits, when: datetime) -> list[Visit]:
    vs = station_or_visits if isinstance(station_or_visits, list) else visits(station_or_visits)
    return [v for v in vs if v.present_at(when)]
