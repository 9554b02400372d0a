"""Typed settings over QSettings, with a version (style.md §6).

Portable mode: when ``AUDITORIA_HOME`` is set or the app is portable, settings live in an INI
file in the data folder instead of the user's registry/config, so a USB stick carries them.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from ui.qt import QtCore

VERSION = 1
RECENT_MAX = 8


@dataclass(frozen=True)
class Option:
    key: str
    type: type
    default: object


OPTIONS = {o.key: o for o in (
    Option("language", str, "ru"),
    Option("room", str, ""),
    Option("theme", str, "normal"),
    Option("font_pt", int, 12),
    # one path a line: QSettings hands a one-item list back as a bare string in INI files
    Option("recent", str, ""),
    Option("export/folder", str, ""),
    Option("setup/folder", str, ""),
    Option("print/folder", str, ""),  # where the room printed its forms last time
    Option("hq/stick_folder", str, ""),  # the stick HQ wrote or read packages on last time
    Option("hq/server", str, ""),  # the municipal server's address the HQ window syncs with
    Option("window/geometry", QtCore.QByteArray, QtCore.QByteArray()),
    Option("window/state", QtCore.QByteArray, QtCore.QByteArray()),
)}


def qsettings() -> QtCore.QSettings:
    from app.paths import data_dir, is_portable

    if os.environ.get("AUDITORIA_HOME") or is_portable():
        return QtCore.QSettings(str(data_dir() / "settings.ini"), QtCore.QSettings.Format.IniFormat)
    return QtCore.QSettings("Auditoria", "Auditoria")


class Settings:
    def __init__(self, store: QtCore.QSettings | None = None):
        self.s = store or qsettings()
        if int(self.s.value("version", 0) or 0) < VERSION:
            self.s.setValue("version", VERSION)

    def get(self, key: str):
        o = OPTIONS[key]
        v = self.s.value(key, o.default)
        if v is None:
            return o.default
        if o.type is int:
            try:
                return int(v)
            except (TypeError, ValueError):
                return o.default
        if o.type is str:
            return str(v)
        return v

    def set(self, key: str, value: object) -> None:
        if key not in OPTIONS:
            raise KeyError(key)
        self.s.setValue(key, value)

    def recent(self) -> list[str]:
        """Station databases opened lately, newest first, those still on disk."""
        from pathlib import Path

        return [p for p in str(self.get("recent")).splitlines() if p and Path(p).exists()]

    def remember(self, path: str) -> None:
        """Put a database at the top of the recent list (at most RECENT_MAX)."""
        paths = [path] + [p for p in self.recent() if p != path]
        self.set("recent", "\n".join(paths[:RECENT_MAX]))

    def sync(self) -> None:
        self.s.sync()
