"""Regression guard for shared/pitfalls.md §1: PySide6 6.12.0 on Python 3.11 dies after ~5,000 void calls."""

import subprocess
import sys


def test_many_void_calls_do_not_crash():
    code = "from PySide6.QtCore import QObject; o=QObject(); [o.setObjectName('x') for _ in range(20000)]; print('ok')"
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip() == "ok"


def test_pyside_is_pinned_below_6_12_on_311():
    import PySide6

    major, minor = (int(x) for x in PySide6.__version__.split(".")[:2])
    if sys.version_info < (3, 12):
        assert (major, minor) < (6, 12)
