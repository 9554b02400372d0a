"""Screenshots of the HQ window on the demo day (run under Xvfb at 1366×768).

    xvfb-run -a -s "-screen 0 1366x768x24" env QT_QPA_PLATFORM=xcb \\
        .venv/bin/python tools/screenshot_hq.py docs/screenshots

The day is moved through real set-up and result packages first (app.services.hq_demo).
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main(out: str = "docs/screenshots", lang: str = "ru") -> int:
    from app.services.hq_demo import demo_exchange
    from ui.language import switch_language
    from ui.qt import QtWidgets

    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication(sys.argv[:1])
    switch_language(lang)  # Qt's own catalog too
    tmp = Path(tempfile.mkdtemp(prefix="hqshot-"))
    plan = {"0101": "end", "0102": "end", "0103": "morning", "0104": "morning", "0201": "end", "0202": "morning",
            "0203": "end", "0301": "morning"}
    hq, _rooms = demo_exchange(tmp, plan)
    from app.services import hq as hqs
    from ui.hq.window import HqWindow

    items = hqs.pending_acts(hq)
    for it in items[:3]:
        hqs.draw_act(hq, it, "GEK01")
    hqs.staff_change(hq, "ORG05", "OUT03", "illness")

    win = HqWindow(hq)
    win.setGeometry(0, 0, 1366, 740)
    win.show()
    outdir = Path(out)
    outdir.mkdir(parents=True, exist_ok=True)

    def grab(name: str) -> None:
        for _ in range(20):
            app.processEvents()
        screen = app.primaryScreen()
        screen.grabWindow(0).save(str(outdir / name))
        print(outdir / name)

    win.table.selectRow(7)
    win.export_setup_for("0204", tmp / "0204-setup.pkg")
    grab("hq-overview.png")
    win.tabs.setCurrentIndex(1)
    grab("hq-acts.png")
    win.tabs.setCurrentIndex(3)
    grab("hq-totals.png")
    two = next((i for i, d in enumerate(hq.days()) if len(d.subjects) >= 2), None)
    if two is not None:  # a date holding two subjects: the overview by subject
        win.tabs.setCurrentIndex(0)
        win.message.setText("")  # the 4 June package's line (a temporary folder) says nothing about this date
        win.date_combo.setCurrentIndex(two)
        grab("hq-two-subjects.png")
    win.close()
    hq.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
