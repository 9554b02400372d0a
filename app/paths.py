"""Where Auditoria finds its resources and keeps its data.

Data lives in the platform's standard place unless ``AUDITORIA_HOME`` is set or a
``portable.txt`` marker sits beside the executable (portable mode, run from a stick).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

PACKAGE_ROOT = Path(__file__).resolve().parent.parent


def resources_dir() -> Path:
    """Folder with reference data, form layouts and fonts (bundled or in the checkout)."""
    bundled = getattr(sys, "_MEIPASS", None)
    if bundled:
        return Path(bundled) / "resources"
    return PACKAGE_ROOT / "resources"


def translations_dir() -> Path:
    bundled = getattr(sys, "_MEIPASS", None)
    if bundled:
        return Path(bundled) / "translations"
    return PACKAGE_ROOT / "translations"


def executable_dir() -> Path:
    if getattr(sys, "frozen", False):
        return Path(sys.executable).resolve().parent
    return PACKAGE_ROOT


def is_portable() -> bool:
    return (executable_dir() / "portable.txt").exists() or os.environ.get("AUDITORIA_PORTABLE") == "1"


def user_data_root() -> Path:
    """The platform's per-user data folder, as Qt names it (``QStandardPaths``).

    GenericDataLocation, not AppLocalDataLocation: it does not depend on the application and
    organisation names of a running QCoreApplication, so the CLI (no Qt application object) and
    the desktop program agree. Windows: ``%LOCALAPPDATA%``; Linux: ``$XDG_DATA_HOME`` or
    ``~/.local/share``; macOS: ``~/Library/Application Support``. QtCore is no widget module, so
    the core may import it.
    """
    from PySide6.QtCore import QStandardPaths

    location = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.GenericDataLocation)
    if not location:  # Qt found no home folder at all (a stripped service account)
        raise OSError("no writable per-user data folder; set AUDITORIA_HOME or use portable mode")
    return Path(location)


# Lower case is the Linux habit for folders under ~/.local/share; capitalised elsewhere.
DATA_FOLDER = "auditoria" if sys.platform.startswith("linux") else "Auditoria"


def data_dir() -> Path:
    """Writable data folder: env override, portable folder, or the user's data folder."""
    env = os.environ.get("AUDITORIA_HOME")
    if env:
        path = Path(env)
    elif is_portable():
        path = executable_dir() / "data"
    else:
        path = user_data_root() / DATA_FOLDER
    from app.privacy import private_dir

    return private_dir(path)  # 0700: it holds station databases, keys and the debug log
