"""Every modal of ui/ goes through ``ui.widgets.exec_dialog`` (ui/popups.py for the small questions).

Qt's static helpers and a bare ``.exec()`` run their own event loop, so neither the «dialog lag» fix
(the screen under the dialog repainted and the keyboard back on the window at once) nor the deletion
after use applies to them: the date chooser used QInputDialog.getItem and QMessageBox.question."""

from __future__ import annotations

import ast
from pathlib import Path

UI = Path(__file__).resolve().parents[2] / "ui"
STATIC = {
    "QMessageBox": {"question", "warning", "information", "critical", "about", "aboutQt"},
    "QInputDialog": {"getItem", "getText", "getInt", "getDouble", "getMultiLineText"},
    "QFileDialog": {"getExistingDirectory", "getOpenFileName", "getOpenFileNames", "getSaveFileName",
                    "getExistingDirectoryUrl", "getOpenFileUrl", "getOpenFileUrls", "getSaveFileUrl"},
    "QColorDialog": {"getColor"},
    "QFontDialog": {"getFont"},
}
# the one allowed ``.exec()`` of a dialog, and the application's event loop
ALLOWED_EXEC = {("widgets.py", "exec_dialog"), ("main.py", "main")}


def offences(path: Path, root: Path = UI.parent) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: list[str] = []
    functions: dict[ast.AST, str] = {}
    for fn in ast.walk(tree):
        if isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef):
            for node in ast.walk(fn):
                functions.setdefault(node, fn.name)
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
            continue
        attr, owner = node.func.attr, node.func.value
        owner_name = owner.attr if isinstance(owner, ast.Attribute) else getattr(owner, "id", "")
        if attr in STATIC.get(owner_name, ()):
            found.append(f"{path.relative_to(root)}:{node.lineno}: {owner_name}.{attr}")
        if attr in ("exec", "exec_") and (path.name, functions.get(node, "")) not in ALLOWED_EXEC:
            found.append(f"{path.relative_to(root)}:{node.lineno}: .{attr}() outside exec_dialog")
    return found


def test_no_static_qt_popups_or_bare_exec_in_ui() -> None:
    bad = [o for f in sorted(UI.rglob("*.py")) for o in offences(f)]
    assert not bad, "use ui.popups / ui.widgets.exec_dialog instead:\n" + "\n".join(bad)


def test_the_lint_sees_what_it_forbids(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text("def f(w, QtWidgets):\n"
                      "    QtWidgets.QInputDialog.getItem(w, 't', 'l', ['a'], 0, False)\n"
                      "    QtWidgets.QMessageBox.question(w, 't', 'x')\n"
                      "    w.dialog.exec()\n", encoding="utf-8")
    assert len(offences(sample, tmp_path)) == 3
