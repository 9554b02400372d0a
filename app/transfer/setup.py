"""Set-up package HQ → room: the exam day and that room's list, sealed with a one-time passphrase.

The room has no key pair HQ could know before it is set up, so the body is encrypted with a
key derived (Argon2id) from a passphrase HQ shows on its screen and the technician types at
the room; the stick alone reveals nothing. HQ signs the package; the room checks the
signature against the HQ key carried inside the encrypted body (so only someone who knew
the passphrase could have chosen it) and then trusts only that HQ. The body also carries a
pairing secret: the room's first result package proves with it that its keys belong to the
station set up from this package, so HQ pairs it without typing fingerprints.

For failover the same package carries every event HQ holds from the room's stations: a
spare laptop (or HQ itself) continues the room with a new station id, and each station's
chain stays whole.
"""

from __future__ import annotations

import json
import secrets
import uuid
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from app import __version__
from app.domain.event import Event, check_chain, utc_iso
from app.domain.model import ExamDay, ExamPoint, Participant, Room, StaffMember, room_number
from app.errors import UserError
from app.i18n import _
from app.logs import get_logger
from app.transfer import package as pk
from app.transfer import records
from app.transfer.keys import PublicIdentity, station_keys
from app.transfer.media import WriteReport, read_package_bytes, safe_write

log = get_logger("transfer.setup")


@dataclass(frozen=True)
class SetupExport:
    setup_id: str
    room: str
    passphrase: str
    hq_fingerprint: str
    participants: int
    events: int
    write: WriteReport

    def to_dict(self) -> dict:
        return {"setup": self.setup_id, "room": self.room, "passphrase": self.passphrase,
                "hq_fingerprint": self.hq_fingerprint, "participants": self.participants, "events": self.events,
                "file": str(self.write.path), "bytes": self.write.size, "sha256": self.write.sha256,
                "safe_to_remove": self.write.synced}


def _now(station) -> str:
    return utc_iso(station.now())


def room_chains(station, room: str) -> list[Event]:
    """Whole chains of the room stations that served this room (for failover)."""
    stations = {t.station for t in records.trusted(station.engine, role="room") if t.room == room}
    out: list[Event] = []
    for st in sorted(stations):
        out.extend(station.log.of_station(st))
    return out


def export_setup(station, room: str, out: str | Path, passphrase: str | None = None) -> SetupExport:
    """Write the set-up package for one room; returns the passphrase to show on the HQ screen."""
    if station.role != "hq":
        raise UserError(_("export-setup runs on the HQ station; this station's role is {role}").format(
            role=station.role))
    r = station.room(room)
    plan = station.plan
    keys = station_keys(station)
    people = plan.room_participants(r.number)
    events = room_chains(station, r.number)
    setup_id = str(uuid.uuid4())
    token = secrets.token_bytes(32)
    if not people:
        raise UserError(_("room {room} has nobody on the list for {date}: no set-up package for it").format(
            room=r.number, date=plan.day.key))
    codes = plan.room_subjects(r.number)
    subjects = []
    for code in codes:
        try:
            subjects.append(asdict(station.ref.subject(code)))
        except KeyError:  # reference data for the year missing: the room has its own copy anyway
            subjects.append({"code": code})
    body = {
        "setup": setup_id, "token": pk.b64(token), "hq": keys.public.to_dict(),
        "point": asdict(plan.point), "day": plan.day.key, "room": asdict(r), "subject": subjects[0],
        "subjects": subjects,
        "participants": [asdict(p) for p in people], "staff": [asdict(s) for s in plan.staff.values()],
        # the date's other rooms, codes only (no names): the room refuses a plain admission of someone on
        # another room's list and points to the transfer mark (app/domain/transfer.py)
        "roster": {p.code: p.room for p in plan.participants.values() if p.room != r.number},
        "events": [e.to_dict() for e in events],
        "continues": sorted({e.station for e in events}),
    }
    phrase = pk.normalize_passphrase(passphrase) if passphrase else pk.new_passphrase()
    if len(phrase.replace("-", "")) < 12:
        raise UserError(_("the passphrase must have at least 12 letters or digits"))
    params = pk.kdf_params()
    ciphertext = pk.secret_encrypt(pk.passphrase_key(phrase, params), pk.pack_body(body))
    manifest = {"package": setup_id, "station": station.station_id, "role": "hq", "point": plan.point.code,
                "day": plan.day.key, "subjects": codes, "room": r.number, "created_at": _now(station), "app_version": __version__,
                "sender": keys.public.to_dict(), "encryption": {"cipher": "secretbox", **params},
                "counts": {"participants": len(people), "events": len(events)}}
    env = pk.seal(keys, "setup", manifest, ciphertext)
    data = env.to_bytes()
    report = safe_write(out, data)
    with station.engine.begin() as conn:
        records.add_setup(conn, setup_id, r.number, manifest["created_at"], pk.b64(token), len(events), report.sha256,
                          day=plan.day.key)
        records.add_package_out(conn, {"id": setup_id, "kind": "setup", "room": r.number, "seq_from": 0,
                                       "seq_to": 0, "head_hash": "", "created_at": manifest["created_at"],
                                       "file": Path(out).name, "sha256": report.sha256})
    log.info("set-up package written: room %s, %d participants, %d events", r.number, len(people), len(events))
    return SetupExport(setup_id, r.number, phrase, keys.public.fingerprint, len(people), len(events), report)


