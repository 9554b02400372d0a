"""Room station main window: the organizer's screen for the whole exam day.

Header: the room clock and the board values (start and end written once, ОВЗ ends, time left,
30/5-minute warnings). Body: the seat map laid out as the room, the searchable list (type a
surname, Enter admits), and one big button per action with its shortcut. Footer: the advice
the rules gave for the last mark, and who is out of the room right now.

Every mark goes through ``Station.record`` (durable before it returns); the screen is
repainted from the projection afterwards, so what you see is what is on disk.
"""

from __future__ import annotations

import html
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from app.domain.rules import removal_grounds
from app.errors import UserError
from app.i18n import N_, _, current_language, format_date, format_time, ngettext
from app.logs import get_logger
from app.services import room_ops
from app.services.station import Recorded, Station
from ui.language import switch_language
from ui.ops import Operation, confirm_discrepancies
from ui.qt import Qt, QtCore, QtGui, QTimer, QtWidgets, Signal
from ui.room import transfer as room_transfer
from ui.room.board import BoardWindow
from ui.room.dialogs import (
    ChooseParticipantDialog,
    ClockDialog,
    DeskCheckDialog,
    EndOfExamDialog,
    ExtraSheetDialog,
    NoDocumentDialog,
    RoomLogDialog,
    SeatDialog,
    StartOfDayDialog,
    TimelineDialog,
    VoidDialog,
    describe,
    event_title,
    participant_gender,
)
from ui.room.incidents import INCIDENT_BY_KEY, INCIDENTS, IncidentDialog
from ui.room.scan import ScanBurst
from ui.room.seatmap import SeatMap
from ui.settings import Settings
from ui.theme import STATUS_TITLES, THEMES, display_status, seat_colours, stylesheet
from ui.widgets import ElidedLabel, fit_to_screen, save_geometry_if_on_screen

log = get_logger("ui.room")


@dataclass(frozen=True)
class ActionSpec:
    name: str
    text: str  # msgid
    shortcut: str
    menu: str  # msgid of the menu
    button: bool = False  # also a big button in the action column
    short: str = ""  # msgid of the button's text when the menu's is too long for the column


ACTIONS: tuple[ActionSpec, ...] = (
    ActionSpec("admit", N_("Admit (document checked)"), "F2", N_("&Participant"), True),
    ActionSpec("admit_nodoc", N_("Admit without a document…"), "Shift+F2", N_("&Participant"), True),
    ActionSpec("late", N_("Late arrival"), "F3", N_("&Participant"), True),
    ActionSpec("absent", N_("Did not come"), "F4", N_("&Participant"), True),
    ActionSpec("seat", N_("Sits elsewhere…"), "F6", N_("&Participant")),
    ActionSpec("exit", N_("Leaves the room"), "F7", N_("&Participant"), True),
    ActionSpec("back", N_("Returns"), "F8", N_("&Participant"), True),
    ActionSpec("sheet", N_("Extra answer sheet…"), "F9", N_("&Participant"), True),
    ActionSpec("desk", N_("Desk and items…"), "Ctrl+D", N_("&Participant"), True),
    ActionSpec("finished", N_("Participant handed in"), "Ctrl+H", N_("&Participant"), True),
    ActionSpec("timeline", N_("Timeline…"), "Ctrl+T", N_("&Participant")),
    ActionSpec("open_day", N_("Start of the day…"), "Ctrl+O", N_("&Room")),
    ActionSpec("room_log", N_("Room log…"), "Ctrl+J", N_("&Room")),
    ActionSpec("clock", N_("Room clock…"), "Ctrl+K", N_("&Room")),
    ActionSpec("date", N_("Exam date…"), "Ctrl+Shift+D", N_("&Room")),
    ActionSpec("print", N_("Print the room's forms…"), "Ctrl+P", N_("&Room")),
    ActionSpec("print_pdf", N_("Save the room's forms as PDF…"), "Ctrl+Shift+P", N_("&Room")),
    ActionSpec("export", N_("Export results to stick…"), "F12", N_("&Room")),
    ActionSpec("instruction", N_("Instruction given"), "Ctrl+Shift+I", N_("&Room"), True),
    ActionSpec("start", N_("Exam started: write the times on the board"), "Ctrl+Shift+S", N_("&Room"), True,
               N_("Exam started")),
    ActionSpec("audio_start", N_("Listening part started"), "Ctrl+Shift+A", N_("&Room")),
    ActionSpec("audio_end", N_("Listening part ended"), "Ctrl+Shift+E", N_("&Room")),
    ActionSpec("evacuation_end", N_("Evacuation ended"), "Ctrl+9", N_("&Room")),
    ActionSpec("end_exam", N_("End of the exam…"), "Ctrl+E", N_("&Room"), True),
    ActionSpec("undo", N_("Void the last mark…"), "Ctrl+Z", N_("&Edit"), True, N_("Void a mark…")),
    ActionSpec("search", N_("Find a participant"), "Ctrl+F", N_("&Edit")),
    ActionSpec("board", N_("Board mode (projector)"), "F11", N_("&View")),
    ActionSpec("contrast", N_("High-contrast theme"), "Ctrl+Shift+H", N_("&View")),
    ActionSpec("bigger", N_("Larger text"), "Ctrl+=", N_("&View")),
    ActionSpec("smaller", N_("Smaller text"), "Ctrl+-", N_("&View")),
    ActionSpec("language", N_("Русский / English"), "Ctrl+L", N_("&View")),
    ActionSpec("quit", N_("Quit"), "Ctrl+Q", N_("&Room")),
)
INCIDENT_SHORTCUTS = {"removal": "Ctrl+1", "early": "Ctrl+2", "correction": "Ctrl+3", "appeal": "Ctrl+4",
                      "identity": "Ctrl+5", "stopped": "Ctrl+6", "evacuation": "Ctrl+7", "note": "Ctrl+8",
                      "kit": "Ctrl+Shift+K"}
