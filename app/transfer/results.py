"""Result package room → HQ, and its import at HQ.

Export: this station's own events since its last package (or all), encrypted to the HQ it
was set up from (sealed box) and signed by the room station.

Import checks everything before it applies a byte, in this order: the file is whole and
its ciphertext matches the manifest; it is addressed to this HQ; the sender is a paired
station (or proves with its set-up secret that it is the station set up from one of our
packages) and presents the keys we paired; the signature verifies; the body decrypts; its
events form an unbroken chain that matches the manifest (range, head hash, counts by kind)
and continues what HQ already holds. Then the new events are inserted, once. The same
package twice, or an older one after a newer one, changes nothing and says so; a fork (same
station and sequence, different hash) is recorded and reported, never merged.
"""

from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from app import __version__
from app.domain.event import GENESIS, Event, utc_iso
from app.errors import UserError
from app.i18n import _
from app.logs import get_logger
from app.store import plan_repo
from app.transfer import package as pk
from app.transfer import records, scope, status
from app.transfer.keys import PublicIdentity, station_keys
from app.transfer.media import WriteReport, read_package_bytes, safe_write

log = get_logger("transfer.results")


@dataclass(frozen=True)
class ResultsExport:
    package: str
    station: str
    room: str
    seq_from: int
    seq_to: int
    head_hash: str
    events: int
    note: str
    write: WriteReport

    def to_dict(self) -> dict:
        return {"package": self.package, "station": self.station, "room": self.room, "seq_from": self.seq_from,
                "seq_to": self.seq_to, "head_hash": self.head_hash, "events": self.events, "note": self.note or None,
                "file": str(self.write.path), "bytes": self.write.size, "sha256": self.write.sha256,
                "safe_to_remove": self.write.synced}


def _anchor_checked(station, head_seq: int, head_hash: str) -> dict | None:
    """The station's anchor for the package; refuses to export a database cut back behind it."""
    from app.store import anchor as anchors

    if station.log.anchor is not None:
        station.log.anchor.flush()
    problem = anchors.behind_anchor(station.path, station.station_id, head_seq, head_hash, lambda seq: records.held_hashes(
        station.engine, station.station_id, seq, seq).get(seq, ""))
    if problem:
        raise UserError(_("{path}: {problem}; no package written (run auditoria verify)").format(
            path=station.path, problem=problem))
    return anchors.anchor_for_package(station.path)


def hq_recipient(station) -> PublicIdentity | None:
    """The HQ this station's results are encrypted to, or None: a station not set up from a package
    (the demo, a hand-made database) has nobody to write to, so the desktop does not offer it."""
    hqs = records.trusted(station.engine, role="hq")
    return hqs[0].identity if hqs else None


def package_name(station) -> str:
    """The result file's name on the stick: room, day and station, so packages of several rooms (or a
    spare laptop of the same room) sit side by side, and writing again replaces only this station's own."""
    room = station.home_room or "room"
    return f"{room}-{station.day.date.isoformat()}-{station.station_id}.pkg"


def export_results(station, out: str | Path, everything: bool = False) -> ResultsExport:
    """Write this station's events since its last package (or all) for HQ."""
    hq = hq_recipient(station)
    if hq is None:
        raise UserError(_("this station was not set up from an HQ set-up package: there is no HQ to encrypt "
                          "to (auditoria init --db FILE --from SETUP)"))
    keys = station_keys(station)
    head_seq, head_hash = station.log.head()
    anchor = _anchor_checked(station, head_seq, head_hash)
    if head_seq == 0:
        raise UserError(_("this station has recorded nothing yet: no package to write"))
    last = records.last_package_out(station.engine, "results")
    start, note = 1, ""
    if not everything and last is not None:
        start = int(last["seq_to"]) + 1
        if start > head_seq:
            start, note = 1, _("no new events since the last package: all events written again")
    events = station.log.of_station(station.station_id, start - 1)
    kinds = Counter(e.kind for e in events)
    room = station.home_room or ""
    setup_id = plan_repo.get_meta(station.engine, "setup_id") or ""
    token = plan_repo.get_meta(station.engine, "pairing_token") or ""
    pub = keys.public
    package_id = str(uuid.uuid4())
    created = utc_iso(station.now())
    manifest = {
        "package": package_id, "station": station.station_id, "role": station.role, "room": room,
        "point": station.point.code, "day": station.day.key,
        "subjects": station.plan.room_subjects(room) if room else list(station.day.subjects), "created_at": created, "app_version": __version__,
        "seq_from": start, "seq_to": head_seq, "prev_hash": events[0].prev_hash, "head_hash": head_hash,
        "counts": {"events": len(events), "kinds": dict(sorted(kinds.items()))},
        "sender": pub.to_dict(), "recipient": {"station": hq.station, "fingerprint": hq.fingerprint},
        "pairing": {"setup": setup_id,
                    "proof": pk.pairing_proof(pk.unb64(token), pub.station, pub.sign_pk, pub.box_pk) if token else ""},
        "encryption": {"cipher": "sealedbox"},
        "anchor": anchor,  # the station's signed head beside its database (app/store/anchor.py)
    }
    body = {"events": [e.to_dict() for e in events]}
    env = pk.seal(keys, "results", manifest, pk.encrypt_to(hq.box_pk, pk.pack_body(body)))
    report = safe_write(out, env.to_bytes())
    with station.engine.begin() as conn:
        records.add_package_out(conn, {"id": package_id, "kind": "results", "room": room, "seq_from": start,
                                       "seq_to": head_seq, "head_hash": head_hash, "created_at": created,
                                       "file": Path(out).name, "sha256": report.sha256})
    log.info("result package written: %d events, seq %d..%d", len(events), start, head_seq)
    return ResultsExport(package_id, station.station_id, room, start, head_seq, head_hash, len(events), note, report)


