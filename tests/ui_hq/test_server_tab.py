"""The HQ window's Server tab with real widgets against a real server process on 127.0.0.1."""

from __future__ import annotations

import pytest

from app.services.station import Station
from app.sync.client import Backoff, enroll, sync_once
from tests.server.conftest import LiveServer
from tests.server.test_sync_e2e import server_events, signed
from ui.qt import Qt, QtWidgets

FAST = Backoff(base=0.05, cap=0.2, attempts=3)


@pytest.fixture
def hq(hq_db):
    st = Station.open(hq_db)
    yield st
    st.close()


def _window(qtbot, hq):
    from ui.hq.window import HqWindow

    win = HqWindow(hq)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    win.tabs.setCurrentWidget(win.server_tab)
    panel = win.server_panel
    panel.backoff = FAST
    return win, panel


def _sync(qtbot, panel, button=None):
    qtbot.mouseClick(button or panel.sync_button, Qt.MouseButton.LeftButton)
    assert panel.running and not panel.sync_button.isEnabled()
    qtbot.waitUntil(lambda: not panel.running, timeout=60000)
    assert panel.sync_button.isEnabled() and panel.progress.isHidden()
    assert QtWidgets.QApplication.activeModalWidget() is None  # no error box, no dialog
    return panel.last_result


def _local(st):
    return {e.id: (e.station, e.seq, e.hash) for e in st.log.all()}


def test_enroll_with_code_then_sync_then_nothing_new(qtbot, server, hq):
    code = server.add_ppe("0412")
    win, panel = _window(qtbot, hq)
    assert panel.address.text() == ""
    qtbot.keyClicks(panel.address, server.url)
    qtbot.keyClick(panel.address, Qt.Key.Key_Return)
    # not enrolled yet: the code field shows, and everything the station holds waits
    assert panel.code.isVisible() and "not enrolled" in panel.enrolled_value.text()
    assert panel.pending_value.text() == str(hq.log.count())
    qtbot.mouseClick(panel.sync_button, Qt.MouseButton.LeftButton)  # no code typed: a clear line, no round
    assert not panel.running and "enrollment code" in panel.message.text()
    qtbot.keyClicks(panel.code, code)
    res = _sync(qtbot, panel)
    assert res.outcome == "accepted" and res.sent == hq.log.count() and res.batches >= 4
    assert server_events(server.db) == _local(hq)  # the server stores every event, once
    assert panel.pending_value.text() == "0"
    assert not panel.code.isVisible() and not panel.code_label.isVisible()
    assert "66/0412" in panel.enrolled_value.text()
    assert "matches this station's key" in panel.fingerprint_value.text()
    assert panel.last_success_value.text() != "—" and panel.retry_value.text() == "none"
    assert f"{res.sent} events sent in" in panel.message.text()
    assert panel.rejected_table.isHidden() and panel.rejected_none.isVisible()
    assert panel.progress.format()  # the last progress step was shown in the tab
    again = _sync(qtbot, panel)
    assert again.outcome == "accepted" and again.sent == 0 and again.batches == 0
    assert "nothing new" in panel.message.text() and panel.pending_value.text() == "0"
    # the address is remembered for the next time the window opens
    win.close()
    win2, panel2 = _window(qtbot, hq)
    assert panel2.address.text() == server.url and not panel2.code.isVisible()
    assert panel2.pending_value.text() == "0"


def test_server_down_gives_a_calm_message_keeps_the_counts_and_sends_later(qtbot, server, hq, monkeypatch, tmp_path):
    code = server.add_ppe("0412")
    assert sync_once(hq, server.url, enroll_code=code, backoff=FAST).outcome == "accepted"
    win, panel = _window(qtbot, hq)
    assert panel.address.text() == server.url  # known from the enrollment
    hq.record("note", "0201", at="14:00", payload={"text": "after the sync"})
    hq.record("note", "0201", at="14:01", payload={"text": "after the sync"})
    server.stop()
    panel.show_status()
    assert panel.pending_value.text() == "2"
    res = _sync(qtbot, panel)
    assert res.outcome == "retry"
    text = panel.message.text()
    assert "No connection to the server" in text and "kept at this station" in text and "sent later" in text
    assert "Traceback" not in text and "Error" not in text
    assert panel.pending_value.text() == "2"  # nothing lost, nothing counted as sent
    assert "no connection" in panel.last_attempt_value.text()
    assert "next attempt about" in panel.retry_value.text()
    assert panel.view["outcome"] == "retry" and panel.view["next_attempt_at"]
    assert panel.retry_if_due() is None  # not due yet: the tab waits
    # the connection comes back (the same server, same address); when the next attempt is due the tab
    # sends what waited by itself
    monkeypatch.setattr("tests.server.conftest.free_port", lambda: server.port)
    back = LiveServer(server.db, tmp_path / "server2.log")
    try:
        panel.view["next_attempt_at"] = "2000-01-01T00:00:00.000000Z"
        assert panel.retry_if_due() is not None
        qtbot.waitUntil(lambda: not panel.running, timeout=60000)
        assert panel.last_result.outcome == "accepted" and panel.last_result.sent == 2
        assert panel.pending_value.text() == "0" and server_events(server.db) == _local(hq)
        assert "2 events sent" in panel.message.text()
    finally:
        back.stop()


def test_refused_batch_is_listed_with_its_reason(qtbot, server, hq):
    from app.domain.event import Event

    code = server.add_ppe("0412")
    enroll(hq, server.url, code)
    # another copy of this HQ's database (a restored backup) delivered a different first event: a fork. (A
    # room station's chain cannot be forged at the server any more: it needs the room's own signed head.)
    room = hq.station_id
    first = hq.log.of_station(room)[0]
    forged = Event.from_dict(first.to_dict() | {"author": "ORG99", "hash": ""}).sealed()
    r = signed(hq, server.url, "POST", "/api/v1/events", {"events": [forged.to_dict()]})
    assert r.status_code == 200 and r.json()["inserted"] == 1
    win, panel = _window(qtbot, hq)
    assert not panel.code.isVisible()  # enrolled already
    res = _sync(qtbot, panel)
    assert res.outcome == "rejected"
    assert "refused 1 batch" in panel.message.text()
    assert panel.rejected_table.rowCount() == 1 and panel.rejected_table.isVisible()
    assert panel.rejected_table.item(0, 0).text() == room
    assert "fork" in panel.rejected_table.item(0, 2).text()
    assert "not sent again until a person has looked at them" in panel.rejected_help.text()
    # everything else reached the server; the refused chain still waits here
    stored = server_events(server.db)
    assert all(v in stored.values() for k, v in _local(hq).items() if v[0] != room)
    assert int(panel.pending_value.text()) == len(hq.log.of_station(room)) - 1
    # a person looked; the cause is still there, so the server's answer is the same and the batch stays listed
    assert panel.resolve_button.isVisible()
    again = _sync(qtbot, panel, panel.resolve_button)
    assert again.outcome == "rejected" and panel.rejected_table.rowCount() == 1


def test_plain_http_off_this_computer_is_refused(qtbot, hq):
    win, panel = _window(qtbot, hq)
    panel.address.setText("http://monitoring.example.ru")
    assert panel.sync_now() is None and not panel.running
    assert "plain HTTP is allowed only on this computer" in panel.message.text()
