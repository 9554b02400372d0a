"""What the authority's administrator does on the server: exam points, enrollment codes, lists."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import Engine, delete, insert, select

from app.domain.event import utc_iso
from app.errors import UserError
from app.server import schema as t
from app.server.db import now_iso, read_connection

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud and typed by hand


def ppe_key(region: str, code: str) -> str:
    return f"{region}/{code}"


def code_hash(code: str) -> str:
    norm = code.strip().upper().replace("-", "").replace(" ", "")
    return hashlib.sha256(b"auditoria-enroll-v1" + norm.encode()).hexdigest()


@dataclass
class PPE:
    key: str
    region: str
    msu: str
    code: str
    name: str
    tz: str
    address: str = ""

    def to_dict(self) -> dict:
        return {"key": self.key, "region": self.region, "msu": self.msu, "code": self.code, "name": self.name,
                "tz": self.tz, "address": self.address}


def add_ppe(engine: Engine, region: str, msu: str, code: str, name: str, tz: str = "Asia/Yekaterinburg",
            address: str = "") -> PPE:
    if not re.fullmatch(r"\d{2}", region):
        raise UserError(f"--region must be 2 digits, not {region!r}")
    if not re.fullmatch(r"\d{3}", msu):
        raise UserError(f"--msu must be 3 digits, not {msu!r}")
    if not re.fullmatch(r"\d{4}", code):
        raise UserError(f"--ppe must be 4 digits, not {code!r}")
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise UserError(f"--tz: unknown time zone {tz!r}") from None
    p = PPE(ppe_key(region, code), region, msu, code, name, tz, address)
    with engine.begin() as conn:
        if conn.execute(select(t.ppe.c.key).where(t.ppe.c.key == p.key)).first():
            raise UserError(f"exam point {p.key} already exists")
        conn.execute(insert(t.ppe).values(**p.to_dict(), created_at=now_iso()))
    return p


def find_ppe(engine: Engine, code: str, region: str | None = None) -> PPE:
    q = select(t.ppe).where(t.ppe.c.code == code)
    if region:
        q = q.where(t.ppe.c.region == region)
    with engine.connect() as conn:
        rows = conn.execute(q).all()
    if not rows:
        raise UserError(f"no exam point {code}" + (f" in region {region}" if region else "")
                        + " (add it with: auditoria server add-ppe)")
    if len(rows) > 1:
        raise UserError(f"exam point code {code} exists in several regions; give --region")
    r = rows[0]
    return PPE(r.key, r.region, r.msu, r.code, r.name, r.tz, r.address)


def get_ppe(conn, key: str) -> PPE | None:
    r = conn.execute(select(t.ppe).where(t.ppe.c.key == key)).first()
    return PPE(r.key, r.region, r.msu, r.code, r.name, r.tz, r.address) if r else None


def list_ppes(engine: Engine) -> list[PPE]:
    with read_connection(engine) as conn:
        rows = conn.execute(select(t.ppe).order_by(t.ppe.c.key)).all()
    return [PPE(r.key, r.region, r.msu, r.code, r.name, r.tz, r.address) for r in rows]


def enroll_code(engine: Engine, ppe: PPE, valid_hours: int = 72) -> tuple[str, str]:
    """A new one-time enrollment code for an exam point; returns (code, expires_at). Only its hash is kept."""
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(12))
    code = "-".join(raw[i:i + 4] for i in range(0, 12, 4))
    expires = utc_iso(datetime.now(UTC) + timedelta(hours=valid_hours))
    with engine.begin() as conn:
        conn.execute(insert(t.enroll_codes).values(code_hash=code_hash(code), ppe=ppe.key, created_at=now_iso(),
                                                   expires_at=expires, used_at=None, station=None))
    return code, expires


def upload_list(engine: Engine, path: str | Path, region: str | None = None) -> dict:
    """Store a distribution list (CSV/XLSX, the importer's format) for its exam point: all rows or none."""
    from app.services.importer import parse_list

    path = Path(path)
    if not path.is_file():
        raise UserError(f"{path}: no such file")
    people, (reg, code) = parse_list(path)  # ImportErrors (a UserError) names every bad file/line/field
    if region and reg != region:
        raise UserError(f"{path.name}: the list is for region {reg}, not {region}")
    key = ppe_key(reg, code)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    by_day: dict[str, list] = {}  # the server keeps lists per (date, subject): 'YYYY-MM-DD/SS'
    for p in people:
        by_day.setdefault(f"{p.day}/{p.subject_code}", []).append(p)
    with engine.begin() as conn:
        if get_ppe(conn, key) is None:
            raise UserError(f"{path.name}: exam point {key} is not on the server (add it with: auditoria server add-ppe)")
        for day, ps in by_day.items():
            save_day(conn, key, day, digest)
            conn.execute(delete(t.participants).where((t.participants.c.ppe == key) & (t.participants.c.day == day)))
            conn.execute(insert(t.participants), [
                dict(ppe=key, day=day, code=p.code, room=p.room, seat=p.seat, school_code=p.school_code, ovz=p.ovz,
                     last_name=p.last_name, first_name=p.first_name, middle_name=p.middle_name,
                     document_series=p.document_series, document_number=p.document_number, source="admin")
                for p in ps])
            for room in sorted({p.room for p in ps}):
                ensure_room(conn, key, room, ps)
            from app.server.figures import rebuild_day
            from app.server.results_rooms import plan_changed

            rebuild_day(conn, key, day)  # the day's stored figures follow its new list
            plan_changed(conn, key, day)  # so do the room sums of results held for that day
    return {"file": path.name, "ppe": key, "rows": len(people), "days": sorted(by_day), "sha256": digest}


def save_day(conn, key: str, day: str, digest: str = "") -> None:
    from app.domain.model import ExamDay

    d = ExamDay.from_key(day)
    row = conn.execute(select(t.days.c.list_sha256).where((t.days.c.ppe == key) & (t.days.c.key == day))).first()
    if row:
        conn.execute(t.days.update().where((t.days.c.ppe == key) & (t.days.c.key == day))
                     .values(list_sha256=digest or row[0], updated_at=now_iso()))
    else:
        conn.execute(insert(t.days).values(ppe=key, key=day, date=d.date.isoformat(), subject_code=d.subjects[0],
                                           list_sha256=digest, updated_at=now_iso()))


def ensure_room(conn, key: str, number: str, people) -> None:
    """A room seen in a list: its size grows to hold every seat used (HQ plans give the real size)."""
    from app.domain.model import parse_seat

    rows = seats = 1
    for p in people:
        if p.room == number:
            try:
                r, i = parse_seat(p.seat)
            except ValueError:
                continue
            rows, seats = max(rows, r), max(seats, i + 1)
    have = conn.execute(select(t.rooms).where((t.rooms.c.ppe == key) & (t.rooms.c.number == number))).first()
    if have is None:
        conn.execute(insert(t.rooms).values(ppe=key, number=number, rows=rows, seats_per_row=seats, name=""))


def revoke_station(engine: Engine, station: str) -> dict:
    """Revoke an HQ's or a room station's key: its requests, events and acts are refused from now on
    (every request reads the flag; nothing is cached)."""
    from sqlalchemy import update

    with engine.begin() as conn:
        res = conn.execute(update(t.stations).where(t.stations.c.station == station).values(revoked=True))
        if res.rowcount:
            ppe = conn.execute(select(t.stations.c.ppe).where(t.stations.c.station == station)).scalar()
            return {"station": station, "kind": "hq", "ppe": ppe}
        res = conn.execute(update(t.peer_keys).where(t.peer_keys.c.station == station).values(revoked=True))
        if res.rowcount:
            ppe = conn.execute(select(t.peer_keys.c.ppe).where(t.peer_keys.c.station == station)).scalar()
            return {"station": station, "kind": "room", "ppe": ppe}
    raise UserError(f"no station {station} on this server")


def revoke_ppe(engine: Engine, key: str) -> dict:
    """Revoke every enrolled HQ key of an exam point (a stolen laptop): a new enrollment code re-admits it."""
    from sqlalchemy import update

    with engine.begin() as conn:
        names = [r[0] for r in conn.execute(select(t.stations.c.station).where(t.stations.c.ppe == key))]
        conn.execute(update(t.stations).where(t.stations.c.ppe == key).values(revoked=True))
    return {"ppe": key, "stations": names}
