"""The record in words: one line per event (time, what, who, the details in today's language), a
participant's timeline and the room log.

Why one module: the advice panel, the void dialog, the timeline and the room log must describe an
event the same way, with the participant's grammatical gender («Не явилась») and the payload's
field names translated («поле: фамилия», never «field: last_name»).
"""

from __future__ import annotations

import html

from app.domain.kinds import KINDS
from app.i18n import N_, _, current_language, format_time
from app.services import room_ops
from app.services.station import Station
from ui.qt import QtWidgets

PAYLOAD_LABELS = {"seat": N_("seat"), "sheet": N_("sheet"), "reason": N_("reason"), "identity": N_("identity"),
                  "field": N_("field"), "new": N_("new value"), "verdict": N_("verdict"), "item": N_("item"),
                  "text": N_("text"), "organizer": N_("organizer"), "note": N_("note")}
PAYLOAD_VALUES = {"document": N_("document checked"), "no-document": N_("no document"),
                  "permitted": N_("permitted"), "forbidden": N_("forbidden"),
                  # the fields a correction names (ППЭ-12-02)
                  "last_name": N_("surname"), "first_name": N_("first name"), "middle_name": N_("patronymic"),
                  "document_series": N_("document series"), "document_number": N_("document number"),
                  "document_type": N_("document type"), "sex": N_("sex"),
                  "current": N_("current-year student"), "previous": N_("previous-year graduate")}


def item_titles(station: Station, keys: str) -> str:
    """Desk-item keys ("phone,pen") as their titles in the current language; free text stays as typed."""
    ref = station.ref
    en = current_language() == "en"
    titles = {a.key: (a.title_en if en else a.title) for a in ref.aids.values()}
    titles.update({d.key: (d.title_en if en else d.title) for d in (*ref.desk_general, *ref.forbidden)})
    return ", ".join(titles.get(k.strip(), k.strip()) for k in keys.split(",") if k.strip())


def event_title(station: Station, kind: str, participant: str | None) -> str:
    """The msgid of a kind's title, in the participant's grammatical gender («Не явилась»)."""
    from app.domain.grammar import participant_title

    return participant_title(kind, KINDS[kind].title, participant_gender(station, participant))


def participant_gender(station: Station, code: str | None) -> str:
    from app.domain.grammar import MASCULINE, gender

    p = station.plan.participants.get(code or "")
    return gender(p.middle_name, p.last_name) if p is not None else MASCULINE


def describe(station: Station, e, names: dict[str, str]) -> str:
    """One line for an event: time, what, who."""
    from app.domain.event import parse_utc

    when = format_time(parse_utc(e.at), station.point.tz)
    title = _(event_title(station, e.kind, e.participant)) if e.kind in KINDS else e.kind
    who = names.get(e.participant or "", e.participant or "")
    bits = [b for b in (when, title, who) if b]
    payload = dict(e.payload)
    if "clock_shift_s" in payload:  # the clock note in today's language, from its numbers
        payload["text"] = room_ops.clock_note(int(payload["clock_shift_s"]), int(payload.get("clock_offset_s", 0)))
    detail = [(_(PAYLOAD_LABELS[k]), item_titles(station, str(v)) if k == "item" else
               _(PAYLOAD_VALUES[str(v)]) if str(v) in PAYLOAD_VALUES else str(v))
              for k, v in payload.items() if k in PAYLOAD_LABELS]
    if detail:
        bits.append(", ".join(f"{k}: {v}" for k, v in detail))
    return " · ".join(str(b) for b in bits)


class TimelineDialog(QtWidgets.QDialog):
    """Every event about one participant, in order; voided ones struck through."""

    def __init__(self, station: Station, room: str, code: str, names: dict[str, str], parent=None):
        super().__init__(parent)
        p = station.plan.participants.get(code)
        self.setWindowTitle(_("Timeline: {name}").format(name=p.full_name if p else code))
        self.resize(760, 460)
        lay = QtWidgets.QVBoxLayout(self)
        self.view = QtWidgets.QTextBrowser(self)
        self.view.setAccessibleName(_("Timeline"))
        rows = []
        for e, voided_by in station.timeline(room, code):
            text = html.escape(describe(station, e, names))
            if voided_by is not None:
                why = html.escape(str(voided_by.payload.get("reason", "")))
                rows.append(f"<li><s>{text}</s> — <i>{html.escape(_('voided'))}: {why}</i></li>")
            else:
                rows.append(f"<li>{text}</li>")
        head = html.escape(f"{p.full_name} · {p.seat} · {p.code}" if p else code)
        self.view.setHtml(f"<h3>{head}</h3><ol>{''.join(rows) or html.escape(_('No marks yet.'))}</ol>")
        lay.addWidget(self.view)
        close = QtWidgets.QPushButton(_("Close"), self)
        close.clicked.connect(self.accept)
        lay.addWidget(close)


class RoomLogDialog(QtWidgets.QDialog):
    """Every mark in the room in the order recorded; voided ones struck through with the reason."""

    def __init__(self, station: Station, room: str, names: dict[str, str], parent=None):
        super().__init__(parent)
        self.setWindowTitle(_("Room log"))
        self.resize(900, 560)
        lay = QtWidgets.QVBoxLayout(self)
        self.view = QtWidgets.QTextBrowser(self)
        self.view.setAccessibleName(_("Room log"))
        state = station.room_state(room)
        rows = []
        for e in room_ops.room_events(station, room):
            text = html.escape(describe(station, e, names))
            v = state.voided.get(e.id)
            if v is not None:
                why = html.escape(str(v.payload.get("reason", "")))
                rows.append(f"<li><s>{text}</s> — <i>{html.escape(_('voided'))}: {why}</i></li>")
            else:
                rows.append(f"<li>{text}</li>")
        self.view.setHtml(f"<ol>{''.join(rows) or html.escape(_('No marks yet.'))}</ol>")
        lay.addWidget(self.view)
        close = QtWidgets.QPushButton(_("Close"), self)
        close.clicked.connect(self.accept)
        lay.addWidget(close)
