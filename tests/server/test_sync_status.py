"""What the HQ window's Server tab reads: ``sync_status``'s batches to retry and ``server_view``."""

from __future__ import annotations

from app.services.station import Station
from app.sync.client import _outbox, server_view, sync_once, sync_status
from tests.server.test_sync_e2e import FAST


def test_retry_batches_count_until_the_server_has_them(live, hq_db):
    st = Station.open(hq_db)
    view = server_view(st, live.url)
    assert not view["enrolled"] and view["pending_events"] == st.log.count() and view["retry"] == []
    code = live.add_ppe("0412")
    assert sync_once(st, live.url, enroll_code=code, backoff=FAST).outcome == "accepted"
    head = st.log.head()[0]
    # a batch that failed in an earlier round but the server has since received, and one it has not
    _outbox(st, live.url, st.station_id, 1, head, head, "retry", "network: ConnectError")
    _outbox(st, live.url, st.station_id, head + 1, head + 2, 2, "retry", "network: ConnectError")
    s = sync_status(st, live.url)["servers"][0]
    assert [(r["first_seq"], r["last_seq"], r["count"]) for r in s["retry"]] == [(head + 1, head + 2, 2)]
    view = server_view(st, live.url)
    assert view["enrolled"] and view["ppe"] == "66/0412" and view["retry"] == s["retry"]
    st.close()
