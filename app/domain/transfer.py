"""The transfer mark: someone the PPE head sends from one room to another of the same exam point and date.

A participant sits in the room of the distribution list. The one way into another room is an explicit
``transfer-in`` mark in the receiving room: it names the room they came from, the ground, the PPE head who
decided, and the person's details read from the document. Every other mark for a participant of another
room's list is refused until that mark exists, so a wrong-room admission cannot happen by a slip of the
scanner.

The source room learns of it at HQ: HQ holds both rooms' logs, and the source room's projection folds the
receiving room's ``transfer-in`` (see ``app.domain.projection``) as «переведён», never as absent or unmarked.
The source room's own laptop has no link to the other room and keeps what its organizer marked.

Pure functions: no I/O. ``roster`` is what a station knows of the date's other rooms: participant code →
planned room (codes only, no names), or ``None`` when it knows nothing of them (a set-up package made by an
older HQ).
"""

from __future__ import annotations

from collections.abc import Mapping

from app.domain.kinds import KINDS
from app.domain.model import DayPlan, room_number
from app.domain.projection import RoomState
from app.i18n import _

TRANSFER = "transfer-in"


def planned_room(plan: DayPlan, roster: Mapping[str, str] | None, code: str) -> str | None:
    """The room whose list holds ``code`` on the plan's date, or None if no list this station knows does."""
    p = plan.participants.get(code)
    if p is not None:
        return p.room
    return (roster or {}).get(code)


def knows_whole_date(plan: DayPlan, roster: Mapping[str, str] | None) -> bool:
    """True when this station knows every room's list of the date (HQ, a period list, a roster)."""
    return roster is not None or len({p.room for p in plan.participants.values()}) > 1


def transferred_in(state: RoomState, code: str) -> bool:
    p = state.participants.get(code)
    return p is not None and bool(p.transferred_from)


def ppe_heads(plan: DayPlan) -> list[str]:
    return sorted(s.code for s in plan.staff.values() if s.role == "ppe-head")


def refusal(state: RoomState, plan: DayPlan, roster: Mapping[str, str] | None, kind: str, code: str | None,
            payload: Mapping[str, object]) -> str | None:
    """Why this mark may not be recorded in ``state``'s room (translated), or None when it may.

    Only marks that concern a participant are judged: the transfer itself, and any other mark for someone
    of another room's list (which needs the transfer first).
    """
    if not code:
        return None
    home = planned_room(plan, roster, code)
    room = state.room
    if kind == TRANSFER:
        return _transfer_refusal(state, plan, roster, code, home, payload)
    k = KINDS.get(kind)
    if k is None or not k.participant or home is None or home == room or transferred_in(state, code):
        return None
    return _("participant {code} is on the list of room {home}, not room {room}: someone the PPE head sent here "
             "from another room is admitted only through a transfer mark (transfer-in from_room={home} "
             "reason=… decided_by=PPE head's code, with the details from the document)").format(
        code=code, home=home, room=room)


def _transfer_refusal(state: RoomState, plan: DayPlan, roster: Mapping[str, str] | None, code: str,
                      home: str | None, payload: Mapping[str, object]) -> str | None:
    room = state.room
    try:
        source = room_number(str(payload.get("from_room", "")))
    except ValueError:
        return _("transfer-in: from_room {value!r} is not a room number").format(
            value=str(payload.get("from_room", ""))[:20])
    if home == room:
        return _("participant {code} is on this room's list: admit them here, no transfer is needed").format(code=code)
    if source == room:
        return _("transfer-in: the participant comes from another room, not from room {room}").format(room=room)
    if home is None and knows_whole_date(plan, roster):
        return _("participant {code} is on none of this exam point's lists for {date}: a transfer is only between "
                 "rooms of one exam point on one date").format(code=code, date=plan.day.key)
    if home is not None and source != home:
        return _("participant {code} is on the list of room {home}, not room {source}: check the room they came "
                 "from (from_room={home})").format(code=code, home=home, source=source)
    if transferred_in(state, code):
        return _("participant {code} is already admitted here on transfer").format(code=code)
    heads = ppe_heads(plan)
    decided = str(payload.get("decided_by", ""))
    if heads and decided not in heads:
        return _("transfer-in: decided_by {who!r} is not the PPE head (the PPE head: {heads}); only the PPE head "
                 "sends a participant to another room").format(who=decided[:40], heads=", ".join(heads))
    p = plan.participants.get(code)
    if p is not None and p.subject_code and state.subject and p.subject_code != state.subject and \
            p.subject_code not in plan.room_subjects(room):
        return _("participant {code} sits subject {theirs} on this date; room {room} holds subject {ours}").format(
            code=code, theirs=p.subject_code, room=room, ours=state.subject)
    return None


def transfer_note_in(payload: Mapping[str, object]) -> str:
    """The line on the receiving room's ППЭ-05-02 (Russian, as the form is)."""
    return f"Прибыл из аудитории {payload.get('from_room', '')} (основание: {payload.get('reason', '')})"


def transfer_note_out(to_room: str, payload: Mapping[str, object]) -> str:
    """The line on the source room's ППЭ-05-02 (Russian, as the form is)."""
    return f"Переведён в аудиторию {to_room} (основание: {payload.get('reason', '')})"
