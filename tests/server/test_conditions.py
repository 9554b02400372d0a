"""ОВЗ conditions per exam point from the conduct record: who had the extension and how much was used."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from app.clock import FixedClock
from app.server.admin import add_ppe
from app.server.conditions import ovz_report
from app.server.db import open_server_db
from app.server.ingest import ingest
from app.server.plans import push_plan
from app.services.importer import import_list
from app.services.station import Station
from tests.period.helpers import HEADER


def test_ovz_extension_used_per_exam_point(tmp_path):
    engine = open_server_db(tmp_path / "server.db")
    add_ppe(engine, "66", "043", "0412", "МАОУ СОШ № 8")
    codes = [f"8{i:03d}" for i in range(6)]
    rows = [f"66,0412,2026-06-04,01,0101,1{'АБВГДЕ'[i]},{c},Иванов,Иван,Иванович,6500,{300000 + i},500,"
            f"{'ovz' if i < 3 else ''}" for i, c in enumerate(codes)]
    lst = tmp_path / "list.csv"
    lst.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    hq = Station.create(tmp_path / "hq.db", role="hq",
                        clock=FixedClock(datetime(2026, 6, 4, 16, 0, tzinfo=ZoneInfo("Asia/Yekaterinburg"))))
    import_list(hq, lst, tz="Asia/Yekaterinburg", msu="043")
    for c in codes[1:]:
        hq.record("admitted", "0101", c, at="09:30")
    hq.record("absent", "0101", codes[0], at="10:00")  # an ОВЗ participant who did not come
    hq.record("exam-start", "0101", at="10:00")  # русский: 210 min, the general end 13:30
    hq.record("finished", "0101", codes[1], at="14:10")  # ОВЗ: 40 minutes of the extension used
    hq.record("finished", "0101", codes[2], at="13:00")  # ОВЗ: finished before the general end
    for c in codes[3:]:
        hq.record("finished", "0101", c, at="13:30")
    plan = hq.plan
    push_plan(engine, "66/0412", {
        "day": "2026-06-04/01",
        "rooms": [{"number": "0101", "rows": 1, "seats_per_row": 6, "name": ""}],
        "participants": [{"code": p.code, "room": p.room, "seat": p.seat, "school_code": p.school_code,
                          "ovz": p.ovz} for p in plan.participants.values()]})
    ingest(engine, "66/0412", [e.to_dict() for e in hq.log.of_station(hq.station_id)], station=hq.station_id)
    hq.close()
    rep = ovz_report(engine)
    assert rep["rows"] == [{"ppe": "66/0412", "ppe_name": "МАОУ СОШ № 8", "day": "2026-06-04/01", "subject": "01",
                            "ovz_listed": 3, "ovz_present": 2, "used_extension": 1, "extra_minutes_mean": 40.0,
                            "extra_minutes_max": 40.0}]
    assert ovz_report(engine, subject="03")["rows"] == []
    engine.dispose()


def test_observers_counted_per_exam_point_and_date_without_names(tmp_path):
    import json
    import subprocess
    import sys

    from app.server.conditions import observers_report
    from app.services import observers

    engine = open_server_db(tmp_path / "server.db")
    add_ppe(engine, "66", "043", "0412", "МАОУ СОШ № 8")
    lst = tmp_path / "list.csv"
    lst.write_text(HEADER + "\n66,0412,2026-06-04,01,0101,1А,8000,Иванов,Иван,Иванович,6500,300000,500,\n",
                   encoding="utf-8")
    hq = Station.create(tmp_path / "hq.db", role="hq",
                        clock=FixedClock(datetime(2026, 6, 4, 16, 0, tzinfo=ZoneInfo("Asia/Yekaterinburg"))))
    import_list(hq, lst, tz="Asia/Yekaterinburg", msu="043")
    a = observers.add_observer(hq, "Наблюдаева", "Ольга", "Петровна")
    b = observers.add_observer(hq, "Смотров", "Пётр")
    c = observers.add_observer(hq, "Ошибкин", "Иван")
    observers.arrived(hq, a.code, at="08:30")
    observers.left(hq, a.code, at="13:00")
    observers.arrived(hq, b.code, at="09:00")
    wrong = observers.arrived(hq, c.code, at="09:10").event
    hq.void(None, wrong.id, "checked in by mistake")
    ingest(engine, "66/0412", [e.to_dict() for e in hq.log.of_station(hq.station_id)], station=hq.station_id)
    hq.close()
    rep = observers_report(engine)
    assert rep["rows"] == [{"ppe": "66/0412", "ppe_name": "МАОУ СОШ № 8", "date": "2026-06-04", "observers": 2,
                            "still_checked_in": 1, "hours_present": 4.5}]
    assert observers_report(engine, date_from="2026-06-05")["rows"] == []
    engine.dispose()
    r = subprocess.run([sys.executable, "-m", "app.cli", "server", "conditions", "--db", str(tmp_path / "server.db"),
                        "--json"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["observers"][0]["observers"] == 2 and "Наблюдаева" not in r.stdout and "OBS" not in r.stdout
