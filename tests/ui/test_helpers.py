"""The window tests' own hygiene: a timeout on every test, and run_dialog that fails loudly."""

from __future__ import annotations

import pytest

from tests.ui.conftest import run_dialog
from ui.qt import QtWidgets


def test_every_window_test_has_a_timeout(request):
    marker = request.node.get_closest_marker("timeout")
    assert marker is not None and marker.args[0] > 0
    assert marker.kwargs.get("method") == "thread"


def test_run_dialog_fails_when_no_dialog_opens(qtbot):
    with pytest.raises(AssertionError, match="without opening a modal dialog"):
        run_dialog(lambda: None, lambda d: d.accept())


def test_run_dialog_fails_when_handle_leaves_the_dialog_open(qtbot):
    dlg = QtWidgets.QDialog()
    with pytest.raises(AssertionError, match="left QDialog open"):
        run_dialog(dlg.exec, lambda d: None)
    assert not dlg.isVisible()


def test_run_dialog_drives_a_dialog(qtbot):
    dlg = QtWidgets.QDialog()
    assert run_dialog(dlg.exec, lambda d: d.accept()) == QtWidgets.QDialog.DialogCode.Accepted
