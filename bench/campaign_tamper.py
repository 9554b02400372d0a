"""Package-tamper campaign: hundreds of altered, replayed, re-signed and injected result packages at HQ.

Run: ``.venv/bin/python -m bench.campaign_tamper [--cases 440] [--seed 14]``. A demo HQ sets up rooms 0101 and
0102 from real set-up packages; the rooms record a morning and write result packages (0101 twice: the first is
already imported at HQ, so 0101 is paired). Each case imports one package into a fresh copy of that HQ through
``app.transfer.results.import_package``:

- flip: 1-8 bit flips anywhere in the file (a flip that decodes to the very same signed content is a no-op,
  counted apart); truncate: the file cut at a random length;
- swap: manifests and ciphertexts of two packages exchanged, or one manifest field changed without re-signing;
- replay: a package HQ already holds (must change nothing), or a later one without the earlier one;
- resign: the package signed with another key, the sender's keys replaced, a stranger claiming a set-up, a
  package of a room set up by another HQ;
- compromised: the room's own key signs a body whose events were altered, re-chained inconsistently, cut at
  the anchor, or whose manifest lies (room, date, counts);
- inject: the room's own key signs a consistent chain that carries one event out of scope: another room,
  another date, a date not in the plan, the exam point as a whole, another room's participant without a
  transfer mark, a participant of no list, a transfer from the wrong room or from another exam point.

A case is *applied* when HQ's events grew; every case must be refused (one line, nothing written) or come out
as "duplicate"/"fork" (nothing applied). Controls (the untampered next package) must apply, to show the
harness can see an import. Prints: cases, applied, refused, not-applied outcomes, tracebacks, partial writes,
multi-line messages, no-ops, controls.
"""

from __future__ import annotations

import copy
import os
import random
import shutil
import tempfile
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path

from bench.campaign_run import row_count, tables_digest

DIGEST_TABLES = ("events", "trusted_stations", "packages_in", "setups")


@dataclass
class Counts:
    cases: int = 0
    applied: int = 0
    refused: int = 0
    not_applied: int = 0
    tracebacks: int = 0
    partial_writes: int = 0
    multi_line: int = 0
    noops: int = 0
    controls: int = 0
    controls_applied: int = 0
    by_family: Counter = field(default_factory=Counter)
    applied_by: Counter = field(default_factory=Counter)
    examples: list[str] = field(default_factory=list)

    def line(self) -> str:
        return (f"package tamper: cases {self.cases} ({', '.join(f'{k} {v}' for k, v in sorted(self.by_family.items()))}"
                f"), applied {self.applied}, refused {self.refused}, duplicate/fork {self.not_applied}, tracebacks "
                f"{self.tracebacks}, partial writes {self.partial_writes}, multi-line {self.multi_line}, no-ops "
                f"{self.noops}; controls applied {self.controls_applied}/{self.controls}"
                + (f" (applied by family: {dict(self.applied_by)})" if self.applied_by else ""))


@dataclass
class World:
    """Everything made once: HQ templates, packages, keys."""

    base: Path
    hq_tpl: Path  # HQ with 0101's first package imported
    p1a: bytes  # 0101 #1 (held)
    p1b: bytes  # 0101 #2 (the next one: the control, and what most cases alter)
    p2: bytes  # 0102 #1 (unpaired yet)
    foreign: bytes  # a room set up by another HQ
    room_keys: object  # 0101's keys (a compromised laptop signs with them)
    hq_box_pk: bytes
    body1b: dict  # 0101 #2 decrypted
    body1a: dict  # 0101 #1 decrypted (HQ holds it)
    codes: dict  # "own", "other" (0102's), "other_date" (11 June only)


def _digest(db: Path) -> str:
    return tables_digest(db, DIGEST_TABLES)


def _events(db: Path) -> int:
    return row_count(db, "events")