@dataclass(frozen=True)
class SetupOpened:
    manifest: dict
    body: dict
    hq: PublicIdentity


def open_setup(path: str | Path, passphrase: str) -> SetupOpened:
    """Verify and decrypt a set-up package; nothing is written."""
    name = str(path)
    env = pk.parse(read_package_bytes(path), name)
    if env.kind != "setup":
        raise UserError(_("{name}: this is a result package for HQ, not a set-up package").format(name=name))
    m = env.manifest
    try:
        sender = PublicIdentity.from_dict(m["sender"])
        params = m["encryption"]
    except (KeyError, TypeError, ValueError):
        raise UserError(_("{name}: the package manifest is damaged; nothing was done").format(name=name)) from None
    if not sender.verify(env.message, env.signature):
        raise UserError(_("{name}: the signature does not verify: the package was altered or forged; nothing was "
                          "done").format(name=name))
    body = pk.unpack_body(pk.secret_decrypt(pk.passphrase_key(passphrase, params), env.ciphertext, name), name)
    try:
        hq = PublicIdentity.from_dict(body["hq"])
    except (KeyError, TypeError, ValueError):
        raise UserError(_("{name}: the package body is damaged; nothing was done").format(name=name)) from None
    if (hq.sign_pk, hq.box_pk, hq.station) != (sender.sign_pk, sender.box_pk, sender.station):
        raise UserError(_("{name}: signed by a different key than the HQ named inside; refused").format(name=name))
    if len(body.get("participants", [])) != m.get("counts", {}).get("participants") or \
            len(body.get("events", [])) != m.get("counts", {}).get("events"):
        raise UserError(_("{name}: contents do not match the manifest counts; nothing was done").format(name=name))
    return SetupOpened(m, body, hq)


def init_from(db: str | Path, path: str | Path, passphrase: str, clock=None):
    """Create a room station from a set-up package; the station then trusts only that HQ.

    All or nothing: a wrong passphrase or an altered package stops before any file is made, and
    a failure after the database was created removes it (and its keys) again.
    """
    db = Path(db)
    if db.exists() and db.stat().st_size > 0:  # before the costly Argon2id, and never removed below
        raise UserError(_("{path}: already exists; choose another file or remove it first").format(path=db))
    return _init_opened(db, open_setup(path, passphrase), str(path), clock)


def room_db_name(opened: SetupOpened) -> str:
    """A file name that says what the station is: room-<exam point>-<room>-<date>.db."""
    m = opened.manifest
    date = str(m.get("day", "")).split("/")[0]
    parts = [str(m.get("point", "")), str(m.get("room", "")), date]
    safe = ["".join(c for c in part if c.isalnum() or c == "-") for part in parts]
    return "-".join(["room", *[x for x in safe if x]]) + ".db"


