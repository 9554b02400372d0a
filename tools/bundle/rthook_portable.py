"""PyInstaller runtime hook: portable mode when ``portable.txt`` sits beside the executable.

Runs before any app code. app.paths then keeps the data in ``data/`` beside the executable
(AUDITORIA_PORTABLE=1); on Linux the caches and settings Qt and fontconfig would write under
the user's home go there too, so nothing is written to the laptop. Windows has no such
variables for Qt; the app itself writes nothing outside its data folder there.
"""

import os
import sys
from pathlib import Path


def _portable() -> None:
    here = Path(sys.executable).resolve().parent
    if not (here / "portable.txt").is_file() and os.environ.get("AUDITORIA_PORTABLE") != "1":
        return
    os.environ["AUDITORIA_PORTABLE"] = "1"
    if sys.platform.startswith("linux"):
        data = here / "data"
        for var, sub in (("XDG_CACHE_HOME", "cache"), ("XDG_CONFIG_HOME", "config"),
                         ("XDG_DATA_HOME", "share"), ("XDG_STATE_HOME", "state")):
            os.environ[var] = str(data / sub)


_portable()