def build_world(base: Path) -> World:
    from app.clock import FixedClock
    from app.services.demo import install_demo
    from app.services.hq_demo import room_day
    from app.services.station import Station
    from app.transfer import package as pk
    from app.transfer.keys import station_keys
    from app.transfer.results import export_results, import_package
    from app.transfer.setup import export_setup, init_from

    def local(hhmm: str):
        from datetime import datetime
        from zoneinfo import ZoneInfo

        h, mi = map(int, hhmm.split(":"))
        return datetime(2026, 6, 4, h, mi, tzinfo=ZoneInfo("Asia/Yekaterinburg"))

    def hq_station(path: Path) -> Station:
        st = Station.create(path, role="hq")
        install_demo(st)
        station_keys(st)
        st.clock = FixedClock(local("08:30"))
        return st

    def room(hq, num: str, folder: Path) -> Station:
        folder.mkdir(exist_ok=True)
        export_setup(hq, num, folder / "setup.pkg", passphrase="TAMPER-CAMPAIGN-2026")
        st, _ = init_from(folder / "room.db", folder / "setup.pkg", "TAMPER-CAMPAIGN-2026",
                          clock=FixedClock(local("08:40")))
        return st

    hq = hq_station(base / "hq.db")
    r1, r2 = room(hq, "0101", base / "r1"), room(hq, "0102", base / "r2")
    r1.record("room-opened", "0101", at=local("08:45"))
    export_results(r1, base / "p1a.pkg")
    room_day(r1, "0101")
    export_results(r1, base / "p1b.pkg")
    r2.record("room-opened", "0102", at=local("08:45"))
    room_day(r2, "0102")
    export_results(r2, base / "p2.pkg")
    import_package(hq, base / "p1a.pkg")
    keys = station_keys(hq)
    body1b = pk.unpack_body(pk.decrypt_sealed(keys.box, pk.parse((base / "p1b.pkg").read_bytes(), "p").ciphertext,
                                              "p"), "p")
    other = hq.plan.room_participants("0102")[0].code
    own = r1.plan.room_participants("0101")[0].code
    day1 = set(hq.plan.participants)
    hq.use_day("2026-06-11")
    only_day2 = sorted(set(hq.plan.participants) - day1)
    hq.use_day("2026-06-04")
    body1a = pk.unpack_body(pk.decrypt_sealed(keys.box, pk.parse((base / "p1a.pkg").read_bytes(), "p").ciphertext,
                                              "p"), "p")
    room_keys = station_keys(r1)
    hq_box = keys.public.box_pk
    for st in (r1, r2, hq):
        st.close()
    # another exam point's HQ: its room's package is addressed to it, not to ours
    other_hq = hq_station(base / "hq-other.db")
    r3 = room(other_hq, "0101", base / "r3")
    r3.record("room-opened", "0101", at=local("08:45"))
    export_results(r3, base / "p3.pkg")
    r3.close()
    other_hq.close()
    return World(base, base / "hq.db", (base / "p1a.pkg").read_bytes(), (base / "p1b.pkg").read_bytes(),
                 (base / "p2.pkg").read_bytes(), (base / "p3.pkg").read_bytes(), room_keys, hq_box, body1b, body1a,
                 {"own": own, "other": other, "other_date": only_day2[0] if only_day2 else "990000777"})


# --- helpers to forge with the room's own key --------------------------------------------------------
def _env(data: bytes):
    from app.transfer import package as pk

    return pk.parse(data, "x")


def _seal(keys, manifest: dict, body: dict, hq_box_pk: bytes) -> bytes:
    from app.transfer import package as pk

    m = {k: v for k, v in manifest.items() if k not in ("kind", "format", "ciphertext_sha256", "ciphertext_size")}
    return pk.seal(keys, "results", m, pk.encrypt_to(hq_box_pk, pk.pack_body(body))).to_bytes()


