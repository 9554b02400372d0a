"""Benchmark: export + import of result packages — one room's day, and a 20-room exam point's day.

    .venv/bin/python -m bench.bench_transfer

Every figure is printed beside a floor measured in the same run: the cost of the bare
primitives the operation cannot avoid on the same data (zlib, sealed box, Ed25519 sign and
verify, one SQLite executemany of the rows with synchronous=FULL). Set-up packages
(Argon2id from the passphrase) are timed separately.
"""

from __future__ import annotations

import json
import os
import sqlite3
import sys
import tempfile
import time
import zlib
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("AUDITORIA_HOME", tempfile.mkdtemp(prefix="bench-home-"))


def timed(fn, *a, **kw):
    t = time.perf_counter()
    r = fn(*a, **kw)
    return r, time.perf_counter() - t


def build_point(folder: Path, n_rooms: int, per_room: int):
    """An HQ database with n rooms of per_room participants (synthetic names; same shape as the demo)."""
    from app.domain.model import Participant, Room, StaffMember
    from app.services.demo import DEMO_DAY, DEMO_POINT
    from app.services.hq_demo import make_hq
    from app.store import plan_repo

    hq = make_hq(folder / "hq.db")
    rooms = [Room(f"{1 + i // 20:02d}{1 + i % 20:02d}", 5, 5, f"Room {i + 1}") for i in range(n_rooms)]
    people, staff, code = [], [], 770_000_000
    for r in rooms:
        for j, seat in enumerate(r.seat_labels()[:per_room]):
            code += 3
            people.append(Participant(str(code), f"Фамилия{code}", "Имя", "Отчество", "6501", f"{code % 1000000:06d}",
                                      "660001", r.number, seat, DEMO_DAY.key, j % 17 == 0, subject_code="01"))
        staff += [StaffMember(f"ORG{r.number}{k}", f"Организатор{r.number}{k}", "Имя", "", "organizer-room", r.number,
                              k == 1) for k in (1, 2)]
    staff.append(StaffMember("GEK01", "Член", "ГЭК", "", "gek"))
    with hq.engine.begin() as conn:
        conn.exec_driver_sql("DELETE FROM rooms")
        for r in rooms:
            plan_repo.save_room(conn, r)
        plan_repo.replace_participants(conn, DEMO_DAY.key, people)
        plan_repo.save_staff(conn, staff)
    hq.invalidate()
    assert hq.point == DEMO_POINT
    return hq, [r.number for r in rooms]


def heavy_day(st, room: str) -> int:
    """A busy room: admission, start, four exits each, two desk checks, an extra sheet, hand-in."""
    from app.services.hq_demo import local

    t0 = local("09:00")
    n = 0

    def rec(kind, code=None, payload=None, minutes=0):
        nonlocal n
        st.log.append(kind=kind, at=t0 + timedelta(minutes=minutes), recorded_at=t0 + timedelta(minutes=minutes),
                      tz=st.point.tz, author="ORG", day=st.day.key, room=room, participant=code, payload=payload or {})
        n += 1

    people = st.plan.room_participants(room)
    rec("room-opened", payload={"organizers": ["ORG1", "ORG2"]})
    for p in people:
        rec("admitted", p.code, {"identity": "document"}, 10)
        rec("seated", p.code, {"seat": p.seat}, 11)
    rec("exam-start", minutes=60)
    for k in range(4):
        for p in people:
            rec("exit", p.code, {"accompanied_by": "OUT01"}, 70 + 30 * k)
            rec("return", p.code, {}, 75 + 30 * k)
    for p in people:
        rec("desk-check", p.code, {"verdict": "permitted", "item": "pen"}, 65)
        rec("desk-check", p.code, {"verdict": "permitted", "item": "water"}, 66)
        rec("extra-sheet", p.code, {"sheet": f"S{p.code}"}, 200)
        rec("finished", p.code, {"sheets": 2}, 230)
    rec("room-closed", minutes=260)
    return n


