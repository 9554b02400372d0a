"""Stations exchanging real package files: round trip, idempotence, order, damage, trust, forks."""

from __future__ import annotations

import shutil

import pytest

from app.errors import UserError
from app.services.station import state_json
from app.transfer import records, status
from app.transfer.results import export_results, import_package
from app.transfer.setup import export_setup, init_from
from tests.transfer.conftest import PASS, copy_hq, full_day, setup_room


def test_full_day_round_trip_three_stations(hq, tmp_path):
    r1 = setup_room(hq, "0101", tmp_path)
    r2 = setup_room(hq, "0102", tmp_path)
    assert r1.plan.room_participants("0101") and not r1.plan.room_participants("0102")
    full_day(r1)
    full_day(r2)
    for st in (r1, r2):
        res = export_results(st, tmp_path / f"{st.home_room}.pkg")
        assert res.write.synced and res.seq_from == 1 and res.events == st.log.count()
        rec = import_package(hq, tmp_path / f"{st.home_room}.pkg")
        assert rec.outcome == "applied" and rec.paired_now
        assert rec.new_events == st.log.count() and rec.head_hash == st.log.head()[1]
    for st in (r1, r2):
        room = st.home_room
        assert state_json(hq.room_state(room)) == state_json(st.room_state(room))
    summary = {r["room"]: r for r in hq.rooms_summary()}
    assert summary["0101"]["phase"] == "closed" and summary["0101"]["removed"] == 1
    assert summary["0103"]["phase"] == "not-opened"
    assert hq.verify() == []
    paired = {t.station: t for t in records.trusted(hq.engine, role="room")}
    assert set(paired) == {r1.station_id, r2.station_id} and paired[r1.station_id].room == "0101"
    got = status.counts(hq.engine, "hq")
    assert got == {"room": 0, "hq": r1.log.count() + r2.log.count(), "server": 0}
    assert [p["outcome"] for p in records.packages_in(hq.engine)] == ["applied", "applied"]


def test_reimport_is_idempotent_and_says_so(hq, tmp_path):
    r1 = setup_room(hq, "0101", tmp_path)
    full_day(r1)
    export_results(r1, tmp_path / "a.pkg")
    first = import_package(hq, tmp_path / "a.pkg")
    n = hq.log.count()
    again = import_package(hq, tmp_path / "a.pkg")
    assert (first.outcome, again.outcome) == ("applied", "duplicate")
    assert again.new_events == 0 and hq.log.count() == n
    assert "already imported" in again.message() and "nothing changed" in again.message()


def test_out_of_order_packages(hq, tmp_path):
    r1 = setup_room(hq, "0101", tmp_path)
    full_day(r1, until="morning")
    p1 = export_results(r1, tmp_path / "p1.pkg")
    full_day(r1, until="afternoon")
    p2 = export_results(r1, tmp_path / "p2.pkg")
    assert p2.seq_from == p1.seq_to + 1
    full = export_results(r1, tmp_path / "all.pkg", everything=True)
    assert full.seq_from == 1
    # the newer increment first: refused with a clear message, nothing applied
    with pytest.raises(UserError, match="missing here"):
        import_package(hq, tmp_path / "p2.pkg")
    assert hq.log.count() == 0
    assert import_package(hq, tmp_path / "p1.pkg").outcome == "applied"
    assert import_package(hq, tmp_path / "p2.pkg").new_events == p2.events
    n = hq.log.count()
    # an older one after a newer one, and a full one after both: nothing changes
    assert import_package(hq, tmp_path / "p1.pkg").outcome == "duplicate"
    assert import_package(hq, tmp_path / "all.pkg").outcome == "duplicate"
    assert hq.log.count() == n == r1.log.count()


def test_full_package_after_partial_adds_only_the_rest(hq, tmp_path):
    r1 = setup_room(hq, "0101", tmp_path)
    full_day(r1, until="morning")
    export_results(r1, tmp_path / "p1.pkg")
    import_package(hq, tmp_path / "p1.pkg")
    held = hq.log.count()
    full_day(r1, until="afternoon")
    export_results(r1, tmp_path / "all.pkg", everything=True)
    rec = import_package(hq, tmp_path / "all.pkg")
    assert rec.outcome == "applied" and rec.new_events == r1.log.count() - held


