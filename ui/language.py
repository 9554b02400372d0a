"""Switching the interface language: our gettext catalogs and Qt's own Russian catalog together.

Qt's standard dialogs and buttons (file dialogs' «Look in», message boxes' Yes/No, Cancel in
button boxes) are translated by Qt's ``qtbase_<lang>.qm``, not by our catalogs, so a
``QTranslator`` must be installed whenever the language is set (build.spec ships the file).
"""

from __future__ import annotations

from pathlib import Path

from app.i18n import set_language
from ui.qt import QtCore

_translator: QtCore.QTranslator | None = None


def qt_translations_dirs() -> list[str]:
    """Where Qt's .qm files are: Qt's own idea, then PySide6's folder (wheel and bundle)."""
    import PySide6

    dirs = [QtCore.QLibraryInfo.path(QtCore.QLibraryInfo.LibraryPath.TranslationsPath),
            str(Path(PySide6.__file__).resolve().parent / "Qt" / "translations")]
    return [d for d in dict.fromkeys(dirs) if d]


def apply_qt_language(lang: str) -> bool:
    """Install Qt's catalog for ``lang`` (English needs none). Returns whether Qt's texts are in ``lang``."""
    global _translator
    app = QtCore.QCoreApplication.instance()
    if app is None:
        return False
    if _translator is not None:
        app.removeTranslator(_translator)
        _translator = None
    if lang == "en":
        return True
    t = QtCore.QTranslator(app)
    for d in qt_translations_dirs():
        if t.load(f"qtbase_{lang}", d):
            app.installTranslator(t)
            _translator = t
            return True
    return False


def switch_language(lang: str) -> None:
    """The interface language for everything: our messages and Qt's standard dialogs."""
    set_language(lang)
    apply_qt_language(lang)
