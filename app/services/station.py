"""A station: one database, its role, its exam day, and every mark recorded through it.

``Station.record`` is the single path a mark takes: validate the payload, ask the rules for
advice on the current state, append durably, and only then return — so whatever shows the
result (screen, CLI) shows a mark that is already on disk.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import Engine

from app import limits
from app.clock import Clock, SystemClock
from app.domain import rules, transfer
from app.domain.event import Event, parse_utc, utc_iso
from app.domain.kinds import KINDS, get_kind, validate_payload
from app.domain.model import DayPlan, ExamDay, ExamPoint, date_key, room_number
from app.domain.projection import RoomState, apply_new, effective_events, participant_timeline, project_room
from app.domain.reference import Reference, load_reference
from app.errors import UserError
from app.store import plan_repo
from app.store.db import check_database, open_engine
from app.store.eventlog import EventLog, Token

ROLES = ("room", "hq")


@dataclass
class Recorded:
    event: Event
    advice: list[rules.Advice] = field(default_factory=list)


class Station:
    """An open station database and the use cases over it."""

    def __init__(self, engine: Engine, path: Path, clock: Clock | None = None):
        self.engine = engine
        self.path = path
        self.clock: Clock = clock or SystemClock()
        self.station_id = plan_repo.get_meta(engine, "station_id") or ""
        self.role = plan_repo.get_meta(engine, "role") or "room"
        self.home_room = plan_repo.get_meta(engine, "room") or ""
        self.log = EventLog(engine, self.station_id)
        self._plan: DayPlan | None = None
        # room -> (change token, event count, state): see room_state
        self._states: dict[str, tuple[Token, int, RoomState]] = {}
        self._point: ExamPoint | None = None
        self._day: ExamDay | None = None
        self._roster: tuple[str, dict[str, str] | None] | None = None
        self._ctx: tuple[DayPlan, Reference, str, str, dict[str, str], ExamDay] | None = None  # see _context
        self.day_reason = ""  # why this date: set-up, today, next, last, chosen
        if isinstance(self.clock, SystemClock):
            offset = plan_repo.get_meta(engine, "clock_offset_s")
            if offset:
                self.clock.offset = timedelta(seconds=float(offset))

    # --- opening ---------------------------------------------------------------------------
    @classmethod
    def open(cls, path: str | Path, clock: Clock | None = None) -> Station:
        p = Path(path)
        return cls(open_engine(p), p, clock)

    @classmethod
    def create(cls, path: str | Path, role: str = "room", room: str = "", clock: Clock | None = None,
               point: ExamPoint | None = None) -> Station:
        p = Path(path)
        if role not in ROLES:
            raise UserError(f"role must be one of {', '.join(ROLES)}, not {role!r}")
        if p.exists() and p.stat().st_size > 0:
            raise UserError(f"{p}: already exists; choose another file or remove it first")
        if p.parent and not p.parent.exists():
            raise UserError(f"{p.parent}: no such folder")
        engine = open_engine(p, create=True)
        with engine.begin() as conn:
            plan_repo.set_meta(conn, "station_id", f"{role}-{uuid.uuid4().hex[:10]}")
            plan_repo.set_meta(conn, "role", role)
            plan_repo.set_meta(conn, "room", room_number(room) if room else "")
            plan_repo.set_meta(conn, "created_at", utc_iso(datetime.now(UTC)))
            if point is not None:
                plan_repo.save_point(conn, point)
        return cls(engine, p, clock)

    def close(self) -> None:
        self.log.close()
        self.engine.dispose()

    # --- reference -------------------------------------------------------------------------
    @property
    def point(self) -> ExamPoint:
        if self._point is None:
            self._point = plan_repo.load_point(self.engine)
        if self._point is None:
            raise UserError(f"{self.path}: no exam point yet: import a distribution list first")
        return self._point

    def days(self) -> list[ExamDay]:
        """Every exam date this station has a list for, each with its subjects."""
        return plan_repo.days(self.engine)

    @property
    def day(self) -> ExamDay:
        """The exam date this station works on now (every subject of that date)."""
        if self._day is None:
            self._day, self.day_reason = self._default_day()
        return self._day

    def _default_day(self) -> tuple[ExamDay, str]:
        """A room station set up from HQ's package keeps the date it was set up for (the demo keeps its
        demo date); otherwise today's date if there is a list for it, else the nearest next date; after
        the period, the last date with marks, else the last one."""
        ds = self.days()
        if not ds:
            raise UserError(f"{self.path}: no exam day yet: import a distribution list first")
        fixed = self._fixed_day()
        if fixed:
            for d in ds:
                if d.key == fixed:
                    return d, "set-up"
        today = self.now().astimezone(ZoneInfo(self.point.tz)).date()
        for d in ds:
            if d.date == today:
                return d, "today"
            if d.date > today:
                return d, "next"
        marked = set(self.log.days())
        return next((d for d in reversed(ds) if d.key in marked), ds[-1]), "last"

    def _fixed_day(self) -> str:
        """The date a room station was set up for from HQ's package ('' if it works on a whole period)."""
        if self.role != "room":
            return ""
        day = plan_repo.get_meta(self.engine, "day") or ""
        if plan_repo.get_meta(self.engine, "setup_id") or plan_repo.get_meta(self.engine, "demo"):
            return day[:10]
        return ""

    def use_day(self, key: str | None) -> ExamDay:
        """Work on another exam date of the period (``--date``, the window's date switch); ``None``
        keeps the default. Nothing is written: the default stays what the calendar says."""
        if not key:
            return self.day
        try:
            wanted = date_key(key.strip())
        except ValueError:
            raise UserError(f"bad date {key!r}: use YYYY-MM-DD") from None
        fixed = self._fixed_day()
        if fixed and fixed != wanted and plan_repo.get_meta(self.engine, "setup_id"):
            raise UserError(f"this room station was set up for {fixed}, not {wanted}: set up a new "
                            f"station database from HQ's package for {wanted}")
        ds = self.days()
        found = next((d for d in ds if d.key == wanted), None)
        if found is None:
            have = ", ".join(d.key for d in ds) or "none"
            raise UserError(f"no list for {wanted} in this station (exam dates: {have})")
        if self._day != found:
            self.invalidate()
        self._day, self.day_reason = found, "chosen"
        return found

    def set_day(self, key: str) -> None:
        """Switch to another exam date (the room window's confirmed switch, the HQ date picker)."""
        self.use_day(key)

    def subject(self, room: str):
        """The reference subject a room holds on this station's exam date."""
        code = self.plan.room_subject(self.room(room).number)
        return self.ref.subject(code) if code else None

    @property
    def plan(self) -> DayPlan:
        if self._plan is None or self._plan.day.date != self.day.date:
            self._plan = plan_repo.load_plan(self.engine, self.day)
        return self._plan

    def invalidate(self) -> None:
        """Forget cached reference data and states (after an import or a change of day)."""
        self._plan = None
        self._point = None
        self._roster = None
        self._ctx = None
        keep = self._day if self.day_reason == "chosen" else None
        self._day = keep
        self._states.clear()

    @property
    def ref(self) -> Reference:
        return load_reference(self.day.date.year)

    def room(self, number: str):
        try:
            num = room_number(number)
        except ValueError as e:
            raise UserError(str(e)) from None
        room = self.plan.rooms.get(num)
        if room is None:
            known = ", ".join(sorted(self.plan.rooms)) or "none"
            raise UserError(f"no room {num} in this exam point (rooms: {known})")
        return room

    def set_clock_offset(self, seconds: float) -> None:
        """Remember how far the laptop clock is from the room clock (no network time offline)."""
        with self.engine.begin() as conn:
            plan_repo.set_meta(conn, "clock_offset_s", str(seconds))
        if isinstance(self.clock, SystemClock):
            self.clock.offset = timedelta(seconds=seconds)

    # --- time ------------------------------------------------------------------------------
    def now(self) -> datetime:
        return self.clock.now()

    def parse_at(self, text: str | None) -> datetime:
        """'HH:MM' (local time on the exam day) or ISO-8601 (local if it has no zone) → UTC."""
        if not text:
            return self.now()
        tz = ZoneInfo(self.point.tz)
        text = text.strip()
        try:
            if len(text) <= 8 and ":" in text:
                t = time.fromisoformat(text)
                return datetime.combine(self.day.date, t, tzinfo=tz).astimezone(UTC)
            dt = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            raise UserError(f"bad time {text[:40]!r}: use HH:MM or ISO-8601") from None
        if dt.tzinfo is None:
            dt = dt.replace(tzinfo=tz)
        return limits.check_instant(dt, self.day.date)  # year 1 or 9999 is one clear line, not an OverflowError

    # --- the use cases ---------------------------------------------------------------------
    def record(self, kind: str, room: str | None, participant: str | None = None, *,
               at: datetime | str | None = None, payload: dict | None = None, author: str = "") -> Recorded:
        """Record one mark durably; returns the stored event and the rules' advice.

        ``room=None`` files an event of the exam point as a whole (a staff change of someone who
        serves outside the rooms, an HQ note, the void of either): only ``point_level`` kinds.

        What needs no database is checked first (payload, list, room); the room's state, the transfer
        rules and the advice are judged under the append's write lock (``EventLog.append(check=…)``), on
        the state as the append extends it: the cached state when nothing was written since, else the
        state read again. Then the new event is folded into that cached state in place, still under the
        lock and before the commit; if the commit fails, the state is put back as the log holds it.
        """
        if author:
            limits.check_length("author", author, "author_max_chars")
        code = participant.strip() if participant else None
        clean = validate_payload(kind, payload or {}, code)
        now = self.clock.now()
        when = at if isinstance(at, datetime) else (self.parse_at(at) if at else now)
        if not room:
            return self._record_point(kind, code, clean, when, author)
        ctx = self._ctx
        if ctx is None or ctx[0] is not self._plan or ctx[5] is not self._day:
            ctx = self._context()
        plan, ref, tz, day_key, rooms, _ = ctx
        num = rooms.get(room) or self._room_number(room)
        if code and code not in plan.participants and KINDS[kind].participant:
            self._check_on_list(code, kind)
        if kind == transfer.TRANSFER:
            try:
                clean["from_room"] = room_number(clean["from_room"])
            except ValueError as e:
                raise UserError(f"transfer-in: from_room: {e}") from None
        judged = code
        if kind == "void":
            judged = code or self._void_target(clean["target"], num).participant
        seen: list = []  # what the check saw: (token, count, state), and the advice

        def check(token: Token) -> None:
            cached = self._states.get(num)
            if cached is None or cached[0] != token:  # written since: the count, or a new projection
                cached = self._state_at(num, token)
            state = cached[2]
            if code:
                held = self._roster
                roster = held[1] if held is not None and held[0] == day_key else self.roster()
                if why := transfer.refusal(state, plan, roster, kind, code, clean):
                    raise UserError(why)
            seen.append(cached)
            seen.append(rules.advise(state, plan, ref, kind, judged, clean, when))
            if kind == "exam-start" and "end" not in clean:
                clean["end"] = utc_iso(when + timedelta(minutes=ref.subject(state.subject).minutes))

        def fold(event: Event, after: Token) -> None:
            # the new event folded in place, under the write lock the check ran under (nobody wrote since)
            # and before the commit (see EventLog.append); a failed commit takes it back below
            token, n, state = seen[0]
            seen.append(state)
            # the instant the event's text was made from, when parsing that text back gives this very instant
            # (UTC, a year utc_iso writes in full): no fromisoformat round trip per mark
            if apply_new(state, event, when if when.tzinfo is UTC and when.year >= 1000 else None):
                self._states[num] = (after, n + 1, state)
            else:
                self._states.pop(num, None)

        try:
            event = self.log.append(kind=kind, at=when, recorded_at=now, tz=tz, author=author, day=day_key,
                                    room=num, participant=judged, payload=clean, check=check, fold=fold)
        except BaseException:
            if len(seen) > 2:  # folded, then the commit failed: no state may show a mark that is not on disk
                self._unfold(num, seen[2])
            raise
        return Recorded(event, seen[1])

    def _unfold(self, num: str, state: RoomState) -> None:
        """Put a room state back as the log holds it, in place: an append folded its event into it and then
        failed to commit (a full disk). Whoever holds the object (a window) sees no mark that is not on disk;
        if the log cannot be read either, the state keeps only the plan, never the unrecorded mark."""
        self._states.pop(num, None)
        try:
            fresh = project_room(self.plan, self.ref, num, self.log.for_room_state(self.day.key, num))
        except Exception:  # the disk fails reads too: show nothing rather than a mark not written
            fresh = project_room(self.plan, self.ref, num, [])
        state.__dict__.update(fresh.__dict__)

    def _context(self) -> tuple[DayPlan, Reference, str, str, dict[str, str], ExamDay]:
        """What every mark needs of the date: (plan, reference, zone, date key, room numbers as typed → as the
        plan has them, the day it was made for), made once per plan (the record path asks on every mark and
        takes it as it is while the plan and the day are the same objects; a new plan makes it anew)."""
        plan = self.plan
        ctx = self._ctx
        if ctx is None or ctx[0] is not plan or ctx[5] is not self._day:
            ctx = self._ctx = (plan, self.ref, self.point.tz, self.day.key, {}, self._day)
        return ctx

    def _room_number(self, text: str) -> str:
        """The room's number as the plan has it (remembered per plan)."""
        known = self._context()[4]
        num = known.get(text)
        if num is None:
            num = known[text] = self.room(text).number
        return num

    def roster(self) -> dict[str, str] | None:
        """The date's other rooms as the set-up package named them: participant code → room (codes only);
        None when this station has no such roster (a period list holds every room anyway)."""
        if self._roster is None or self._roster[0] != self.day.key:
            raw = plan_repo.get_meta(self.engine, "roster") or ""
            try:
                data = json.loads(raw) if raw else None
            except ValueError:
                data = None
            rooms = data.get(self.day.key) if isinstance(data, dict) else None
            self._roster = (self.day.key, {str(k): str(v) for k, v in rooms.items()} if isinstance(rooms, dict)
                            else None)
        return self._roster[1]

    def _check_on_list(self, code: str, kind: str = "") -> None:
        """A participant code on none of this date's lists cannot be true: refuse it. Someone on another
        room's list is judged by the transfer rules (app/domain/transfer.py)."""
        if code in self.plan.participants:
            return
        if len(code) > 40:
            raise UserError("participant code too long: check the code against the distribution list")
        roster = self.roster()
        if roster is not None and code in roster:
            return
        if kind == transfer.TRANSFER and not transfer.knows_whole_date(self.plan, roster):
            return  # a station set up by an older HQ knows only its room: HQ checks the transfer on import
        dates = [d for d in plan_repo.participant_dates(self.engine, code) if d != self.day.key]
        if dates:
            raise UserError(f"participant {code} is on the list for {', '.join(dates)}, not for {self.day.key}: "
                            f"check the code, or work on that date (--date)")
        hint = "" if transfer.knows_whole_date(self.plan, roster) else \
            "; someone the PPE head sent from another room is admitted with a transfer mark (transfer-in)"
        raise UserError(f"participant {code} is on none of this station's lists for {self.day.key}: "
                        f"check the code against the distribution list{hint}")

    def _record_point(self, kind: str, code: str | None, clean: dict, when: datetime, author: str) -> Recorded:
        if not get_kind(kind).point_level:
            allowed = ", ".join(k.name for k in KINDS.values() if k.point_level)
            raise UserError(f"{kind}: a room is required (only {allowed} may concern the whole exam point)")
        if kind == "void":
            self._void_target(clean["target"], None)
        event = self.log.append(kind=kind, at=when, recorded_at=self.now(), tz=self.point.tz, author=author,
                                day=self.day.key, room=None, participant=code, payload=clean)
        return Recorded(event, [])

    def _void_target(self, target_id: str, room: str | None) -> Event:
        """The event a void names; it must belong where the void is filed (a room, or no room)."""
        target = self.log.get(target_id)
        if target is None:
            raise UserError(f"void: no event {target_id!r} in this database")
        if target.room != room:
            if room is None:
                raise UserError(f"void: event {target.id} belongs to room {target.room}: void it there")
            where = f"room {target.room}" if target.room else "the exam point as a whole (no room)"
            raise UserError(f"void: event {target.id} belongs to {where}, not room {room}")
        return target

    def point_events(self) -> list[Event]:
        """The day's effective events that belong to no room (voids applied), in domain order."""
        live, _ = effective_events(self.log.for_point(self.day.key))
        return live

    def void(self, room: str | None, target: str, reason: str, author: str = "") -> Recorded:
        if not reason.strip():
            raise UserError("void: a reason is required")
        return self.record("void", room, payload={"target": target, "reason": reason}, author=author)

    def last_mark(self, room: str) -> Event | None:
        """The newest effective mark of this station in the room (what Ctrl+Z would void)."""
        state = self.room_state(room)
        mine = [e for e in state.events if e.station == self.station_id]
        return max(mine, key=lambda e: e.seq) if mine else None

    # --- views -----------------------------------------------------------------------------
    def room_state(self, room: str) -> RoomState:
        """The room's state, rebuilt only when events were added other than through this object."""
        return self._state_at(self._room_number(room), self.log.change_token())[2]

    def _state_at(self, num: str, token: Token) -> tuple[Token, int, RoomState]:
        """The cached (token, count, state) of a room, fresh for the database as ``token`` saw it.

        Freshness is checked cheaply first (the log's change token: no write anywhere since), then by
        the room's event count (events are only ever added), and only then by projecting again.
        """
        cached = self._states.get(num)
        if cached is not None and cached[0] == token:
            return cached
        n = self.log.count_room(self.day.key, num)
        if cached is not None and cached[1] == n:
            cached = self._states[num] = (token, n, cached[2])
            return cached
        state = project_room(self.plan, self.ref, num, self.log.for_room_state(self.day.key, num))
        cached = self._states[num] = (token, n, state)
        return cached

    def due(self, room: str) -> list[rules.Advice]:
        return rules.due(self.room_state(room), self.plan, self.ref, self.now())

    def timeline(self, room: str, code: str) -> list[tuple[Event, Event | None]]:
        return participant_timeline(self.log.for_room(self.day.key, self.room(room).number), code)

    def rooms_summary(self) -> list[dict]:
        evs = self.log.for_day(self.day.key)
        by_room: dict[str, list[Event]] = {}
        moves = [e for e in evs if e.kind in (transfer.TRANSFER, "void")]  # a transfer-in names its source room
        for e in evs:
            if e.room:
                by_room.setdefault(e.room, []).append(e)
        out = []
        for num, room in sorted(self.plan.rooms.items()):
            st = project_room(self.plan, self.ref, num, by_room.get(num, []) + [e for e in moves if e.room != num])
            out.append({"room": num, "name": room.name, "rows": room.rows, "seats_per_row": room.seats_per_row,
                        **self.room_times(st), "phase": st.phase, **st.counts(),
                        "organizers": [s.code for s in self.plan.room_staff(num)]})
        return out

    def room_times(self, st: RoomState) -> dict:
        """The room's subject and its times: planned (10:00 local, the subject's duration, ОВЗ extension)
        until the exam starts, then as recorded."""
        subj = self.ref.subject(st.subject)
        start = st.start or self.day.local(self.ref.start_local, self.point.tz).astimezone(UTC)
        end = st.end or start + timedelta(minutes=subj.minutes)
        return {"subject": subj.code, "subject_title": subj.title, "subject_title_en": subj.title_en,
                "subjects": self.plan.room_subjects(st.room) or [subj.code],
                "start": utc_iso(start), "started": st.start is not None, "end": utc_iso(end),
                "end_ovz": utc_iso(end + timedelta(minutes=subj.ovz_extra_minutes))}

    def day_summary(self) -> dict:
        """One exam date: its subjects with rooms and counts (``auditoria days``, the HQ header)."""
        rooms = self.rooms_summary()
        subjects = []
        for code in self.plan.subjects:
            mine = [r for r in rooms if r["subject"] == code]
            people = [p for p in self.plan.participants.values() if p.subject_code == code]
            subj = self.ref.subject(code)
            subjects.append({"code": code, "title": subj.title, "title_en": subj.title_en,
                             "rooms": [r["room"] for r in mine], "participants": len(people),
                             "ovz": sum(p.ovz for p in people), "present": sum(r["present"] for r in mine),
                             "absent": sum(r["absent"] for r in mine),
                             "scheduled": self.ref.scheduled(self.day.key, code)})
        return {"date": self.day.key, "subjects": subjects, "rooms": len(rooms),
                "participants": len(self.plan.participants)}

    def verify(self) -> list[str]:
        problems = []
        if (db := check_database(self.engine)) is not None:
            problems.append(f"database integrity: {db}")
        return problems + self.log.verify()