@pytest.fixture
def day_package(hq, tmp_path):
    r1 = setup_room(hq, "0101", tmp_path)
    full_day(r1)
    export_results(r1, tmp_path / "day.pkg")
    return tmp_path / "day.pkg"


@pytest.mark.parametrize("fraction", [0.0, 0.01, 0.3, 0.5, 0.9, 0.999])
def test_truncated_package_refused(hq, day_package, fraction):
    data = day_package.read_bytes()
    cut = day_package.with_name("cut.pkg")
    cut.write_bytes(data[: int(len(data) * fraction)])
    with pytest.raises(UserError, match="nothing was applied|not an Auditoria package"):
        import_package(hq, cut)
    assert hq.log.count() == 0 and records.packages_in(hq.engine) == []


def test_one_flipped_byte_anywhere_is_refused(hq, day_package):
    data = day_package.read_bytes()
    bad = day_package.with_name("bad.pkg")
    positions = sorted({len(b"AUDITORIA-PACKAGE 1\n") + 20, len(data) // 4, len(data) // 2, 3 * len(data) // 4,
                        len(data) - 40, len(data) - 5} | set(range(25, len(data) - 2, max(1, len(data) // 23))))
    for pos in positions:
        flipped = bytearray(data)
        flipped[pos] ^= 0x01
        bad.write_bytes(bytes(flipped))
        try:
            rec = import_package(hq, bad)
        except UserError as e:
            assert "nothing was applied" in str(e) or "not an Auditoria package" in str(e), (pos, str(e))
        else:  # a flip in JSON whitespace or key order cannot change any signed content
            assert rec.outcome == "applied" and rec.head_hash == import_package(hq, day_package).head_hash, pos
            pytest.fail(f"flipped byte at {pos} was accepted")
        assert hq.log.count() == 0, pos


def test_wrong_recipient_refused(hq, hq_template, tmp_path, day_package):
    from app.services.station import Station

    other = Station.create(tmp_path / "other-hq.db", role="hq")
    from app.services.demo import install_demo

    install_demo(other)
    with pytest.raises(UserError, match="addressed to HQ station .* not to this station"):
        import_package(other, day_package)
    assert other.log.count() == 0


def test_unpaired_station_refused(hq, tmp_path):
    """A station that knows HQ's public key but was not set up from one of its packages."""
    from app.services.demo import install_demo
    from app.services.station import Station
    from app.transfer.keys import station_keys

    rogue = Station.create(tmp_path / "rogue.db", role="room", room="0101")
    install_demo(rogue)
    with rogue.engine.begin() as conn:
        records.add_trusted(conn, station_keys(hq).public, "", "", "2026-06-04T00:00:00.000000Z")
    full_day(rogue, "0101", until="morning")
    export_results(rogue, tmp_path / "rogue.pkg")
    with pytest.raises(UserError, match="is not paired with this HQ station"):
        import_package(hq, tmp_path / "rogue.pkg")
    assert hq.log.count() == 0 and records.trusted(hq.engine, role="room") == []


def test_forked_chain_reported_never_merged(hq, tmp_path):
    r1 = setup_room(hq, "0101", tmp_path)
    people = r1.plan.room_participants("0101")
    r1.record("room-opened", "0101", at="08:45")
    r1.close()
    shutil.copy(r1.path, tmp_path / "clone.db")
    shutil.copy(str(r1.path) + ".keys", str(tmp_path / "clone.db") + ".keys")
    from app.services.station import Station

    a, b = Station.open(r1.path), Station.open(tmp_path / "clone.db")
    a.record("admitted", "0101", people[1].code, at="09:10")
    b.record("absent", "0101", people[1].code, at="09:10")
    export_results(a, tmp_path / "a.pkg")
    export_results(b, tmp_path / "b.pkg")
    assert import_package(hq, tmp_path / "a.pkg").outcome == "applied"
    held = [e.id for e in hq.log.all()]
    rec = import_package(hq, tmp_path / "b.pkg")
    assert rec.outcome == "fork" and rec.fork["seq"] == 2 and "FORK" in rec.message()
    assert [e.id for e in hq.log.all()] == held
    assert [(f["station"], f["seq"]) for f in records.forks(hq.engine)] == [(a.station_id, 2)]
    assert hq.verify() == []


def test_symlink_target_refused(hq, tmp_path):
    target = tmp_path / "elsewhere.txt"
    target.write_text("keep me")
    link = tmp_path / "setup.pkg"
    link.symlink_to(target)
    with pytest.raises(UserError, match="symbolic link"):
        export_setup(hq, "0101", link, passphrase=PASS)
    assert target.read_text() == "keep me"
    (tmp_path / "real").mkdir()
    (tmp_path / "stick").symlink_to(tmp_path / "real")
    with pytest.raises(UserError, match="symbolic link"):
        export_setup(hq, "0101", tmp_path / "stick" / "setup.pkg", passphrase=PASS)
    assert list((tmp_path / "real").iterdir()) == []
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".part")]


def test_free_space_checked(hq, tmp_path, monkeypatch):
    import shutil as sh
    from collections import namedtuple

    usage = namedtuple("usage", "total used free")
    monkeypatch.setattr(sh, "disk_usage", lambda p: usage(10_000, 9_000, 1_000))
    with pytest.raises(UserError, match="not enough free space"):
        export_setup(hq, "0101", tmp_path / "s.pkg", passphrase=PASS)
    assert not (tmp_path / "s.pkg").exists()


def test_personal_data_absent_from_package_bytes(hq, tmp_path):
    r1 = setup_room(hq, "0101", tmp_path)
    people = full_day(r1)
    export_results(r1, tmp_path / "res.pkg")
    blobs = [(tmp_path / "room0101-setup.pkg").read_bytes(), (tmp_path / "res.pkg").read_bytes()]
    secrets_ = set()
    for p in people:
        secrets_ |= {p.last_name, p.first_name, p.middle_name, p.document_number, p.last_name + "а", p.full_name}
    for s in r1.plan.staff.values():
        secrets_ |= {s.last_name, s.full_name}
    assert len(secrets_) > 40
    for blob in blobs:
        for s in secrets_:
            assert s.encode("utf-8") not in blob, s
            assert s.encode("utf-16-le") not in blob


def test_wrong_passphrase_creates_nothing(hq, tmp_path):
    export_setup(hq, "0101", tmp_path / "s.pkg", passphrase=PASS)
    with pytest.raises(UserError, match="wrong passphrase"):
        init_from(tmp_path / "room.db", tmp_path / "s.pkg", "AAAA-BBBB-CCCC-DDDD")
    assert not (tmp_path / "room.db").exists()
    st, opened = init_from(tmp_path / "room.db", tmp_path / "s.pkg", PASS.lower().replace("-", " "))
    assert opened.hq.station == hq.station_id
    assert [t.station for t in records.trusted(st.engine)] == [hq.station_id]


def test_altered_setup_package_refused(hq, tmp_path):
    export_setup(hq, "0101", tmp_path / "s.pkg", passphrase=PASS)
    data = bytearray((tmp_path / "s.pkg").read_bytes())
    data[len(data) // 2] ^= 0x04
    (tmp_path / "bad.pkg").write_bytes(bytes(data))
    with pytest.raises(UserError):
        init_from(tmp_path / "room.db", tmp_path / "bad.pkg", PASS)
    assert not (tmp_path / "room.db").exists()


def test_packages_are_not_interchangeable(hq, tmp_path):
    r1 = setup_room(hq, "0101", tmp_path)
    full_day(r1, until="morning")
    export_results(r1, tmp_path / "res.pkg")
    with pytest.raises(UserError, match="set-up package"):
        import_package(hq, tmp_path / "room0101-setup.pkg")
    with pytest.raises(UserError, match="result package"):
        init_from(tmp_path / "x.db", tmp_path / "res.pkg", PASS)
    with pytest.raises(UserError, match="runs on the HQ station"):
        import_package(r1, tmp_path / "res.pkg")


def test_failover_spare_laptop_continues_the_room(hq, tmp_path):
    r1 = setup_room(hq, "0101", tmp_path, name="laptop1")
    people = full_day(r1, until="morning")
    export_results(r1, tmp_path / "last.pkg")
    import_package(hq, tmp_path / "last.pkg")
    # laptop 1 dies; HQ writes a new set-up package for the room carrying what it holds
    spare = setup_room(hq, "0101", tmp_path, name="spare")
    assert spare.station_id != r1.station_id
    assert spare.room_state("0101").counts() == r1.room_state("0101").counts()
    assert spare.verify() == []
    spare.record("finished", "0101", people[1].code, at="13:30")
    export_results(spare, tmp_path / "spare.pkg")
    rec = import_package(hq, tmp_path / "spare.pkg")
    assert rec.outcome == "applied" and rec.paired_now and rec.seq_from == 1
    st = hq.room_state("0101")
    assert st.participants[people[1].code].status == "finished"
    assert hq.verify() == []
    spare_t = records.trusted(hq.engine, station=spare.station_id)[0]
    assert spare_t.continues == r1.station_id and spare_t.room == "0101"
    # the spare's own chain starts at 1; the note says whom it continues
    note = spare.log.of_station(spare.station_id)[0]
    assert note.kind == "note" and r1.station_id in note.payload["text"]


def test_setup_package_cannot_pair_two_stations(hq, tmp_path):
    export_setup(hq, "0101", tmp_path / "s.pkg", passphrase=PASS)
    a, _ = init_from(tmp_path / "a.db", tmp_path / "s.pkg", PASS)
    b, _ = init_from(tmp_path / "b.db", tmp_path / "s.pkg", PASS)
    for st in (a, b):
        st.record("room-opened", "0101", at="08:45")
        export_results(st, tmp_path / f"{st.station_id}.pkg")
    assert import_package(hq, tmp_path / f"{a.station_id}.pkg").outcome == "applied"
    with pytest.raises(UserError, match="already used by station"):
        import_package(hq, tmp_path / f"{b.station_id}.pkg")


def test_event_status_marked_sent_for_sync(hq, tmp_path):
    r1 = setup_room(hq, "0101", tmp_path)
    full_day(r1, until="morning")
    export_results(r1, tmp_path / "p.pkg")
    import_package(hq, tmp_path / "p.pkg")
    hq.record("act-drawn", "0101", at="12:00", payload={"form": "ППЭ-21", "gek_member": "GEK01"})
    outbox = status.unsent(hq.engine)
    assert len(outbox) == hq.log.count()
    assert status.mark_sent(hq.engine, [e.id for e in outbox[:5]]) == 5
    assert status.mark_sent(hq.engine, [e.id for e in outbox[:5]]) == 0
    assert len(status.unsent(hq.engine)) == hq.log.count() - 5
    c = status.counts(hq.engine, "hq")
    assert c == {"room": 0, "hq": hq.log.count() - 5, "server": 5}


def test_keys_are_private_and_stable(hq_template, tmp_path):
    import os
    import stat

    from app.transfer.keys import key_path, station_keys

    st = copy_hq(hq_template, tmp_path / "h.db")
    k1 = station_keys(st).public
    assert stat.S_IMODE(os.stat(key_path(st.path)).st_mode) == 0o600
    assert station_keys(st).public == k1


def test_package_from_another_exam_point_refused(hq, tmp_path):
    """Even a paired station cannot bring another exam point's events into this HQ."""
    from app.domain.model import ExamPoint
    from app.store import plan_repo

    r1 = setup_room(hq, "0101", tmp_path)
    full_day(r1, until="morning")
    export_results(r1, tmp_path / "a.pkg")
    import_package(hq, tmp_path / "a.pkg")
    pt = hq.point
    with hq.engine.begin() as conn:
        plan_repo.save_point(conn, ExamPoint(pt.region, pt.msu, "9999", pt.name, pt.tz))
    hq.invalidate()
    r1.record("note", "0101", at="12:00", payload={"text": "x"})
    export_results(r1, tmp_path / "b.pkg")
    n = hq.log.count()
    with pytest.raises(UserError, match="comes from exam point 0412"):
        import_package(hq, tmp_path / "b.pkg")
    assert hq.log.count() == n


def test_stick_folder_is_imported_in_chain_order(hq, tmp_path):
    from app.transfer.results import order_packages

    stick = tmp_path / "stick"
    stick.mkdir()
    r1 = setup_room(hq, "0101", stick)
    full_day(r1, until="morning")
    export_results(r1, stick / "zz-first.pkg")
    full_day(r1, until="afternoon")
    export_results(r1, stick / "aa-second.pkg")
    (stick / "junk.pkg").write_bytes(b"hello")
    files = order_packages([stick])
    assert [f.name for f in files] == ["zz-first.pkg", "aa-second.pkg", "junk.pkg"]  # set-up package left out
    outcomes = []
    for f in files:
        try:
            outcomes.append(import_package(hq, f).outcome)
        except UserError as e:
            outcomes.append(str(e))
    assert outcomes[:2] == ["applied", "applied"] and "not an Auditoria package" in outcomes[2]
    assert hq.log.count() == r1.log.count()