def _rechain(events: list[dict], first_prev: str) -> list[dict]:
    from app.domain.event import Event

    out, prev = [], first_prev
    for i, d in enumerate(events):
        e = Event.from_dict({**d, "seq": events[0]["seq"] + i, "prev_hash": prev, "hash": ""})
        e = e.sealed()
        out.append(e.to_dict())
        prev = e.hash
    return out


def _consistent(manifest: dict, events: list[dict]) -> dict:
    m = dict(manifest)
    m["seq_from"], m["seq_to"] = events[0]["seq"], events[-1]["seq"]
    m["prev_hash"], m["head_hash"] = events[0]["prev_hash"], events[-1]["hash"]
    m["counts"] = {"events": len(events), "kinds": dict(sorted(Counter(e["kind"] for e in events).items()))}
    if isinstance(m.get("anchor"), dict):
        m["anchor"] = None  # an anchor is signed by the station's own key over its head: dropped, not forged
    return m


def _flip(rnd, data: bytes) -> bytes:
    b = bytearray(data)
    for _ in range(rnd.randrange(1, 9)):
        b[rnd.randrange(len(b))] ^= 1 << rnd.randrange(8)
    return bytes(b)


def _same_content(a: bytes, b: bytes) -> bool:
    """A change that decodes to the same signed manifest, ciphertext and signature (base64's spare bits)."""
    try:
        ea, eb = _env(a), _env(b)
    except Exception:  # noqa: BLE001 - the altered one does not even parse: not the same
        return False
    return (ea.manifest, ea.ciphertext, ea.signature) == (eb.manifest, eb.ciphertext, eb.signature)


