"""Sync converges through a hostile network: nothing lost, nothing duplicated."""

from __future__ import annotations

from app.services.station import Station
from app.sync.client import Backoff, enroll, sync_once, sync_status
from tests.server.faultproxy import FAULTS, FaultProxy
from tests.server.test_sync_e2e import server_events


def test_sync_converges_through_faults(live, hq_db):
    code = live.add_ppe("0412")
    st = Station.open(hq_db)
    enroll(st, live.url, code)  # enrollment is on the direct line; everything else goes through the proxy
    proxy = FaultProxy(live.port, rate=0.6, seed=11)  # room batches are whole packages: fewer requests
    try:
        # the proxy's URL is the same server under another address: the client finds its enrollment there
        rounds = []
        for _ in range(25):
            res = sync_once(st, proxy.url, batch_size=15, backoff=Backoff(base=0.02, cap=0.2, attempts=4),
                            timeout=10)
            rounds.append(res.outcome)
            if res.outcome == "accepted":
                break
        assert res.outcome == "accepted", (rounds, res.message, proxy.stats)
        assert res.rejected == []
    finally:
        proxy.close()
    local = {e.id: (e.station, e.seq, e.hash) for e in st.log.all()}
    assert server_events(live.db) == local  # every event once, none lost, none extra
    hit = {f for f in FAULTS if proxy.stats[f]}
    assert hit == set(FAULTS), proxy.stats  # every kind of fault really happened
    status = sync_status(st, proxy.url)["servers"][0]
    assert status["outcome"] == "accepted" and status["pending_events"] == 0