def floor(events: list[dict], box_pk, box_sk, signing) -> float:
    """The bare primitives on the same data: compress, seal, sign, verify, open, insert with FULL sync."""
    from nacl.public import SealedBox

    with tempfile.TemporaryDirectory() as d:
        con = sqlite3.connect(Path(d) / "f.db", isolation_level=None)
        con.execute("PRAGMA journal_mode=WAL")
        con.execute("PRAGMA synchronous=FULL")
        con.execute("CREATE TABLE e (id TEXT PRIMARY KEY, station TEXT, seq INT, body TEXT)")
        t = time.perf_counter()
        raw = json.dumps({"events": events}, separators=(",", ":"), ensure_ascii=False).encode()
        ct = SealedBox(box_pk).encrypt(zlib.compress(raw, 6))
        sig = signing.sign(ct).signature
        signing.verify_key.verify(ct, sig)
        back = json.loads(zlib.decompress(SealedBox(box_sk).decrypt(ct)))
        con.execute("BEGIN")
        con.executemany("INSERT INTO e VALUES (?,?,?,?)",
                        [(e["id"], e["station"], e["seq"], json.dumps(e["payload"])) for e in back["events"]])
        con.execute("COMMIT")
        spent = time.perf_counter() - t
        con.close()
    return spent


def scenario(name: str, n_rooms: int, per_room: int, heavy: bool) -> None:
    from app.services.hq_demo import room_day
    from app.transfer.keys import station_keys
    from app.transfer.results import export_results, import_package

    with tempfile.TemporaryDirectory() as d:
        folder = Path(d)
        if heavy or n_rooms > 12:
            hq, rooms = build_point(folder, n_rooms, per_room)
        else:
            from app.services.hq_demo import make_hq

            hq, rooms = make_hq(folder / "hq.db"), ["0101"][:n_rooms]
        setup_t, init_t, stations = 0.0, 0.0, []
        for room in rooms:
            from app.transfer.setup import export_setup, init_from

            _, t1 = timed(export_setup, hq, room, folder / f"{room}-setup.pkg", passphrase="BENCH-PASS-WORD-2345")
            (st, _o), t2 = timed(init_from, folder / f"{room}.db", folder / f"{room}-setup.pkg", "BENCH-PASS-WORD-2345")
            setup_t, init_t = setup_t + t1, init_t + t2
            if heavy:
                heavy_day(st, room)
            else:
                room_day(st)
            stations.append(st)
        exp_t = imp_t = floor_t = 0.0
        size = events = 0
        hk = station_keys(hq)
        for st in stations:
            res, t = timed(export_results, st, folder / f"{st.home_room}.pkg")
            exp_t += t
            size += res.write.size
            events += res.events
            rec, t = timed(import_package, hq, folder / f"{st.home_room}.pkg")
            assert rec.outcome == "applied" and rec.new_events == res.events
            imp_t += t
            evs = [e.to_dict() for e in st.log.of_station(st.station_id)]
            floor_t += floor(evs, hk.box.public_key, hk.box, station_keys(st).signing)
        dup, dup_t = timed(import_package, hq, folder / f"{stations[0].home_room}.pkg")
        assert dup.outcome == "duplicate"
        total = exp_t + imp_t
        print(f"\n{name}: {len(stations)} room(s), {events} events, packages {size / 1024:.1f} KiB")
        print(f"  export             {exp_t * 1000:9.1f} ms   ({exp_t / events * 1e6:7.1f} µs/event)")
        print(f"  import (verified)  {imp_t * 1000:9.1f} ms   ({imp_t / events * 1e6:7.1f} µs/event)")
        print(f"  export+import      {total * 1000:9.1f} ms   floor (bare crypto+zlib+sqlite) {floor_t * 1000:7.1f} ms"
              f"   ratio {total / floor_t:4.1f}×")
        print(f"  re-import (dup)    {dup_t * 1000:9.1f} ms   (one package, nothing applied)")
        print(f"  set-up export      {setup_t / len(stations) * 1000:9.1f} ms/room, init from it "
              f"{init_t / len(stations) * 1000:7.1f} ms/room (Argon2id interactive)")
        assert hq.verify() == []
        hq.close()
        for st in stations:
            st.close()


def main() -> int:
    print("bench_transfer: result packages room → HQ (export + verified import)")
    scenario("demo room day", 1, 15, heavy=False)
    scenario("busy room day", 1, 25, heavy=True)
    scenario("20-room exam point day (busy rooms)", 20, 25, heavy=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
