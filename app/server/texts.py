"""What the pages say: Russian names of kinds, phases and fields, dates as ДД.ММ.ГГГГ, and the admin's overview.

Kind titles come from the kind catalog (translated by the desktop's Babel catalogs); phases use the
HQ window's msgids, so one translation serves both."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Engine, func, select

from app.i18n import N_, _

PHASES = {"not-opened": N_("not opened"), "admission": N_("admission"), "in-progress": N_("in progress"),
          "audio": N_("audio part"), "stopped": N_("stopped"), "evacuation": N_("evacuation"), "closed": N_("closed")}
FIELDS = {"field": N_("field"), "seat": N_("seat"), "sheet": N_("sheet"), "previous": N_("previous sheet"),
          "verdict": N_("verdict"), "identity": N_("identity"), "graduate": N_("graduate"),
          "sheets": N_("sheets"), "end": N_("end"), "target": N_("voided mark"), "form": N_("form"),
          "document_id": N_("document"), "clock_offset_s": N_("clock offset, s")}
PERSONAL_FIELDS = {"last_name": N_("last name"), "first_name": N_("first name"), "middle_name": N_("middle name"),
                   "document_series": N_("document series"), "document_number": N_("document number"),
                   "document_type": N_("document type"), "sex": N_("sex")}


def kind_title(kind: str) -> str:
    from app.domain.kinds import KINDS

    k = KINDS.get(kind)
    return _(k.title) if k else kind


def phase_title(phase: str) -> str:
    return _(PHASES[phase]) if phase in PHASES else phase


def ddmmyyyy(iso_date: str) -> str:
    try:
        return date.fromisoformat(iso_date[:10]).strftime("%d.%m.%Y")
    except ValueError:
        return iso_date


def day_label(day: str) -> str:
    """An exam day key as a person reads it: 04.06.2026 (the subject is shown in its own column)."""
    return ddmmyyyy(day)


def utc_label(iso: str, tz: str = "Europe/Moscow") -> str:
    """A stored UTC instant as ДД.ММ.ГГГГ ЧЧ:ММ in a zone."""
    if not iso:
        return "—"
    from zoneinfo import ZoneInfo

    from app.domain.event import parse_utc

    try:
        return parse_utc(iso).astimezone(ZoneInfo(tz)).strftime("%d.%m.%Y %H:%M")
    except (ValueError, KeyError):
        return iso


# Choices a payload may carry, by their words (the kind catalog's choices: app/domain/kinds.py)
VALUES = {("identity", "document"): N_("by an identity document"), ("identity", "no-document"): N_("without a document"),
          ("graduate", "current"): N_("current-year student"), ("graduate", "previous"): N_("previous-year graduate"),
          ("verdict", "permitted"): N_("permitted"), ("verdict", "forbidden"): N_("forbidden")}


def value_text(key: str, v: Any, tz: str = "UTC") -> str:
    """One payload value as words: a choice by its name, yes/no, a UTC instant as the exam point's local time."""
    if isinstance(v, bool):
        return _("yes") if v else _("no")
    if (key, str(v)) in VALUES:
        return _(VALUES[(key, str(v))])
    if key == "end" and isinstance(v, str):
        from app.domain.event import parse_utc
        from app.i18n import format_time

        try:
            return format_time(parse_utc(v), tz)
        except (ValueError, KeyError):
            return v
    return str(v)


def payload_text(kind: str, payload: dict[str, Any], tz: str = "UTC", targets: dict[str, str] | None = None) -> str:
    """A payload as words (no raw JSON, no codes of choices); a correction names the corrected field only.

    ``targets``: what each voided mark was (its kind and local time, by event id), read by the caller."""
    parts = []
    for k, v in sorted(payload.items()):
        if k == "field" and kind == "correction":
            parts.append(_(PERSONAL_FIELDS.get(str(v), str(v))))
            continue
        if k == "target":
            text = (targets or {}).get(str(v)) or _("a mark the server does not hold")
        else:
            text = value_text(k, v, tz)
        parts.append(f"{_(FIELDS.get(k, k))}: {text}")
    return "; ".join(parts)


def void_targets(engine: Engine, ids: set[str], allowed: frozenset[str] | None = None) -> dict[str, str]:
    """What each voided mark was, as a person reads it: «Выход из аудитории, 10:42:03» (its kind and the
    exam point's local time), by event id; ``allowed``: only marks of these exam points."""
    if not ids:
        return {}
    from app.domain.event import parse_utc
    from app.i18n import format_time
    from app.server import schema as t
    from app.server.db import read_connection

    out = {}
    q = select(t.events.c.id, t.events.c.kind, t.events.c.at, t.events.c.tz).where(t.events.c.id.in_(sorted(ids)))
    if allowed is not None:
        q = q.where(t.events.c.ppe.in_(sorted(allowed)))
    with read_connection(engine) as conn:
        for eid, kind, at, tz in conn.execute(q):
            try:
                when = format_time(parse_utc(at), tz, seconds=True)
            except (ValueError, KeyError):
                when = at
            out[eid] = f"{kind_title(kind)}, {when}"
    return out


