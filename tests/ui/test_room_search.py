"""The search admits only the person the organizer meant (issue 12 §1).

Typing goes to the focused widget key by key, as a keyboard (or a barcode scanner) does; the
Cyrillic text is sent as QKeyEvents with their text (pitfalls §2).
"""

from __future__ import annotations

from tests.conftest import local
from tests.ui.conftest import kinds, run_dialog
from ui.qt import Qt, QtCore, QtGui, QtWidgets


def type_keys(text: str) -> None:
    """Each character to whatever widget has the keyboard focus now, like a real keyboard."""
    for ch in text:
        w = QtWidgets.QApplication.focusWidget()
        assert w is not None, "nothing has the keyboard focus"
        key = Qt.Key(ord(ch.upper())) if ch.isascii() and ch.isalnum() else Qt.Key.Key_unknown
        for t in (QtCore.QEvent.Type.KeyPress, QtCore.QEvent.Type.KeyRelease):
            QtWidgets.QApplication.sendEvent(w, QtGui.QKeyEvent(t, key, Qt.KeyboardModifier.NoModifier, ch))


def press_enter() -> None:
    w = QtWidgets.QApplication.focusWidget()
    for t in (QtCore.QEvent.Type.KeyPress, QtCore.QEvent.Type.KeyRelease):
        QtWidgets.QApplication.sendEvent(w, QtGui.QKeyEvent(t, Qt.Key.Key_Return, Qt.KeyboardModifier.NoModifier,
                                                            "\r"))


def code_of(station, surname: str) -> str:
    return next(p.code for p in station.plan.room_participants("0101") if p.last_name == surname)


def admitted(station) -> list[str]:
    return [e.participant for e in station.log.for_room(station.day.key, "0101") if e.kind in ("admitted", "late")]


def _focus_search(window, qtbot):
    window.activateWindow()
    qtbot.waitUntil(lambda: window.isActiveWindow(), timeout=2000)
    window.trigger("search")
    assert QtWidgets.QApplication.focusWidget() is window.search


def test_typing_a_surname_keeps_focus_and_enter_admits_that_person(window, station, clock, qtbot):
    clock.set(local("09:05"))
    _focus_search(window, qtbot)
    type_keys("Сорокин")
    assert QtWidgets.QApplication.focusWidget() is window.search, "the seat map took the focus while typing"
    assert window.search.text() == "Сорокин"
    press_enter()
    assert admitted(station) == [code_of(station, "Сорокин")]  # not Соловьёв, the first «С»


def test_enter_on_an_ambiguous_prefix_asks_instead_of_admitting(window, station, clock, qtbot):
    clock.set(local("09:05"))
    _focus_search(window, qtbot)
    type_keys("Со")  # Соловьёв and Сорокин

    def choose(dlg):
        names = [dlg.list.item(i).text() for i in range(dlg.list.count())]
        assert len(names) == 2 and any("Соловьёв" in n for n in names) and any("Сорокин" in n for n in names)
        dlg.reject()  # the organizer changes their mind: nothing is recorded

    run_dialog(press_enter, choose)
    assert admitted(station) == []


def test_enter_on_an_ambiguous_prefix_admits_the_one_chosen(window, station, clock, qtbot):
    clock.set(local("09:05"))
    _focus_search(window, qtbot)
    type_keys("Со")

    def choose(dlg):
        row = next(i for i in range(dlg.list.count()) if "Сорокин" in dlg.list.item(i).text())
        dlg.list.setCurrentRow(row)
        dlg.accept()

    run_dialog(press_enter, choose)
    assert admitted(station) == [code_of(station, "Сорокин")]


def test_surname_with_e_for_yo_matches(window, station, clock, qtbot):
    clock.set(local("09:05"))
    _focus_search(window, qtbot)
    type_keys("Соловьев")
    press_enter()
    assert admitted(station) == [code_of(station, "Соловьёв")]


def test_exact_seat_and_exact_code_admit(window, station, clock, qtbot):
    clock.set(local("09:05"))
    _focus_search(window, qtbot)
    type_keys("2В")
    press_enter()
    type_keys("660000108")
    press_enter()
    assert admitted(station) == [code_of(station, "Сорокин"), code_of(station, "Морозова")]


class FakeKeyClock:
    """Seconds that move only when the test says: a scanner types a key every 8 ms, a person every 200."""

    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


def _type_timed(text: str, clock: FakeKeyClock, gap: float) -> None:
    for ch in text:
        clock.t += gap
        type_keys(ch)


def test_scanner_burst_admits_exactly_that_code(window, station, clock, qtbot):
    clock.set(local("09:05"))
    keys = FakeKeyClock()
    window.key_clock = keys
    target = code_of(station, "Сорокин")
    _focus_search(window, qtbot)
    _type_timed("Мо", keys, 0.3)  # the organizer started typing a surname, then picked up the scanner
    _type_timed(target, keys, 0.008)
    keys.t += 0.008
    press_enter()
    assert admitted(station) == [target]
    assert window.search.text() == ""


def test_scanner_burst_into_the_seat_map_goes_to_the_search(window, station, clock, qtbot):
    clock.set(local("09:05"))
    keys = FakeKeyClock()
    window.key_clock = keys
    target = code_of(station, "Белов")
    window.activateWindow()
    qtbot.waitUntil(lambda: window.isActiveWindow(), timeout=2000)
    other = code_of(station, "Морозова")
    window.seatmap.by_code[other].setFocus()
    window.select(other)
    _type_timed(target, keys, 0.008)
    keys.t += 0.008
    press_enter()
    assert admitted(station) == [target]


def test_slow_digits_are_a_typed_code_prefix_not_a_scan(window, station, clock, qtbot):
    clock.set(local("09:05"))
    keys = FakeKeyClock()
    window.key_clock = keys
    _focus_search(window, qtbot)
    _type_timed("6600001", keys, 0.3)  # many codes start so: the window asks

    def handle(dlg):
        assert dlg.list.count() > 1
        dlg.reject()

    run_dialog(press_enter, handle)
    assert kinds(station) == []
