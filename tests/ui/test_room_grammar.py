"""Russian grammar by the participant's gender (issue 12 §8): «Не явился · Белов А.Е.»,
«Вернулась в аудиторию · Морозова В.И.», «Королёва С.А. уже отмечена»."""

from __future__ import annotations

import pytest

from app.domain.grammar import FEMININE, MASCULINE, gender
from app.i18n import set_language
from tests.conftest import local
from ui.room.journal import describe


@pytest.mark.parametrize(("middle", "last", "want"), [
    ("Игоревна", "Морозова", FEMININE), ("Евгеньевич", "Белов", MASCULINE), ("Ильинична", "Ли", FEMININE),
    ("Ильич", "Ким", MASCULINE), ("", "Королёва", FEMININE), ("", "Ким", MASCULINE), ("Алиевна", "", FEMININE),
    ("Рашид оглы", "Алиев", MASCULINE), ("Рашид кызы", "Алиева", FEMININE),
])
def test_gender_from_the_patronymic_with_a_fallback(middle, last, want):
    assert gender(middle, last) == want


def _who(station, surname):
    return next(p for p in station.plan.room_participants("0101") if p.last_name == surname)


def test_log_lines_agree_with_the_participant(window, station, clock):
    set_language("ru")
    try:
        belov, morozova = _who(station, "Белов"), _who(station, "Морозова")
        a = station.record("absent", "0101", belov.code, at="10:05")
        b = station.record("absent", "0101", morozova.code, at="10:05")
        station.record("admitted", "0101", _who(station, "Титова").code, at="09:10")
        station.record("exit", "0101", _who(station, "Титова").code, at="10:40")
        c = station.record("return", "0101", _who(station, "Титова").code, at="10:45")
        names = window.names
        assert "· Не явился · Белов А.Е." in describe(station, a.event, names)
        assert "· Не явилась · Морозова В.И." in describe(station, b.event, names)
        assert "· Вернулась в аудиторию · Титова П.А." in describe(station, c.event, names)
    finally:
        set_language("en")


def test_already_marked_agrees(window, station, clock):
    set_language("ru")
    try:
        window.retranslate()
        koroleva = _who(station, "Королёва")
        clock.set(local("09:10"))
        window.select(koroleva.code)
        window.trigger("admit")
        window.trigger("admit")
        assert "Королёва С.А. уже отмечена" in window.advice.toPlainText()
    finally:
        set_language("en")