ROOM_STATIONS_PER_PAGE = 50


def admin_overview(engine: Engine, page: int = 1) -> dict[str, Any]:
    """HQ stations, each room station's pairing (one page of them), unreadable events per exam point and
    the latest audit entries.

    A room station's pairing is what its HQ registered (``/keys``): the room and exam date it was set up
    for and which HQ key vouched for it, beside the last chain head the room station signed itself
    (``room_heads``) and whether it is revoked. A season holds thousands of room stations, so they come
    50 a page; the unreadable counts are read from the stored figures, not from a report."""
    from app.server import schema as t
    from app.server.accounts import audit_log
    from app.server.db import read_connection

    pk, hq, heads = t.peer_keys, t.stations, t.room_heads
    last = select(heads.c.station, func.max(heads.c.seq).label("seq"), func.max(heads.c.received_at).label("at")) \
        .group_by(heads.c.station).subquery()
    with read_connection(engine) as conn:
        stations = [dict(r._mapping) | {"kind": "hq"} for r in conn.execute(
            select(hq.c.station, hq.c.ppe, hq.c.fingerprint, hq.c.revoked).order_by(hq.c.ppe, hq.c.station))]
        total_rooms = conn.execute(select(func.count()).select_from(pk)).scalar() or 0
        pages = max(1, -(-total_rooms // ROOM_STATIONS_PER_PAGE))
        page = min(max(1, page), pages)
        rooms = [dict(r._mapping) for r in conn.execute(
            select(pk.c.station, pk.c.ppe, pk.c.room, pk.c.date, pk.c.fingerprint, pk.c.revoked,
                   pk.c.vouched_by, pk.c.at, hq.c.fingerprint.label("hq_fingerprint"),
                   hq.c.revoked.label("hq_revoked"), last.c.seq.label("head_seq"), last.c.at.label("head_at"))
            .outerjoin(hq, hq.c.station == pk.c.vouched_by).outerjoin(last, last.c.station == pk.c.station)
            .order_by(pk.c.ppe, pk.c.date, pk.c.room, pk.c.station)
            .limit(ROOM_STATIONS_PER_PAGE).offset((page - 1) * ROOM_STATIONS_PER_PAGE))]
        # what the exam points' syncs stored (counting a season's 3 M event rows took most of the page)
        total = conn.execute(select(func.coalesce(func.sum(t.ingests.c.inserted), 0))
                             .where(t.ingests.c.outcome == "accepted")).scalar() or 0
        fd = t.fig_days
        unreadable = [(r.ppe, r.day, int(r.unreadable)) for r in conn.execute(
            select(fd.c.ppe, fd.c.day, fd.c.unreadable).where(fd.c.valid.is_(True), fd.c.unreadable > 0)
            .order_by(fd.c.day, fd.c.ppe))]
    return {"stations": stations, "room_stations": rooms, "room_page": page, "room_pages": pages,
            "room_total": total_rooms, "events_total": total, "unreadable": sum(n for _p, _d, n in unreadable),
            "unreadable_by_ppe": unreadable, "audit": audit_log(engine, 100)}


def num(v: Any) -> str:
    """A figure as the page's language writes it (a decimal comma in Russian); '—' for none."""
    from app.i18n import current_language

    if v is None or v == "":
        return "—"
    if isinstance(v, float):
        text = f"{v:.1f}".rstrip("0").rstrip(".") if not v.is_integer() else str(int(v))
    else:
        text = str(v)
    return text.replace(".", ",") if current_language() == "ru" else text


def pct(v: Any, digits: int = 1) -> str:
    """A share 0..1 as a percentage ('12,5 %'); '—' for none."""
    from app.i18n import current_language

    if v is None or isinstance(v, str):
        return "—"
    text = f"{100 * v:.{digits}f}"
    if current_language() == "ru":
        return text.replace(".", ",") + "\u00a0%"
    return text + "%"


def points(v: Any) -> str:
    """A change of a share (0..1) in percentage points: '+4,8 п. п.'; '—' for none."""
    from app.i18n import _, current_language

    if v is None or isinstance(v, str):
        return "—"
    text = f"{100 * v:+.1f}"
    if current_language() == "ru":
        text = text.replace(".", ",").replace("-", "−")
    return _("{value} pp").format(value=text)
