"""The HQ window with real widgets (pytest-qt, offscreen) over a day moved through real packages."""

from __future__ import annotations

import pytest

from app.i18n import _ as tr
from app.services import hq as hqs
from app.services.hq_demo import demo_exchange, local, room_day, set_up_room
from app.transfer.results import export_results


@pytest.fixture
def day(tmp_path):
    hq, rooms = demo_exchange(tmp_path / "day", {"0101": "end", "0102": "morning"})
    yield hq, rooms, tmp_path / "day"
    hq.close()


def _row(win, room):
    for i in range(win.table.rowCount()):
        if win.table.item(i, 0).text() == room:
            return {win.table.horizontalHeaderItem(j).text(): win.table.item(i, j).text()
                    for j in range(win.table.columnCount())}
    raise AssertionError(room)


def test_overview_shows_every_room(qtbot, day):
    from ui.hq.window import HqWindow

    hq, rooms, _ = day
    win = HqWindow(hq)
    qtbot.addWidget(win)
    assert win.table.rowCount() == len(hq.plan.rooms) == 12
    r1, r2, r3 = _row(win, "0101"), _row(win, "0102"), _row(win, "0103")
    assert r1["Phase"] == "closed" and r1["Present"] == "14" and r1["Removed"] == "1" and r1["Early"] == "1"
    assert r1["Last package"].startswith(rooms["0101"].station_id)
    assert r2["Phase"] == "in progress" and r2["Out of room"] == "1" and r2["Incidents"] == "2"
    assert r3["Phase"] == "not opened" and r3["Last package"] == "—"
    # acts to draw: 0101 removal, early completion, appeal (02 + 03), 0102 removal
    assert r1["Acts to draw"] == "4" and r2["Acts to draw"] == "1"
    assert "out of room 1" in win.totals_label.text()


def test_import_stick_in_background_then_refresh(qtbot, day):
    from ui.hq.window import HqWindow

    hq, rooms, folder = day
    win = HqWindow(hq)
    qtbot.addWidget(win)
    room_day(rooms["0102"], until="afternoon")
    export_results(rooms["0102"], folder / "later.pkg")
    cut = folder / "cut.pkg"
    cut.write_bytes((folder / "later.pkg").read_bytes()[:300])
    worker = win.import_files([folder / "later.pkg", cut, folder / "0101-results.pkg"])
    assert not win.import_button.isEnabled() and not win.progress.isHidden()
    with qtbot.waitSignal(worker.finished, timeout=20000):
        pass
    qtbot.waitUntil(lambda: win.import_button.isEnabled(), timeout=5000)
    text = win.message.text()
    assert "new events" in text and "truncated or damaged" in text and "already imported" in text
    assert _row(win, "0102")["Phase"] == "closed"
    assert sorted(r.outcome for r in win.receipts) == ["applied", "duplicate"]


def test_draw_act_with_gek_member(qtbot, day):
    from ui.hq.window import HqWindow

    hq, rooms, _ = day
    win = HqWindow(hq)
    qtbot.addWidget(win)
    win.tabs.setCurrentIndex(1)
    idx = next(i for i, a in enumerate(win.act_items) if a.form == "ППЭ-21" and a.room == "0102")
    removal = win.act_items[idx].incident
    win.acts_table.selectRow(idx)
    win.gek_combo.setCurrentIndex(1)
    qtbot.mouseClick(win.draw_button, hqs_left())
    drawn = [e for e in hq.log.all() if e.kind == "act-drawn"]
    assert len(drawn) == 1
    e = drawn[0]
    assert e.payload["form"] == "ППЭ-21" and e.payload["target"] == removal.id
    assert e.payload["gek_member"] == "GEK02" and e.room == "0102" and e.participant == removal.participant
    assert "recorded" in win.message.text()
    assert _row(win, "0102")["Acts to draw"] == "0"
    row = next(i for i, a in enumerate(win.act_items) if a.incident and a.incident.id == removal.id)
    assert win.acts_table.item(row, 5).text().startswith("drawn up, GEK member")
    # nothing selected: a clear message, nothing recorded
    win.acts_table.clearSelection()
    qtbot.mouseClick(win.draw_button, hqs_left())
    assert "select an act" in win.message.text()
    assert len([e for e in hq.log.all() if e.kind == "act-drawn"]) == 1


def test_participant_brought_to_hq_and_staff_change(qtbot, day):
    from ui.hq.window import HqWindow

    hq, rooms, _ = day
    win = HqWindow(hq)
    qtbot.addWidget(win)
    code = hq.plan.room_participants("0102")[9].code
    win.direct_code.setText(code)
    win.direct_form.setCurrentIndex(list(hqs.DIRECT_KIND).index("ППЭ-22"))
    win.direct_reason.setText("fainted")
    qtbot.mouseClick(win.direct_button, hqs_left())
    assert hq.room_state("0102").participants[code].status == "finished_early"
    assert any(a.form == "ППЭ-22" and a.participant == code and a.drawn for a in hqs.acts(hq))
    win.replaced_combo.setCurrentIndex(win.replaced_combo.findData("ORG03"))
    win.replacement_combo.setCurrentIndex(win.replacement_combo.findData("OUT04"))
    win.staff_reason.setText("illness")
    qtbot.mouseClick(win.staff_button, hqs_left())
    ch = hqs.staff_changes(hq)
    assert [(e.payload["replaced"], e.payload["replacement"], e.room) for e in ch] == [("ORG03", "OUT04", "0102")]
    assert win.staff_table.rowCount() == 1
    # an outside organizer's change belongs to the exam point, not to a room
    win.replaced_combo.setCurrentIndex(win.replaced_combo.findData("OUT01"))
    win.replacement_combo.setCurrentIndex(win.replacement_combo.findData("OUT03"))
    win.staff_reason.setText("called away")
    qtbot.mouseClick(win.staff_button, hqs_left())
    assert [e.room for e in hqs.staff_changes(hq)] == ["0102", None]
    assert win.staff_table.rowCount() == 2
    assert {win.staff_table.item(r, 1).text() for r in range(2)} == {"0102", tr("Exam point")}
    # the print and verify buttons never raise: clear messages
    win.verify_button.click()
    assert win.verify_result.text()
    win.qr_input.setPlainText("garbage")
    win.verify_button.click()
    assert win.verify_result.text()


