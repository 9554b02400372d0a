"""Make the README screenshots at 1366×768 under Xvfb:

    xvfb-run -a -s "-screen 0 1366x768x24" env QT_QPA_PLATFORM=xcb \
        /work/venv/bin/python docs/screenshots/make_screenshots.py docs/screenshots

Mid-exam room window (with the 30-minute warning), board mode, the removal dialog, high contrast, the end of
the exam with the guard's confirmation, and one of Qt's file dialogs (in Russian: Qt's own catalog).
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))


def main(out: Path) -> None:
    os.environ.setdefault("AUDITORIA_HOME", tempfile.mkdtemp(prefix="auditoria-shots-"))
    from app.services import room_ops
    from app.services.demo import install_demo
    from app.services.station import Station
    from ui.language import switch_language
    from ui.qt import QTimer, QtWidgets
    from ui.room.incidents import INCIDENT_BY_KEY, IncidentDialog
    from ui.room.window import RoomWindow

    app = QtWidgets.QApplication(sys.argv[:1])
    switch_language(os.environ.get("SHOT_LANG", "ru"))
    db = Path(os.environ["AUDITORIA_HOME"]) / "shots.db"
    st = Station.create(db, role="room", room="0101")
    install_demo(st)
    room_ops.play(st, "0101")
    room_ops.set_room_clock(st, room_ops.local_on_day(st, 13, 0, 25))
    screen = app.primaryScreen()
    geo = screen.availableGeometry()
    win = RoomWindow(st, room="0101", ask_start=False)
    win.setGeometry(geo)
    win.show()
    people = st.plan.room_participants("0101")
    shots: list[tuple[str, object]] = []

    def grab(name: str) -> None:
        app.processEvents()
        pix = screen.grabWindow(0)
        pix.save(str(out / name))
        print(out / name, pix.width(), pix.height())

    def step1() -> None:
        win.select(people[6].code)
        win.mark("desk-check", people[6].code, {"verdict": "forbidden", "item": "phone"})
        win.tick()
        grab("room-main.png")
        win.toggle_board()
        win.board.setGeometry(geo)
        QTimer.singleShot(400, step2)

    def step2() -> None:
        win.tick(repaint_only=True)
        grab("board-mode.png")
        win.board.close()
        dlg = IncidentDialog(INCIDENT_BY_KEY["removal"], win.names[people[6].code], win.marking.organizers_for_countersign(),
                             prefill={"item": "phone", "reason": "телефон на столе"}, parent=win,
                             item_choices=[(d.key, d.title) for d in st.ref.forbidden],
                             gek_choices=[(m.code, f"{m.code} — {m.short_name}")
                                          for m in room_ops.staff_by_role(st.plan, "gek")])
        gek = dlg.inputs["gek_member"]
        gek.setCurrentIndex(max(0, gek.findData("GEK01")))
        dlg.countersign.setCurrentIndex(1)
        dlg.show()
        shots.append(("dlg", dlg))
        QTimer.singleShot(400, step3)

    def step3() -> None:
        grab("incident-removal.png")
        shots[-1][1].close()
        win.toggle_contrast()
        QTimer.singleShot(400, step4)

    def step4() -> None:
        grab("room-high-contrast.png")
        win.toggle_contrast()
        from ui.room.end_of_exam import ConfirmOpenDialog, EndOfExamDialog

        end = EndOfExamDialog(win.station, win.room, win.names, win.changed, win.hooks(), win)
        end.show()
        items = room_ops.end_of_exam_guard(st, "0101", unticked=end.unticked())
        from app.i18n import _

        confirm = ConfirmOpenDialog(_("Close the room?"), _("Not everything is finished in this room:"),
                                    [end._item_text(i) for i in items], _("Close the room anyway"), end)
        confirm.show()
        shots.append(("end", end))
        shots.append(("confirm", confirm))
        QTimer.singleShot(400, step5)

    def step5() -> None:
        grab("room-end-guard.png")
        for _name, w in shots[-2:][::-1]:
            w.close()
        from app.i18n import _

        fd = QtWidgets.QFileDialog(win, _("Folder for the room's forms"), str(Path.home()))
        fd.setOption(QtWidgets.QFileDialog.Option.DontUseNativeDialog, True)
        fd.setFileMode(QtWidgets.QFileDialog.FileMode.Directory)
        fd.resize(900, 520)
        fd.show()
        shots.append(("file", fd))
        QTimer.singleShot(400, step6)

    def step6() -> None:
        grab("file-dialog-ru.png")
        shots[-1][1].close()
        app.quit()

    QTimer.singleShot(800, step1)
    app.exec()


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/screenshots"))
