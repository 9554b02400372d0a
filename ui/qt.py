"""The one place ui/ imports Qt from (checks the version; see shared/pitfalls.md §1).

Importing QtCore replaces ``builtins.__import__`` with PySide's ``__feature_import__``: from then on,
each module an import statement names for the first time has its whole source read
(``inspect.getsource``, kept in ``linecache``) to see whether it says ``from __feature__ import
snake_case``. We use no ``__feature__``; from a checkout that cost the room station 15 MB of resident
source text at READY (SQLAlchemy's, the standard library's and ours: 6 million characters) and the time
to read it. So the plain import is put back once Qt is in, when this module is the first to import Qt
(the program's case; under pytest-qt, Qt is imported before and the hook stays). A built program ships
no sources of its modules, so there the hook should find nothing to read (not measured).
"""

from __future__ import annotations

import builtins
import sys

_plain_import = builtins.__import__ if "PySide6.QtCore" not in sys.modules else None

import PySide6  # noqa: E402
from PySide6 import QtCore, QtGui, QtWidgets  # noqa: E402, F401
from PySide6.QtCore import Qt, QTimer, Signal, Slot  # noqa: E402, F401

if _plain_import is not None and getattr(builtins.__import__, "__name__", "") == "__feature_import__":
    builtins.__import__ = _plain_import

_v = tuple(int(x) for x in PySide6.__version__.split(".")[:2])
if _v >= (6, 12):
    import sys

    if sys.version_info < (3, 12):
        raise RuntimeError("PySide6 6.12 crashes on Python 3.11 (none_dealloc); install PySide6-Essentials<6.12")
