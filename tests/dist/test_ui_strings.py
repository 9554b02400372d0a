"""Lint of user-visible strings (issue 12, «a lint test»): ``_()`` is given a literal or a deferred
``N_()`` message, never a string built at run time (extraction cannot see it, and it is looked up as
itself), and ui/ shows no bare English literal to the user."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SHOWN = {"setText", "setWindowTitle", "setPlaceholderText", "setToolTip", "setTitle", "showMessage",
         "setAccessibleName", "addItem", "addTab", "setHtml", "addRow", "setStatusTip", "information",
         "warning", "question", "critical"}
WIDGETS = {"QLabel", "QPushButton", "QGroupBox", "QCheckBox", "QRadioButton", "QAction", "QMenu"}
WORDS = re.compile(r"[A-Za-z]{3,}")
NOT_WORDS = {"Auditoria"}  # the program's name is the same in every language


def _files(folder: str) -> list[Path]:
    return sorted((ROOT / folder).rglob("*.py"))


def _name(func: ast.expr) -> str:
    return func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""


def _built_at_run_time(arg: ast.expr) -> bool:
    if isinstance(arg, ast.JoinedStr | ast.BinOp):
        return True
    return isinstance(arg, ast.Call) and _name(arg.func) in ("format", "str", "join")


def test_gettext_gets_literals_or_deferred_messages():
    bad = []
    for folder in ("app", "ui"):
        for path in _files(folder):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Call) and _name(node.func) in ("_", "ngettext") and node.args and \
                        any(_built_at_run_time(a) for a in node.args[:2]):
                    bad.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert not bad, "_() on a string built at run time: " + ", ".join(bad)


def test_no_bare_english_shown_in_ui():
    bad = []
    for path in _files("ui"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = _name(node.func)
            if name not in SHOWN and name not in WIDGETS:
                continue
            shown = node.args[1:3] if name in ("information", "warning", "question", "critical") else node.args[:1]
            for a in shown:
                if isinstance(a, ast.Constant) and isinstance(a.value, str) and WORDS.search(a.value) and \
                        a.value not in NOT_WORDS and not a.value.startswith(("http://", "https://", "Q")):
                    bad.append(f"{path.relative_to(ROOT)}:{node.lineno} {a.value[:40]!r}")
    assert not bad, "user-visible English literals not wrapped in _(): " + "; ".join(bad)


PHRASE = re.compile(r"^[A-Z][a-z]+(?:[ ,'-][A-Za-z«»]+)*[.…]?$")


def _tables(tree: ast.Module):
    """Module- and class-level constant tables (tuples, lists, dicts): where deferred messages live."""
    for node in tree.body:
        bodies = [node] + (node.body if isinstance(node, ast.ClassDef) else [])
        for n in bodies:
            if isinstance(n, ast.Assign | ast.AnnAssign) and isinstance(n.value, ast.Tuple | ast.List | ast.Dict):
                yield n.value


def _bare_phrases(table: ast.expr):
    wrapped = {id(c.args[0]) for c in ast.walk(table) if isinstance(c, ast.Call) and _name(c.func) == "N_" and c.args}
    for c in ast.walk(table):
        if isinstance(c, ast.Constant) and isinstance(c.value, str) and id(c) not in wrapped and \
                PHRASE.match(c.value) and c.value not in NOT_WORDS:
            yield c


def test_tables_of_shown_phrases_are_marked_for_extraction():
    """An English phrase in a constant table is shown later through ``_(variable)``: it must be N_()-marked
    or extraction never sees it (the end-of-exam checklist and the HQ column headers were English)."""
    bad = []
    for path in _files("ui"):
        for table in _tables(ast.parse(path.read_text(encoding="utf-8"))):
            bad += [f"{path.relative_to(ROOT)}:{c.lineno} {c.value!r}" for c in _bare_phrases(table)]
    assert not bad, "phrases in tables without N_(): " + "; ".join(bad)
