"""Every command that reads or writes a day's record takes --date; the default date is said."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli.test_cli_contract import j
from tests.cli.test_cli_contract import run as _run


def cli(*args, check=True):
    return _run(*args, ok=check)


@pytest.fixture
def hq(tmp_path):
    db = tmp_path / "hq.db"
    cli("init", "--db", db, "--demo", "--role", "hq")
    return db


def test_days_lists_the_period(hq):
    data = j("days", "--db", hq)
    days = {d["date"]: d for d in data["days"]}
    assert sorted(days) == ["2026-06-04", "2026-06-11"]
    june11 = {s["code"]: s for s in days["2026-06-11"]["subjects"]}
    assert sorted(june11) == ["03", "12"] and june11["03"]["rooms"] == ["0203", "0204", "0205", "0301", "0302", "0303"]
    assert june11["12"]["participants"] == 90 and days["2026-06-04"]["participants"] == 180
    human = cli("days", "--db", hq).stdout
    assert "2026-06-11  12 rooms, 180 participants" in human and "03 Физика" in human


def test_every_day_command_takes_date(hq, tmp_path):
    rooms = j("rooms", "--db", hq, "--date", "2026-06-11")
    assert rooms["date"] == "2026-06-11" and rooms["subjects"] == ["03", "12"]
    by = {r["room"]: r for r in rooms["rooms"]}
    assert by["0203"]["subject"] == "03" and by["0101"]["subject"] == "12"
    assert by["0203"]["end"] == "2026-06-11T08:55:00.000000Z" and by["0203"]["end_ovz"] == "2026-06-11T10:25:00.000000Z"
    human = cli("rooms", "--db", hq, "--date", "2026-06-11").stdout
    assert human.startswith("exam date 2026-06-11 (chosen with --date); subjects 03, 12")
    assert "0203  03 Физика" in human and "10:00-13:55 (ОВЗ 15:25)" in human
    code = next(p["code"] for p in j("state", "--db", hq, "--date", "2026-06-11", "--room", "0203")["participants"])
    rec = j("record", "--db", hq, "--date", "2026-06-11", "--room", "0203", "admitted", "--participant", code,
            "--at", "09:20")
    assert rec["at"].startswith("2026-06-11")
    st = j("state", "--db", hq, "--date", "2026-06-11", "--room", "0203")
    assert st["present"] == 1 and st["subject"] == "03" and st["subject_title"] == "Физика"
    assert j("state", "--db", hq, "--date", "2026-06-04", "--room", "0101")["present"] == 0
    log = j("log", "--db", hq, "--date", "2026-06-11")
    assert [e["kind"] for e in log] == ["admitted"] and log[0]["day"] == "2026-06-11"
    assert j("log", "--db", hq, "--date", "2026-06-04") == []
    # the same code is not on 4 June's list for room 0203
    r = cli("record", "--db", hq, "--date", "2026-06-04", "--room", "0101", "admitted", "--participant", "999",
            check=False)
    assert r.returncode == 2 and "on none of this station's lists for 2026-06-04" in r.stderr
    pdf = tmp_path / "p.pdf"
    out = j("print", "--db", hq, "--date", "2026-06-11", "--room", "0203", "05-02", "-o", pdf)
    assert Path(out["file"]).exists()
    pkg = tmp_path / "0203-setup.pkg"
    res = j("export-setup", "--db", hq, "--date", "2026-06-11", "--room", "0203", "-o", pkg,
            "--passphrase", "DEMO-PASS-WORD-2345")
    assert res["participants"] == 15
    room = tmp_path / "room.db"
    made = j("init", "--db", room, "--from", pkg, "--passphrase", "DEMO-PASS-WORD-2345")
    assert made["day"] == "2026-06-11"
    cli("record", "--db", room, "admitted", "--participant", code, "--at", "09:21")
    r = cli("state", "--db", room, "--date", "2026-06-04", check=False)
    assert r.returncode == 2 and "set up for 2026-06-11, not 2026-06-04" in r.stderr
    out = j("export-results", "--db", room, "--date", "2026-06-11", "-o", tmp_path / "res.pkg")
    assert out["events"] >= 1
    got = j("import-package", "--db", hq, tmp_path / "res.pkg")
    assert got["outcome"] == "applied"


def test_bad_or_unknown_date_is_refused(hq):
    r = cli("rooms", "--db", hq, "--date", "2026-06-31", check=False)
    assert r.returncode == 2 and "bad date" in r.stderr and "Traceback" not in r.stderr
    r = cli("rooms", "--db", hq, "--date", "2026-06-08", check=False)
    assert r.returncode == 2 and "no list for 2026-06-08" in r.stderr and "2026-06-04, 2026-06-11" in r.stderr


def test_default_date_is_said(hq):
    out = cli("rooms", "--db", hq).stdout.splitlines()[0]
    assert out.startswith("exam date 2026-06-") and "(" in out


def test_default_date_follows_the_calendar(hq):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from app.clock import FixedClock
    from app.services.station import Station

    tz = ZoneInfo("Asia/Yekaterinburg")

    def day_on(y, m, d):
        st = Station.open(hq, clock=FixedClock(datetime(y, m, d, 9, 0, tzinfo=tz)))
        try:
            return st.day.key, st.day_reason
        finally:
            st.close()

    assert day_on(2026, 6, 11) == ("2026-06-11", "today")
    assert day_on(2026, 6, 5) == ("2026-06-11", "next")
    assert day_on(2026, 5, 1) == ("2026-06-04", "next")
    assert day_on(2026, 12, 1) == ("2026-06-11", "last")  # no marks yet: the last date
    st = Station.open(hq, clock=FixedClock(datetime(2026, 6, 4, 9, 0, tzinfo=tz)))
    st.record("note", "0101", payload={"text": "x"})
    st.close()
    assert day_on(2026, 12, 1) == ("2026-06-04", "last")  # the last date with marks