def test_failover_room_shows_both_stations(qtbot, tmp_path):
    from ui.hq.window import HqWindow

    hq, rooms = demo_exchange(tmp_path / "d", {"0101": "morning"})
    spare = set_up_room(hq, "0101", tmp_path / "d", name="spare")
    spare.record("finished", "0101", hq.plan.room_participants("0101")[1].code, at=local("13:30"))
    export_results(spare, tmp_path / "d" / "spare.pkg")
    win = HqWindow(hq)
    qtbot.addWidget(win)
    win.import_files([tmp_path / "d" / "spare.pkg"])
    # the import may finish (and its worker be deleted) before a waitSignal could connect: wait on the window
    qtbot.waitUntil(lambda: win.import_button.isEnabled(), timeout=25000)
    assert "paired now" in win.message.text()
    assert _row(win, "0101")["Last package"].startswith(spare.station_id)
    assert _row(win, "0101")["Finished"] == "1"


def hqs_left():
    from ui.qt import Qt

    return Qt.MouseButton.LeftButton


def test_print_act_and_verify_paper_by_qr(qtbot, day, tmp_path):
    from app.forms.api import build_documents, stamp_for
    from ui.hq.window import HqWindow

    hq, rooms, _ = day
    win = HqWindow(hq)
    qtbot.addWidget(win)
    idx = next(i for i, a in enumerate(win.act_items) if a.form == "ППЭ-21" and a.room == "0101")
    item = win.act_items[idx]
    win.acts_table.selectRow(idx)
    qtbot.mouseClick(win.print_button, hqs_left())
    assert "select an act that has been drawn up" in win.message.text()
    qtbot.mouseClick(win.draw_button, hqs_left())  # GEK01, the first in the list
    idx = next(i for i, a in enumerate(win.act_items) if a.incident and a.incident.id == item.incident.id)
    win.acts_table.selectRow(idx)
    qtbot.mouseClick(win.pdf_button, hqs_left())
    pdf = win.last_printed
    assert str(pdf) in win.message.text()
    assert pdf.exists() and pdf.read_bytes().startswith(b"%PDF")
    from pypdf import PdfReader

    text = "".join(page.extract_text() for page in PdfReader(pdf).pages)
    assert "ППЭ-21" in text and hq.plan.participants[item.participant].last_name in text
    # the paper's QR text, as the printer put it on the page
    docs = build_documents(hq, "ППЭ-21", "0101", item.participant, item.incident.id)
    qr = stamp_for(hq, docs).qr_text[docs[0].doc_id]
    drawn = [e for e in hq.log.all() if e.kind == "act-drawn"][-1]
    assert drawn.payload["document_id"] == docs[0].doc_id
    win.qr_input.setPlainText(qr)
    win.verify_button.click()
    msg = win.verify_result.text()
    assert "signature verified" in msg and "matches the record" in msg and "drawn up by GEK member" in msg
    forged = qr[:-6] + ("A" if qr[-6] != "A" else "B") + qr[-5:]
    win.qr_input.setPlainText(forged)
    win.verify_button.click()
    assert "signature verified" not in win.verify_result.text()
    win.qr_input.setPlainText("hello")
    win.verify_button.click()
    assert "cannot read the code" in win.verify_result.text()


def test_setup_package_from_the_window_opens_at_the_room(qtbot, day, tmp_path):
    from app.transfer.setup import init_from
    from ui.hq.window import HqWindow

    hq, rooms, _ = day
    win = HqWindow(hq)
    qtbot.addWidget(win)
    win.table.clearSelection()
    win.setup_button.click()
    assert "select a room" in win.message.text()
    res = win.export_setup_for("0203", tmp_path / "0203-setup.pkg")
    assert res.passphrase in win.passphrase_label.text() and "safe to remove" in win.message.text()
    st, opened = init_from(tmp_path / "room0203.db", tmp_path / "0203-setup.pkg", res.passphrase)
    assert st.home_room == "0203" and opened.hq.station == hq.station_id
    assert win.export_setup_for("0203", tmp_path / "missing" / "x.pkg") is None
    assert "no such folder" in win.message.text()


def test_printed_act_names_the_gek_member_chosen_at_hq(day):
    from pypdf import PdfReader

    hq, rooms, _ = day
    item = next(a for a in hqs.pending_acts(hq) if a.form == "ППЭ-21")
    hqs.draw_act(hq, item, "GEK02")
    item = next(a for a in hqs.acts(hq) if a.incident and a.incident.id == item.incident.id)
    text = "".join(p.extract_text() for p in PdfReader(hqs.print_act(hq, item)).pages)
    assert hq.plan.staff["GEK02"].last_name in text
