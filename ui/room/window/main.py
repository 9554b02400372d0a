"""Room station main window: the organizer's screen for the whole exam day.

Header: the room clock and the board values (start and end written once, ОВЗ ends, time left,
30/5-minute warnings). Body: the seat map laid out as the room, the searchable list (type a
surname, Enter admits), and one big button per action with its shortcut. Footer: the advice
the rules gave for the last mark, and who is out of the room right now.

Every mark goes through ``Station.record`` (durable before it returns); the screen is
repainted from the projection afterwards, so what you see is what is on disk.
"""

from __future__ import annotations

import functools
import html
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from app.i18n import _, current_language, format_date
from app.logs import get_logger
from app.services import room_ops
from app.services.station import Recorded, Station
from ui.language import switch_language
from ui.qt import Qt, QtCore, QTimer, QtWidgets, Signal
from ui.room import transfer as room_transfer
from ui.room.journal import describe, event_title
from ui.room.seatmap import SeatMap
from ui.room.window.actions import ActionTable
from ui.room.window.day import RoomDay
from ui.room.window.header import Banners, ExitsTable, RoomHeader, board_texts
from ui.room.window.marking import MarkingController
from ui.room.window.printing import PrintExport
from ui.room.window.search import SearchController
from ui.room.window.views import ParticipantTable
from ui.settings import Settings
from ui.theme import THEMES, stylesheet
from ui.widgets import ElidedLabel, fit_to_screen, save_geometry_if_on_screen

if TYPE_CHECKING:  # imported on first use (the first paint needs neither)
    from ui.room.board import BoardWindow
    from ui.room.end_of_exam import RoomHooks

log = get_logger("ui.room")


