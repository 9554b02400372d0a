"""A room station writes only for the room and date it was paired for: HQ refuses the whole package."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.errors import UserError
from app.transfer.results import export_results, import_package
from tests.transfer.conftest import hq, hq_template, setup_room  # noqa: F401 - fixtures

pytestmark = pytest.mark.usefixtures("hq")


def _forge(st, **over):
    """An event appended by the room station itself (signed and chained like any other)."""
    p0201 = "660000999"
    base = dict(kind="removal", at=st.now(), recorded_at=st.now(), tz=st.point.tz, author="", day=st.day.key,
                room="0101", participant=p0201, payload={"reason": "phone"})
    return st.log.append(**{**base, **over})


@pytest.mark.parametrize("over,reason", [
    ({"room": "0201"}, "is for room 0201, but station"),
    ({"day": "2026-06-05/01"}, "is for 2026-06-05/01, but station"),
    ({"room": None, "kind": "note", "participant": None, "payload": {"text": "x"}}, "the exam point as a whole"),
])
def test_event_outside_the_pairing_refuses_the_package(hq, tmp_path, over, reason):  # noqa: F811
    r1 = setup_room(hq, "0101", tmp_path)
    code = r1.plan.room_participants("0101")[0].code
    r1.record("admitted", "0101", code)
    bad = _forge(r1, **over)
    r1.record("note", "0101", payload={"text": "after"})
    export_results(r1, tmp_path / "r.pkg")
    before = hq.log.count()
    with pytest.raises(UserError) as err:
        import_package(hq, tmp_path / "r.pkg")
    msg = str(err.value)
    assert reason in msg and bad.id in msg and "nothing was applied" in msg and "\n" not in msg
    assert hq.log.count() == before


def test_date_not_in_the_plan_is_refused_even_for_an_old_setup(hq, tmp_path):  # noqa: F811
    """A set-up made before HQ recorded dates: the plan's dates still bound what comes in."""
    from sqlalchemy import text

    r1 = setup_room(hq, "0101", tmp_path)
    with hq.engine.begin() as conn:
        conn.execute(text("UPDATE setups SET day=''"))
    bad = _forge(r1, kind="note", participant=None, payload={"text": "x"}, day="2031-01-01/01",
                 at=r1.now() + timedelta(days=3))
    export_results(r1, tmp_path / "r.pkg")
    with pytest.raises(UserError, match=f"{bad.id}.*not in this exam point's plan"):
        import_package(hq, tmp_path / "r.pkg")
    assert hq.log.count() == 0 or all(e.station != r1.station_id for e in hq.log.all())


def test_a_clean_package_still_goes_in(hq, tmp_path):  # noqa: F811
    r1 = setup_room(hq, "0101", tmp_path)
    r1.record("admitted", "0101", r1.plan.room_participants("0101")[0].code)
    export_results(r1, tmp_path / "r.pkg")
    assert import_package(hq, tmp_path / "r.pkg").outcome == "applied"
    r1.record("note", "0101", payload={"text": "later"})
    _forge(r1, room="0201")
    export_results(r1, tmp_path / "r2.pkg")  # second package from a paired (known) station
    with pytest.raises(UserError, match="is for room 0201"):
        import_package(hq, tmp_path / "r2.pkg")


def test_a_room_database_cut_back_behind_its_anchor(hq, tmp_path):  # noqa: F811
    """Tail deleted on the room laptop: the room refuses to export it, and HQ refuses such a package."""
    import sqlite3

    from app.store import guards

    r1 = setup_room(hq, "0101", tmp_path)
    for c in [p.code for p in r1.plan.room_participants("0101")][:4]:
        r1.record("admitted", "0101", c)
    r1.log.anchor.flush()
    con = sqlite3.connect(r1.path)
    con.execute("DROP TRIGGER events_no_delete")
    con.execute("DELETE FROM events WHERE seq > (SELECT max(seq) - 2 FROM events)")
    con.execute(guards.NO_DELETE)
    con.commit()
    con.close()
    with pytest.raises(UserError, match="anchor records"):
        export_results(r1, tmp_path / "r.pkg")
    # the same package made anyway (an older program, or the check skipped): HQ refuses it
    import app.transfer.results as results

    real = results._anchor_checked
    results._anchor_checked = lambda st, seq, h: {"seq": seq + 2, "hash": h, "signature": ""}
    try:
        export_results(r1, tmp_path / "r.pkg")
    finally:
        results._anchor_checked = real
    with pytest.raises(UserError, match="deleted on the room laptop"):
        import_package(hq, tmp_path / "r.pkg")


@pytest.mark.parametrize("field,value,reason", [
    ("room", "0102", "manifest names room 0102"),
    ("day", "2026-06-11", "manifest names 2026-06-11"),
])
def test_a_signed_manifest_naming_another_room_or_date_is_refused(hq, tmp_path, field, value, reason):  # noqa: F811
    """Found by bench/campaign_tamper.py: the room's own key signed a manifest saying room 0102 over room
    0101's events, and HQ filed the package under room 0102."""
    from app.transfer import package as pk
    from app.transfer.keys import station_keys

    r1 = setup_room(hq, "0101", tmp_path)
    r1.record("admitted", "0101", r1.plan.room_participants("0101")[0].code)
    export_results(r1, tmp_path / "r1.pkg")
    import_package(hq, tmp_path / "r1.pkg")
    r1.record("note", "0101", payload={"text": "later"})
    export_results(r1, tmp_path / "r2.pkg")
    env = pk.parse((tmp_path / "r2.pkg").read_bytes(), "r2")
    m = {k: v for k, v in env.manifest.items() if k not in ("kind", "format", "ciphertext_sha256", "ciphertext_size")}
    forged = pk.seal(station_keys(r1), "results", {**m, field: value}, env.ciphertext)
    (tmp_path / "f.pkg").write_bytes(forged.to_bytes())
    before = hq.log.count()
    with pytest.raises(UserError, match=reason):
        import_package(hq, tmp_path / "f.pkg")
    assert hq.log.count() == before
