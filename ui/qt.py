"""The one place ui/ imports Qt from (checks the version; see shared/pitfalls.md §1)."""

from __future__ import annotations

import PySide6
from PySide6 import QtCore, QtGui, QtWidgets  # noqa: F401
from PySide6.QtCore import Qt, QTimer, Signal, Slot  # noqa: F401

_v = tuple(int(x) for x in PySide6.__version__.split(".")[:2])
if _v >= (6, 12):
    import sys

    if sys.version_info < (3, 12):
        raise RuntimeError("PySide6 6.12 crashes on Python 3.11 (none_dealloc); install PySide6-Essentials<6.12")
