"""Date and time integrity (issue 12 §6): the room clock is set with its date, a station dated
otherwise than the exam is warned about, and the room's opening is stamped from the set clock."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from app.clock import FixedClock
from app.domain.event import parse_utc
from tests.conftest import TZ
from tests.ui.conftest import run_dialog
from ui.qt import QtCore, QtWidgets


@pytest.fixture
def laptop_window(demo_db, qtbot):
    """A station on the laptop's own clock (1 December, say), not yet set to the room clock."""
    from app.services.station import Station
    from ui.room.window import RoomWindow
    from ui.settings import Settings

    st = Station.open(demo_db)
    st.set_clock_offset(0)
    w = RoomWindow(st, room="0101", settings=Settings(), ask_start=False)
    qtbot.addWidget(w)
    yield w, st
    w.timer.stop()
    st.close()


def _exam_morning(dlg, hh: int, mm: int) -> None:
    dlg.clock.setDateTime(QtCore.QDateTime(QtCore.QDate(2026, 6, 4), QtCore.QTime(hh, mm, 0)))


def test_clock_dialog_sets_date_and_time(laptop_window):
    w, st = laptop_window
    if datetime.now(ZoneInfo("Asia/Yekaterinburg")).date() == date(2026, 6, 4):
        pytest.skip("the machine's date is the demo exam date")
    warned: list[bool] = []

    def handle(dlg):
        warned.append(dlg.clock.warning.isVisibleTo(dlg))  # the laptop's date is not the exam's
        _exam_morning(dlg, 9, 59)
        warned.append(dlg.clock.warning.isVisibleTo(dlg))
        dlg.accept()

    run_dialog(w.set_clock, handle)
    assert warned == [True, False]
    now = st.now().astimezone(TZ)
    assert now.date() == date(2026, 6, 4) and (now.hour, now.minute) == (9, 59)


def test_a_station_dated_otherwise_than_the_exam_is_warned(window, station, clock):
    clock.set(datetime(2026, 12, 1, 23, 11, tzinfo=TZ))
    window.tick()
    assert window.banner.isVisible()
    assert "01.12.2026" in window.banner.text() and "04.06.2026" in window.banner.text()


def test_start_of_day_sets_the_clock_first_and_opens_on_it(laptop_window):
    w, st = laptop_window
    rows: list[str] = []

    def handle(dlg):
        form = dlg.layout().itemAt(0).layout()
        rows.append(type(form.itemAt(0, QtWidgets.QFormLayout.ItemRole.FieldRole).widget()).__name__)
        _exam_morning(dlg, 8, 40)
        dlg.accept()

    rec = run_dialog(w.start_of_day, handle)
    assert rows == ["RoomClockEdit"]  # the first thing asked
    opened = parse_utc(rec.event.at).astimezone(TZ)
    assert opened.date() == date(2026, 6, 4) and (opened.hour, opened.minute) == (8, 40)
    # later marks follow it on the same day: the room does not open after it closes
    later = st.record("admitted", "0101", st.plan.room_participants("0101")[0].code)
    assert parse_utc(later.event.at) >= parse_utc(rec.event.at)


def test_date_advice_rule():
    from app.domain import rules

    assert rules.clock_date_advice(date(2026, 6, 4), date(2026, 6, 4)) is None
    adv = rules.clock_date_advice(date(2026, 6, 4), date(2026, 12, 1))
    assert adv is not None and adv.level == "warning" and "01.12.2026" in adv.text()
    assert FixedClock  # the room tests' clock is fixed on the exam day; this rule is what a laptop sees


def test_no_show_banner_goes_once_someone_is_admitted(window, station, clock):
    from tests.conftest import local

    clock.set(local("12:01"))
    window.tick()
    assert window.banner.isVisible() and "Nobody has appeared 120 minutes" in window.banner.text()
    station.record("admitted", "0101", station.plan.room_participants("0101")[0].code, at="09:10")
    window.tick()
    assert not window.banner.isVisible(), window.banner.text()


def test_no_no_show_banner_on_a_wrong_date(window, station, clock):
    clock.set(datetime(2026, 12, 1, 23, 11, tzinfo=TZ))
    window.tick()
    assert "Nobody has appeared" not in window.banner.text()
    assert "01.12.2026" in window.banner.text()
