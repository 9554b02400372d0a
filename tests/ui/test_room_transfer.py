"""The room window's transfer dialog (Ctrl+Shift+T): someone the PPE head sent from room 0102 to 0101."""

from __future__ import annotations

from tests.ui.conftest import kinds, run_dialog


def test_transfer_dialog_admits_and_lists_the_participant(window, station, qtbot):
    from ui.room.transfer import TransferDialog

    code = station.plan.room_participants("0102")[0].code
    person = station.plan.participants[code]
    window.search.setText(code)
    window.current = code  # the plain way first: refused, the message points to the transfer
    assert window.admit() is None
    assert "transfer" in window.advice.toPlainText().lower() and kinds(station) == []

    def fill(dlg):
        assert isinstance(dlg, TransferDialog)
        dlg.code.setText(code)
        assert dlg.from_room.text() == "0102"  # filled in from the date's list
        dlg.reason.setText("сломан стул")
        assert dlg.decided_by.currentData() == "HEAD01"
        for key in ("last_name", "first_name", "document_number"):
            dlg.edits[key].setText(getattr(person, key))
        dlg.accept()

    rec = run_dialog(lambda: window.actions["transfer"].trigger(), fill)
    assert rec is None  # triggered through the action: the result goes to the window
    assert kinds(station) == ["transfer-in"]
    e = station.log.for_room(station.day.key, "0101")[0]
    assert e.payload["from_room"] == "0102" and e.payload["decided_by"] == "HEAD01"
    assert code in window.rows and window.state().participants[code].status == "present"
    assert "0102" in window.advice.toPlainText()
    assert window.actions["transfer"].shortcut().toString() == "Ctrl+Shift+T"
