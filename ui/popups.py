"""Every small modal question of ui/ (yes/no, a warning, a choice from a list, a line of text, a file or
folder), as a dialog object run through ``ui.widgets.exec_dialog``.

Why not Qt's static helpers (``QMessageBox.question``, ``QInputDialog.getItem``,
``QFileDialog.getExistingDirectory``…): they run their own ``exec()``, so the «dialog lag» fix
(``clear_behind``: the screen under the dialog repainted and the keyboard back on the window before
the work after the answer) and the deletion after use did not apply to them.
tests/ui/test_no_static_popups.py keeps ui/ free of them. Tests replace these functions
(``monkeypatch.setattr(popups, "choose_folder", …)``): callers use them as ``popups.NAME``.
"""

from __future__ import annotations

from ui.qt import QtWidgets
from ui.widgets import exec_dialog

Box = QtWidgets.QMessageBox
Button = QtWidgets.QMessageBox.StandardButton


def ask(parent: QtWidgets.QWidget | None, title: str, text: str, default_yes: bool = False,
        icon: Box.Icon = Box.Icon.Question) -> bool:
    """A yes/no question; True for «Да». ``default_yes`` is what Enter answers."""
    box = Box(icon, title, text, Button.Yes | Button.No, parent)
    box.setDefaultButton(Button.Yes if default_yes else Button.No)
    return exec_dialog(box) == Button.Yes


def tell(parent: QtWidgets.QWidget | None, title: str, text: str, icon: Box.Icon = Box.Icon.Warning) -> None:
    """A message with one «OK»."""
    exec_dialog(Box(icon, title, text, Button.Ok, parent))


def choose_item(parent: QtWidgets.QWidget | None, title: str, label: str, items: list[str],
                current: int = 0) -> str | None:
    """One of ``items`` from a drop-down list (not editable); None when cancelled."""
    dlg = QtWidgets.QInputDialog(parent)
    dlg.setWindowTitle(title)
    dlg.setLabelText(label)
    dlg.setComboBoxItems(items)
    dlg.setComboBoxEditable(False)
    if 0 <= current < len(items):
        dlg.setTextValue(items[current])
    if exec_dialog(dlg) != QtWidgets.QDialog.DialogCode.Accepted:
        return None
    return dlg.textValue()


def ask_text(parent: QtWidgets.QWidget | None, title: str, label: str, text: str = "") -> str | None:
    """A line of text; None when cancelled."""
    dlg = QtWidgets.QInputDialog(parent)
    dlg.setInputMode(QtWidgets.QInputDialog.InputMode.TextInput)
    dlg.setWindowTitle(title)
    dlg.setLabelText(label)
    dlg.setTextValue(text)
    if exec_dialog(dlg) != QtWidgets.QDialog.DialogCode.Accepted:
        return None
    return dlg.textValue()


def _file_dialog(parent, title: str, start: str, filters: str, mode: QtWidgets.QFileDialog.FileMode,
                 save: bool = False) -> list[str]:
    dlg = QtWidgets.QFileDialog(parent, title, start, filters)
    dlg.setFileMode(mode)
    if mode == QtWidgets.QFileDialog.FileMode.Directory:
        dlg.setOption(QtWidgets.QFileDialog.Option.ShowDirsOnly, True)
    if save:
        dlg.setAcceptMode(QtWidgets.QFileDialog.AcceptMode.AcceptSave)
    if exec_dialog(dlg) != QtWidgets.QDialog.DialogCode.Accepted:
        return []
    return dlg.selectedFiles()


def choose_folder(parent: QtWidgets.QWidget | None, title: str, start: str = "") -> str:
    """An existing folder ("" when cancelled)."""
    got = _file_dialog(parent, title, start, "", QtWidgets.QFileDialog.FileMode.Directory)
    return got[0] if got else ""


def choose_open_file(parent: QtWidgets.QWidget | None, title: str, start: str = "", filters: str = "") -> str:
    """An existing file ("" when cancelled)."""
    got = _file_dialog(parent, title, start, filters, QtWidgets.QFileDialog.FileMode.ExistingFile)
    return got[0] if got else ""


def choose_open_files(parent: QtWidgets.QWidget | None, title: str, start: str = "",
                      filters: str = "") -> list[str]:
    """Existing files ([] when cancelled)."""
    return _file_dialog(parent, title, start, filters, QtWidgets.QFileDialog.FileMode.ExistingFiles)


def choose_save_file(parent: QtWidgets.QWidget | None, title: str, start: str = "", filters: str = "") -> str:
    """A file to write ("" when cancelled); asks before replacing one."""
    got = _file_dialog(parent, title, start, filters, QtWidgets.QFileDialog.FileMode.AnyFile, save=True)
    return got[0] if got else ""
