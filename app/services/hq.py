"""What the HQ station (Штаб ППЭ) does: see every room, draw up acts, record staff changes, total up.

The room stations record incidents; the ГЭК member draws up the acts in HQ. Each act drawn
is an ``act-drawn`` event pointing at the incident (or at a participant brought straight to
HQ), so the record shows which acts exist, by whom, and the sync carries them upward.
"""

from __future__ import annotations

import importlib
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from app.domain.event import Event, parse_utc
from app.domain.kinds import KINDS
from app.errors import UserError
from app.i18n import N_, _
from app.services import observers
from app.transfer import records

# Acts HQ draws up (ГЭК member), and the incident kinds that call for them.
HQ_ACTS = ("ППЭ-20", "ППЭ-21", "ППЭ-22", "ППЭ-02", "ППЭ-03")
ACT_TITLES = {
    "ППЭ-20": N_("Identification of a participant without a document"),
    "ППЭ-21": N_("Removal of a participant"),
    "ППЭ-22": N_("Early completion for objective reasons"),
    "ППЭ-02": N_("Appeal on the procedure"),
    "ППЭ-03": N_("Review of the appeal on the procedure"),
    "ППЭ-19": N_("Staff change on the exam day"),
}
# A participant brought to HQ directly: the incident HQ records before the act.
DIRECT_KIND = {"ППЭ-21": "removal", "ППЭ-22": "early-completion", "ППЭ-20": "identity-confirmed", "ППЭ-02": "appeal"}


@dataclass
class RoomOverview:
    room: str
    name: str
    phase: str
    counts: dict[str, int]
    incidents: int
    acts_pending: int
    stations: list[str]
    last_package: dict | None
    subject: str = ""  # the subject the room holds on the station's exam date

    @property
    def last_package_at(self) -> datetime | None:
        return parse_utc(self.last_package["imported_at"]) if self.last_package else None


@dataclass
class ActItem:
    form: str
    room: str
    participant: str | None
    incident: Event | None
    drawn: Event | None = None

    @property
    def title(self) -> str:
        return _(ACT_TITLES.get(self.form, self.form))

    @property
    def key(self) -> tuple[str, str]:
        return (self.form, self.incident.id if self.incident else "")


@dataclass
class DrawnAct:
    event: Event
    document_id: str
    warnings: list[str] = field(default_factory=list)


def _acts_drawn(events: list[Event]) -> dict[tuple[str, str], Event]:
    return {(str(e.payload.get("form")), str(e.payload.get("target", ""))): e for e in events if e.kind == "act-drawn"}


def acts(station) -> list[ActItem]:
    """Every act the day's incidents call for, drawn or not (rooms in order, then time)."""
    out: list[ActItem] = []
    for num in sorted(station.plan.rooms):
        st = station.room_state(num)
        drawn = _acts_drawn(st.events)
        confirmed = {e.participant for e in st.incidents if e.kind == "identity-confirmed"}
        items: list[ActItem] = []
        for e in st.incidents:
            form = KINDS[e.kind].act
            if form in HQ_ACTS:
                items.append(ActItem(form, num, e.participant, e))
            if e.kind == "appeal":
                items.append(ActItem("ППЭ-03", num, e.participant, e))
        for e in st.events:
            if e.kind in ("admitted", "late") and e.payload.get("identity") == "no-document" and \
                    e.participant not in confirmed:
                items.append(ActItem("ППЭ-20", num, e.participant, e))
                confirmed.add(e.participant)
        for it in items:
            it.drawn = drawn.get(it.key)
        # acts drawn directly (participant brought to HQ), with no incident of their own
        targets = {it.key for it in items}
        for (form, target), e in drawn.items():
            if (form, target) not in targets and form in HQ_ACTS and not target:
                items.append(ActItem(form, num, e.participant, None, e))
        out.extend(sorted(items, key=lambda i: (i.incident.at if i.incident else i.drawn.at, i.form)))
    return out


def pending_acts(station) -> list[ActItem]:
    return [a for a in acts(station) if a.drawn is None]


def gek_members(station) -> list:
    return sorted((s for s in station.plan.staff.values() if s.role == "gek"), key=lambda s: s.code)


def suggested_gek(station, item: ActItem) -> str:
    """The GEK member the room named for this incident (by code or by name, as typed there), so HQ
    does not silently default to another person; "" when the room named none HQ knows."""
    named = str((item.incident.payload.get("gek_member", "") if item.incident else "") or "").strip()
    if not named:
        return ""
    fold = named.casefold().replace("ё", "е")
    for s in gek_members(station):
        names = {s.code, s.short_name, s.full_name, s.last_name}
        if named in names or fold in {n.casefold().replace("ё", "е") for n in names if n}:
            return s.code
    return ""