def make_case(rnd: random.Random, w: World) -> tuple[str, str, bytes]:
    """(family, what, package bytes)."""
    from app.transfer import package as pk
    from app.transfer.keys import PublicIdentity, StationKeys

    fam = rnd.choice(["flip", "flip", "truncate", "swap", "replay", "resign", "compromised", "inject", "inject",
                      "control"])
    m = _env(w.p1b).manifest
    evs = copy.deepcopy(w.body1b["events"])
    if fam == "control":
        return fam, "untampered next package", w.p1b
    if fam == "flip":
        return fam, "bit flips", _flip(rnd, rnd.choice([w.p1b, w.p1b, w.p2]))
    if fam == "truncate":
        src = rnd.choice([w.p1b, w.p2])
        return fam, "cut", src[: rnd.randrange(0, len(src) - 1)]
    if fam == "swap":
        a, b = _env(w.p1b), _env(rnd.choice([w.p2, w.p1a, w.foreign]))
        how = rnd.choice(["manifest", "ciphertext", "signature", "field"])
        if how == "manifest":
            env = pk.Envelope(b.manifest, a.ciphertext, a.signature)
        elif how == "ciphertext":
            env = pk.Envelope(a.manifest, b.ciphertext, a.signature)
        elif how == "signature":
            env = pk.Envelope(a.manifest, a.ciphertext, b.signature)
        else:
            key = rnd.choice(["room", "seq_from", "seq_to", "day", "point", "head_hash", "counts", "station",
                              "recipient", "anchor", "pairing"])
            mm = dict(a.manifest)
            mm[key] = {"room": "0102", "seq_from": 1, "seq_to": 999, "day": "2026-06-11", "point": "9999",
                       "head_hash": "0" * 64, "counts": {"events": 1, "kinds": {"note": 1}}, "station": "room-x",
                       "recipient": {"station": "hq-x", "fingerprint": "x"}, "anchor": {"seq": 10_000},
                       "pairing": {"setup": "nope", "proof": "00"}}[key]
            env = pk.Envelope(mm, a.ciphertext, a.signature)
            how = f"field {key}"
        return fam, how, env.to_bytes()
    if fam == "replay":
        return fam, "held package again", w.p1a
    if fam == "resign":
        how = rnd.choice(["other-key", "other-sender", "stranger-setup", "foreign-hq"])
        attacker = StationKeys("room-attacker", "room", *_fresh_keys())
        if how == "other-key":
            return fam, how, _seal(attacker, m, w.body1b, w.hq_box_pk)
        if how == "other-sender":
            return fam, how, _seal(attacker, {**m, "sender": replace(attacker.public, station=m["station"]).to_dict()},
                                   w.body1b, w.hq_box_pk)
        if how == "stranger-setup":
            p2 = _env(w.p2).manifest
            pub: PublicIdentity = attacker.public
            mm = {**p2, "station": pub.station, "sender": pub.to_dict(),
                  "pairing": {"setup": p2["pairing"]["setup"], "proof": os.urandom(32).hex()}}
            body = {"events": [{**e, "station": pub.station} for e in w.body1b["events"]]}
            return fam, how, _seal(attacker, mm, body, w.hq_box_pk)
        return fam, how, w.foreign
    if fam == "compromised":
        how = rnd.choice(["payload", "rehash-one", "drop-one", "reorder", "counts", "anchor-ahead", "room-field",
                          "day-field", "other-station", "fork"])
        mm = dict(m)
        if how == "payload":  # altered content, hashes left as they were
            i = rnd.randrange(len(evs))
            evs[i]["payload"] = {**evs[i]["payload"], "text": "forged"}
        elif how == "rehash-one":  # one event re-hashed: the next one no longer follows
            from app.domain.event import Event

            i = rnd.randrange(len(evs) - 1)
            evs[i] = Event.from_dict({**evs[i], "author": "forger", "hash": ""}).sealed().to_dict()
        elif how == "drop-one":
            del evs[rnd.randrange(1, len(evs) - 1)]
        elif how == "reorder":
            i = rnd.randrange(len(evs) - 1)
            evs[i], evs[i + 1] = evs[i + 1], evs[i]
        elif how == "counts":
            mm["counts"] = {"events": len(evs), "kinds": {"note": len(evs)}}
        elif how == "anchor-ahead":
            mm["anchor"] = {**(mm.get("anchor") or {}), "seq": mm["seq_to"] + rnd.randrange(1, 20)}
        elif how == "room-field":
            mm["room"] = "0102"
        elif how == "day-field":
            mm["day"] = rnd.choice(["2026-06-11", "2031-01-01", "not-a-date"])
        elif how == "other-station":
            evs = [{**e, "station": "room-other"} for e in evs]
        elif how == "fork":  # rewrite an event HQ already holds and re-chain: a second history of the station
            from app.domain.event import GENESIS

            evs = copy.deepcopy(w.body1a["events"])
            evs[-1] = {**evs[-1], "author": "forger"}
            evs = _rechain(evs, GENESIS)
            mm = _consistent(_env(w.p1a).manifest, evs)
        return fam, how, _seal(w.room_keys, mm, {"events": evs}, w.hq_box_pk)
    # inject: a consistent chain from the room's own key with one event out of scope
    how = rnd.choice(["other-room", "other-date", "date-not-in-plan", "point-level", "other-rooms-participant",
                      "no-list", "transfer-wrong-room", "transfer-other-ppe", "other-dates-participant"])
    base = dict(evs[rnd.randrange(len(evs))])
    c = w.codes
    ev = {**base, "id": f"00000000-0000-4000-8000-{rnd.randrange(16**12):012x}", "kind": "note", "participant": None,
          "payload": {"text": "injected"}}
    if how == "other-room":
        ev["room"] = rnd.choice(["0102", "0201", "0112"])
    elif how == "other-date":
        ev["day"] = "2026-06-11"
    elif how == "date-not-in-plan":
        ev["day"] = rnd.choice(["2031-01-01", "2026-06-05"])
    elif how == "point-level":
        ev["room"] = None
    elif how == "other-rooms-participant":
        ev.update(kind=rnd.choice(["removal", "admitted", "finished"]), participant=c["other"],
                  payload={"reason": "phone"} if rnd.random() < 0.5 else {})
        if ev["kind"] != "removal":
            ev["payload"] = {}
    elif how == "no-list":
        ev.update(kind="exit", participant=rnd.choice(["990000123", "'; DROP TABLE events;--", "X" * 50]),
                  payload={})
    elif how == "other-dates-participant":
        ev.update(kind="exit", participant=c["other_date"], payload={})
    else:
        code = c["other"] if how == "transfer-wrong-room" else "990000555"
        ev.update(kind="transfer-in", participant=code,
                  payload={"from_room": rnd.choice(["0105", "0110"]), "reason": "x", "decided_by": "HEAD01",
                           "last_name": "Иванов", "first_name": "Иван", "document_number": "123456"})
    pos = rnd.randrange(len(evs) + 1)
    evs.insert(pos, ev)
    evs = _rechain(evs, evs[0]["prev_hash"] if pos else w.body1b["events"][0]["prev_hash"])
    return fam, how, _seal(w.room_keys, _consistent(m, evs), {"events": evs}, w.hq_box_pk)


