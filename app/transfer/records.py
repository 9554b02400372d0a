"""Transfer bookkeeping in the station database: trusted stations, set-ups, receipts, forks.

SQL lives here so services and the UI never write any (tables: migration 0003).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine, text

from app.transfer.keys import PublicIdentity, unb64


@dataclass(frozen=True)
class Trusted:
    station: str
    role: str
    room: str
    sign_pk: str
    box_pk: str
    fingerprint: str
    via: str
    paired_at: str
    continues: str

    @property
    def identity(self) -> PublicIdentity:
        return PublicIdentity(self.station, self.role, unb64(self.sign_pk), unb64(self.box_pk))

    def to_dict(self) -> dict:
        return {"station": self.station, "role": self.role, "room": self.room or None,
                "fingerprint": self.fingerprint, "paired_at": self.paired_at, "via": self.via or None,
                "continues": self.continues or None}


def trusted(engine: Engine, station: str | None = None, role: str | None = None) -> list[Trusted]:
    sql, params = "SELECT * FROM trusted_stations WHERE 1=1", {}
    if station:
        sql += " AND station=:s"
        params["s"] = station
    if role:
        sql += " AND role=:r"
        params["r"] = role
    with engine.connect() as conn:
        rows = conn.execute(text(sql + " ORDER BY room, paired_at"), params).mappings().all()
    return [Trusted(**{k: r[k] for k in Trusted.__dataclass_fields__}) for r in rows]


def add_trusted(conn, ident: PublicIdentity, room: str, via: str, at: str, continues: str = "") -> None:
    d = ident.to_dict()
    conn.execute(text(
        "INSERT OR IGNORE INTO trusted_stations (station, role, room, sign_pk, box_pk, fingerprint, via, paired_at,"
        " continues) VALUES (:station, :role, :room, :sign_pk, :box_pk, :fp, :via, :at, :cont)"),
        {"station": ident.station, "role": ident.role, "room": room, "sign_pk": d["sign_pk"], "box_pk": d["box_pk"],
         "fp": ident.fingerprint, "via": via, "at": at, "cont": continues})


# --- set-ups (HQ) -----------------------------------------------------------------------------------
def add_setup(conn, setup_id: str, room: str, at: str, token: str, events: int, sha: str, day: str = "") -> None:
    """Remember a set-up package HQ wrote: for which room and exam date, with the pairing token."""
    conn.execute(text("INSERT INTO setups (id, room, created_at, token, events, station, sha256, day) "
                      "VALUES (:id, :room, :at, :token, :events, '', :sha, :day)"),
                 {"id": setup_id, "room": room, "at": at, "token": token, "events": events, "sha": sha,
                  "day": day})


def get_setup(engine: Engine, setup_id: str) -> dict | None:
    with engine.connect() as conn:
        row = conn.execute(text("SELECT * FROM setups WHERE id=:id"), {"id": setup_id}).mappings().first()
    return dict(row) if row else None


def use_setup(conn, setup_id: str, station: str) -> None:
    conn.execute(text("UPDATE setups SET station=:s WHERE id=:id AND station=''"), {"s": station, "id": setup_id})


# --- receipts ---------------------------------------------------------------------------------------
def add_package_in(conn, r: dict) -> None:
    conn.execute(text(
        "INSERT OR IGNORE INTO packages_in (id, station, room, seq_from, seq_to, head_hash, events, new_events,"
        " created_at, imported_at, sha256, outcome, day) VALUES (:id, :station, :room, :seq_from, :seq_to,"
        " :head_hash, :events, :new_events, :created_at, :imported_at, :sha256, :outcome, :day)"),
        {"day": "", **r})


def packages_in(engine: Engine, room: str | None = None) -> list[dict]:
    sql = "SELECT * FROM packages_in" + (" WHERE room=:room" if room else "") + " ORDER BY imported_at"
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(text(sql), {"room": room}).mappings()]


def last_package_by_room(engine: Engine, day: str | None = None) -> dict[str, dict]:
    """The newest package imported from each room (of one exam date, if given; packages imported
    before dates were recorded count for every date)."""
    out: dict[str, dict] = {}
    for r in packages_in(engine):
        if day is None or r.get("day", "") in ("", day):
            out[r["room"]] = r
    return out


def add_package_out(conn, r: dict) -> None:
    conn.execute(text(
        "INSERT INTO packages_out (id, kind, room, seq_from, seq_to, head_hash, created_at, file, sha256) VALUES"
        " (:id, :kind, :room, :seq_from, :seq_to, :head_hash, :created_at, :file, :sha256)"), r)


def last_package_out(engine: Engine, kind: str = "results") -> dict | None:
    with engine.connect() as conn:
        row = conn.execute(text("SELECT * FROM packages_out WHERE kind=:k ORDER BY seq_to DESC, created_at DESC"
                                " LIMIT 1"), {"k": kind}).mappings().first()
    return dict(row) if row else None


# --- forks ------------------------------------------------------------------------------------------
def add_fork(conn, station: str, seq: int, held: str, theirs: str, package: str, at: str) -> None:
    conn.execute(text("INSERT OR IGNORE INTO forks (station, seq, held_hash, package_hash, package, detected_at)"
                      " VALUES (:s, :q, :h, :p, :pkg, :at)"),
                 {"s": station, "q": seq, "h": held, "p": theirs, "pkg": package, "at": at})


def forks(engine: Engine) -> list[dict]:
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(text("SELECT * FROM forks ORDER BY detected_at")).mappings()]


def held_hashes(engine: Engine, station: str, lo: int, hi: int) -> dict[int, str]:
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT seq, hash FROM events WHERE station=:s AND seq BETWEEN :lo AND :hi"),
                            {"s": station, "lo": lo, "hi": hi}).all()
    return {int(q): h for q, h in rows}


# --- signed heads (HQ) ------------------------------------------------------------------------------
def add_signed_head(conn, manifest: dict, signature: str, at: str) -> None:
    """Keep a room station's signed result manifest (its chain head), to forward it to the server."""
    from app.domain.event import canonical_json

    conn.execute(text(
        "INSERT OR IGNORE INTO signed_heads (package, station, seq_to, head_hash, manifest, signature, imported_at)"
        " VALUES (:p, :s, :q, :h, :m, :sig, :at)"),
        {"p": manifest["package"], "s": manifest["station"], "q": int(manifest["seq_to"]),
         "h": manifest["head_hash"], "m": canonical_json(manifest).decode("utf-8"), "sig": signature, "at": at})


def signed_heads(engine: Engine, station: str, after: int = 0) -> list[dict]:
    """The signed heads HQ holds for one room station past ``after``, lowest first, each once per seq:
    ``{"seq": n, "hash": h, "manifest": {...}, "signature": "..."}``."""
    import json

    with engine.connect() as conn:
        rows = conn.execute(text("SELECT seq_to, head_hash, manifest, signature FROM signed_heads WHERE station=:s"
                                 " AND seq_to > :a ORDER BY seq_to, imported_at"), {"s": station, "a": after}).all()
    out: dict[int, dict] = {}
    for q, h, m, sig in rows:
        out.setdefault(int(q), {"seq": int(q), "hash": h, "manifest": json.loads(m), "signature": sig})
    return list(out.values())


def paired_rooms(engine: Engine) -> dict[str, tuple[str, str]]:
    """station -> (room, exam date) of every room station HQ paired through a set-up package."""
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT t.station, t.room, COALESCE(s.day, '') FROM trusted_stations t "
                                 "LEFT JOIN setups s ON s.id = t.via WHERE t.role = 'room'")).all()
    return {st: (room or "", str(day or "").split("/")[0]) for st, room, day in rows}
