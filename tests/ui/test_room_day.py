"""A whole exam day in room 0101, driven through the real window: screen and stored events."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from tests.conftest import local
from tests.ui.conftest import kinds, run_dialog, seat_text
from ui.qt import QtWidgets


def people(station):
    return station.plan.room_participants("0101")


def admit_by_surname(window, qtbot, surname: str) -> None:
    window.search.setText(surname)  # Cyrillic: set text, then a real Enter key (pitfalls §2)
    QTest.keyClick(window.search, Qt.Key.Key_Return)


def test_start_of_day_records_room_opened_with_organizers(window, station):
    def handle(dlg):
        assert dlg.room.currentData() == "0101"
        assert dlg.chosen_organizers() == ["ORG01", "ORG02"]
        assert dlg.people.rowCount() == 15
        dlg.accept()

    rec = run_dialog(window.start_of_day, handle)
    assert rec is not None and rec.event.kind == "room-opened"
    assert rec.event.payload["organizers"] == ["ORG01", "ORG02"]
    assert window.state().organizers == ["ORG01", "ORG02"]
    assert window.author() == "ORG01"


def test_surname_enter_admits_and_repaints(window, station, clock):
    p = people(station)[0]
    clock.set(local("09:05"))
    admit_by_surname(window, None, p.last_name)
    ev = station.log.for_room(station.day.key, "0101")[-1]
    assert (ev.kind, ev.participant, ev.payload["identity"]) == ("admitted", p.code, "document")
    assert "present" in seat_text(window, p.code)
    assert window.search.text() == ""  # ready for the next participant
    # Enter again on the same person does not record twice; it says so
    admit_by_surname(window, None, p.last_name)
    assert kinds(station).count("admitted") == 1
    assert "already marked" in window.advice.toPlainText()


def test_whole_exam_day(window, station, clock, qtbot):
    ps = people(station)
    st = station
    run_dialog(window.start_of_day, lambda d: d.accept())
    clock.set(local("09:10"))
    for p in ps[:12]:
        window.select(p.code)
        window.trigger("admit")
    assert window.state().counts()["present"] == 12

    # no document: a current-year student, identity confirmed in writing → ППЭ-20 advice
    window.select(ps[12].code)

    def nodoc(dlg):
        dlg.confirmed_by.setText("Zavuch")
        dlg.accept()

    rec = run_dialog(window.admit_no_document, nodoc)
    assert rec.event.payload == {"identity": "no-document", "graduate": "current", "confirmed_by": "Zavuch"}
    assert any(a.act == "ППЭ-20" for a in rec.advice) and "ППЭ-20" in window.advice.toPlainText()

    # seat change: advice shown, seat map shows the arrow, event stored
    window.select(ps[3].code)
    rec = run_dialog(window.change_seat, lambda d: (d.seat.setCurrentText("5Г"), d.accept()))
    assert rec.event.kind == "seated" and rec.event.payload["seat"] == "5Г"
    assert any(a.code == "seat-change" for a in rec.advice)
    assert "Changing the seat is prohibited" in window.advice.toPlainText()
    assert "→ 5Г" in seat_text(window, ps[3].code)

    # absent, instruction, start (board values written once)
    window.select(ps[14].code)
    window.trigger("absent")
    clock.set(local("09:50"))
    window.trigger("instruction")
    clock.set(local("10:00"))
    window.trigger("start")
    assert "10:00" in window.board_values.text() and "13:30" in window.board_values.text()

    # late arrival: Enter on the search admits as late, with the rule's message
    clock.set(local("10:07"))
    admit_by_surname(window, qtbot, ps[13].last_name)
    last = st.log.for_room(st.day.key, "0101")[-1]
    assert last.kind == "late" and last.participant == ps[13].code
    assert "end time is not extended (13:30)" in window.advice.toPlainText()
    assert "late" in seat_text(window, ps[13].code)

    # exit and return: live list with durations, long exits highlighted
    clock.set(local("10:40"))
    window.select(ps[2].code)
    window.trigger("exit")
    assert "out of room" in seat_text(window, ps[2].code)
    clock.set(local("10:52"))
    window.tick()
    assert window.exits.rowCount() == 1
    assert window.exits.item(0, 2).text() == "12"
    assert window.exits.item(0, 0).background().color().name() == window.theme.warn_bg
    assert "· 12 min" in seat_text(window, ps[2].code) and "out of room" in seat_text(window, ps[2].code)
    window.trigger("back")
    window.tick()
    assert window.exits.rowCount() == 0
    assert "present" in seat_text(window, ps[2].code)

    # extra sheet read by a scanner: a burst of digits + Enter
    clock.set(local("11:30"))
    window.select(ps[5].code)

    def scan(dlg):
        QTest.keyClicks(dlg.sheet, "4012345678901")
        assert dlg.sheet.scanned
        QTest.keyClick(dlg.sheet, Qt.Key.Key_Return)

    rec = run_dialog(window.extra_sheet, scan)
    assert rec.event.kind == "extra-sheet" and rec.event.payload == {"sheet": "4012345678901"}
    assert "ППЭ-12-03" in window.advice.toPlainText()

    # forbidden item on the desk → removal advice → removal dialog, countersigned by ORG02
    clock.set(local("11:45"))
    window.select(ps[6].code)

    def desk(dlg):
        dlg.forbidden.setCurrentIndex(dlg.forbidden.findData("phone"))
        dlg.items.item(0).setCheckState(Qt.CheckState.Checked)
        dlg.accept()

    def removal(dlg):
        assert "ППЭ-21" in dlg.guide.text() and "GEK member" in dlg.guide.text()
        assert dlg.value("item") == "phone"
        gek = dlg.inputs["gek_member"]  # the date's GEK members to choose from, recorded by code
        assert gek.findData("GEK01") > 0 and gek.findData("GEK02") > 0
        gek.setCurrentIndex(gek.findData("GEK01"))
        dlg.countersign.setCurrentIndex(dlg.countersign.findData("ORG02"))
        dlg.accept()

    # desk dialog first, then the removal dialog it opens
    handled = []

    def handle_any(dlg):
        if hasattr(dlg, "forbidden"):
            desk(dlg)
            handled.append("desk")
            from PySide6.QtCore import QTimer

            QTimer.singleShot(0, lambda: poll_next())
        else:
            removal(dlg)
            handled.append("removal")

    def poll_next(tries=0):
        from PySide6.QtCore import QTimer

        w = QtWidgets.QApplication.activeModalWidget()
        if w is None or hasattr(w, "forbidden"):
            if tries < 300:
                QTimer.singleShot(10, lambda: poll_next(tries + 1))
            return
        handle_any(w)

    run_dialog(window.desk_check, handle_any)
    assert handled == ["desk", "removal"]
    evs = st.log.for_room(st.day.key, "0101")
    desk_evs = [e for e in evs if e.kind == "desk-check"]
    assert [e.payload["verdict"] for e in desk_evs] == ["permitted", "forbidden"]
    removal_ev = [e for e in evs if e.kind == "removal"][0]
    assert removal_ev.participant == ps[6].code and removal_ev.payload["item"] == "phone"
    assert removal_ev.payload["gek_member"] == "GEK01"  # by code: HQ chooses the same person for the act
    cs = [e for e in evs if e.kind == "countersign"][0]
    assert cs.payload == {"target": removal_ev.id, "organizer": "ORG02"}
    assert "removed" in seat_text(window, ps[6].code)

    # early completion (medic)
    clock.set(local("12:00"))
    window.select(ps[7].code)

    def early(dlg):
        assert "ППЭ-22" in dlg.guide.text() and "medic" in dlg.guide.text()
        dlg.accept()  # reason missing: refused with a message, dialog stays
        assert dlg.isVisible() and "Reason" in dlg.error.text()
        dlg.inputs["reason"].setText("headache")
        dlg.accept()

    rec = run_dialog(lambda: window.incident("early"), early)
    assert rec.event.kind == "early-completion"
    assert "finished early" in seat_text(window, ps[7].code)  # short on the tile, whole in the tooltip
    assert "early completion" in window.seatmap.by_code[ps[7].code].toolTip()

    # a wrong mark, voided with Ctrl+Z and a reason; timeline shows it struck through
    window.select(ps[8].code)
    window.trigger("finished")
    assert "handed in" in seat_text(window, ps[8].code)

    def void(dlg):
        ok = dlg.box.button(QtWidgets.QDialogButtonBox.StandardButton.Ok)
        assert not ok.isEnabled()
        dlg.reason.setText("wrong person")
        dlg.accept()

    rec = run_dialog(window.undo, void)
    assert rec.event.kind == "void" and rec.event.payload["reason"] == "wrong person"
    assert "present" in seat_text(window, ps[8].code)
    html_seen = []
    run_dialog(lambda: window.show_timeline(ps[8].code),
               lambda d: (html_seen.append(d.view.toHtml()), d.accept()))
    assert "line-through" in html_seen[0] and "wrong person" in html_seen[0]

    # 30-minute warning from Station.due: banner + status bar
    clock.set(local("13:00"))
    clock.advance(seconds=30)
    window.tick()
    assert window.banner.isVisible() and "30 minutes to the end (13:30)" in window.banner.text()

    # end of exam: hand in everyone left, materials, checks, close
    clock.set(local("13:30"))

    def end(dlg):
        assert dlg.still_in.count() == 12
        dlg.hand_all.click()
        assert dlg.still_in.count() == 0
        dlg.counts["kim"].setValue(14)
        dlg.record_materials.click()
        text = dlg.checks.toPlainText()
        assert "✘" not in text, text
        for i in range(dlg.checklist.count()):
            dlg.checklist.item(i).setCheckState(Qt.CheckState.Checked)
        dlg.close_room.click()  # nothing open: closes without asking
        assert "Room closed" in dlg.checks.toPlainText()
        dlg.accept()

    run_dialog(window.end_of_exam, end)
    state = st.room_state("0101")
    c = state.counts()
    assert (c["assigned"], c["present"], c["absent"], c["removed"], c["finished_early"], c["finished"],
            c["extra_sheets"], c["exits"], c["late"]) == (15, 14, 1, 1, 1, 12, 1, 1, 1)
    assert all(ch.ok for ch in state.checks())
    assert state.closed_at is not None and state.materials["extra_sheets"] == 1
    assert "closed" in window.status.currentMessage()
    assert st.verify() == []
