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