# --- import (HQ) ------------------------------------------------------------------------------------
@dataclass
class Receipt:
    outcome: str  # applied | duplicate | fork
    package: str
    station: str
    fingerprint: str
    room: str
    seq_from: int
    seq_to: int
    events: int
    new_events: int
    head_seq: int
    head_hash: str
    imported_at: str
    sha256: str
    kinds: dict[str, int] = field(default_factory=dict)
    paired_now: bool = False
    fork: dict | None = None

    def to_dict(self) -> dict:
        return {k: getattr(self, k) for k in self.__dataclass_fields__} | {"message": self.message()}

    def message(self) -> str:
        if self.outcome == "applied":
            paired = (_("station {station} paired now, fingerprint {fp}").format(
                station=self.station, fp=self.fingerprint) + "\n") if self.paired_now else ""
            return paired + _("imported package from station {station} (room {room}): {new} new events of {n}, seq "
                     "{a}..{b}; head #{head} {hash}").format(station=self.station, room=self.room, new=self.new_events,
                                                            n=self.events, a=self.seq_from, b=self.seq_to,
                                                            head=self.head_seq, hash=self.head_hash[:16])
        if self.outcome == "duplicate":
            return _("package from station {station} (room {room}, seq {a}..{b}) was already imported: nothing "
                     "changed; head #{head} {hash}").format(station=self.station, room=self.room, a=self.seq_from,
                                                           b=self.seq_to, head=self.head_seq, hash=self.head_hash[:16])
        f = self.fork or {}
        return _("FORK: station {station} has two different events with seq {seq} (held {held}, package {theirs});"
                 " nothing was applied; the fork is recorded for review").format(
            station=self.station, seq=f.get("seq"), held=str(f.get("held_hash", ""))[:16],
            theirs=str(f.get("package_hash", ""))[:16])


def _bad(name: str, what: str) -> UserError:
    return UserError(_("{name}: {what}; nothing was applied").format(name=name, what=what))


def _check_sender(station, env: pk.Envelope, name: str) -> tuple[PublicIdentity, bool, dict | None]:
    """The sender's identity we trust, whether it is being paired now, and the set-up that pairs it."""
    m = env.manifest
    try:
        claimed = PublicIdentity.from_dict(m["sender"])
    except (KeyError, TypeError, ValueError):
        raise _bad(name, _("the manifest is damaged")) from None
    if claimed.station != m.get("station"):
        raise _bad(name, _("the manifest names two different stations"))
    known = records.trusted(station.engine, station=claimed.station)
    if known:
        ident = known[0].identity
        if (ident.sign_pk, ident.box_pk) != (claimed.sign_pk, claimed.box_pk):
            raise _bad(name, _("station {station} presents keys (fingerprint {fp}) other than the ones paired "
                               "(fingerprint {paired})").format(station=claimed.station, fp=claimed.fingerprint,
                                                               paired=ident.fingerprint))
        return ident, False, None
    pairing = m.get("pairing") or {}
    setup = records.get_setup(station.engine, str(pairing.get("setup", ""))) if pairing.get("setup") else None
    if setup is None or not pk.proof_matches(pk.unb64(setup["token"]), claimed.station, claimed.sign_pk,
                                             claimed.box_pk, str(pairing.get("proof", ""))):
        raise _bad(name, _("station {station} (fingerprint {fp}) is not paired with this HQ station").format(
            station=claimed.station, fp=claimed.fingerprint))
    if setup["station"] and setup["station"] != claimed.station:
        raise _bad(name, _("the set-up package it was made from was already used by station {other}; export a new "
                           "set-up package for a spare laptop").format(other=setup["station"]))
    if setup["room"] != m.get("room"):
        raise _bad(name, _("station {station} was set up for room {room}, not {other}").format(
            station=claimed.station, room=setup["room"], other=m.get("room")))
    return claimed, True, setup