class RoomWindow(QtWidgets.QMainWindow):
    # one "the record changed" signal: after every mark made here, a void, a clock setting, or marks
    # that arrived from elsewhere (picked up by the clock tick); open views (the end-of-exam dialog) listen
    changed = Signal()

    def __init__(self, station: Station, room: str | None = None, settings: Settings | None = None,
                 ask_start: bool = True):
        super().__init__()
        self.station = station
        self.settings = settings or Settings()
        saved = self.settings.get("room")
        self.room = room or station.home_room or (saved if saved in station.plan.rooms else "") \
            or sorted(station.plan.rooms)[0]
        self.current = ""
        self._state = None
        self._minutes_out: dict[str, int] = {}
        self.names: dict[str, str] = {}
        self.assigned: dict[str, str] = {}
        self.rows: dict[str, int] = {}
        self.board: BoardWindow | None = None
        self.last_advice: list = []
        self.last_recorded: Recorded | None = None
        self.theme = THEMES.get(self.settings.get("theme"), THEMES["normal"])
        self.font_pt = int(self.settings.get("font_pt"))
        self.key_clock: Callable[[], float] = time.monotonic  # tests inject theirs (scanner rhythm)
        self.setObjectName("RoomWindow")
        self.marking = MarkingController(self)
        self.printing = PrintExport(self)
        self.day_flow = RoomDay(self)
        self._building = True  # theme and texts first, then one repaint from the store (not three)
        self._build()
        self.load_room()
        self.apply_theme()
        self.retranslate()
        self._building = False
        self.refresh()
        geo = self.settings.get("window/geometry")
        if isinstance(geo, QtCore.QByteArray) and not geo.isEmpty():
            self.restoreGeometry(geo)
        else:
            self.resize(1366, 768)
        fit_to_screen(self)
        st = self.settings.get("window/state")
        if isinstance(st, QtCore.QByteArray) and not st.isEmpty():
            self.restoreState(st)
        self.timer = QTimer(self)
        self.timer.setInterval(1000)
        self.timer.timeout.connect(self.tick)
        self.timer.start()
        self.tick()
        if ask_start and self.state().opened_at is None:
            QTimer.singleShot(0, lambda: self.start_of_day(blocking=False))

    # --- building ------------------------------------------------------------------------
    def _build(self) -> None:
        central = QtWidgets.QWidget(self)
        root = QtWidgets.QVBoxLayout(central)
        root.setContentsMargins(6, 4, 6, 4)
        root.setSpacing(4)
        # header: room, clock, board values
        self.header = RoomHeader(self)
        self.title, self.board_values, self.clock = self.header.title, self.header.board_values, self.header.clock
        root.addWidget(self.header)
        self.banner = QtWidgets.QLabel(self)
        self.banner.setObjectName("warning")
        self.banner.setWordWrap(True)
        self.banner.hide()
        root.addWidget(self.banner)
        self.banners = Banners(self.banner, self._beep)
        # body
        body = QtWidgets.QHBoxLayout()
        self.seatmap = SeatMap(self)
        self.seatmap.selected.connect(self.select)
        self.seatmap.activated.connect(lambda c: self.trigger("admit"))
        self.seatmap.timeline.connect(self.show_timeline)
        self.seatmap.context.connect(self._seat_menu)
        body.addWidget(self.seatmap, 5)
        mid = QtWidgets.QVBoxLayout()
        self.search = QtWidgets.QLineEdit(self)
        self.search.setClearButtonEnabled(True)
        mid.addWidget(self.search)
        self.table = ParticipantTable(self)
        self.finder = SearchController(self)  # typing, Enter, arrows and a scanner's burst (search.py)
        self.table.itemSelectionChanged.connect(self._table_selected)
        self.table.doubleClicked.connect(lambda _i: self.show_timeline(self.current))
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.table.customContextMenuRequested.connect(self._row_menu)
        mid.addWidget(self.table, 1)
        body.addLayout(mid, 4)
        # the action column scrolls when the screen is short (1280×720 at a larger text size): its
        # height must never become the window's minimum height
        self.buttons_panel = QtWidgets.QWidget(self)
        self.buttons_box = QtWidgets.QVBoxLayout(self.buttons_panel)
        self.buttons_box.setSpacing(2)
        self.buttons_box.setContentsMargins(0, 0, 0, 0)
        self.buttons_scroll = QtWidgets.QScrollArea(self)
        self.buttons_scroll.setWidget(self.buttons_panel)
        self.buttons_scroll.setWidgetResizable(True)
        self.buttons_scroll.setFrameShape(QtWidgets.QFrame.Shape.NoFrame)
        self.buttons_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        body.addWidget(self.buttons_scroll, 0)
        root.addLayout(body, 1)
        # footer: advice and exits
        foot = QtWidgets.QHBoxLayout()
        self.advice = QtWidgets.QTextBrowser(self)
        self.advice.setMaximumHeight(124)
        self.advice.setOpenExternalLinks(True)
        foot.addWidget(self.advice, 3)
        self.exits = ExitsTable(self)
        foot.addWidget(self.exits, 2)
        root.addLayout(foot)
        self.setCentralWidget(central)
        self.status = QtWidgets.QStatusBar(self)
        self.setStatusBar(self.status)
        self.notice = ElidedLabel(self)  # a long notice (the fingerprints after set-up) never widens the window
        self.notice.hide()
        self.status.addPermanentWidget(self.notice)
        # actions, menus, buttons: one table (actions.py)
        handlers: dict[str, Callable[[], object]] = {
            "admit": self.admit, "admit_nodoc": self.admit_no_document, "late": lambda: self.quick("late"),
            "absent": lambda: self.quick("absent"), "seat": self.change_seat, "exit": lambda: self.quick("exit"),
            "back": lambda: self.quick("back"), "sheet": self.extra_sheet, "desk": self.desk_check,
            "finished": lambda: self.quick("finished"), "timeline": lambda: self.show_timeline(self.current),
            "open_day": self.start_of_day, "room_log": self.show_room_log, "clock": self.set_clock, "date": self.choose_date,
            "print": self.print_preview, "print_pdf": self.print_forms, "export": self.export_to_stick, "instruction": lambda: self.mark("instruction-given"),
            "start": lambda: self.mark("exam-start"), "audio_start": lambda: self.mark("audio-start"),
            "audio_end": lambda: self.mark("audio-end"), "evacuation_end": lambda: self.mark("evacuation-end"),
            "end_exam": self.end_of_exam, "undo": self.undo, "search": self.focus_search,
            "board": self.toggle_board, "contrast": self.toggle_contrast, "bigger": lambda: self.zoom(1),
            "smaller": lambda: self.zoom(-1), "language": self.toggle_language, "quit": self.quit_asking,
        }
        self.action_table = ActionTable(self, self.buttons_box, handlers, self.incident)
        self.actions = self.action_table.actions
        self.menus = self.action_table.menus
        self.big = self.action_table.big
        self.incident_menu = self.action_table.incident_menu
        room_transfer.install(self)  # Ctrl+Shift+T: admit on transfer from another room (ui/room/transfer.py)

    def retranslate(self) -> None:
        """Set every static text in the current language (runtime RU/EN switch)."""
        self.action_table.retranslate()
        room_transfer.retranslate(self)
        self.search.setPlaceholderText(_("Surname, code or seat, then Enter"))
        self.search.setToolTip(_("Surname, code or seat — Enter admits  [Ctrl+F]"))
        self.search.setAccessibleName(_("Find a participant"))
        self.table.retranslate()
        self.table.fit_columns()  # the header texts of this language
        self.exits.retranslate()
        self.advice.setAccessibleName(_("Advice"))
        self.header.retranslate()
        self.seatmap.retranslate()
        self._fit_buttons()
        self.setWindowTitle(f"Auditoria — {_('Room')} {self.room}")
        self.refresh()
        if self.last_recorded is not None:  # advice in the new language
            self.show_recorded(self.last_recorded)

    def _fit_buttons(self) -> None:
        """The action column as wide as its widest button (texts change with language and size)."""
        self.buttons_panel.ensurePolished()
        for b in self.big.values():
            b.ensurePolished()
        self.buttons_panel.adjustSize()
        width = self.buttons_panel.sizeHint().width() + self.buttons_scroll.verticalScrollBar().sizeHint().width()
        self.buttons_scroll.setMinimumWidth(width)

    def apply_theme(self) -> None:
        app = QtWidgets.QApplication.instance()
        app.setStyleSheet(stylesheet(self.theme, self.font_pt))
        self.seatmap.theme = self.theme
        self.seatmap.font_pt = max(8, self.font_pt - 1)
        self.table.fit_columns()  # the new text size
        self.actions["contrast"].setChecked(self.theme.name == "high-contrast")
        self._fit_buttons()
        self.refresh()
        if self.last_recorded is not None:  # advice in the new colours
            self.show_recorded(self.last_recorded)

    # --- data ----------------------------------------------------------------------------
    def state(self):
        return self.station.room_state(self.room)

    def load_room(self) -> None:
        plan = self.station.plan
        # reference values read once per room, not on every repaint
        self.day = self.station.day
        self.tz = plan.point.tz
        self.subject = self.station.subject(self.room) or self.station.ref.subject(plan.subjects[0])
        self.room_name = plan.rooms[self.room].name
        self._state = None
        room = self.station.room(self.room)
        people = room_ops.room_roll(self.station, room.number)  # the list, then those transferred in
        self.names = {p.code: p.short_name for p in people}
        self.assigned = {p.seat: p.code for p in people}
        self.seatmap.build(room)
        self.table.load(people)
        self.rows = self.table.rows
        self.current = ""
        self.settings.set("room", self.room)

    def refresh(self, reread: bool = True) -> None:
        """Repaint everything that depends on the room state (read once here, from the store)."""
        if not hasattr(self, "rows") or self._building:
            return
        if reread or self._state is None:
            self._state = self.state()
        state = self._state
        self.seatmap.refresh(state, self.names, self.assigned, self._minutes_out)
        self.table.show_all(state, self.theme)
        self._status_line(state)
        self._title()
        self.tick(repaint_only=True)

    def refresh_participants(self, codes: list[str]) -> None:
        """After marks about ``codes`` only: their tiles and rows, the status line and the clock-driven
        views; the rest of the screen is not touched (one frame from click to repaint)."""
        self._state = state = self.state()
        self.seatmap.update(state, codes)
        self.table.show_rows(state, codes, self.theme)
        self._status_line(state)
        self.tick(repaint_only=True)

    def _status_line(self, state) -> None:
        c = state.counts()
        phase = {"not-opened": _("not opened"), "admission": _("admission"), "in-progress": _("exam in progress"),
                 "audio": _("listening part"), "evacuation": _("evacuation"), "stopped": _("stopped"),
                 "closed": _("closed")}.get(state.phase, state.phase)
        self.status.showMessage(_("{phase} · present {present} of {assigned} · absent {absent} · out {out} · "
                                  "handed in {finished}").format(phase=phase, present=c["present"],
                                                                 assigned=c["assigned"], absent=c["absent"],
                                                                 out=c["out_of_room"], finished=c["finished"]))

    def _title(self) -> None:
        name = self.subject.title_en if current_language() == "en" else self.subject.title
        text = (f"{_('Room')} {self.room} · {html.escape(self.room_name)}<br>{html.escape(name)} "
                f"({self.subject.code}) · <b>{format_date(self.day.date)}</b>")
        self.header.set_title(text)

    # --- clock ---------------------------------------------------------------------------
    def board_texts(self) -> dict[str, str]:
        return board_texts(self.station, self._state or self.state(), self.tz)

    def tick(self, repaint_only: bool = False) -> None:
        if not repaint_only:  # once a second: pick up marks made elsewhere (e.g. HQ, CLI)
            old = self._state
            sig = (len(old.events), len(old.voided)) if old is not None else None
            self._state = self.state()
            if old is not self._state or sig != (len(self._state.events), len(self._state.voided)):
                self.refresh(reread=False)
                if old is not None:
                    self.changed.emit()
        b = self.board_texts()
        self.header.show_board(b)
        self._exits()
        if self.board is not None and self.board.isVisible():
            name = self.subject.title_en if current_language() == "en" else self.subject.title
            self.board.set_values(f"{_('Room')} {self.room} · {name}", b["clock"],
                                  f"{_('Start')} {b['start']}   {_('End')} {b['end']}", b["left"], b["ovz"])
        if repaint_only:
            return
        self.update_banner()

    def update_banner(self) -> None:
        """The rules' warnings due now (see ``Banners``)."""
        self.banners.update(self.station.due(self.room), self.station.now())

    def warn(self, text: str) -> None:
        """A warning of the moment in the banner (two minutes), with a beep."""
        self.banners.warn(text, self.station.now())

    def _beep(self, text: str) -> None:
        QtWidgets.QApplication.beep()
        self.status.showMessage(text, 60_000)

    def _exits(self) -> None:
        rows = room_ops.open_exits(self.station, self.room, state=self._state)
        minutes = {x.code: int(x.minutes) for x in rows}
        if minutes != self._minutes_out:  # only the tiles whose minutes changed
            changed = [c for c in minutes.keys() | self._minutes_out.keys()
                       if minutes.get(c) != self._minutes_out.get(c)]
            self.seatmap.update(self._state, changed, minutes)
        self._minutes_out = minutes
        self.exits.show_rows(rows, self.names, self.tz, self.theme)

    # --- selection and search ------------------------------------------------------------
    def select(self, code: str) -> None:
        self.current = code
        self.seatmap.select(code)
        self.table.select_code(code)

    def _table_selected(self) -> None:
        items = self.table.selectedItems()
        if items:
            code = items[0].data(Qt.ItemDataRole.UserRole)
            if code != self.current:
                self.current = code
                self.seatmap.select(code)

    def visible_codes(self) -> list[str]:
        return self.table.visible_codes()

    def keyPressEvent(self, e):  # noqa: N802 - Qt override
        if not self.finder.redirect(e):
            super().keyPressEvent(e)

    def focus_search(self) -> None:
        self.search.setFocus()
        self.search.selectAll()

    # --- marking -------------------------------------------------------------------------
    # marks that change more than their own participant's tile and row: a seat taken elsewhere (two
    # tiles), a void (it may undo a mark of anyone), and the room's own marks (no participant)
    WHOLE_ROOM_KINDS = frozenset({"seated", "void"})

    def after_mark(self, rec: Recorded, codes: list[str] | None = None) -> Recorded:
        """After a mark is on disk: repaint from the store what it changed (the participants ``codes``,
        by default the mark's own; everything for the room's marks), show the advice, re-check the
        banner, and tell the views that listen (``changed``)."""
        e = rec.event
        if codes is None and e.participant and e.kind not in self.WHOLE_ROOM_KINDS:
            codes = [e.participant]
        if codes:
            self.refresh_participants(codes)
        else:
            self.refresh()
        self.show_recorded(rec)
        self.update_banner()
        self.changed.emit()
        return rec

    def show_recorded(self, rec: Recorded) -> None:
        self.last_recorded = rec
        self.last_advice = rec.advice
        e = rec.event
        head = html.escape(_("Recorded: {what}").format(what=describe(self.station, e, self.names)))
        items = []
        for a in rec.advice:
            extra = []
            if a.call:
                extra.append(_("call: {who}").format(who=_(a.call)))
            if a.act:
                extra.append(_("act: {form}").format(form=a.act))
            tail = f" <i>({html.escape('; '.join(extra))})</i>" if extra else ""
            style = f"background:{self.theme.warn_bg}; color:{self.theme.warn_fg}; font-weight:bold;" \
                if a.level == "warning" else ""
            items.append(f"<li style='{style}'>{html.escape(a.text())}{tail}</li>")
        self.advice.setHtml(f"<p>✔ {head}</p><ul>{''.join(items)}</ul>")
        self.status.showMessage(_("Recorded: {what}").format(what=_(event_title(self.station, e.kind, e.participant))),
                                5000)

    def show_message(self, text: str, warning: bool = False) -> None:
        style = f"background:{self.theme.warn_bg}; color:{self.theme.warn_fg}; font-weight:bold;" if warning else ""
        self.advice.setHtml(f"<p style='{style}'>{html.escape(text)}</p>")
        self.status.showMessage(text, 8000)

    def show_notice(self, text: str) -> None:
        """A line that stays in the status bar (after set-up: the fingerprints to compare with HQ's)."""
        self.notice.setText(text)
        self.notice.setToolTip(text)
        self.notice.show()
        self.show_message(text)

    def need_participant(self) -> str:
        if not self.current:
            self.show_message(_("Choose a participant first: click a seat or type a surname."), warning=True)
        return self.current

    # --- marks, printing and export: the controllers (marking.py, printing.py); the window's own
    # methods of the same names (``FORWARDED`` below) call them
    def participant_state(self, code: str):
        return self.state().participants.get(code)

    printed = property(lambda self: self.printing.printed)
    last_export = property(lambda self: self.printing.last_export)

    def show_done(self, html_text: str, status: str, ms: int) -> None:
        """A long operation's result: what was written where (advice panel and status bar)."""
        self.advice.setHtml(html_text)
        self.status.showMessage(status, ms)

    def hooks(self) -> RoomHooks:
        """What the room's dialogs may ask of this window (they never hold the window itself)."""
        from ui.room.end_of_exam import RoomHooks

        return RoomHooks(mark=self.mark, after_mark=self.after_mark,
                         show_message=lambda text, warning=False: self.show_message(text, warning=warning),
                         author=self.author, export=self.export_to_stick if self.can_export() else None,
                         offer_export=self.offer_export)

    # --- view ----------------------------------------------------------------------------
    def toggle_board(self) -> None:
        if self.board is not None and self.board.isVisible():
            self.board.close()
            return
        if self.board is None:
            from ui.room.board import BoardWindow

            self.board = BoardWindow(self)
        self.board.present()
        self.tick(repaint_only=True)

    def toggle_contrast(self) -> None:
        self.theme = THEMES["normal" if self.theme.name == "high-contrast" else "high-contrast"]
        self.settings.set("theme", self.theme.name)
        self.apply_theme()

    def zoom(self, step: int) -> None:
        self.font_pt = min(20, max(9, self.font_pt + step))
        self.settings.set("font_pt", self.font_pt)
        self.apply_theme()

    def toggle_language(self) -> None:
        self.set_language("en" if current_language() == "ru" else "ru")

    def set_language(self, lang: str) -> None:
        switch_language(lang)  # Qt's own dialogs too
        self.settings.set("language", lang)
        self.retranslate()

    def showEvent(self, e):  # noqa: N802 - Qt override
        super().showEvent(e)
        fit_to_screen(self)  # again now that the frame (title bar) is known

    # --- right-click menus -----------------------------------------------------------------
    def participant_menu(self, code: str) -> QtWidgets.QMenu:
        """The participant's actions and the incidents, on a right-click on their seat or row."""
        self.select(code)
        return self.action_table.participant_menu(self.names.get(code, code))

    def _seat_menu(self, code: str, pos) -> None:
        self.participant_menu(code).popup(pos)

    def _row_menu(self, pos) -> None:
        it = self.table.itemAt(pos)
        if it is not None:
            self.participant_menu(it.data(Qt.ItemDataRole.UserRole)).popup(self.table.viewport().mapToGlobal(pos))

    # --- closing -----------------------------------------------------------------------------
    def quit_asking(self) -> bool:
        """Ctrl+Q and the window's close button: asks mid-exam, then closes."""
        if not self.confirm_close():
            return False
        self._close_confirmed = True
        return self.close()

    def closeEvent(self, e):  # noqa: N802 - Qt override
        # the window's own close button (a spontaneous close) asks mid-exam; closing from code does not
        if e.spontaneous() and not getattr(self, "_close_confirmed", False) and not self.confirm_close():
            e.ignore()
            return
        save_geometry_if_on_screen(self, self.settings)
        self.settings.set("window/state", self.saveState())
        self.settings.sync()
        if self.board is not None:
            self.board.close()
        super().closeEvent(e)

    def trigger(self, name: str) -> None:
        self.actions[name].trigger()


# The window's actions, as callers (menus, tests, the self-test, other windows) know them, are done by
# its controllers: ``window.admit()`` is ``window.marking.admit()``. One table instead of a page of
# one-line methods; each forwarded method keeps the controller's signature and docstring.
FORWARDED: dict[str, tuple[str, ...]] = {
    "marking": ("author", "mark", "admit", "admit_no_document", "quick", "change_seat", "extra_sheet", "desk_check",
                "incident", "undo", "set_clock"),
    "printing": ("print_preview", "print_forms", "can_export", "export_to_stick", "offer_export"),
    "day_flow": ("start_of_day", "choose_date", "end_of_exam", "show_timeline", "show_room_log",
                 "needs_close_confirmation", "confirm_close"),
}
_CONTROLLERS = {"marking": MarkingController, "printing": PrintExport, "day_flow": RoomDay}


def _forward(controller: str, name: str):
    target = getattr(_CONTROLLERS[controller], name)

    @functools.wraps(target)
    def method(self, *args, **kwargs):
        return getattr(getattr(self, controller), name)(*args, **kwargs)

    return method


for _controller, _names in FORWARDED.items():
    for _name in _names:
        setattr(RoomWindow, _name, _forward(_controller, _name))
