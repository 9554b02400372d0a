"""Fill documents from the record: one builder per layout ``source``, all numbers from projections.

A builder takes the station and what the document concerns (room, participant, act event)
and returns the ``Document`` data; it never paints. Acts are built from their event, so a
voided event has no act any more (which is how a printed act becomes "superseded").
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from app.domain.event import Event, parse_utc
from app.domain.model import Participant, room_number
from app.domain.projection import RoomState, effective_events
from app.domain.rules import removal_grounds
from app.domain.transfer import TRANSFER, transfer_note_in, transfer_note_out
from app.errors import UserError
from app.forms.document import Document
from app.forms.layouts import layout_for
from app.i18n import _, ngettext
from app.paths import resources_dir

ROOM_FORMS = ("ППЭ-05-01", "ППЭ-05-02", "ППЭ-12-02", "ППЭ-12-03", "ППЭ-12-04-МАШ")
HQ_FORMS = ("ППЭ-07", "ППЭ-13-02-МАШ", "ППЭ-19", "ППЭ-10")
# Acts and the event kinds they are drawn up for.
ACT_KINDS: dict[str, tuple[str, ...]] = {
    "ППЭ-20": ("identity-confirmed",),
    "ППЭ-21": ("removal",),
    "ППЭ-22": ("early-completion",),
    "ППЭ-02": ("appeal",),
    "ППЭ-03": ("appeal",),
}
FIELD_TITLES = {"last_name": "Фамилия", "first_name": "Имя", "middle_name": "Отчество",
                "document_series": "Серия документа", "document_number": "Номер документа",
                "document_type": "Тип документа", "sex": "Пол"}
ROLE_TITLES = {"organizer-room": "Организатор в аудитории", "organizer-outside": "Организатор вне аудитории",
               "ppe-head": "Руководитель ППЭ", "gek": "Член ГЭК", "medic": "Медицинский работник",
               "observer": "Общественный наблюдатель", "tech": "Технический специалист"}
STATUS_TITLES = {"expected": "не отмечен", "present": "в аудитории", "out_of_room": "вне аудитории",
                 "finished": "сдал работу", "removed": "удалён", "finished_early": "не закончил (объект. причины)",
                 "absent": "не явился", "transferred_out": "переведён в другую аудиторию"}


@lru_cache(maxsize=1)
def problem_texts() -> dict[str, str]:
    data = json.loads((resources_dir() / "forms" / "problems.ru.json").read_text(encoding="utf-8"))
    return data["checks"]


class Ctx:
    """What every builder needs: the station, its plan and reference, local-time helpers."""

    def __init__(self, station):
        self.st = station
        self.plan = station.plan
        self.ref = station.ref
        self.point = self.plan.point
        self.day = self.plan.day
        self.tz = ZoneInfo(self.point.tz)
        self._states: dict[str, RoomState] = {}
        self._day_live: list[Event] | None = None
        self._problems: dict[int, tuple[RoomState, list[tuple[str, str]]]] = {}
        self._hhmm: dict[datetime | str, str] = {}
        self._forms = {f.code: f for f in self.ref.forms.values()}

    def hhmm(self, dt: datetime | str | None) -> str:
        """Local "HH:MM" of an instant (remembered: a room's forms ask for the same few times often)."""
        if dt is None or dt == "":
            return ""
        hit = self._hhmm.get(dt)
        if hit is None:
            hit = self._hhmm[dt] = (parse_utc(dt) if isinstance(dt, str) else dt).astimezone(self.tz).strftime("%H:%M")
        return hit

    def subject_of(self, room: str | None, subject: str | None = None, participant: str | None = None) -> str:
        """The subject a form is for: given, the participant's own, or the room's on this date."""
        if subject:
            return subject
        p = self.plan.participants.get(participant or "")
        if p is not None and p.subject_code:
            return p.subject_code
        if room:
            return self.plan.room_subject(room)
        subs = self.plan.subjects
        return subs[0] if len(subs) == 1 else ""

    def header(self, room: str | None, subject: str | None = None, participant: str | None = None) -> dict[str, str]:
        code = self.subject_of(room, subject, participant)
        if code:
            title = self.ref.subject(code).title
        else:  # a form of the whole date (ППЭ-19): every subject of it
            title = "; ".join(f"{c} {self.ref.subject(c).title}" for c in self.plan.subjects)
        return {"region": self.point.region, "msu": self.point.msu, "ppe": self.point.code,
                "ppe_name": self.point.name, "room": room or "", "subject_code": code,
                "subject": title, "date": self.day.date.strftime("%d.%m.%Y")}

    def rooms_of(self, subject: str | None) -> list[str]:
        """The date's rooms, or those holding one subject."""
        return sorted(n for n in self.plan.rooms if not subject or self.plan.room_subject(n) == subject)

    def staff_name(self, code: str | None) -> str:
        if not code:
            return ""
        s = self.plan.staff.get(code)
        return s.full_name if s else code

    def staff_role(self, code: str | None) -> str:
        s = self.plan.staff.get(code or "")
        return ROLE_TITLES.get(s.role, s.role) if s else ""

    def of_role(self, role: str) -> list[str]:
        return [s.full_name for s in sorted(self.plan.staff.values(), key=lambda s: s.code) if s.role == role]

    def organizers(self, room: str, state: RoomState) -> tuple[str, list[str]]:
        """(lead organizer's name, the other organizers' names) of a room."""
        staff = self.plan.room_staff(room)
        lead = [s for s in staff if s.lead]
        lead_name = lead[0].full_name if lead else ""
        codes = [c for c in state.organizers if c in self.plan.staff] or [s.code for s in staff]
        for old, new in self.replacements(room):  # ППЭ-19: who actually served in the room
            codes = [new if c == old else c for c in codes]
            if lead and lead[0].code == old:
                lead_name = self.staff_name(new)
        others = [self.staff_name(c) for c in dict.fromkeys(codes) if self.staff_name(c) != lead_name]
        return lead_name, others

    def replacements(self, room: str) -> list[tuple[str, str]]:
        """(replaced, replacement) staff codes of the room's ``staff-change`` marks (ППЭ-19)."""
        return [(str(e.payload.get("replaced", "")), str(e.payload.get("replacement", "")))
                for e in self.state(room).events if e.kind == "staff-change"]

    def observer_visits(self):
        """Public observers' stays at the exam point on the date (checked in at HQ)."""
        from app.services.observers import visits_of

        return visits_of([e for e in self.day_events() if e.room is None], self.plan.staff)

    def observers_at(self, when: datetime | str) -> str:
        """Names of the public observers present at ``when`` (for the observer's line of an act)."""
        at = parse_utc(when) if isinstance(when, str) else when
        return ", ".join(v.name for v in self.observer_visits() if v.present_at(at))

    def day_events(self) -> list[Event]:
        if self._day_live is None:
            self._day_live, _ = effective_events(self.st.log.for_day(self.day.key))
        return self._day_live

    def person(self, code: str | None) -> dict[str, str]:
        p = self.plan.participants.get(code or "")
        if p is None and code:
            p = self.transferred_person(code)
        if p is None:
            return {"code": code or "", "name": f"(код {code}: нет в списке)" if code else "", "last_name": "",
                    "first_name": "", "middle_name": "", "document": "", "document_series": "",
                    "document_number": "", "seat": "", "school": "", "room": ""}
        return {"code": p.code, "name": p.full_name, "last_name": p.last_name, "first_name": p.first_name,
                "middle_name": p.middle_name, "document": p.document, "document_series": p.document_series,
                "document_number": p.document_number, "seat": p.seat, "school": p.school_code, "room": p.room}

    def transferred_person(self, code: str) -> Participant | None:
        """Someone of another room's list known here only by their transfer mark: the document's details."""
        e = next((e for e in self.day_events() if e.kind == TRANSFER and e.participant == code), None)
        if e is None:
            return None
        d = e.payload
        return Participant(code=code, last_name=str(d.get("last_name", "")), first_name=str(d.get("first_name", "")),
                           middle_name=str(d.get("middle_name", "")),
                           document_series=str(d.get("document_series", "")),
                           document_number=str(d.get("document_number", "")), school_code="",
                           room=str(e.room or ""), seat=str(d.get("seat", "")), day=self.day.key)

    def state(self, room: str) -> RoomState:
        s = self._states.get(room)
        if s is None:
            s = self._states[room] = self.st.room_state(room)
        return s

    def problems(self, state: RoomState) -> list[tuple[str, str]]:
        """The room's failed checks, worked out once for all the forms of one print (four of the five
        room forms and both HQ forms ask)."""
        hit = self._problems.get(id(state))
        if hit is None or hit[0] is not state:
            hit = self._problems[id(state)] = (state, room_problems(state))
        return hit[1]

    def doc(self, code: str, room: str | None, subject: str | None = None, **kw) -> Document:
        info = self.ref.form(code)
        header = self.header(room, subject, kw.get("participant"))
        return Document(code=info.code, slug=info.slug, title=info.title, layout=layout_for(info.code),
                        day=self.day.key, header=header, room=room,
                        subject=subject or "" if room is None else "", **kw)


def warnings_for(ctx: Ctx, state: RoomState, wanted: list[str] | str) -> list[str]:
    """Russian reasons for the room's failed 05-02 checks that concern this form."""
    return [text for code, text in ctx.problems(state) if wanted == "*" or code in wanted]


def room_problems(state: RoomState) -> list[tuple[str, str]]:
    """(check code, Russian reason) of every failed 05-02 check of a room, worded once."""
    texts = problem_texts()
    c = state.counts()
    open_exits = [code for code, x in state.exit_log() if x.back_at is None and not x.closed_by]
    sheets = [s for _, s, _, _ in state.extra_sheet_log()]
    params: dict[str, Any] = {
        **c, "open_exits": ", ".join(open_exits), "dup_sheets": ", ".join(sorted({s for s in sheets
                                                                                 if sheets.count(s) > 1})),
        "strangers": ", ".join(p.code for p in state.participants.values()
                               if not p.on_list and not p.transferred_from),
        "blanks": state.materials.get("blanks", ""), "collected_sheets": state.materials.get("extra_sheets", ""),
        "handed": c["finished"] + c["removed"] + c["finished_early"],
        "not_handed": c["in_room"] + c["out_of_room"]}
    out = []
    for ch in state.problems():
        tmpl = texts.get(ch.code)
        out.append((ch.code, tmpl.format(**params) if tmpl else ch.message))
    return out


# --- room forms -----------------------------------------------------------------------------
def _room(ctx: Ctx, room: str | None) -> str:
    room = room or ctx.st.home_room
    if not room:
        raise UserError(_("this form is printed for a room: give --room"))
    if room in ctx.plan.rooms:
        return room
    return ctx.st.room(room).number


def build_list(ctx: Ctx, code: str, room: str | None, **_) -> Document:
    room = _room(ctx, room)
    rows = []
    for i, p in enumerate(ctx.plan.room_participants(room), 1):
        rows.append({"n": i, "last_name": p.last_name, "first_name": p.first_name, "middle_name": p.middle_name,
                     "document_series": p.document_series, "document_number": p.document_number,
                     "seat": p.seat, "school": p.school_code})
    return ctx.doc(code, room, tables={"participants": rows}, fields={"assigned": len(rows)})


def build_protocol(ctx: Ctx, code: str, room: str | None, **_) -> Document:
    room = _room(ctx, room)
    state = ctx.state(room)
    c = state.counts()
    rows = []
    listed = [state.participants[p.code] for p in ctx.plan.room_participants(room) if p.code in state.participants]
    arrived = sorted((p for p in state.transfers_in() if p not in listed), key=lambda p: (p.assigned_seat, p.code))
    strangers = sorted((p for p in state.participants.values() if not p.on_list and not p.transferred_from),
                       key=lambda p: p.code)
    for i, ps in enumerate(listed + arrived + strangers, 1):
        who = ctx.person(ps.code)
        notes = []
        if ps.transfer is not None and ps.transferred_from:
            notes.append(transfer_note_in(ps.transfer.payload))
        if ps.status == "transferred_out" and ps.transfer is not None:
            notes.append(transfer_note_out(ps.transferred_to, ps.transfer.payload))
        if ps.late:
            notes.append(f"опоздал {ctx.hhmm(ps.admitted_at)}")
        if ps.seat_changed:
            notes.append(f"место {ps.seat}")
        if ps.ovz:
            notes.append("ОВЗ")
        if ps.identity == "no-document":
            notes.append("ППЭ-20")
        if ps.status == "removed":
            notes.append(f"ППЭ-21 {ctx.hhmm(ps.removed_at)}")
        if ps.status == "finished_early":
            notes.append(f"ППЭ-22 {ctx.hhmm(ps.early_at)}")
        if ps.status == "finished":
            notes.append(f"сдал {ctx.hhmm(ps.finished_at)}")
        if ps.status in ("expected", "present", "out_of_room"):
            notes.append(STATUS_TITLES[ps.status])
        rows.append({"n": i, "name": who["name"], "document": who["document"], "seat": ps.assigned_seat or "—",
                     "absent": ps.status == "absent", "removed": ps.status == "removed",
                     "early": ps.status == "finished_early", "extra": len(ps.extra_sheets) or "",
                     "note": "; ".join(notes), "status": ps.status})
    lead, others = ctx.organizers(room, state)
    ends = state.ends()
    general_end = state.personal_end(_plain()) if state.start else None
    ovz_end = next((e for e in ends if general_end and e > general_end), None)
    m = state.materials
    kits = kit_replacements(ctx, state)
    fields = {**{k: c[k] for k in ("assigned", "present", "absent", "removed", "finished_early", "finished",
                                    "late", "extra_sheets", "exits", "unmarked")},
              "start": ctx.hhmm(state.start), "end": ctx.hhmm(general_end), "ovz_end": ctx.hhmm(ovz_end),
              "materials_blanks": m.get("blanks", "—"), "materials_extra_sheets": m.get("extra_sheets", "—"),
              "materials_spoiled": len(kits) or m.get("spoiled", 0), "materials_kits": m.get("kits", "—"),
              "lead": lead, "organizers": others}
    times = [t for t in (ctx.hhmm(state.start), ctx.hhmm(general_end)) if t]
    return ctx.doc(code, room, fields=fields, tables={"participants": rows, "kits": kits}, times=times,
                   warnings=warnings_for(ctx, state, layout_for(code).get("checks", "*")))


KIT_REASONS = {"defect": "брак", "spoiled": "порча"}


def kit_replacements(ctx: Ctx, state: RoomState) -> list[dict[str, Any]]:
    """Rows of the room's live ``kit-replaced`` marks: who, the kit replaced, the reserve kit, why, when."""
    rows = []
    for e in state.events:
        if e.kind != "kit-replaced":
            continue
        p = e.payload
        rows.append({"n": len(rows) + 1, "code": e.participant or "", "name": ctx.person(e.participant)["name"],
                     "kit": str(p.get("kit", "")), "new_kit": str(p.get("new_kit", "")),
                     "reason": KIT_REASONS.get(str(p.get("reason", "")), str(p.get("reason", ""))),
                     "at": ctx.hhmm(e.at)})
    return rows


def _plain():
    from app.domain.projection import ParticipantState

    return ParticipantState("", "")


def build_corrections(ctx: Ctx, code: str, room: str | None, **_) -> Document:
    room = _room(ctx, room)
    state = ctx.state(room)
    rows = []
    for i, e in enumerate(state.corrections_log(), 1):
        who = ctx.person(e.participant)
        f = str(e.payload.get("field", ""))
        rows.append({"n": i, "code": e.participant, "name": who["name"], "field": FIELD_TITLES.get(f, f),
                     "old": e.payload.get("old", ""), "new": e.payload.get("new", ""), "at": ctx.hhmm(e.at)})
    lead, others = ctx.organizers(room, state)
    return ctx.doc(code, room, tables={"corrections": rows}, fields={"count": len(rows), "lead": lead},
                   warnings=warnings_for(ctx, state, layout_for(code).get("checks", [])))


def build_extra_sheets(ctx: Ctx, code: str, room: str | None, **_) -> Document:
    room = _room(ctx, room)
    state = ctx.state(room)
    rows = []
    per: dict[str, int] = {}
    for i, (pc, sheet, at, _eid) in enumerate(state.extra_sheet_log(), 1):
        per[pc] = per.get(pc, 1) + 1  # the main answer sheet No. 2 is sheet 1
        rows.append({"n": i, "code": pc, "name": ctx.person(pc)["name"], "sheet": sheet, "page": per[pc],
                     "at": ctx.hhmm(at)})
    lead, _others = ctx.organizers(room, state)
    return ctx.doc(code, room, tables={"sheets": rows}, fields={"count": len(rows), "lead": lead,
                                                                "participants": len(per)},
                   warnings=warnings_for(ctx, state, layout_for(code).get("checks", [])))


def build_exits(ctx: Ctx, code: str, room: str | None, **_) -> Document:
    room = _room(ctx, room)
    state = ctx.state(room)
    rows = []
    for i, (pc, x) in enumerate(state.exit_log(), 1):
        who = ctx.person(pc)
        out_ev = next((e for e in state.events if e.id == x.out_event), None)
        escort = ctx.staff_name(str(out_ev.payload.get("accompanied_by", ""))) if out_ev else ""
        back = ctx.hhmm(x.back_at)
        rows.append({"n": i, "code": pc, "name": who["name"], "document": who["document_number"],
                     "out": ctx.hhmm(x.out_at).replace(":", ""), "back": back.replace(":", ""),
                     "escort": escort, "note": "" if back or not x.closed_by else
                     {"removal": "удалён", "early-completion": "ППЭ-22", "finished": "сдал работу"}.get(
                         x.closed_by, x.closed_by)})
    lead, _others = ctx.organizers(room, state)
    return ctx.doc(code, room, tables={"exits": rows}, fields={"count": len(rows), "lead": lead},
                   warnings=warnings_for(ctx, state, layout_for(code).get("checks", [])))


# --- HQ forms -------------------------------------------------------------------------------
def build_summary(ctx: Ctx, code: str, room: str | None = None, subject: str | None = None, **_) -> Document:
    rows = []
    keys = ("assigned", "present", "absent", "removed", "finished_early", "finished", "extra_sheets")
    totals = dict.fromkeys((*keys, "kits_used", "kits_replaced"), 0)
    warnings = []
    for num in ctx.rooms_of(subject):
        state = ctx.state(num)
        c = state.counts()
        probs = warnings_for(ctx, state, "*")
        warnings += [f"Аудитория {num}: {w}" for w in probs]
        replaced = len(kit_replacements(ctx, state))
        row = {"room": num, **{k: c[k] for k in keys}, "kits_used": c["present"] + replaced,
               "kits_replaced": replaced, "note": ""}
        rows.append(row)
        for k in totals:
            totals[k] += row[k]
    heads = ctx.of_role("ppe-head")
    return ctx.doc(code, None, subject, tables={"rooms": rows, "totals": [{"room": "Итого", **totals, "note": ""}]},
                   fields={**totals, "rooms": len(rows), "head": heads[0] if heads else ""}, warnings=warnings)


def _day_events(ctx: Ctx) -> list[Event]:
    return ctx.day_events()


def _basis(e: Event) -> str:
    p = e.payload
    if e.kind in ("identity-confirmed", "admitted", "late"):
        return f"личность подтвердил(а): {p.get('confirmed_by', '')}".strip()
    return str(p.get("reason", p.get("text", "")))


def build_staff_changes(ctx: Ctx, code: str, room: str | None = None, **_) -> Document:
    rows = []
    for i, e in enumerate((e for e in _day_events(ctx) if e.kind == "staff-change"), 1):
        old, new = str(e.payload.get("replaced", "")), str(e.payload.get("replacement", ""))
        role = str(e.payload.get("role", "")) or ctx.staff_role(old)
        rows.append({"n": i, "replaced": ctx.staff_name(old), "replaced_role": ROLE_TITLES.get(role, role),
                     "reason": e.payload.get("reason", ""), "replacement": ctx.staff_name(new),
                     "replacement_role": ctx.staff_role(new) or ROLE_TITLES.get(role, role),
                     "room": e.room or "", "at": ctx.hhmm(e.at)})
    heads = ctx.of_role("ppe-head")
    observers = [{"n": i, "name": v.name, "arrived": ctx.hhmm(v.arrived), "left": ctx.hhmm(v.left),
                  "rooms": ", ".join(v.rooms)} for i, v in enumerate(ctx.observer_visits(), 1)]
    return ctx.doc(code, None, tables={"changes": rows, "observers": observers},
                   fields={"count": len(rows), "observers": len(observers), "head": heads[0] if heads else ""})


ROLE_ORDER = ("ppe-head", "gek", "organizer-room", "organizer-outside", "tech", "medic", "observer")


def build_staff_list(ctx: Ctx, code: str, room: str | None = None, **_) -> Document:
    """ППЭ-07: the exam point's staff and public observers, by role, organizers of the rooms in room order."""
    def order(s):
        return (ROLE_ORDER.index(s.role) if s.role in ROLE_ORDER else len(ROLE_ORDER), s.room, not s.lead, s.code)

    rows = []
    for i, s in enumerate(sorted(ctx.plan.staff.values(), key=order), 1):
        role = ROLE_TITLES.get(s.role, s.role)
        if s.lead:
            role = "Ответственный организатор в аудитории"
        rows.append({"n": i, "name": s.full_name, "role": role, "room": s.room})
    heads = ctx.of_role("ppe-head")
    return ctx.doc(code, None, tables={"staff": rows}, fields={"count": len(rows), "head": heads[0] if heads else ""})


def build_gek_facts(ctx: Ctx, code: str, room: str | None = None, subject: str | None = None, **_) -> Document:
    keys = ("assigned", "present", "absent", "late", "removed", "finished_early", "finished", "extra_sheets",
            "exits", "corrections", "appeals", "no_document")
    totals = dict.fromkeys(keys, 0)
    warnings = []
    starts = []
    kits_replaced = 0
    mine = ctx.rooms_of(subject)
    for num in mine:
        state = ctx.state(num)
        kits_replaced += len(kit_replacements(ctx, state))
        for k, v in state.counts().items():
            if k in totals:
                totals[k] += v
        if state.start:
            starts.append(state.start)
        warnings += [f"Аудитория {num}: {w}" for w in warnings_for(ctx, state, "*")]
    acts = []
    incidents = []
    changes = 0
    for e in _day_events(ctx):
        if e.room and e.room not in mine:
            continue
        if e.kind == "staff-change":
            changes += 1
        for form, kinds in ACT_KINDS.items():
            if e.kind in kinds and form != "ППЭ-03":
                acts.append({"n": len(acts) + 1, "form": form, "room": e.room or "", "code": e.participant or "",
                             "at": ctx.hhmm(e.at), "reason": _basis(e)})
        if e.kind in ("exam-stopped", "evacuation-start", "evacuation-end", "note"):
            what = {"exam-stopped": "Экзамен остановлен", "evacuation-start": "Начало эвакуации",
                    "evacuation-end": "Окончание эвакуации", "note": "Заметка"}[e.kind]
            incidents.append({"n": len(incidents) + 1, "room": e.room or "", "at": ctx.hhmm(e.at), "what": what,
                              "text": str(e.payload.get("note", e.payload.get("text", e.payload.get("reason", ""))))})
    return ctx.doc(code, None, subject, tables={"acts": acts, "incidents": incidents},
                   fields={**totals, "rooms": len(mine), "staff_changes": changes,
                           "observers": len(ctx.observer_visits()),
                           "kits_replaced": kits_replaced,
                           "first_start": ctx.hhmm(min(starts)) if starts else "",
                           "last_start": ctx.hhmm(max(starts)) if starts else "",
                           "started_rooms": len(starts), "ppe_name": ctx.point.name},
                   warnings=warnings)


# --- acts -----------------------------------------------------------------------------------
def act_events(ctx: Ctx, code: str, room: str | None = None, participant: str | None = None,
               event_id: str | None = None) -> list[Event]:
    """The live events an act is drawn up for, optionally narrowed to a room/participant/event id (prefix)."""
    kinds = ACT_KINDS[code]
    evs = [e for e in _day_events(ctx) if e.kind in kinds]
    if code == "ППЭ-20":  # admitted without a document and never confirmed by a separate mark
        confirmed = {e.participant for e in evs}
        evs += [e for e in _day_events(ctx) if e.kind in ("admitted", "late")
                and e.payload.get("identity") == "no-document" and e.participant not in confirmed]
    if room:
        num = room_number(room)
        evs = [e for e in evs if e.room == num]
    if participant:
        evs = [e for e in evs if e.participant == participant]
    if event_id:
        evs = [e for e in evs if e.id.replace("-", "").startswith(event_id.replace("-", ""))]
    return sorted(evs, key=Event.order_key)


def build_act(ctx: Ctx, code: str, room: str | None = None, participant: str | None = None,
              event_id: str | None = None, event: Event | None = None) -> Document:
    if event is None:
        evs = act_events(ctx, code, room, participant, event_id)
        if not evs:
            raise UserError(_("{code}: no event in the record calls for this act").format(code=code)
                            + (f" ({participant})" if participant else ""))
        if len(evs) > 1:
            raise UserError(ngettext("{code}: {n} event calls for this act; give --participant or the event id",
                                     "{code}: {n} events call for this act; give --participant or the event id",
                                     len(evs)).format(
                code=code, n=len(evs)))
        event = evs[0]
    who = ctx.person(event.participant)
    p = event.payload
    state = ctx.state(event.room) if event.room else None
    ps = state.participants.get(event.participant or "") if state else None
    lead, _others = ctx.organizers(event.room, state) if state and event.room else ("", [])
    heads = ctx.of_role("ppe-head")
    # The ГЭК member who drew up the act at HQ (act-drawn event) outranks the one named in the room.
    gek = str(p.get("gek_member", ""))
    drawn_at = event.at
    for e in reversed(state.events if state else []):
        if e.kind == "act-drawn" and e.payload.get("target") == event.id and e.payload.get("gek_member"):
            gek = str(e.payload["gek_member"])
            drawn_at = e.at
            break
    item = str(p.get("item", ""))
    grounds = removal_grounds(ctx.ref)
    violation = item if item in {d.key for d in grounds} else ("other" if item else "")
    fields = {**{f"p_{k}": v for k, v in who.items()}, "at": ctx.hhmm(event.at),
              "seat": (ps.seat or ps.assigned_seat) if ps else who["seat"],
              "reason": str(p.get("reason", "")), "item": item, "violation": violation,
              "item_title": next((d.title for d in (*grounds, *ctx.ref.forbidden) if d.key == item), item),
              "text": str(p.get("text", "")), "note": str(p.get("note", "")),
              "confirmed_by": str(p.get("confirmed_by", "")), "gek": ctx.staff_name(gek),
              "medic": ctx.staff_name(str(p.get("medic", ""))), "head": heads[0] if heads else "",
              "lead": lead, "event_kind": event.kind, "observer": ctx.observers_at(drawn_at)}
    return ctx.doc(code, event.room, participant=event.participant, event_id=event.id, fields=fields,
                   times=[ctx.hhmm(event.at)])


SOURCES: dict[str, Callable[..., Document]] = {
    "list": build_list, "protocol": build_protocol, "corrections": build_corrections,
    "extra_sheets": build_extra_sheets, "exits": build_exits, "summary": build_summary,
    "staff_changes": build_staff_changes, "staff_list": build_staff_list, "gek_facts": build_gek_facts,
    "act": build_act,
}


# Forms that total the exam point and are drawn up per subject (one document for each subject of the date).
PER_SUBJECT_SOURCES = ("summary", "gek_facts")


def build(station, code: str, room: str | None = None, participant: str | None = None,
          event_id: str | None = None, ctx: Ctx | None = None, subject: str | None = None) -> list[Document]:
    """Documents of a form: one for a room form, one per subject of the date for the forms that
    total the exam point (13-02-МАШ, the ППЭ-10 facts), one per matching event for acts."""
    ctx = ctx or Ctx(station)
    lay = layout_for(code)
    src = SOURCES.get(lay["source"])
    if src is None:
        raise UserError(_("layout of {code}: unknown source {source!r}").format(code=code, source=lay["source"]))
    if lay["source"] == "act":
        if participant or event_id:
            return [build_act(ctx, code, room, participant, event_id)]
        evs = act_events(ctx, code, room)
        if not evs:
            raise UserError(_("{code}: no event in the record calls for this act").format(code=code))
        return [build_act(ctx, code, event=e) for e in evs]
    if lay["source"] in PER_SUBJECT_SOURCES:
        if subject and subject not in ctx.plan.subjects:
            raise UserError(_("{code}: no subject {subject} on {date} (subjects: {subjects})").format(
                code=code, subject=subject, date=ctx.day.key, subjects=", ".join(ctx.plan.subjects)))
        return [src(ctx, code, room, subject=s) for s in ([subject] if subject else ctx.plan.subjects)]
    return [src(ctx, code, room)]