def state_json(state: RoomState) -> dict:
    """The machine-readable room state (``auditoria state --json``)."""
    c = state.counts()

    def t(dt: datetime | None) -> str | None:
        return utc_iso(dt) if dt else None

    now_out = [(code, x) for code, x in state.exit_log() if x.back_at is None and not x.closed_by]
    return {
        "day": state.day, "room": state.room, "subject": state.subject, "phase": state.phase,
        "assigned": c["assigned"], "present": c["present"], "absent": c["absent"], "unmarked": c["unmarked"],
        "late": c["late"], "in_room": c["in_room"], "out_of_room": c["out_of_room"], "removed": c["removed"],
        "finished_early": c["finished_early"], "finished": c["finished"], "extra_sheets": c["extra_sheets"],
        "exits": c["exits"], "corrections": c["corrections"], "appeals": c["appeals"],
        "transferred_in": c["transferred_in"], "transferred_out": c["transferred_out"],
        "start": t(state.start), "end": t(state.end), "opened_at": t(state.opened_at), "closed_at": t(state.closed_at),
        "audio_active": state.audio_active, "stopped": state.stop_reason or None,
        "out_now": [{"code": code, "since": t(x.out_at)} for code, x in now_out],
        "checks": [{"code": ch.code, "ok": ch.ok, "message": ch.message} for ch in state.checks()],
        "participants": [
            {"code": p.code, "seat": p.assigned_seat, "actual_seat": p.seat or None, "status": p.status,
             "late": p.late, "ovz": p.ovz, "end": t(p.end), "exits": len(p.exits),
             "extra_sheets": [s for s, _, _ in p.extra_sheets],
             **({"transferred_from": p.transferred_from} if p.transferred_from else {}),
             **({"transferred_to": p.transferred_to} if p.transferred_to else {})}
            for p in sorted(state.participants.values(), key=lambda p: (not p.on_list, p.assigned_seat, p.code))
        ],
    }


def event_json(e: Event, voided_by: Event | None = None) -> dict:
    d = e.to_dict()
    if voided_by is not None:
        d["voided_by"] = voided_by.id
    return d


__all__ = ["Station", "Recorded", "state_json", "event_json", "parse_utc"]