PARTICIPANT_KINDS = {"admit": "admitted", "late": "late", "absent": "absent", "exit": "exit", "back": "return",
                     "finished": "finished"}


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
        self._seen_due: set[str] = set()
        self._banners: dict[str, tuple] = {}  # key -> (advice, shown until): see update_banner
        self.board: BoardWindow | None = None
        self.last_advice: list = []
        self.last_recorded: Recorded | None = None
        self.theme = THEMES.get(self.settings.get("theme"), THEMES["normal"])
        self.font_pt = int(self.settings.get("font_pt"))
        self.key_clock: Callable[[], float] = time.monotonic  # tests inject theirs (scanner rhythm)
        self._scan = ScanBurst(clock=lambda: self.key_clock())
        self._picked = False  # the organizer chose a row with the arrow keys since the last typing
        self.setObjectName("RoomWindow")
        self._build()
        self._load_room()
        self.apply_theme()
        self.retranslate()
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
        head = QtWidgets.QHBoxLayout()
        self.title = QtWidgets.QLabel(self)
        self.title.setObjectName("board")
        self.title.setWordWrap(True)
        head.addWidget(self.title, 3)
        self.board_values = QtWidgets.QLabel(self)
        self.board_values.setObjectName("board")
        self.board_values.setAlignment(Qt.AlignmentFlag.AlignCenter)
        head.addWidget(self.board_values, 3)
        self.clock = QtWidgets.QLabel("--:--:--", self)
        self.clock.setObjectName("clock")
        self.clock.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        head.addWidget(self.clock, 2)
        root.addLayout(head)
        self.banner = QtWidgets.QLabel(self)
        self.banner.setObjectName("warning")
        self.banner.setWordWrap(True)
        self.banner.hide()
        root.addWidget(self.banner)
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
        self.search.textChanged.connect(self._filter)
        self.search.returnPressed.connect(self._search_enter)
        self.search.installEventFilter(self)
        mid.addWidget(self.search)
        self.table = QtWidgets.QTableWidget(0, 3, self)
        self.table.setSelectionBehavior(QtWidgets.QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QtWidgets.QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QtWidgets.QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        hh = self.table.horizontalHeader()
        hh.setSectionResizeMode(QtWidgets.QHeaderView.ResizeMode.ResizeToContents)
        hh.setSectionResizeMode(2, QtWidgets.QHeaderView.ResizeMode.Stretch)  # names keep their width
        self.table.itemSelectionChanged.connect(self._table_selected)
        self.table.installEventFilter(self)  # typing on the list goes to the search
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
        self.exits = QtWidgets.QTableWidget(0, 3, self)
        self.exits.setMaximumHeight(124)
        self.exits.verticalHeader().hide()
        self.exits.setEditTriggers(QtWidgets.QAbstractItemView.EditTrigger.NoEditTriggers)
        eh = self.exits.horizontalHeader()
        eh.setSectionResizeMode(QtWidgets.QHeaderView.ResizeMode.ResizeToContents)
        eh.setSectionResizeMode(0, QtWidgets.QHeaderView.ResizeMode.Stretch)
        foot.addWidget(self.exits, 2)
        root.addLayout(foot)
        self.setCentralWidget(central)
        self.status = QtWidgets.QStatusBar(self)
        self.setStatusBar(self.status)
        self.notice = ElidedLabel(self)  # a long notice (the fingerprints after set-up) never widens the window
        self.notice.hide()
        self.status.addPermanentWidget(self.notice)
        # actions, menus, buttons
        self.actions: dict[str, QtGui.QAction] = {}
        self.menus: dict[str, QtWidgets.QMenu] = {}
        self.big: dict[str, QtWidgets.QPushButton] = {}
        handlers: dict[str, Callable[[], object]] = {
            "admit": self.admit, "admit_nodoc": self.admit_no_document, "late": lambda: self.quick("late"),
            "absent": lambda: self.quick("absent"), "seat": self.change_seat, "exit": lambda: self.quick("exit"),
            "back": lambda: self.quick("back"), "sheet": self.extra_sheet, "desk": self.desk_check,
            "finished": lambda: self.quick("finished"), "timeline": lambda: self.show_timeline(self.current),
            "open_day": self.start_of_day, "room_log": self.show_room_log, "clock": self.set_clock, "date": self.choose_date,
            "print": self.print_preview, "print_pdf": self.print_forms, "export": self.export_to_stick, "instruction": lambda: self.mark("instruction-given"),
            "start": lambda: self.mark("exam-start"), "audio_start": lambda: self.mark("audio-start"),
            "audio_end": lambda: self.mark("audio-end"), "evacuation_end": self.evacuation_end,
            "end_exam": self.end_of_exam, "undo": self.undo, "search": self.focus_search,
            "board": self.toggle_board, "contrast": self.toggle_contrast, "bigger": lambda: self.zoom(1),
            "smaller": lambda: self.zoom(-1), "language": self.toggle_language, "quit": self.quit_asking,
        }
        for spec in ACTIONS:
            menu = self._menu(spec.menu)
            if spec.name == "end_exam":
                self.incident_menu = self._menu(N_("&Incident"))
            a = QtGui.QAction(self)
            a.setShortcut(QtGui.QKeySequence(spec.shortcut))
            a.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            a.triggered.connect(lambda _c=False, h=handlers[spec.name]: h())
            menu.addAction(a)
            self.addAction(a)
            self.actions[spec.name] = a
            if spec.button:
                b = QtWidgets.QPushButton(self)
                b.setObjectName("action")
                b.setMinimumHeight(32)
                b.clicked.connect(a.trigger)
                self.buttons_box.addWidget(b)
                self.big[spec.name] = b
        if "&Incident" not in self.menus:
            self.incident_menu = self._menu(N_("&Incident"))
        for spec in INCIDENTS:
            a = QtGui.QAction(self)
            a.setShortcut(QtGui.QKeySequence(INCIDENT_SHORTCUTS[spec.key]))
            a.triggered.connect(lambda _c=False, k=spec.key: self.incident(k))
            self.incident_menu.addAction(a)
            self.addAction(a)
            self.actions["incident_" + spec.key] = a
        b = QtWidgets.QPushButton(self)
        b.setObjectName("action")
        b.setMinimumHeight(32)
        b.setMenu(self.incident_menu)
        self.buttons_box.insertWidget(self.buttons_box.count() - 2, b)
        self.big["incident"] = b
        self.buttons_box.addStretch(1)
        self.actions["contrast"].setCheckable(True)
        room_transfer.install(self)  # Ctrl+Shift+T: admit on transfer from another room (ui/room/transfer.py)

    def _menu(self, msgid: str) -> QtWidgets.QMenu:
        if msgid not in self.menus:
            self.menus[msgid] = self.menuBar().addMenu(_(msgid))
        return self.menus[msgid]

    def retranslate(self) -> None:
        """Set every static text in the current language (runtime RU/EN switch)."""
        for msgid, m in self.menus.items():
            m.setTitle(_(msgid))
        for spec in ACTIONS:
            a = self.actions[spec.name]
            a.setText(_(spec.text))
            a.setToolTip(f"{_(spec.text)} ({spec.shortcut})")
            if spec.name in self.big:
                b = self.big[spec.name]
                b.setText(f"{_(spec.short or spec.text)}  [{spec.shortcut}]")
                b.setAccessibleName(_(spec.text))
                b.setToolTip(a.toolTip())
        for spec in INCIDENTS:
            self.actions["incident_" + spec.key].setText(_(spec.title) + "…")
        room_transfer.retranslate(self)
        self.big["incident"].setText(_("Incident…") + "  [Ctrl+1…8]")
        self.big["incident"].setAccessibleName(_("Incident"))
        self.search.setPlaceholderText(_("Surname, code or seat, then Enter"))
        self.search.setToolTip(_("Surname, code or seat — Enter admits  [Ctrl+F]"))
        self.search.setAccessibleName(_("Find a participant"))
        self.table.setHorizontalHeaderLabels([_("Seat"), _("Participant"), _("Status")])
        self.table.setAccessibleName(_("The room's list"))
        self.exits.setHorizontalHeaderLabels([_("Out of the room"), _("Since"), _("Minutes")])
        self.exits.setAccessibleName(_("Out of the room now"))
        self.advice.setAccessibleName(_("Advice"))
        self.clock.setAccessibleName(_("Room clock"))
        self.board_values.setAccessibleName(_("Board"))
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
        self.actions["contrast"].setChecked(self.theme.name == "high-contrast")
        self._fit_buttons()
        self.refresh()
        if self.last_recorded is not None:  # advice in the new colours
            self.show_recorded(self.last_recorded)

    # --- data ----------------------------------------------------------------------------
    def state(self):
        return self.station.room_state(self.room)

    def _load_room(self) -> None:
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
        self.table.setRowCount(len(people))
        self.rows = {}
        for i, p in enumerate(people):
            for j, text in enumerate((p.seat, p.short_name, "")):
                it = QtWidgets.QTableWidgetItem(text)
                it.setData(Qt.ItemDataRole.UserRole, p.code)
                if j == 1:  # for the ID check at the door: full name, document and code on hover
                    it.setToolTip(f"{p.full_name}\n{p.document}\n{p.code}")
                self.table.setItem(i, j, it)
            self.rows[p.code] = i
        self.current = ""
        self.settings.set("room", self.room)

    def refresh(self, reread: bool = True) -> None:
        """Repaint everything that depends on the room state (read once here, from the store)."""
        if not hasattr(self, "rows"):
            return
        if reread or self._state is None:
            self._state = self.state()
        state = self._state
        self.seatmap.refresh(state, self.names, self.assigned, self._minutes_out)
        for code, i in self.rows.items():
            p = state.participants[code]
            key = display_status(p.status, p.late)
            text = _(STATUS_TITLES.get(key, key))
            if p.seat_changed:
                text += " · " + _("sits at {seat}").format(seat=p.seat)
            if p.ovz:
                text += " · ОВЗ"
            it = self.table.item(i, 2)
            if it.text() != text:
                it.setText(text)
            bg, fg = seat_colours(self.theme, key)
            if it.background().color().name() != bg:
                it.setBackground(QtGui.QColor(bg))
                it.setForeground(QtGui.QColor(fg))
        c = state.counts()
        phase = {"not-opened": _("not opened"), "admission": _("admission"), "in-progress": _("exam in progress"),
                 "audio": _("listening part"), "evacuation": _("evacuation"), "stopped": _("stopped"),
                 "closed": _("closed")}.get(state.phase, state.phase)
        self.status.showMessage(_("{phase} · present {present} of {assigned} · absent {absent} · out {out} · "
                                  "handed in {finished}").format(phase=phase, present=c["present"],
                                                                 assigned=c["assigned"], absent=c["absent"],
                                                                 out=c["out_of_room"], finished=c["finished"]))
        self._title()
        self.tick(repaint_only=True)

    def _title(self) -> None:
        name = self.subject.title_en if current_language() == "en" else self.subject.title
        text = (f"{_('Room')} {self.room} · {html.escape(self.room_name)}<br>{html.escape(name)} "
                f"({self.subject.code}) · <b>{format_date(self.day.date)}</b>")
        if self.title.text() != text:
            self.title.setText(text)

    # --- clock ---------------------------------------------------------------------------
    def board_texts(self) -> dict[str, str]:
        st, state = self.station, self._state or self.state()
        tz = self.tz
        now = st.now()
        out = {"clock": format_time(now, tz, seconds=True), "start": "—", "end": "—", "left": "", "ovz": ""}
        if state.start is not None:
            out["start"] = format_time(state.start, tz)
            out["end"] = format_time(state.end, tz)
            ends = state.ends()
            ovz = [e for e in ends if e != state.end]
            if ovz:
                out["ovz"] = _("ОВЗ end: {times}").format(times=", ".join(format_time(e, tz) for e in ovz))
            left = state.end - now
            if state.closed_at is None:
                if left > timedelta(0):
                    secs = int(left.total_seconds())
                    out["left"] = _("{h}:{m:02d} left").format(h=secs // 3600, m=(secs % 3600) // 60)
                else:
                    out["left"] = _("time is over")
        return out

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
        self.clock.setText(b["clock"])
        values = f"{_('Start')} {b['start']} · {_('End')} {b['end']}"
        if b["left"]:
            values += f"<br>{b['left']}"
        if b["ovz"]:
            values += f"<br>{b['ovz']}"
        if self.board_values.text() != values:
            self.board_values.setText(values)
        self._exits()
        if self.board is not None and self.board.isVisible():
            name = self.subject.title_en if current_language() == "en" else self.subject.title
            self.board.set_values(f"{_('Room')} {self.room} · {name}", b["clock"],
                                  f"{_('Start')} {b['start']}   {_('End')} {b['end']}", b["left"], b["ovz"])
        if repaint_only:
            return
        self.update_banner()

    def update_banner(self) -> None:
        """The clock's warnings: a new one beeps once; a lasting one (no-show, wrong date) stays while
        the rules still call for it and goes as soon as they do not (admissions, the clock set); a
        moment's one (30/5 minutes left) stays two minutes."""
        now = self.station.now()
        due = {adv.code + str(adv.params): adv for adv in self.station.due(self.room)}
        for key, adv in due.items():
            if key not in self._seen_due:
                self._seen_due.add(key)
                self._banners[key] = (adv, now + timedelta(minutes=2))
                self._beep(adv.text())
        for key, (adv, until) in list(self._banners.items()):
            if (adv.lasting and key not in due) or (not adv.lasting and now > until):
                del self._banners[key]
        text = "\n".join(adv.text() for adv, _until in self._banners.values())
        if self.banner.text() != text:
            self.banner.setText(text)
        self.banner.setVisible(bool(text))

    def warn(self, text: str) -> None:
        """A warning of the moment in the banner (two minutes), with a beep."""
        from app.domain.rules import Advice

        self._banners["warn:" + text] = (Advice("warn", "warning", text), self.station.now() + timedelta(minutes=2))
        self._beep(text)
        self.banner.setText("\n".join(adv.text() for adv, _until in self._banners.values()))
        self.banner.show()

    def _beep(self, text: str) -> None:
        QtWidgets.QApplication.beep()
        self.status.showMessage(text, 60_000)

    def _exits(self) -> None:
        rows = room_ops.open_exits(self.station, self.room, state=self._state)
        tz = self.tz
        minutes = {x.code: int(x.minutes) for x in rows}
        if minutes or self._minutes_out:
            self.seatmap.refresh(self._state, self.names, self.assigned, minutes)
        self._minutes_out = minutes
        self.exits.setRowCount(len(rows))
        for i, x in enumerate(rows):
            cells = (self.names.get(x.code, x.code), format_time(x.since, tz), f"{int(x.minutes)}")
            for j, text in enumerate(cells):
                it = self.exits.item(i, j)
                if it is None:
                    it = QtWidgets.QTableWidgetItem()
                    self.exits.setItem(i, j, it)
                if it.text() != text:
                    it.setText(text)
                it.setBackground(QtGui.QColor(self.theme.warn_bg if x.long else self.theme.panel))
                it.setForeground(QtGui.QColor(self.theme.warn_fg if x.long else self.theme.text))

    # --- selection and search ------------------------------------------------------------
    def select(self, code: str) -> None:
        self.current = code
        self.seatmap.select(code)
        if code in self.rows:
            self.table.blockSignals(True)
            self.table.selectRow(self.rows[code])
            self.table.blockSignals(False)
        self.refresh(reread=False)

    def _table_selected(self) -> None:
        items = self.table.selectedItems()
        if items:
            code = items[0].data(Qt.ItemDataRole.UserRole)
            if code != self.current:
                self.current = code
                self.seatmap.select(code)
                self.seatmap.refresh(self._state or self.state(), self.names, self.assigned, self._minutes_out)

    def visible_codes(self) -> list[str]:
        return [c for c, i in sorted(self.rows.items(), key=lambda r: r[1]) if not self.table.isRowHidden(i)]

    def _filter(self, text: str) -> None:
        """Show the matching rows; select a participant only when the text names exactly one.

        The focus stays in the search (the seat map must not take it: the next letters and Enter
        then went to the map and admitted the first match of the first letter).
        """
        answer = room_ops.resolve_search(self.station.plan, self.room, text)
        codes = {p.code for p in (answer.matches if text.strip() else self.station.plan.room_participants(self.room))}
        for code, i in self.rows.items():
            self.table.setRowHidden(i, code not in codes)
        self._picked = False
        if answer.unique:
            self.select(answer.code)
        elif text.strip() and self.current:
            self.current = ""
            self.seatmap.select("")
            self.table.blockSignals(True)
            self.table.clearSelection()
            self.table.blockSignals(False)
            self.refresh(reread=False)

    def _search_enter(self) -> None:
        """Enter admits the one participant the search names: a scanned code, an exact code or seat,
        a surname only one person has, or the row picked with the arrow keys; otherwise it asks."""
        scanned = self._scan.enter()
        text = scanned or self.search.text().strip()
        if not text:
            return
        if scanned:
            people = [p for p in self.station.plan.room_participants(self.room) if p.code == scanned]
            if not people:
                self.search.clear()
                self.show_message(_("Code {code} is not on this room's list.").format(code=scanned), warning=True)
                return
            code = people[0].code
        elif self._picked and self.current in self.visible_codes():
            code = self.current
        else:
            answer = room_ops.resolve_search(self.station.plan, self.room, text)
            if not answer.matches:
                self.show_message(_("Nobody on this room's list matches «{text}».").format(text=text),
                                  warning=True)
                return
            code = answer.code or self.ask_which(text, list(answer.matches))
            if not code:
                self.search.setFocus()
                return
        self.select(code)
        if self.admit():
            self.search.clear()
        self.search.setFocus()

    def ask_which(self, text: str, matches: list) -> str:
        """Several people match: the organizer picks one (Enter on the list) or cancels."""
        dlg = ChooseParticipantDialog(text, [(p.code, f"{p.seat}  {p.full_name}  ·  {p.code}") for p in matches],
                                      self)
        self.open_dialog = dlg
        if dlg.exec() != QtWidgets.QDialog.DialogCode.Accepted:
            return ""
        return dlg.chosen()

    def _redirect_to_search(self, e) -> bool:
        """A printable key typed on the seat map or the list starts a new search (a scanner's burst too)."""
        text = e.text()
        mods = e.modifiers() & ~Qt.KeyboardModifier.ShiftModifier & ~Qt.KeyboardModifier.KeypadModifier
        if not text or not text.isprintable() or text.isspace() or mods != Qt.KeyboardModifier.NoModifier:
            return False
        self.search.setFocus()
        self.search.clear()
        QtWidgets.QApplication.sendEvent(self.search, QtGui.QKeyEvent(e.type(), e.key(), e.modifiers(), text))
        return True

    def keyPressEvent(self, e):  # noqa: N802 - Qt override
        if not self._redirect_to_search(e):
            super().keyPressEvent(e)

    def eventFilter(self, obj, e):  # noqa: N802 - Qt override
        if e.type() != QtCore.QEvent.Type.KeyPress:
            return super().eventFilter(obj, e)
        if obj is self.table:
            return self._redirect_to_search(e) or super().eventFilter(obj, e)
        if obj is self.search:
            if e.key() in (Qt.Key.Key_Down, Qt.Key.Key_Up):
                codes = self.visible_codes()
                if codes:
                    i = codes.index(self.current) if self.current in codes else -1
                    i = min(len(codes) - 1, i + 1) if e.key() == Qt.Key.Key_Down else max(0, i - 1)
                    self.select(codes[i])
                    self._picked = True
                return True
            if e.text() and e.text().isprintable():
                self._scan.key(e.text())
        return super().eventFilter(obj, e)

    def focus_search(self) -> None:
        self.search.setFocus()
        self.search.selectAll()

    # --- marking -------------------------------------------------------------------------
    def author(self) -> str:
        orgs = self.state().organizers
        return orgs[0] if orgs else ""

    def mark(self, kind: str, code: str | None = None, payload: dict | None = None) -> Recorded | None:
        """Record one mark, repaint, and show the rules' advice. Returns None if it was not recorded."""
        try:
            rec = self.station.record(kind, self.room, code, payload=payload or {}, author=self.author())
        except UserError as e:
            self.show_message(str(e), warning=True)
            return None
        log.info("mark %s recorded (advice %d)", kind, len(rec.advice))
        return self._recorded(rec)

    def _recorded(self, rec: Recorded) -> Recorded:
        """After a mark is on disk: repaint from the store, show the advice, re-check the banner, and
        tell the views that listen (``changed``)."""
        self.refresh()
        self.show_recorded(rec)
        self.update_banner()
        self.changed.emit()
        return rec

    after_mark = _recorded  # for views that recorded through a room_ops function themselves

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

    def participant_state(self, code: str):
        return self.state().participants.get(code)

    def admit(self) -> Recorded | None:
        code = self.need_participant()
        if not code:
            return None
        try:
            rec = room_ops.admit(self.station, self.room, code, author=self.author())
        except room_ops.AlreadyMarked as e:
            from app.domain.grammar import FEMININE

            feminine = participant_gender(self.station, code) == FEMININE
            self.show_message((_("{name} is already marked: {status}. (feminine)") if feminine else
                               _("{name} is already marked: {status}.")).format(
                name=self.names.get(code, code), status=_(STATUS_TITLES.get(e.status, e.status))))
            return None
        except UserError as e:
            self.show_message(str(e), warning=True)
            return None
        return self._recorded(rec)

    def admit_no_document(self) -> Recorded | None:
        code = self.need_participant()
        if not code:
            return None
        dlg = NoDocumentDialog(self.names.get(code, code), self)
        if dlg.exec() != QtWidgets.QDialog.DialogCode.Accepted:
            return None
        return self.mark(room_ops.admission_kind(self.state()), code, dlg.payload())

    def quick(self, name: str) -> Recorded | None:
        code = self.need_participant()
        if not code:
            return None
        kind = PARTICIPANT_KINDS[name]
        return self.mark(kind, code, room_ops.quick_payload(kind))

    def change_seat(self) -> Recorded | None:
        code = self.need_participant()
        if not code:
            return None
        p = self.participant_state(code)
        dlg = SeatDialog(self.names.get(code, code), p.assigned_seat, self.station.plan.rooms[self.room].seat_labels(),
                         self)
        if dlg.exec() != QtWidgets.QDialog.DialogCode.Accepted:
            return None
        return self.mark("seated", code, {"seat": dlg.value()})

    def extra_sheet(self) -> Recorded | None:
        code = self.need_participant()
        if not code:
            return None
        p = self.participant_state(code)
        previous = p.extra_sheets[-1][0] if p.extra_sheets else ""
        dlg = ExtraSheetDialog(self.names.get(code, code), previous, self)
        if dlg.exec() != QtWidgets.QDialog.DialogCode.Accepted:
            return None
        return self.mark("extra-sheet", code, dlg.payload())

    def desk_check(self) -> list[Recorded]:
        code = self.need_participant()
        if not code:
            return []
        p = self.participant_state(code)
        dlg = DeskCheckDialog(self.station, self.names.get(code, code), p.ovz, self,
                              subject=p.subject or self.subject.code)  # the participant's own subject's aids
        if dlg.exec() != QtWidgets.QDialog.DialogCode.Accepted:
            return []
        out = [r for d in dlg.payloads() if (r := self.mark("desk-check", code, d)) is not None]
        item = room_ops.forbidden_found([r.event.payload for r in out])
        if item is not None:
            self.incident("removal", prefill={"item": item, "reason": _("forbidden item on the desk")})
        return out

    def organizers_for_countersign(self) -> list[tuple[str, str]]:
        return room_ops.countersigners(self.station, self.room, self.author())

    def incident(self, key: str, prefill: dict | None = None) -> Recorded | None:
        spec = INCIDENT_BY_KEY[key]
        code = ""
        if spec.participant:
            code = self.need_participant()
            if not code:
                return None
        prefill = dict(prefill or {})
        if key == "correction" and code:
            pt = self.station.plan.participants.get(code)
            if pt is not None:
                prefill.setdefault("old", pt.last_name)
        roll = None
        if spec.roll_call:
            state = self.state()
            roll = [(c, f"{state.participants[c].assigned_seat} {self.names.get(c, c)}")
                    for c in room_ops.roll_call(state)]
        grounds = removal_grounds(self.station.ref) if key == "removal" else self.station.ref.forbidden
        items = [(d.key, d.title_en if current_language() == "en" else d.title) for d in grounds]
        gek = [(m.code, f"{m.code} — {m.short_name}") for m in room_ops.staff_by_role(self.station.plan, "gek")]
        dlg = IncidentDialog(spec, self.names.get(code, ""), self.organizers_for_countersign(), roll, prefill, self,
                             item_choices=items, gek_choices=gek)
        self.open_dialog = dlg
        if dlg.exec() != QtWidgets.QDialog.DialogCode.Accepted:
            return None
        rec = self.mark(spec.kind, code or None, dlg.payload())
        if rec is not None and dlg.countersigner():
            try:
                room_ops.countersign(self.station, self.room, rec.event.id, dlg.countersigner())
            except UserError as e:
                self.show_message(str(e), warning=True)
        return rec

    def evacuation_end(self) -> Recorded | None:
        return self.mark("evacuation-end")

    def undo(self) -> Recorded | None:
        last = self.station.last_mark(self.room)
        if last is None:
            self.show_message(_("Nothing to void in this room."))
            return None
        dlg = VoidDialog(describe(self.station, last, self.names), self)
        self.open_dialog = dlg
        if dlg.exec() != QtWidgets.QDialog.DialogCode.Accepted:
            return None
        try:
            rec = room_ops.undo_last(self.station, self.room, dlg.reason.text().strip(), author=self.author())
        except UserError as e:
            self.show_message(str(e), warning=True)
            return None
        return self._recorded(rec)

    def show_timeline(self, code: str) -> None:
        if not code:
            self.need_participant()
            return
        dlg = TimelineDialog(self.station, self.room, code, self.names, self)
        self.open_dialog = dlg
        dlg.exec()

    def print_preview(self) -> QtWidgets.QDialog | None:
        """Ctrl+P: the room's forms on the system printer, through Qt's print preview (PDFs: Ctrl+Shift+P)."""
        from PySide6.QtPrintSupport import QPrinter, QPrintPreviewDialog

        from app.forms.api import discrepancies

        if not confirm_discrepancies(self, discrepancies(self.station, room=self.room)):
            return None
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        dlg = QPrintPreviewDialog(printer, self)
        dlg.setWindowTitle(_("Print the room's forms"))

        def paint(p) -> None:
            from app.forms import paint_room_set

            try:
                paint_room_set(p, self.station, self.room)  # the GUI thread: the GUI's own Station
            except UserError as e:
                self.show_message(str(e), warning=True)

        dlg.paintRequested.connect(paint)
        self.open_dialog = dlg
        dlg.exec()
        return dlg

    def print_forms(self, folder: str | None = None) -> Operation | None:
        """The room's forms (05-01, 05-02, 12-02, 12-03, 12-04-МАШ) as PDFs, rendered on the worker thread."""
        if folder is None:
            from app.paths import data_dir

            default = data_dir() / "print" / self.room
            remembered = str(self.settings.get("print/folder") or "")
            if remembered and Path(remembered).is_dir():
                default = Path(remembered)
            folder = QtWidgets.QFileDialog.getExistingDirectory(self, _("Folder for the room's forms"), str(default))
            if not folder:
                return None
            self.settings.set("print/folder", str(folder))
        from app.forms.api import discrepancies

        if not confirm_discrepancies(self, discrepancies(self.station, room=self.room)):
            return None
        out = Path(folder)
        gui_station, room = self.station, self.room

        def work(progress):
            from app.forms import render_room_set

            out.mkdir(parents=True, exist_ok=True)
            station = room_ops.open_like(gui_station)  # the worker's own: marks go on meanwhile
            try:
                return render_room_set(station, room, out, separate=True, progress=progress)
            finally:
                station.close()

        def done(printed) -> None:
            items = "".join(f"<li>{html.escape(p.path.name)}</li>" for p in printed)
            url = QtCore.QUrl.fromLocalFile(str(out)).toString()
            head = ngettext("{n} form printed into", "{n} forms printed into", len(printed)).format(n=len(printed))
            self.advice.setHtml(f"<p>✔ {html.escape(head)} "
                                f"<a href='{url}'>{html.escape(str(out))}</a></p><ul>{items}</ul>")
            self.status.showMessage(f"{head} {out}", 30_000)  # where the PDFs went, also in the status bar
            self.printed = printed

        def failed(e: Exception) -> None:
            self.show_message(str(e) if isinstance(e, UserError) else
                              _("Printing failed ({name}).").format(name=e.__class__.__name__), warning=True)

        self.print_op = Operation(self, work, _("Printing the room's forms…"), with_progress=True) \
            .success(done).failure(failed).run()
        return self.print_op

    def can_export(self) -> bool:
        """Only a station set up from HQ's package has an HQ to encrypt its results to."""
        from app.transfer.results import hq_recipient

        return hq_recipient(self.station) is not None

    def export_to_stick(self, folder: str | None = None) -> Operation | None:
        """Write this station's marks for HQ to a stick, on the worker thread, and say what was written.

        Every mark each time, not only the new ones: any one stick brings HQ the whole room, however
        many sticks went missing or came in out of order, and HQ counts each mark once.
        """
        from pathlib import Path

        from app.transfer.media import default_folder
        from app.transfer.results import export_results, package_name

        if not self.can_export():
            self.show_message(_("This station was not set up from an HQ package, so it has no HQ to write "
                                "results for."), warning=True)
            return None
        if folder is None:
            folder = QtWidgets.QFileDialog.getExistingDirectory(
                self, _("The stick for HQ: choose it (or a folder on it)"),
                str(default_folder(self.settings.get("export/folder"))))
            if not folder:
                return None
        self.settings.set("export/folder", str(folder))
        out = Path(folder) / package_name(self.station)
        station = self.station

        def done(res) -> None:
            self.last_export = res
            n = res.events
            lines = [
                _("Results written to the stick: {file} in {folder}.").format(file=res.write.path.name,
                                                                              folder=res.write.path.parent),
                ngettext("{n} event of this station (#{a}–#{b}).", "{n} events of this station (#{a}–#{b}).",
                         n).format(n=n, a=res.seq_from, b=res.seq_to),
                _("It is safe to remove the stick. Take it to HQ.") if res.write.synced else
                _("Written and flushed; wait a moment before removing the stick, then take it to HQ."),
                _("Writing again later is fine: HQ counts every mark once."),
            ]
            self.advice.setHtml("<p>✔ " + "<br>".join(html.escape(x) for x in lines) + "</p>")
            self.status.showMessage(lines[0], 15000)
            log.info("results exported: %d events", n)

        def failed(e: Exception) -> None:
            self.show_message(str(e) if isinstance(e, UserError) else
                              _("Writing to the stick failed ({name}); nothing is lost here, try again or another "
                                "stick.").format(name=e.__class__.__name__), warning=True)

        def export():
            own = room_ops.open_like(station)  # the worker's own Station, never the GUI's
            try:
                return export_results(own, out, everything=True)
            finally:
                own.close()

        self.export_op = Operation(self, export,
                                   _("Writing the results to the stick…")).success(done).failure(failed).run()
        return self.export_op

    def offer_export(self, parent: QtWidgets.QWidget | None = None) -> Operation | None:
        """After the room is closed: the results go to HQ now, so ask (once, never forced)."""
        if not self.can_export():
            return None
        answer = QtWidgets.QMessageBox.question(
            parent or self, _("Export results"),
            _("The room is closed. Write the results to the stick for HQ now?"),
            QtWidgets.QMessageBox.StandardButton.Yes | QtWidgets.QMessageBox.StandardButton.No,
            QtWidgets.QMessageBox.StandardButton.Yes)
        if answer != QtWidgets.QMessageBox.StandardButton.Yes:
            return None
        return self.export_to_stick()

    def set_clock(self) -> Recorded | None:
        dlg = ClockDialog(self.station, self)
        self.open_dialog = dlg
        if dlg.exec() != QtWidgets.QDialog.DialogCode.Accepted:
            return None
        rec = room_ops.adjust_clock(self.station, self.room, dlg.room_clock(), author=self.author())
        self._seen_due.clear()
        return self._recorded(rec)

    def choose_date(self, key: str | None = None, confirm: bool = True) -> bool:
        """Work on another exam date of this station's lists: asks which, and asks to confirm.

        Marks stay with the date they were made on; the window then shows the room on the new date."""
        days = self.station.days()
        if len(days) < 2:
            self.show_message(_("This station has a list for one exam date only: {date}.").format(
                date=format_date(self.day.date)))
            return False
        labels = [f"{format_date(d.date)} · " + ", ".join(
            self.station.ref.subject(c).local_title(current_language()) for c in d.subjects) for d in days]
        if key is None:
            current = next((i for i, d in enumerate(days) if d.key == self.day.key), 0)
            text, ok = QtWidgets.QInputDialog.getItem(self, _("Exam date"), _("Exam date of this station:"),
                                                      labels, current, False)
            if not ok:
                return False
            key = days[labels.index(text)].key
        target = next((d for d in days if d.key == key), None)
        if target is None or target.key == self.day.key:
            return False
        if confirm:
            answer = QtWidgets.QMessageBox.question(
                self, _("Exam date"),
                _("Switch this station from {old} to {new}? Marks already made stay with their date.").format(
                    old=format_date(self.day.date), new=format_date(target.date)),
                QtWidgets.QMessageBox.StandardButton.Yes | QtWidgets.QMessageBox.StandardButton.No,
                QtWidgets.QMessageBox.StandardButton.No)
            if answer != QtWidgets.QMessageBox.StandardButton.Yes:
                return False
        try:
            self.station.set_day(target.key)
        except UserError as e:
            self.show_message(str(e), warning=True)
            return False
        plan = self.station.plan
        if self.room not in plan.rooms:  # the room holds no exam that date: show the first room that does
            self.show_message(_("Room {room} holds no exam on {date}; showing room {other}.").format(
                room=self.room, date=format_date(target.date), other=sorted(plan.rooms)[0]), warning=True)
            self.room = sorted(plan.rooms)[0]
        self._seen_due.clear()
        self._load_room()
        self.refresh()
        return True

    def show_room_log(self) -> None:
        dlg = RoomLogDialog(self.station, self.room, self.names, self)
        self.open_dialog = dlg
        dlg.exec()

    def start_of_day(self, blocking: bool = True) -> Recorded | None:
        """Room, organizers on duty, room clock. At start-up it opens without blocking (window-modal),
        so nothing that pumps events (self-test, benchmark) waits on it."""
        dlg = StartOfDayDialog(self.station, self.room, self)
        self.open_dialog = dlg
        if not blocking:
            dlg.accepted.connect(lambda: self._open_day(dlg))
            dlg.open()
            return None
        if dlg.exec() != QtWidgets.QDialog.DialogCode.Accepted:
            return None
        return self._open_day(dlg)

    def _open_day(self, dlg: StartOfDayDialog) -> Recorded | None:
        room = dlg.chosen_room()
        if room != self.room:
            self.room = room
            self._load_room()
        room_ops.set_room_clock(self.station, dlg.room_clock())
        try:
            rec = room_ops.open_room(self.station, self.room, dlg.chosen_organizers())
        except UserError as e:
            self.show_message(str(e), warning=True)
            return None
        self.retranslate()
        self.show_recorded(rec)
        return rec

    def end_of_exam(self) -> None:
        dlg = EndOfExamDialog(self, self)
        self.open_dialog = dlg
        dlg.exec()
        self.refresh()

    # --- view ----------------------------------------------------------------------------
    def toggle_board(self) -> None:
        if self.board is not None and self.board.isVisible():
            self.board.close()
            return
        if self.board is None:
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
    MENU_ACTIONS = ("admit", "admit_nodoc", "late", "absent", "seat", "exit", "back", "sheet", "desk", "finished",
                    "timeline")

    def participant_menu(self, code: str) -> QtWidgets.QMenu:
        """The participant's actions (the same ones as the keys and buttons) and the incidents."""
        self.select(code)
        menu = QtWidgets.QMenu(self)
        menu.setTitle(self.names.get(code, code))
        head = menu.addAction(self.names.get(code, code))
        head.setEnabled(False)
        menu.addSeparator()
        for name in self.MENU_ACTIONS:
            menu.addAction(self.actions[name])
        menu.addSeparator()
        menu.addMenu(self.incident_menu)
        return menu

    def _seat_menu(self, code: str, pos) -> None:
        self.participant_menu(code).popup(pos)

    def _row_menu(self, pos) -> None:
        it = self.table.itemAt(pos)
        if it is not None:
            self.participant_menu(it.data(Qt.ItemDataRole.UserRole)).popup(self.table.viewport().mapToGlobal(pos))

    # --- closing -----------------------------------------------------------------------------
    def needs_close_confirmation(self) -> bool:
        """Mid-exam (the room opened or started, not closed) closing the program is asked about."""
        state = self.state()
        return (state.opened_at is not None or state.start is not None) and state.closed_at is None

    def confirm_close(self) -> bool:
        if not self.needs_close_confirmation():
            return True
        box = QtWidgets.QMessageBox(QtWidgets.QMessageBox.Icon.Question, _("Quit"),
                                    _("The exam is not over in this room. Quit the program? Every mark is saved; "
                                      "open it again to go on."),
                                    QtWidgets.QMessageBox.StandardButton.Yes | QtWidgets.QMessageBox.StandardButton.No,
                                    self)
        box.setDefaultButton(QtWidgets.QMessageBox.StandardButton.No)
        self.open_dialog = box
        return box.exec() == QtWidgets.QMessageBox.StandardButton.Yes

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

