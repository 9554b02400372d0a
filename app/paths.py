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


def data_dir() -> Path:
    """Writable data folder: env override, portable folder, or the user's data folder."""
    env = os.environ.get("AUDITORIA_HOME")
    if env:
        path = Path(env)
    elif is_portable():
        path = executable_dir() / "data"
    elif sys.platform == "win32":
        path = Path(os.environ.get("LOCALAPPDATA", Path.home() / "AppData" / "Local")) / "Auditoria"
    elif sys.platform == "darwin":
        path = Path.home() / "Library" / "Application Support" / "Auditoria"
    else:
        path = Path(os.environ.get("XDG_DATA_HOME", Path.home() / ".local" / "share")) / "auditoria"
    path.mkdir(parents=True, exist_ok=True)
    return path
