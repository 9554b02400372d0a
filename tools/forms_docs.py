"""Render every form of the sample day to docs/forms/*.png (and PDFs in a temp folder) for review.

Run: QT_QPA_PLATFORM=offscreen .venv/bin/python tools/forms_docs.py [OUT_DIR]
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.clock import FixedClock  # noqa: E402
from app.forms.api import render_form  # noqa: E402
from app.forms.sample import fill_sample_day  # noqa: E402
from app.services.demo import install_demo  # noqa: E402
from app.services.station import Station  # noqa: E402

FORMS = [("05-01", "0101", None), ("05-02", "0101", None), ("05-02", "0102", None), ("12-02", "0101", None),
         ("12-03", "0101", None), ("12-04-МАШ", "0101", None), ("13-02-МАШ", None, None), ("19", None, None),
         ("10", None, None), ("20", None, None), ("21", None, None), ("22", None, None), ("02", None, None),
         ("03", None, None)]


def main() -> None:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent.parent / "docs" / "forms"
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as td:
        clock = FixedClock(datetime(2026, 6, 4, 14, 5, tzinfo=ZoneInfo("Asia/Yekaterinburg")))
        st = Station.create(Path(td) / "day.db", role="hq", clock=clock)
        install_demo(st)
        fill_sample_day(st)
        for form, room, part in FORMS:
            name = f"ppe-{form.lower().replace('маш', 'mash')}" + (f"-{room}" if room else "")
            pdf = Path(td) / f"{name}.pdf"
            render_form(st, form, room=room, participant=part, out=pdf)
            subprocess.run(["pdftoppm", "-r", "80", "-png", str(pdf), str(out / name)], check=True)
            print(name)


if __name__ == "__main__":
    main()
