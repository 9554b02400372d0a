"""Room station main window: the organizer's screen for the whole exam day.

Header: the room clock and the board values (start and end written once, ОВЗ ends, time left,
30/5-minute warnings). Body: the seat map laid out as the room, the searchable list (type a
surname, Enter admits), and one big button per action with its shortcut. Footer: the advice
the rules gave for the last mark, and who is out of the room right now.

Every mark goes through ``Station.record`` (durable before it returns); the screen is
repainted from the projection afterwards, so what you see is what is on disk.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from app.i18n import _
from app.logs import get_logger
from app.services import room_ops
from app.services.station import Recorded, Station
from ui.qt import Qt, QTimer, QtWidgets, Signal
from ui.room import transfer as room_transfer
from ui.room.seatmap import SeatMap
from ui.room.window.actions import ActionTable, action_column, window_handlers
from ui.room.window.advice import AdviceView
from ui.room.window.clock import RoomClock
from ui.room.window.day import RoomDay
from ui.room.window.forwarding import forward
from ui.room.window.header import Banners, ExitsTable, RoomHeader
from ui.room.window.marking import MarkingController
from ui.room.window.printing import PrintExport
from ui.room.window.search import SearchController
from ui.room.window.view_options import ViewOptions
from ui.room.window.views import ParticipantTable
from ui.settings import Settings
from ui.theme import THEMES
from ui.widgets import ElidedLabel, keep_on_screen, restore_geometry, save_geometry

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
        self.ticker = RoomClock(self)
        self.looks = ViewOptions(self)
        self.say = AdviceView(self)
        self._building = True  # theme and texts first, then one repaint from the store (not three)
        self._build()
        self.load_room()
        self.apply_theme()
        self.retranslate()
        self._building = False
        self.refresh()
        restore_geometry(self, self.settings)
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
        self.banners = Banners(self.banner, self.ticker.beep)
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
        self.buttons_scroll, self.buttons_panel, self.buttons_box = action_column(self)  # actions.py
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
        self.action_table = ActionTable(self, self.buttons_box, window_handlers(self), self.incident)
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
        self.fit_buttons()
        self.setWindowTitle(f"Auditoria — {_('Room')} {self.room}")
        self.refresh()
        if self.last_recorded is not None:  # advice in the new language
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
        self.seatmap.refresh(state, self.names, self.assigned, self.ticker.minutes_out)
        self.table.show_all(state, self.theme)
        self.say.show_status(state)
        self.header.show_title(self.room, self.room_name, self.subject, self.day.date)
        self.tick(repaint_only=True)

    def refresh_participants(self, codes: list[str]) -> None:
        """After marks about ``codes`` only: their tiles and rows, the status line and the clock-driven
        views; the rest of the screen is not touched (one frame from click to repaint)."""
        self._state = state = self.state()
        self.seatmap.update(state, codes)
        self.table.show_rows(state, codes, self.theme)
        self.say.show_status(state)
        self.tick(repaint_only=True)

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

    def hooks(self) -> RoomHooks:
        """What the room's dialogs may ask of this window (they never hold the window itself)."""
        from ui.room.end_of_exam import RoomHooks

        return RoomHooks(mark=self.mark, after_mark=self.after_mark,
                         show_message=lambda text, warning=False: self.show_message(text, warning=warning),
                         author=self.author, export=self.export_to_stick if self.can_export() else None,
                         offer_export=self.offer_export)

    def showEvent(self, e):  # noqa: N802 - Qt override
        super().showEvent(e)
        keep_on_screen(self)  # again once the window manager's frame (title bar) is known

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
        save_geometry(self, self.settings)
        if self.board is not None:
            self.board.close()
        super().closeEvent(e)

    def trigger(self, name: str) -> None:
        self.actions[name].trigger()


# The window's actions, as callers (menus, tests, the self-test, other windows) know them, are done by
# its controllers: ``window.admit()`` is ``window.marking.admit()`` (forwarding.py).
FORWARDED: dict[str, tuple[str, ...]] = {
    "marking": ("author", "mark", "admit", "admit_no_document", "quick", "change_seat", "extra_sheet", "desk_check",
                "incident", "undo", "set_clock"),
    "printing": ("print_preview", "print_forms", "can_export", "export_to_stick", "offer_export"),
    "day_flow": ("start_of_day", "choose_date", "end_of_exam", "show_timeline", "show_room_log",
                 "needs_close_confirmation", "confirm_close"),
    "ticker": ("board_texts", "tick", "update_banner", "warn"),
    "looks": ("apply_theme", "fit_buttons", "toggle_board", "toggle_contrast", "zoom", "toggle_language",
              "set_language"),
    "say": ("show_recorded", "show_message", "show_notice", "show_done"),
}
forward(RoomWindow, FORWARDED, {"marking": MarkingController, "printing": PrintExport, "day_flow": RoomDay,
                                "ticker": RoomClock, "looks": ViewOptions, "say": AdviceView})