def draw_act(station, item: ActItem, gek_member: str, author: str = "", at=None) -> DrawnAct:
    """Record that the ГЭК member drew up this act (an ``act-drawn`` event in the room)."""
    warnings: list[str] = []
    member = station.plan.staff.get(gek_member)
    if not gek_member:
        raise UserError(_("choose the GEK member who draws up the act"))
    if member is None:
        raise UserError(_("no staff member with code {code}").format(code=gek_member))
    if member.role != "gek":
        warnings.append(_("{code} is not listed as a GEK member; acts are drawn up by the GEK member").format(
            code=gek_member))
    if item.drawn is not None:
        warnings.append(_("this act was already drawn up; recording it again").format())
    doc = act_document_id(station, item.form, item.room, item.participant,
                          item.incident.id if item.incident else None)
    payload = {"form": item.form, "document_id": doc, "gek_member": gek_member}
    if item.incident is not None:
        payload["target"] = item.incident.id
    rec = station.record("act-drawn", item.room, item.participant, at=at, payload=payload, author=author)
    return DrawnAct(rec.event, doc, warnings + [a.text() for a in rec.advice])


def direct_act(station, form: str, participant: str, gek_member: str, reason: str = "", author: str = "",
               at=None) -> DrawnAct:
    """A participant brought to HQ: record the incident in their room, then the act."""
    p = station.plan.participants.get(participant)
    if p is None:
        raise UserError(_("no participant {code} on the exam day").format(code=participant))
    kind = DIRECT_KIND.get(form)
    if kind is None:
        raise UserError(_("form {form} is not drawn up directly").format(form=form))
    payload: dict = {}
    if kind in ("removal", "early-completion"):
        if not reason.strip():
            raise UserError(_("a reason is required"))
        payload = {"reason": reason, "gek_member": gek_member}
    elif kind == "appeal":
        payload = {"text": reason}
    elif reason:
        payload = {"note": reason}
    inc = station.record(kind, p.room, participant, at=at, payload=payload, author=author)
    return draw_act(station, ActItem(form, p.room, participant, inc.event), gek_member, author=author, at=at)


def _forms_api():
    """The forms API (app.forms.api), or None while this build has no forms module."""
    try:
        return importlib.import_module("app.forms.api")
    except ImportError:
        return None


def act_document_id(station, form: str, room: str, participant: str | None, target: str | None) -> str:
    """The id the printed act will carry (forms derive it from form, day, room, participant, event)."""
    api = _forms_api()
    if api is not None and target:
        try:
            return api.build_documents(station, form, room, participant, target)[0].doc_id
        except UserError:
            pass
    return str(uuid.uuid4())


def print_act(station, item: ActItem, out=None) -> Path:
    """Render the act as a PDF (with its signed QR) through the forms module; returns the file."""
    api = _forms_api()
    if api is None:
        raise UserError(_("printing acts needs the forms module, which this build does not have yet; the act is "
                          "recorded and can be printed later"))
    if item.incident is None:
        raise UserError(_("this act has no incident in the record to print it from"))
    if out is None:
        from app.paths import data_dir

        folder = data_dir() / "acts"
        folder.mkdir(parents=True, exist_ok=True)
        out = folder / f"{item.form}_{item.room}_{item.participant or ''}_{item.incident.id[:8]}.pdf"
    return Path(api.render_form(station, item.form, item.room, item.participant, item.incident.id, out=out))


def paint_act(printer, station, item: ActItem) -> int:
    """Paint the act on a printer (a QPrinter from the print dialog); returns the pages painted."""
    api = _forms_api()
    if api is None:
        raise UserError(_("printing acts needs the forms module, which this build does not have yet; the act is "
                          "recorded and can be printed later"))
    if item.incident is None:
        raise UserError(_("this act has no incident in the record to print it from"))
    return api.paint_to_printer(printer, station, item.form, item.room, item.participant, item.incident.id)


@dataclass
class QrCheck:
    ok: bool
    message: str
    data: dict = field(default_factory=dict)


