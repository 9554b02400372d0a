"""The admin page shows each room station's pairing (issue 13): the room and exam date its HQ paired it for,
which HQ key registered it, the last chain head the room station signed, and whether it is revoked."""

from __future__ import annotations

import json
import re

from sqlalchemy import func, select

from app.server import schema as t
from app.server.db import make_engine
from app.services.station import Station
from tests.server.conftest import cli


def _row(html: str, station: str) -> str:
    m = re.search(rf'<tr data-station="{re.escape(station)}">(.*?)</tr>', html, re.S)
    assert m, f"no row for {station}"
    return m.group(1)


def _cell(row: str, cls: str) -> str:
    m = re.search(rf'<td class="[^"]*\b{cls}\b[^"]*">(.*?)</td>', row, re.S)
    assert m, cls
    return re.sub(r"<[^>]+>", " ", m.group(1)).split()


def test_admin_page_shows_each_room_stations_pairing(live, official, hq_db):
    st = Station.open(hq_db)
    hq_id = st.station_id
    st.close()
    out = cli("sync", "--db", str(hq_db), "--server", live.url, "--enroll", live.add_ppe("0412"), "--json")
    assert json.loads(out.stdout)["outcome"] == "accepted"
    engine = make_engine(live.db)
    with engine.connect() as conn:
        paired = conn.execute(select(t.peer_keys.c.station, t.peer_keys.c.room, t.peer_keys.c.date)
                              .order_by(t.peer_keys.c.station)).all()
        heads = dict(conn.execute(select(t.room_heads.c.station, func.max(t.room_heads.c.seq))
                                  .group_by(t.room_heads.c.station)).all())
        hq_fp = conn.execute(select(t.stations.c.fingerprint).where(t.stations.c.station == hq_id)).scalar()
    engine.dispose()
    assert len(paired) == 3 and heads  # the demo's three room stations, their signed heads forwarded
    revoked = paired[0].station
    cli("server", "revoke-station", "--db", live.db, "--station", revoked)
    page = official.get("/admin")
    assert page.status_code == 200
    html = page.text
    assert "Станции аудиторий и их сопряжение" in html
    for station, room, date in paired:
        row = _row(html, station)
        assert _cell(row, "room") == [room]
        assert _cell(row, "date") == [f"{date[8:10]}.{date[5:7]}.{date[:4]}"]
        assert _cell(row, "hq")[:2] == [hq_id, hq_fp]
        assert _cell(row, "head") == [str(heads[station]) if station in heads else "—"]
        assert _cell(row, "key") == (["отозван"] if station == revoked else ["действует"])