def _events_from(body: dict, name: str) -> list[Event]:
    try:
        evs = [Event.from_dict(d) for d in body["events"]]
        for e in evs:
            if not isinstance(e.seq, int) or not isinstance(e.payload, dict):
                raise TypeError
    except (KeyError, TypeError, ValueError):
        raise _bad(name, _("the package body is damaged")) from None
    return evs


def _check_events(m: dict, evs: list[Event], name: str) -> None:
    counts = m.get("counts") or {}
    if len(evs) != counts.get("events") or not evs:
        raise _bad(name, _("it holds {n} events, its manifest says {m}").format(n=len(evs), m=counts.get("events")))
    if dict(Counter(e.kind for e in evs)) != dict(counts.get("kinds") or {}):
        raise _bad(name, _("the kinds of its events do not match the manifest"))
    prev = m.get("prev_hash")
    for i, e in enumerate(evs):
        if e.station != m["station"]:
            raise _bad(name, _("it carries events of another station ({other})").format(other=e.station))
        if e.seq != m["seq_from"] + i:
            raise _bad(name, _("its sequence numbers are not continuous at #{seq}").format(seq=e.seq))
        if e.prev_hash != prev or e.compute_hash() != e.hash:
            raise _bad(name, _("event #{seq} was altered (its hash chain is broken)").format(seq=e.seq))
        prev = e.hash
    if evs[-1].seq != m["seq_to"] or prev != m["head_hash"]:
        raise _bad(name, _("its last event does not match the manifest's head"))
    if m["seq_from"] == 1 and m["prev_hash"] != GENESIS:
        raise _bad(name, _("its first event does not start a chain"))


