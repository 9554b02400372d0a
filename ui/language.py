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
_fallback: QtCore.QTranslator | None = None


class AcceleratorFallback(QtCore.QTranslator):
    """Qt's Russian catalog lags its sources: «&Look in:» and «Files of &type:» of the file dialog are
    missing though «Look in:» and «Files of type:» are there. Asked after Qt's catalog, this finds the
    text without its «&» (the dialog loses only the underlined letter)."""

    def __init__(self, base: QtCore.QTranslator, parent=None):
        super().__init__(parent)
        self.base = base

    def translate(self, context, source, disambiguation=None, n=-1):  # noqa: D102 - Qt override
        if not source or "&" not in source:
            return ""
        plain = source.replace("&&", "\0").replace("&", "").replace("\0", "&")
        return self.base.translate(context, plain, disambiguation, n) or ""

    def isEmpty(self) -> bool:  # noqa: N802 - Qt override
        return False


def qt_translations_dirs() -> list[str]:
    """Where Qt's .qm files are: Qt's own idea, then PySide6's folder (wheel and bundle)."""
    import PySide6

    dirs = [QtCore.QLibraryInfo.path(QtCore.QLibraryInfo.LibraryPath.TranslationsPath),
            str(Path(PySide6.__file__).resolve().parent / "Qt" / "translations")]
    return [d for d in dict.fromkeys(dirs) if d]


def apply_qt_language(lang: str) -> bool:
    """Install Qt's catalog for ``lang`` (English needs none). Returns whether Qt's texts are in ``lang``."""
    global _translator, _fallback
    app = QtCore.QCoreApplication.instance()
    if app is None:
        return False
    for old in (_translator, _fallback):
        if old is not None:
            app.removeTranslator(old)
    _translator = _fallback = None
    if lang == "en":
        return True
    t = QtCore.QTranslator(app)
    for d in qt_translations_dirs():
        if t.load(f"qtbase_{lang}", d):
            _fallback = AcceleratorFallback(t, app)
            app.installTranslator(_fallback)  # installed first: asked last
            app.installTranslator(t)
            _translator = t
            return True
    return False


def switch_language(lang: str) -> None:
    """The interface language for everything: our messages and Qt's standard dialogs."""
    set_language(lang)
    apply_qt_language(lang)
