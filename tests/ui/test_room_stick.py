"""A room laptop set up and emptied through the window alone: start window → set-up package from the
stick → marks → results to the stick → imported at HQ. Real widgets (offscreen); only the platform's
file and passphrase dialogs are answered by monkeypatch."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from app.clock import FixedClock
from app.paths import data_dir
from tests.conftest import local
from ui import popups
from ui.qt import Qt, QtWidgets

ROOT = Path(__file__).resolve().parents[2]
PASS = "TEST-PASS-WORD-2345"


@pytest.fixture
def hq_and_stick(tmp_path):
    """An HQ station on the demo day, and a 'stick' holding the set-up package for room 0101."""
    from app.services.hq_demo import make_hq
    from app.transfer.setup import export_setup

    (tmp_path / "hq").mkdir()
    hq = make_hq(tmp_path / "hq" / "hq.db")
    stick = tmp_path / "stick"
    stick.mkdir()
    export_setup(hq, "0101", stick / "0101-setup.pkg", passphrase=PASS)
    yield hq, stick
    hq.close()


@pytest.fixture
def session(qtbot):
    from ui.main import Session, parse_args
    from ui.settings import Settings

    s = Session(parse_args([]), Settings())
    yield s
    for w in (s.launcher, s.window):
        if w is not None:
            if getattr(w, "board", None) is not None:
                w.board.close()
            if getattr(w, "timer", None) is not None:
                w.timer.stop()
            w.close()
    # a room window asks for the start of the day in a modal dialog: close it, or it outlives the test
    # and sits modal over the next module's windows
    qtbot.wait(50)
    for w in QtWidgets.QApplication.topLevelWidgets():
        if isinstance(w, QtWidgets.QDialog) and w.isVisible():
            w.reject()
    if s.station is not None:
        s.station.close()


def _answer_setup(monkeypatch, package: Path, passphrase: str) -> list[str]:
    asked: list[str] = []

    def open_name(parent, title, folder="", filters=""):
        asked.append(title)
        return str(package)

    def text(parent, title, label, *a, **k):
        asked.append(label)
        return passphrase

    monkeypatch.setattr(popups, "choose_open_file", open_name)
    monkeypatch.setattr(popups, "ask_text", text)
    return asked


def _databases() -> list[str]:
    return sorted(p.name for p in data_dir().iterdir() if p.suffix in (".db", ".keys"))


def _set_up_room(qtbot, session, monkeypatch, stick):
    """Drive the start window through the set-up; returns the room window, start-of-day dialog accepted."""
    from ui.room.dialogs import StartOfDayDialog

    session.start()
    launcher = session.launcher
    assert launcher.isVisible() and session.window is None
    # typed as read off the HQ screen: lower case, spaces instead of dashes
    _answer_setup(monkeypatch, stick / "0101-setup.pkg", PASS.lower().replace("-", " "))
    qtbot.mouseClick(launcher.setup_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: session.window is not None, timeout=60000)
    win = session.window
    assert session.launcher is None
    win.station.clock = FixedClock(local("08:45"))  # exam morning, whatever today is
    qtbot.waitUntil(lambda: isinstance(getattr(win, "open_dialog", None), StartOfDayDialog)
                    and win.open_dialog.isVisible(), timeout=5000)
    win.open_dialog.accept()
    return win


def test_set_up_from_stick_mark_export_and_hq_sees_the_marks(qtbot, session, hq_and_stick, monkeypatch):
    from app.transfer.results import import_package
    from tests.ui.conftest import run_dialog

    hq, stick = hq_and_stick
    win = _set_up_room(qtbot, session, monkeypatch, stick)
    st = win.station
    assert st.role == "room" and st.home_room == "0101" and win.room == "0101"
    assert st.path.parent == data_dir() and st.path.name == "room-" + f"{hq.point.code}-0101-2026-06-04.db"
    text = win.notice.text()
    assert "station of room 0101" in text and "compare it with the HQ screen" in text
    from ui.settings import Settings

    assert Settings().recent()[0] == str(st.path.resolve())

    # a couple of marks, by keyboard as an organizer would
    people = st.plan.room_participants("0101")
    st.clock = FixedClock(local("09:20"))
    win.activateWindow()
    qtbot.waitUntil(lambda: QtWidgets.QApplication.activeWindow() is win, timeout=5000)
    for p in people[:2]:
        win.select(p.code)
        qtbot.keyClick(win.seatmap.by_code[p.code], Qt.Key.Key_F2)
    win.select(people[2].code)
    qtbot.keyClick(win.seatmap.by_code[people[2].code], Qt.Key.Key_F4)
    assert win.state().counts()["present"] == 2 and win.state().counts()["absent"] == 1

    # F12 (from the search field, where the focus lives): the stick's folder, written on the worker thread, and what was written is said
    folders: list[str] = []

    def choose(parent, title, start="", *a, **k):
        folders.append(start)
        return str(stick)

    monkeypatch.setattr(popups, "choose_folder", choose)
    win.focus_search()
    qtbot.keyClick(win.search, Qt.Key.Key_F12)
    assert folders, "F12 did not ask for the stick"
    qtbot.waitUntil(lambda: getattr(win, "last_export", None) is not None, timeout=30000)
    res = win.last_export
    pkg = res.write.path
    assert pkg.parent == stick and pkg.exists() and pkg.name.startswith("0101-2026-06-04-")
    said = win.advice.toPlainText()
    assert pkg.name in said and f"{res.events} events" in said and "safe to remove the stick" in said

    rec = import_package(hq, pkg)
    assert rec.outcome == "applied" and rec.paired_now and rec.new_events == res.events
    at_hq = hq.room_state("0101")
    assert at_hq.counts()["present"] == 2 and at_hq.counts()["absent"] == 1
    marked = {e.participant: e.kind for e in hq.log.for_room(hq.day.key, "0101") if e.participant}
    assert marked == {people[0].code: "admitted", people[1].code: "admitted", people[2].code: "absent"}

    # closing the room asks to export; yes writes the stick again (remembered folder), HQ counts once
    asked: list[str] = []

    def question(parent, title, text, *a, **k):
        asked.append(text)
        return True

    monkeypatch.setattr(popups, "ask", question)
    first = win.last_export
    st.clock = FixedClock(local("13:50"))

    def close_room(dlg):
        assert dlg.export.isEnabled()
        run_dialog(dlg.close_room.click, lambda c: c.confirm.click())  # marks still open: confirmed
        dlg.accept()

    run_dialog(win.end_of_exam, close_room)
    assert asked and "room is closed" in asked[0]
    assert folders[-1] == str(stick)  # the dialog started on the stick used last time
    qtbot.waitUntil(lambda: win.last_export is not first, timeout=30000)
    assert win.last_export.write.path == pkg and win.last_export.seq_from == 1  # the whole chain, same file
    rec = import_package(hq, pkg)
    assert rec.outcome == "applied" and rec.new_events == 1
    assert hq.room_state("0101").closed_at is not None
    assert import_package(hq, pkg).outcome == "duplicate"


def test_wrong_passphrase_says_so_and_leaves_no_database(qtbot, session, hq_and_stick, monkeypatch):
    _hq, stick = hq_and_stick
    session.start()
    launcher = session.launcher
    _answer_setup(monkeypatch, stick / "0101-setup.pkg", "WRON-GPAS-SWOR-D234")
    qtbot.mouseClick(launcher.setup_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: launcher.setup_op is not None and not launcher.setup_op.running, timeout=60000)
    assert "wrong passphrase" in launcher.message.text()
    assert session.window is None and launcher.isVisible() and launcher.setup_button.isEnabled()
    assert _databases() == []

    # an altered package: refused the same way, nothing made
    bad = stick / "altered.pkg"
    data = bytearray((stick / "0101-setup.pkg").read_bytes())
    data[-40] ^= 1
    bad.write_bytes(bytes(data))
    launcher.set_up_from_stick(bad, PASS)
    qtbot.waitUntil(lambda: not launcher.setup_op.running, timeout=60000)
    assert "nothing was" in launcher.message.text()
    assert session.window is None and _databases() == []


def test_recent_database_opens_from_the_start_window(qtbot, session, demo_db):
    from ui.settings import Settings

    Settings().remember(str(demo_db))
    session.start()
    launcher = session.launcher
    assert launcher.recent.count() == 1 and demo_db.name in launcher.recent.item(0).text()
    qtbot.mouseClick(launcher.open_recent_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: session.window is not None, timeout=30000)
    assert session.window.station.path == demo_db


def test_a_file_that_is_no_station_is_refused_in_the_start_window(qtbot, session, tmp_path):
    junk = tmp_path / "notes.db"
    junk.write_bytes(b"this is not a database" * 10)
    session.start()
    launcher = session.launcher
    launcher.open_database(junk)
    qtbot.waitUntil(lambda: session.op is not None and not session.op.running, timeout=30000)
    assert session.window is None and launcher.isVisible()
    assert launcher.message.text() and "Traceback" not in launcher.message.text()


def test_export_on_a_station_without_hq_explains(window, monkeypatch):
    called: list[str] = []
    monkeypatch.setattr(popups, "choose_folder", lambda *a, **k: called.append("asked") or "")
    window.trigger("export")
    assert not called and "not set up from an HQ package" in window.advice.toPlainText()


def test_no_arguments_shows_the_start_window_and_creates_nothing(tmp_path):
    env = dict(os.environ, AUDITORIA_HOME=str(tmp_path), QT_QPA_PLATFORM="offscreen", AUDITORIA_BENCH_QUIT="1")
    p = subprocess.run([sys.executable, "-m", "ui.main"], cwd=ROOT, env=env, capture_output=True, text=True,
                       timeout=120)
    assert p.returncode == 0, p.stderr[-2000:]
    assert "SHOWN start" in p.stdout and "Traceback" not in p.stderr
    assert not list(tmp_path.glob("*.db"))


def test_recent_list_is_newest_first_short_and_forgets_missing_files(tmp_path):
    from ui.settings import RECENT_MAX, Settings

    s = Settings()
    files = [tmp_path / f"s{i}.db" for i in range(RECENT_MAX + 2)]
    for f in files:
        f.write_bytes(b"x")
        s.remember(str(f))
    s.remember(str(files[3]))
    recent = s.recent()
    assert recent[0] == str(files[3]) and len(recent) == RECENT_MAX and recent[1] == str(files[-1])
    files[-1].unlink()
    assert str(files[-1]) not in s.recent()