def init_in_folder(folder: str | Path, path: str | Path, passphrase: str, clock=None):
    """Set up a room station in ``folder`` under a name taken from the package (the desktop's way).

    An existing database is never overwritten: a second set-up of the same room on this laptop
    (a new package after a failure) gets ``-2``, ``-3``… appended.
    """
    folder = Path(folder)
    opened = open_setup(path, passphrase)
    base = room_db_name(opened)
    db = folder / base
    n = 1
    while db.exists() or Path(str(db) + ".keys").exists():
        n += 1
        db = folder / f"{base[:-3]}-{n}.db"
    return _init_opened(db, opened, str(path), clock)


def _participant(p: dict, day: ExamDay) -> Participant:
    """A participant of a set-up package; packages made before the exam period carry the day key
    'YYYY-MM-DD/SS' and no subject, which is the subject of that key."""
    p = dict(p)
    legacy = str(p.get("day", ""))
    p["day"] = day.key
    if not p.get("subject_code"):
        p["subject_code"] = legacy[11:] if len(legacy) > 10 else (day.subjects[0] if day.subjects else "")
    return Participant(**p)


def _remove_station_files(db: Path) -> None:
    for f in (db, Path(str(db) + "-wal"), Path(str(db) + "-shm"), Path(str(db) + "-journal"),
              Path(str(db) + ".keys")):
        try:
            f.unlink(missing_ok=True)
        except OSError:
            log.warning("could not remove a half-made station file")


def _init_opened(db: Path, opened: SetupOpened, name: str, clock=None):
    from app.services.station import Station

    b = opened.body
    try:
        point = ExamPoint(**b["point"])
        day = ExamDay.from_key(b["day"])
        room = Room(**b["room"])
        people = [_participant(p, day) for p in b["participants"]]
        staff = [StaffMember(**s) for s in b["staff"]]
        events = [Event.from_dict(e) for e in b["events"]]
        room_number(room.number)
    except (KeyError, TypeError, ValueError):
        raise UserError(_("{name}: the package body is damaged; nothing was done").format(name=name)) from None
    by_station: dict[str, list[Event]] = {}
    for e in events:
        by_station.setdefault(e.station, []).append(e)
    for chain in by_station.values():
        chain.sort(key=lambda e: e.seq)
        if (problem := check_chain(chain)) is not None:
            raise UserError(_("{name}: events carried for failover are inconsistent ({problem}); nothing was "
                              "done").format(name=name, problem=problem))
    st = Station.create(db, role="room", room=room.number, point=point, clock=clock)
    try:
        _fill(st, opened, day, room, people, staff, events, by_station)
    except BaseException:
        st.close()
        _remove_station_files(db)
        raise
    log.info("station initialised from set-up package: room %s, %d participants, %d events", room.number,
             len(people), len(events))
    return st, opened


def _fill(st, opened: SetupOpened, day: ExamDay, room: Room, people: list[Participant], staff: list[StaffMember],
          events: list[Event], by_station: dict[str, list[Event]]) -> None:
    from app.store import plan_repo

    b = opened.body
    now = utc_iso(datetime.now(UTC))
    with st.engine.begin() as conn:
        plan_repo.set_meta(conn, "day", day.key)
        plan_repo.save_room(conn, room)
        plan_repo.replace_participants(conn, day.key, people)
        plan_repo.save_staff(conn, staff)
        plan_repo.set_meta(conn, "setup_id", b["setup"])
        plan_repo.set_meta(conn, "pairing_token", b["token"])
        plan_repo.set_meta(conn, "hq_station", opened.hq.station)
        plan_repo.set_meta(conn, "continues", ",".join(b.get("continues", [])))
        roster = b.get("roster")
        if isinstance(roster, dict):
            plan_repo.set_meta(conn, "roster", json.dumps({day.key: {str(k): str(v) for k, v in roster.items()}},
                                                          ensure_ascii=False))
        records.add_trusted(conn, opened.hq, "", b["setup"], now)
    st.invalidate()
    if events:
        st.log.insert_foreign(events)
        heads = ", ".join(f"{s} #{c[-1].seq}" for s, c in sorted(by_station.items()))
        st.record("note", room.number, payload={"text": f"station {st.station_id} continues room {room.number} "
                                                         f"from the set-up package (previous: {heads})"})
    station_keys(st)  # make the keys now, so the fingerprint can be shown at once