def verify_act_qr(station, text: str) -> QrCheck:
    """Check a paper act by its QR text (pasted or from a scanner): signature, signer, and the record."""
    text = text.strip()
    if not text:
        return QrCheck(False, _("paste or scan the QR code of the act first"))
    try:
        seal = importlib.import_module("app.forms.seal")
    except ImportError:
        return QrCheck(False, _("verifying acts needs the forms module, which this build does not have yet"))
    try:
        sealed = seal.parse(text)
    except seal.BadPayload as e:
        return QrCheck(False, _("cannot read the code: {why}").format(why=e))
    p = sealed.payload
    data = sealed.readable()
    from app.transfer.keys import station_keys

    signers = {station.station_id: station_keys(station).public}
    signers.update({t.station: t.identity for t in records.trusted(station.engine)})
    ident = signers.get(str(p.get("s")))
    if ident is None:
        return QrCheck(False, _("printed by station {station}, which this HQ does not know").format(
            station=p.get("s")), data)
    if not seal.check_signature(sealed, ident):
        return QrCheck(False, _("the signature does not match: the code was altered or forged"), data)
    api = _forms_api()
    parts = [_("signature verified: {form}, document {doc}, printed by {station}").format(
        form=p.get("f"), doc=p.get("i"), station=p.get("s"))]
    ok = True
    if api is not None and p.get("e"):
        try:
            code = api.resolve_form(station, str(p["f"]))
            docs = api.build_documents(station, code, p.get("r"), p.get("u"), str(p["e"]))
        except UserError as e:
            docs, ok = [], False
            parts.append(_("the record has no such act now ({why})").format(why=e))
        if docs:
            same = docs[0].content_hash() == seal.content_hash_of(sealed)
            ok = ok and same
            parts.append(_("the paper matches the record") if same else
                         _("the record has changed since this paper was printed: print the act again"))
    drawn = [e for num in sorted(station.plan.rooms) for e in station.room_state(num).events
             if e.kind == "act-drawn" and e.payload.get("document_id") == p.get("i")]
    if drawn:
        gek = station.plan.staff.get(str(drawn[-1].payload.get("gek_member", "")))
        parts.append(_("drawn up by GEK member {name}").format(name=gek.short_name if gek else "?"))
    return QrCheck(ok, "; ".join(parts), data)


def staff_change(station, replaced: str, replacement: str, reason: str, role: str = "", room: str = "",
                 author: str = "", at=None):
    """ППЭ-19: one worker replaced by another; filed under the replaced worker's room (or the one given),
    or under the exam point as a whole for staff who serve outside the rooms."""
    staff = station.plan.staff
    for code in (replaced, replacement):
        if code not in staff:
            raise UserError(_("no staff member with code {code}").format(code=code))
    if replaced == replacement:
        raise UserError(_("the replacement must be another person"))
    if not reason.strip():
        raise UserError(_("a reason is required"))
    where = room or staff[replaced].room or None
    return station.record("staff-change", where, at=at, author=author,
                          payload={"replaced": replaced, "replacement": replacement,
                                   "role": role or staff[replaced].role, "reason": reason})


def staff_changes(station) -> list[Event]:
    out = [e for e in station.point_events() if e.kind == "staff-change"]
    for num in sorted(station.plan.rooms):
        out += [e for e in station.room_state(num).events if e.kind == "staff-change"]
    return sorted(out, key=Event.order_key)


def overview(station) -> list[RoomOverview]:
    last = records.last_package_by_room(station.engine, station.day.key)
    by_room: dict[str, list[str]] = {}
    for t in records.trusted(station.engine, role="room"):
        by_room.setdefault(t.room, []).append(t.station)
    pending = Counter(a.room for a in pending_acts(station))
    out = []
    for num, room in sorted(station.plan.rooms.items()):
        st = station.room_state(num)
        incidents = [e for e in st.incidents if e.kind not in ("staff-change",)]
        out.append(RoomOverview(num, room.name, st.phase, st.counts(), len(incidents), pending.get(num, 0),
                                by_room.get(num, []), last.get(num), st.subject))
    return out


TOTAL_KEYS = ("assigned", "present", "absent", "unmarked", "late", "in_room", "out_of_room", "removed",
              "finished_early", "finished", "extra_sheets", "exits", "corrections", "appeals", "no_document")


def ppe_totals(station) -> dict:
    """Exam-point totals (ППЭ-13-02-МАШ figures) and the facts for the ГЭК member's report (ППЭ-10)."""
    rows = overview(station)
    totals = {k: sum(r.counts.get(k, 0) for r in rows) for k in TOTAL_KEYS}
    all_acts = acts(station)
    drawn = Counter(a.form for a in all_acts if a.drawn is not None)
    needed = Counter(a.form for a in all_acts)
    per_subject = {}
    for code in station.plan.subjects:
        mine = [r for r in rows if r.subject == code]
        per_subject[code] = {"rooms": len(mine), "closed": sum(r.phase == "closed" for r in mine),
                             **{k: sum(r.counts.get(k, 0) for r in mine) for k in TOTAL_KEYS}}
    return {
        "date": station.day.key,
        "rooms": len(rows), "closed": sum(r.phase == "closed" for r in rows),
        "totals": totals, "per_subject": per_subject,
        "per_room": [{"room": r.room, "subject": r.subject, "phase": r.phase, **{k: r.counts.get(k, 0) for k in TOTAL_KEYS}} for r in rows],
        "acts": {f: {"needed": needed.get(f, 0), "drawn": drawn.get(f, 0)} for f in HQ_ACTS},
        "staff_changes": len(staff_changes(station)),
        "observers": len(observers.visits(station)),
        "incidents": sum(r.incidents for r in rows),
        "forks": len(records.forks(station.engine)),
    }


def closed_clean(counts: dict[str, int]) -> bool:
    """A closed room is finished only if nobody is still in it or out of it and everyone is marked
    (a room closed with open items, confirmed at the room, is shown as needing attention)."""
    return not (counts.get("in_room") or counts.get("out_of_room") or counts.get("unmarked"))
