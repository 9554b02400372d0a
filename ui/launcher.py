"""The start window: how an organizer reaches a station without a command line.

Shown by ``auditoria-gui`` when neither ``--db`` nor ``--demo`` is given. It sets up a room
laptop from HQ's set-up package on the stick (file, then the passphrase HQ printed), opens a
station database (chosen or recent), or opens the demo day. The set-up itself is
``app.transfer.setup.init_in_folder``, run as an Operation; this window only asks and tells.
"""

from __future__ import annotations

import html
from pathlib import Path

from app.errors import UserError
from app.i18n import _, ngettext
from ui import popups
from ui.ops import Operation
from ui.qt import Qt, QtWidgets, Signal
from ui.settings import Settings


def _default_folder(remembered: str) -> str:
    from app.transfer.media import default_folder

    return str(default_folder(remembered))


class Launcher(QtWidgets.QWidget):
    """Set up this room, open a station, or open the demo: three ways in, one window."""

    open_requested = Signal(object, str)  # database path, a notice to show in the station's window
    demo_requested = Signal()

    def __init__(self, settings: Settings | None = None, parent: QtWidgets.QWidget | None = None):
        super().__init__(parent)
        self.settings = settings or Settings()
        self.setup_op: Operation | None = None
        self.setObjectName("Launcher")
        self.setWindowTitle(_("Auditoria — start"))
        lay = QtWidgets.QVBoxLayout(self)
        lay.setContentsMargins(24, 18, 24, 18)
        lay.setSpacing(10)
        head = QtWidgets.QLabel(f"<h1>Auditoria</h1><p>{html.escape(_('Station of the exam point (ППЭ)'))}</p>", self)
        lay.addWidget(head)

        self.setup_button = self._big(_("Set up this room from the HQ package on the stick…"))
        self.setup_button.clicked.connect(lambda: self.set_up_from_stick())
        lay.addWidget(self.setup_button)
        hint = QtWidgets.QLabel(_("HQ writes the room's set-up package to a stick and prints a passphrase for it. "
                                  "Insert the stick, choose the package, type the passphrase."), self)
        hint.setWordWrap(True)
        lay.addWidget(hint)

        self.open_button = self._big(_("Open a station database…"))
        self.open_button.clicked.connect(lambda: self.open_database())
        lay.addWidget(self.open_button)

        lay.addWidget(QtWidgets.QLabel("<b>" + html.escape(_("Recent station databases")) + "</b>", self))
        self.recent = QtWidgets.QListWidget(self)
        self.recent.setAccessibleName(_("Recent station databases"))
        self.recent.itemActivated.connect(lambda it: self._request(Path(it.data(Qt.ItemDataRole.UserRole))))
        lay.addWidget(self.recent, 1)
        self.open_recent_button = QtWidgets.QPushButton(_("Open the selected database"), self)
        self.open_recent_button.setAccessibleName(_("Open the selected database"))
        self.open_recent_button.clicked.connect(self.open_selected)
        lay.addWidget(self.open_recent_button)

        self.demo_button = self._big(_("Open the demo exam day"))
        self.demo_button.clicked.connect(self.demo_requested.emit)
        lay.addWidget(self.demo_button)

        self.message = QtWidgets.QLabel(self)
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.message.setAccessibleName(_("Message"))
        lay.addWidget(self.message)
        self.fill_recent()
        self.apply_theme()
        self.resize(720, 640)

    def apply_theme(self) -> None:
        """The organizer's chosen theme and text size, as the station windows will show them."""
        from ui.theme import THEMES, stylesheet

        theme = THEMES.get(self.settings.get("theme"), THEMES["normal"])
        QtWidgets.QApplication.instance().setStyleSheet(stylesheet(theme, int(self.settings.get("font_pt"))))

    def _big(self, text: str) -> QtWidgets.QPushButton:
        b = QtWidgets.QPushButton(text, self)
        b.setObjectName("action")
        b.setMinimumHeight(44)
        b.setAccessibleName(text)
        return b

    def fill_recent(self) -> None:
        self.recent.clear()
        for p in self.settings.recent():
            it = QtWidgets.QListWidgetItem(f"{Path(p).name}   —   {Path(p).parent}")
            it.setData(Qt.ItemDataRole.UserRole, p)
            self.recent.addItem(it)
        if self.recent.count():
            self.recent.setCurrentRow(0)
        self.open_recent_button.setEnabled(self.recent.count() > 0)

    def keyPressEvent(self, e):  # noqa: N802 - Qt override
        """Enter presses the focused button (Qt only does so in dialogs; here Space alone did)."""
        focus = self.focusWidget()
        if e.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and isinstance(focus, QtWidgets.QPushButton) \
                and focus.isEnabled():
            focus.click()
            return
        super().keyPressEvent(e)

    def say(self, text: str, error: bool = False) -> None:
        self.message.setStyleSheet("color: #a00000; font-weight: bold;" if error else "")
        self.message.setText(text)

    def set_busy(self, busy: bool) -> None:
        for b in (self.setup_button, self.open_button, self.open_recent_button, self.demo_button):
            b.setEnabled(not busy)
        if not busy:
            self.open_recent_button.setEnabled(self.recent.count() > 0)

    # --- the three ways in ------------------------------------------------------------------
    def set_up_from_stick(self, package: Path | None = None, passphrase: str | None = None) -> Operation | None:
        """Ask for the package and its passphrase, then create the room station in the data folder."""
        if package is None:
            name = popups.choose_open_file(
                self, _("The room's set-up package from HQ"), _default_folder(self.settings.get("setup/folder")),
                _("Auditoria packages (*.pkg);;All files (*)"))
            if not name:
                return None
            package = Path(name)
        if passphrase is None:
            text = popups.ask_text(
                self, _("Passphrase"),
                _("Type the passphrase HQ printed for this package (four groups, e.g. ABCD-EFGH-JKMN-PQRS):"))
            if not text or not text.strip():
                return None
            passphrase = text.strip()
        self.settings.set("setup/folder", str(package.parent))
        from app.paths import data_dir

        folder = data_dir()

        def work() -> dict:
            from app.transfer.keys import station_keys
            from app.transfer.setup import init_in_folder

            st, opened = init_in_folder(folder, package, passphrase)
            try:
                return {"path": st.path, "room": st.home_room, "hq": opened.hq.fingerprint,
                        "own": station_keys(st).public.fingerprint,
                        "participants": len(opened.body.get("participants", []))}
            finally:
                st.close()

        def done(info: dict) -> None:
            self.set_busy(False)
            n = info["participants"]
            notice = (ngettext("This laptop is now the station of room {room}: {n} participant on its list.",
                               "This laptop is now the station of room {room}: {n} participants on its list.",
                               n).format(room=info["room"], n=n) + " "
                      + _("HQ's fingerprint {hq}: compare it with the HQ screen. This station's fingerprint "
                          "{own}.").format(hq=info["hq"], own=info["own"]))
            self.say(notice)
            self.open_requested.emit(Path(info["path"]), notice)

        def failed(e: Exception) -> None:
            self.set_busy(False)
            self.say(str(e) if isinstance(e, UserError) else
                     _("The set-up failed ({name}); nothing was created. Details are in the log.").format(
                         name=e.__class__.__name__), error=True)

        self.set_busy(True)
        self.say(_("Checking the package and setting up the room station…"))
        self.setup_op = Operation(self, work, _("Setting up the room station…")).success(done).failure(failed).run()
        return self.setup_op

    def open_database(self, path: Path | None = None) -> None:
        if path is None:
            recent = self.settings.recent()
            start = str(Path(recent[0]).parent) if recent else _default_folder("")
            name = popups.choose_open_file(self, _("Open a station database"), start,
                                           _("Station databases (*.db);;All files (*)"))
            if not name:
                return
            path = Path(name)
        self._request(path)

    def open_selected(self) -> None:
        it = self.recent.currentItem()
        if it is not None:
            self._request(Path(it.data(Qt.ItemDataRole.UserRole)))

    def _request(self, path: Path) -> None:
        self.say(_("Opening {name}…").format(name=path.name))
        self.open_requested.emit(path, "")
