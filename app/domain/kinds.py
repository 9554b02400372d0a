"""The catalog of event kinds: one place that names every kind, its payload and its meaning.

Each kind is kebab-case (as typed on the CLI). Payload fields are typed and validated here,
so a malformed mark is refused before it reaches the log.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from app.errors import UserError
from app.i18n import N_
from app.limits import check_payload_field


@dataclass(frozen=True)
class Field:
    name: str
    type: type = str  # str, int, bool, list
    required: bool = False
    choices: tuple[str, ...] = ()
    doc: str = ""


@dataclass(frozen=True)
class Kind:
    name: str
    title: str  # English msgid; translated in the UI
    participant: bool = False  # concerns one participant (required)
    fields: tuple[Field, ...] = ()
    extra_int_fields: bool = False  # accepts arbitrary integer counters (materials)
    incident: bool = False  # shown in the incidents list and reported upward
    point_level: bool = False  # may concern the exam point as a whole: recorded with no room (HQ)
    act: str = ""  # official act HQ draws up for it
    doc: str = ""
    field_map: dict[str, Field] = field(default_factory=dict, compare=False, repr=False)
    # the required fields' names and the plain text fields (no type to coerce, no choices): made once, for
    # validate_payload on the record path
    required: tuple[str, ...] = field(default=(), compare=False, repr=False)
    plain: frozenset[str] = field(default=frozenset(), compare=False, repr=False)

    def __post_init__(self) -> None:
        self.field_map.update({f.name: f for f in self.fields})
        object.__setattr__(self, "required", tuple(f.name for f in self.fields if f.required))
        object.__setattr__(self, "plain", frozenset(f.name for f in self.fields if f.type is str and not f.choices))


IDENTITY = Field("identity", choices=("document", "no-document"),
                 doc="document checked, or no document with written confirmation")
CONFIRMED_BY = Field("confirmed_by", doc="who confirmed identity in writing (accompanying person)")
GRADUATE = Field("graduate", choices=("current", "previous"), doc="current-year student or previous-year graduate")

_KINDS: tuple[Kind, ...] = (
    Kind("room-opened", N_("Room opened"), fields=(
        Field("organizers", list, doc="codes of the organizers on duty"),
        Field("clock_offset_s", int, doc="room clock minus laptop clock, seconds"),
    )),
    Kind("admitted", N_("Admitted"), participant=True, fields=(IDENTITY, CONFIRMED_BY, GRADUATE)),
    Kind("late", N_("Late arrival"), participant=True, fields=(IDENTITY, CONFIRMED_BY, GRADUATE)),
    Kind("seated", N_("Seated"), participant=True, fields=(Field("seat", required=True),)),
    Kind("absent", N_("Absent"), participant=True),
    Kind("transfer-in", N_("Admitted on transfer from another room"), participant=True, fields=(
        Field("from_room", required=True, doc="the room on whose list the participant is (or was sent from)"),
        Field("reason", required=True, doc="the ground of the PPE head's decision, as it will be printed"),
        Field("decided_by", required=True, doc="staff code of the PPE head who decided the transfer"),
        Field("last_name", required=True, doc="from the identity document"),
        Field("first_name", required=True, doc="from the identity document"),
        Field("middle_name", doc="from the identity document"),
        Field("document_series", doc="identity document series"),
        Field("document_number", required=True, doc="identity document number"),
        Field("seat", doc="the seat given in this room"),
        Field("ovz", bool, doc="special conditions (ОВЗ), when this station's list does not say"),
    ), doc="Someone the PPE head sent here from another room of the same exam point and date: admits them "
           "here, and the source room shows them as transferred out once HQ holds both logs. The document "
           "details stay on the station (and encrypted on the stick); servers never show them."),
    Kind("instruction-given", N_("Instruction given")),
    Kind("exam-start", N_("Exam started"), fields=(Field("end", doc="planned end written on the board, ISO UTC"),)),
    Kind("audio-start", N_("Audio part started")),
    Kind("audio-end", N_("Audio part ended")),
    Kind("exit", N_("Left the room"), participant=True, fields=(Field("accompanied_by"),)),
    Kind("return", N_("Returned to the room"), participant=True),
    Kind("extra-sheet", N_("Extra answer sheet issued"), participant=True, fields=(
        Field("sheet", required=True, doc="number (code) of the extra answer sheet No. 2"),
        Field("previous", doc="code of the sheet it continues"),
    )),
    Kind("desk-check", N_("Desk check"), participant=True, fields=(
        Field("verdict", required=True, choices=("permitted", "forbidden")),
        Field("item", doc="key of the item from the aids / forbidden list, or free text"),
        Field("note"),
    )),
    Kind("correction", N_("Personal data correction"), participant=True, incident=True, act="ППЭ-12-02", fields=(
        Field("field", required=True, choices=("last_name", "first_name", "middle_name", "document_series",
                                               "document_number", "document_type", "sex")),
        Field("old", required=True),
        Field("new", required=True),
    )),
    Kind("removal", N_("Removed for a violation"), participant=True, incident=True, act="ППЭ-21", fields=(
        Field("reason", required=True), Field("item"), Field("gek_member"),
    )),
    Kind("early-completion", N_("Early completion for objective reasons"), participant=True, incident=True,
         act="ППЭ-22", fields=(Field("reason", required=True), Field("medic"), Field("gek_member"))),
    Kind("appeal", N_("Appeal on the procedure filed"), participant=True, incident=True, act="ППЭ-02",
         fields=(Field("text"),)),
    Kind("identity-confirmed", N_("Identity confirmed without a document"), participant=True, incident=True,
         act="ППЭ-20", fields=(CONFIRMED_BY, Field("note"))),
    Kind("finished", N_("Finished and handed in"), participant=True, fields=(
        Field("sheets", int, doc="answer sheets handed in"),
        Field("confirmed_open", list, doc="open items the organizer confirmed (e.g. before-end: time not over)"),
    )),
    Kind("kit-replaced", N_("Examination kit replaced"), participant=True, incident=True, fields=(
        Field("kit", required=True, doc="number of the defective or spoiled examination kit (ИК)"),
        Field("new_kit", required=True, doc="number of the reserve kit given instead"),
        Field("reason", required=True, choices=("defect", "spoiled"),
              doc="defect: a printing or assembly fault (брак); spoiled: damaged in the room (порча)"),
    ), doc="A defective or spoiled kit replaced from the reserve; printed on ППЭ-05-02 and ППЭ-13-02-МАШ."),
    Kind("materials-collected", N_("Materials collected"), extra_int_fields=True),
    Kind("exam-stopped", N_("Exam stopped"), incident=True, fields=(
        Field("reason", required=True, choices=("no-show", "emergency", "other")), Field("note"),
    )),
    Kind("evacuation-start", N_("Evacuation started"), incident=True, fields=(Field("note"),)),
    Kind("evacuation-end", N_("Evacuation ended"), incident=True, fields=(Field("note"),)),
    Kind("room-closed", N_("Room closed"), fields=(
        Field("confirmed_open", list, doc="end-of-exam checks still open that the organizer confirmed closing with"),
    )),
    Kind("note", N_("Note"), point_level=True, fields=(
        Field("text", required=True),
        Field("clock_shift_s", int, doc="a room-clock setting: how far the station clock moved, seconds"),
        Field("clock_offset_s", int, doc="a room-clock setting: the offset from the laptop clock now, seconds"),
    )),
    Kind("countersign", N_("Countersigned"), fields=(
        Field("target", required=True), Field("organizer", required=True),
    )),
    Kind("staff-change", N_("Staff change"), incident=True, act="ППЭ-19", point_level=True, fields=(
        Field("replaced", required=True), Field("replacement", required=True), Field("role"), Field("reason"),
    )),
    Kind("observer-arrived", N_("Public observer arrived"), point_level=True, fields=(
        Field("observer", required=True, doc="staff code of the public observer (role observer) at HQ"),
        Field("rooms", list, doc="rooms the observer means to attend, if known"),
    ), doc="A public observer (общественный наблюдатель) came to the exam point and was checked in at HQ. "
           "The name stays in HQ's staff list; the event carries the code only, so the server counts "
           "observers per exam point and date without personal data."),
    Kind("observer-left", N_("Public observer left"), point_level=True, fields=(
        Field("observer", required=True, doc="staff code of the public observer"),
    )),
    Kind("act-drawn", N_("Act drawn up"), fields=(
        Field("form", required=True), Field("target"), Field("document_id"), Field("gek_member"),
    )),
    Kind("papers-printed", N_("Forms printed"), point_level=True, fields=(
        Field("papers", list, required=True,
              doc="the documents printed, each {f: form, i: document id, r: room, u: participant, e: act event, "
                  "s: subject code, c: content hash}: the register of papers HQ expects back"),
        Field("head_seq", int, doc="the printing station's chain head at print time (also in each QR)"),
        Field("head_hash"),
        Field("subject", doc="subject codes of the forms printed (comma-separated)"),
    ), doc="One print job; recorded for the exam point (no room) so it never shows among a room's marks."),
    Kind("paper-returned", N_("Printed form returned"), point_level=True, fields=(
        Field("document", required=True, doc="document id from the QR"),
        Field("form", required=True), Field("room"), Field("participant"),
        Field("content", required=True, doc="content hash from the QR; it matched the record when read back"),
        Field("printed_by", doc="station that signed the QR"),
        Field("via", choices=("scanner", "image", "pdf", "text"), doc="how the QR was read back"),
    ), doc="A printed form came back to HQ and its QR was read and matched the record."),
    Kind("void", N_("Mark voided"), point_level=True, fields=(Field("target", required=True), Field("reason", required=True))),
)

KINDS: dict[str, Kind] = {k.name: k for k in _KINDS}


def get_kind(name: str) -> Kind:
    try:
        return KINDS[name]
    except KeyError:
        raise UserError(f"unknown event kind {name!r}; known: {', '.join(KINDS)}") from None


def coerce(value: Any, f: Field, kind: str) -> Any:
    if f.type is int:
        if isinstance(value, bool):
            raise UserError(f"{kind}: {f.name} must be a whole number")
        try:
            return int(value)
        except (TypeError, ValueError):
            raise UserError(f"{kind}: {f.name} must be a whole number, not {value!r}") from None
    if f.type is list:
        if isinstance(value, str):
            return [v for v in (x.strip() for x in value.split(",")) if v]
        if isinstance(value, list | tuple):  # items are strings, or flat records of strings (papers-printed)
            return [{str(k): str(x) for k, x in v.items()} if isinstance(v, dict) else str(v) for v in value]
        raise UserError(f"{kind}: {f.name} must be a list")
    if f.type is bool:
        if isinstance(value, str):
            return value.lower() in ("1", "true", "yes", "да")
        return bool(value)
    value = str(value).strip()
    if f.choices and value not in f.choices:
        raise UserError(f"{kind}: {f.name} must be one of {', '.join(f.choices)}, not {value!r}")
    return value


def validate_payload(kind_name: str, payload: dict[str, Any], participant: str | None) -> dict[str, Any]:
    """Check and normalise a payload; raise UserError naming the field at fault."""
    kind = KINDS.get(kind_name) or get_kind(kind_name)
    if kind.participant and not participant:
        raise UserError(f"{kind_name}: a participant code is required (--participant CODE)")
    out: dict[str, Any] = {}
    plain = kind.plain
    for key, value in payload.items():
        if key in plain and type(value) is str:  # what coerce makes of text for a plain text field
            v = value.strip()
        else:
            f = kind.field_map.get(key)
            if f is None:
                if kind.extra_int_fields:
                    f = Field(key, int)
                else:
                    known = ", ".join(kind.field_map) or "none"
                    raise UserError(f"{kind_name}: unknown field {key!r} (known: {known})")
            v = coerce(value, f, kind_name)
        out[key] = v
        check_payload_field(kind_name, key, v)  # lengths and code formats: resources/reference/limits.json
    for name in kind.required:
        if out.get(name) in ("", None):
            raise UserError(f"{kind_name}: field {name!r} is required")
    return out
