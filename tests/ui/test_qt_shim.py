"""ui/qt.py, the one place ui/ imports Qt from."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

_PROBE = """
import linecache
import ui.qt
import app.domain.model, app.services.station, ui.room.window
held = sum(len(line) for entry in linecache.cache.values() if len(entry) > 2 for line in entry[2])
print(held)
"""


def test_importing_after_qt_reads_no_sources():
    """PySide's import hook read the whole source of every module imported after QtCore into
    ``linecache`` (~6 million characters, ~15 MB resident for the room station run from a checkout)."""
    p = subprocess.run([sys.executable, "-c", _PROBE], cwd=ROOT, capture_output=True, text=True, timeout=120,
                       env={"QT_QPA_PLATFORM": "offscreen", "PATH": "/usr/bin:/bin"})
    assert p.returncode == 0, p.stderr[-2000:]
    # what PySide reads while QtCore itself is imported stays (enum.py, warnings.py, textwrap.py: ~0.14
    # million characters); before, everything imported afterwards was read too
    assert int(p.stdout.split()[-1]) < 250_000, p.stdout