def _fresh_keys():
    from nacl.public import PrivateKey
    from nacl.signing import SigningKey

    return SigningKey.generate(), PrivateKey.generate()


def run_case(w: World, fam: str, how: str, data: bytes, work: Path, counts: Counts) -> None:
    from app.errors import UserError
    from app.services.station import Station
    from app.transfer.results import import_package

    if fam == "flip" and _same_content(data, w.p1b) or fam == "flip" and _same_content(data, w.p2):
        counts.noops += 1
        return
    db = work / "hq.db"
    for suffix in ("", "-wal", "-shm", ".head", ".keys"):
        Path(str(db) + suffix).unlink(missing_ok=True)
    shutil.copy(w.hq_tpl, db)
    shutil.copy(str(w.hq_tpl) + ".keys", str(db) + ".keys")
    pkg = work / "in.pkg"
    pkg.write_bytes(data)
    before, n0 = _digest(db), _events(db)
    st = Station.open(db)
    outcome, msg = "", ""
    try:
        outcome = import_package(st, pkg).outcome
    except UserError as e:
        msg = str(e)
    except Exception as e:  # noqa: BLE001 - the finding this campaign looks for
        counts.tracebacks += 1
        counts.examples.append(f"traceback {e.__class__.__name__} ({fam}/{how}): {str(e)[:150]}")
    finally:
        st.close()
    grew = _events(db) > n0
    if fam == "control":
        counts.controls += 1
        counts.controls_applied += grew and outcome == "applied"
        return
    counts.cases += 1
    counts.by_family[fam] += 1
    if grew:
        counts.applied += 1
        counts.applied_by[f"{fam}/{how}"] += 1
        counts.examples.append(f"applied ({fam}/{how})")
    elif outcome in ("duplicate", "fork"):
        counts.not_applied += 1
    elif msg:
        counts.refused += 1
        if "\n" in msg:
            counts.multi_line += 1
            counts.examples.append(f"multi-line ({fam}/{how}): {msg[:150]}")
    if not grew and outcome != "fork" and _digest(db) != before:
        counts.partial_writes += 1
        counts.examples.append(f"partial write ({fam}/{how}, {outcome or 'refused'})")


def campaign(n: int, seed: int, log=print) -> Counts:
    rnd = random.Random(seed)
    counts = Counts()
    with tempfile.TemporaryDirectory(prefix="tamper-") as d:
        base = Path(d)
        w = build_world(base)
        work = base / "w"
        work.mkdir()
        while counts.cases < n:
            fam, how, data = make_case(rnd, w)
            run_case(w, fam, how, data, work, counts)
            if log and counts.cases and counts.cases % 100 == 0 and fam != "control":
                log(f"  {counts.cases}/{n}: {counts.line()}")
    return counts


def main() -> None:
    from bench.campaign_run import run

    run(__doc__, campaign, 440, "tamper")


if __name__ == "__main__":
    main()
