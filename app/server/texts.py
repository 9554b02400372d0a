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


def payload_text(kind: str, payload: dict[str, Any]) -> str:
    """A payload as words (no raw JSON); a correction names the corrected field only."""
    parts = []
    for k, v in sorted(payload.items()):
        if k == "field" and kind == "correction":
            parts.append(_(PERSONAL_FIELDS.get(str(v), str(v))))
            continue
        if k == "target":
            v = str(v)[:8] + "…"
        parts.append(f"{_(FIELDS.get(k, k))}: {v}")
    return "; ".join(parts)


def admin_overview(engine: Engine) -> dict[str, Any]:
    """Stations (revoked ones marked), unreadable events per exam point and the latest audit entries."""
    from app.server import schema as t
    from app.server.accounts import audit_log
    from app.server.db import read_connection
    from app.server.monitoring import report

    with read_connection(engine) as conn:
        stations = [dict(r._mapping) | {"kind": "hq"} for r in conn.execute(
            select(t.stations.c.station, t.stations.c.ppe, t.stations.c.fingerprint, t.stations.c.revoked)
            .order_by(t.stations.c.ppe, t.stations.c.station))]
        stations += [dict(r._mapping) | {"kind": "room"} for r in conn.execute(
            select(t.peer_keys.c.station, t.peer_keys.c.ppe, t.peer_keys.c.fingerprint, t.peer_keys.c.revoked)
            .order_by(t.peer_keys.c.ppe, t.peer_keys.c.station))]
        total = conn.execute(select(func.count()).select_from(t.events)).scalar() or 0
    rep = report(engine, rooms=False)
    return {"stations": stations, "events_total": total, "unreadable": rep["unreadable"],
            "unreadable_by_ppe": [(r["ppe"], r["day"], r["unreadable"]) for r in rep["ppes"] if r["unreadable"]],
            "audit": audit_log(engine, 100)}


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
