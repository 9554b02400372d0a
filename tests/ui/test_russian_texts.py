"""No English inside the Russian interface (issue 12 §3): the end-of-exam checklist, the ППЭ-05-02
checks, the clock note and correction fields in the log, the HQ columns and date, and Qt's own
buttons and file dialogs."""

from __future__ import annotations

import re

import pytest

from app.i18n import set_language
from app.services import room_ops
from tests.conftest import local
from tests.ui.conftest import run_dialog
from ui.qt import QtWidgets

LATIN_WORD = re.compile(r"\b[A-Za-z]{2,}\b")
ALLOWED = {"Auditoria", "ОВЗ"}


def latin(text: str) -> list[str]:
    return [w for w in LATIN_WORD.findall(text) if w not in ALLOWED]


@pytest.fixture
def russian():
    set_language("ru")
    yield
    from ui.language import apply_qt_language

    set_language("en")
    apply_qt_language("en")


def test_end_of_exam_dialog_is_russian(window, station, clock, russian):
    room_ops.play(station, "0101", until="12:10")
    clock.set(local("13:30"))
    window.set_language("ru")
    texts: list[str] = []

    def end(dlg):
        texts.extend(dlg.checklist.item(i).text() for i in range(dlg.checklist.count()))
        texts.append(dlg.checks.toPlainText())
        dlg.accept()

    run_dialog(window.end_of_exam, end)
    assert texts[0] == "Объявлено об окончании экзамена"
    assert latin("\n".join(texts)) == []
    assert "допущено 14 + не явились 0 + не отмечено 1 = по списку 15" in texts[-1]


def test_checks_are_russian_in_russian(station, russian):
    room_ops.play(station, "0101")
    state = station.room_state("0101")
    station.record("materials-collected", "0101", payload={"blanks": 1, "extra_sheets": 1})
    state = station.room_state("0101")
    msgs = [c.message for c in state.checks()]
    assert latin(" ".join(msgs)) == [], msgs
    assert any(m.startswith("выходы без возвращения или объяснения: ") for m in msgs)


def test_clock_note_and_correction_field_in_the_log_are_russian(window, station, clock, russian):
    from ui.room.journal import describe

    rec = room_ops.adjust_clock(station, "0101", local("09:51"))
    p = station.plan.room_participants("0101")[0]
    corr = station.record("correction", "0101", p.code, payload={"field": "last_name", "old": "Морозова",
                                                               "new": "Морозова-Ли"})
    names = {p.code: p.short_name}
    note, fix = describe(station, rec.event, names), describe(station, corr.event, names)
    assert latin(note) == [] and "Часы аудитории установлены" in note, note
    assert "поле: фамилия" in fix and latin(fix) == [], fix
    set_language("en")  # the same note reads in English after a switch: it is re-made from its numbers
    assert "Room clock set" in describe(station, rec.event, names)


def test_qt_buttons_and_file_dialog_are_russian(window, russian):
    window.set_language("ru")
    box = QtWidgets.QDialogButtonBox(QtWidgets.QDialogButtonBox.StandardButton.Cancel
                                     | QtWidgets.QDialogButtonBox.StandardButton.Yes)
    assert box.button(QtWidgets.QDialogButtonBox.StandardButton.Cancel).text() == "Отмена"
    assert box.button(QtWidgets.QDialogButtonBox.StandardButton.Yes).text().replace("&", "") == "Да"
    assert QtWidgets.QApplication.translate("QFileDialog", "Look in:") != "Look in:"
    # Qt's catalog lacks the accelerator forms the dialog itself uses: the fallback finds them
    assert QtWidgets.QApplication.translate("QFileDialog", "&Look in:") == "Перейти к:"
    assert QtWidgets.QApplication.translate("QFileDialog", "Files of &type:") == "Типы файлов:"
    window.set_language("en")
    box = QtWidgets.QDialogButtonBox(QtWidgets.QDialogButtonBox.StandardButton.Cancel)
    assert box.button(QtWidgets.QDialogButtonBox.StandardButton.Cancel).text() == "Cancel"


def test_main_installs_qt_russian_catalog(qapp, russian):
    from ui.language import switch_language

    switch_language("ru")
    assert QtWidgets.QApplication.translate("QPlatformTheme", "Cancel") == "Отмена"


def test_roll_call_note_is_written_in_russian(window, station, clock, russian):
    from ui.qt import Qt

    ps = station.plan.room_participants("0101")
    for p in ps[:3]:
        station.record("admitted", "0101", p.code, at="09:10")
    station.record("exam-start", "0101", at="10:00")
    clock.set(local("10:30"))
    window.set_language("ru")

    def evac(dlg):
        dlg.roll.item(0).setCheckState(Qt.CheckState.Checked)
        dlg.roll.item(1).setCheckState(Qt.CheckState.Checked)
        dlg.accept()

    rec = run_dialog(lambda: window.incident("evacuation"), evac)
    note = rec.event.payload["note"]
    assert latin(note) == [] and "перекличка: 2 из 3" in note, note