def import_package(station, path: str | Path, progress=None) -> Receipt:
    """Verify a result package completely, then apply it once; returns the receipt.

    ``progress(percent, stage)`` is called between the stages (for a progress bar).
    """
    name = str(path)
    step = progress or (lambda pct, stage: None)
    if station.role != "hq":
        raise UserError(_("import-package runs on the HQ station; this station's role is {role}").format(
            role=station.role))
    step(5, _("reading"))
    data = read_package_bytes(path)
    env = pk.parse(data, name)
    m = env.manifest
    if env.kind != "results":
        raise UserError(_("{name}: this is a set-up package for a room station (auditoria init --from); nothing was "
                          "applied").format(name=name))
    keys = station_keys(station)
    me = keys.public
    rcpt = m.get("recipient") or {}
    if rcpt.get("station") != me.station or rcpt.get("fingerprint") != me.fingerprint:
        raise _bad(name, _("it is addressed to HQ station {other} (fingerprint {fp}), not to this station {me} "
                           "(fingerprint {mine})").format(other=rcpt.get("station"), fp=rcpt.get("fingerprint"),
                                                         me=me.station, mine=me.fingerprint))
    try:
        for k in ("seq_from", "seq_to"):
            if not isinstance(m[k], int) or m[k] < 1:
                raise TypeError
        str(m["head_hash"]), str(m["prev_hash"]), str(m["room"]), str(m["package"])
    except (KeyError, TypeError):
        raise _bad(name, _("the manifest is damaged")) from None
    step(25, _("checking the sender"))
    if m.get("point") != station.point.code:
        raise _bad(name, _("it comes from exam point {other}; this HQ serves exam point {mine}").format(
            other=m.get("point"), mine=station.point.code))
    _check_date(station, m, name)
    sender, pair_now, setup = _check_sender(station, env, name)
    if not sender.verify(env.message, env.signature):
        raise _bad(name, _("the signature does not verify: the package was altered or forged"))
    step(40, _("decrypting"))
    body = pk.unpack_body(pk.decrypt_sealed(keys.box, env.ciphertext, name), name)
    evs = _events_from(body, name)
    step(60, _("checking the events"))
    _check_events(m, evs, name)
    scope.check_package_anchor(m, name)
    scope.check_manifest(station, m["station"], setup, m, name)
    scope.check_scope(station, m["station"], setup, evs, name)

    st_id = m["station"]
    held_seq, held_hash = station.log.head(st_id)
    now = utc_iso(station.now())
    receipt = Receipt("applied", m["package"], st_id, sender.fingerprint, m["room"], m["seq_from"], m["seq_to"],
                      len(evs), 0, held_seq, held_hash, now, pk.sha256(data), dict(m["counts"]["kinds"]),
                      paired_now=pair_now)
    if m["seq_from"] > held_seq + 1:
        raise _bad(name, _("events #{a}..#{b} of station {station} are missing here (HQ holds up to #{held}): import "
                           "the earlier package first, or export with --all").format(
            a=held_seq + 1, b=m["seq_from"] - 1, station=st_id, held=held_seq))
    # Fork check: every overlapping event must be the very one HQ holds.
    held = records.held_hashes(station.engine, st_id, m["seq_from"] - 1, min(m["seq_to"], held_seq))
    fork = None
    if m["seq_from"] - 1 in held and held[m["seq_from"] - 1] != m["prev_hash"]:
        fork = {"seq": m["seq_from"] - 1, "held_hash": held[m["seq_from"] - 1], "package_hash": m["prev_hash"]}
    else:
        for e in evs:
            if e.seq in held and held[e.seq] != e.hash:
                fork = {"seq": e.seq, "held_hash": held[e.seq], "package_hash": e.hash}
                break
    if fork is not None:
        with station.engine.begin() as conn:
            records.add_fork(conn, st_id, fork["seq"], fork["held_hash"], fork["package_hash"], m["package"], now)
        receipt.outcome, receipt.fork = "fork", fork
        log.warning("fork refused: station seq %s", fork["seq"])
        return receipt
    new = [e for e in evs if e.seq > held_seq]
    step(80, _("applying"))
    if new:
        receipt.new_events = station.log.insert_foreign(new)
    else:
        receipt.outcome = "duplicate"
    receipt.head_seq, receipt.head_hash = station.log.head(st_id)
    with station.engine.begin() as conn:
        if pair_now and setup is not None:
            records.add_trusted(conn, sender, setup["room"], setup["id"], now,
                                continues=",".join(_previous_stations(station, setup["room"], st_id)))
            records.use_setup(conn, setup["id"], st_id)
        status.mark_arrived(conn, new, m["package"], now)
        records.add_package_in(conn, {"id": m["package"], "station": st_id, "room": m["room"],
                                      "seq_from": m["seq_from"], "seq_to": m["seq_to"], "head_hash": m["head_hash"],
                                      "events": len(evs), "new_events": receipt.new_events,
                                      "created_at": str(m.get("created_at", "")), "imported_at": now,
                                      "sha256": receipt.sha256, "outcome": receipt.outcome,
                                      "day": str(m.get("day", ""))[:10]})
    station.invalidate()
    step(100, _("done"))
    log.info("package import %s: %d events, %d new", receipt.outcome, len(evs), receipt.new_events)
    return receipt


def _check_date(station, m: dict, name: str) -> None:
    """HQ takes packages of every date of the period, but only of a date it has a list for."""
    from app.domain.model import date_key

    try:
        day = date_key(str(m.get("day", "")))
    except ValueError:
        raise _bad(name, _("the manifest names no valid exam date")) from None
    have = [d.key for d in station.days()]
    if day not in have:
        raise _bad(name, _("it is for the exam date {day}, and this HQ has no list for that date (dates: "
                           "{dates}); import the distribution list first").format(day=day, dates=", ".join(have)))


def _previous_stations(station, room: str, me: str) -> list[str]:
    return sorted(t.station for t in records.trusted(station.engine, role="room") if t.room == room and
                  t.station != me)


def order_packages(paths) -> list[Path]:
    """Package files of a stick in the order to import them: per station by first sequence number.

    Folders are expanded to their ``*.pkg`` files; set-up packages are left out (they go to rooms).
    Files that cannot be read sort last, so their import reports the problem.
    """
    files: list[Path] = []
    for p in map(Path, paths):
        files.extend(sorted(p.glob("*.pkg")) if p.is_dir() else [p])

    def key(f: Path):
        try:
            m = pk.parse(read_package_bytes(f), str(f)).manifest
        except UserError:
            return (2, "", 0, f.name)
        if m.get("kind") == "setup":
            return (3, "", 0, f.name)
        return (0, str(m.get("station", "")), int(m.get("seq_from", 0) or 0), f.name)

    keyed = sorted((key(f), f) for f in files)
    return [f for k, f in keyed if k[0] != 3]
