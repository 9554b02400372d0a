"""The room window's actions as one table: text, shortcut, menu, and whether it is a big button.

Why a table: the menus, the shortcuts, the action column and the right-click menus all show the
same actions, and the organizer learns one shortcut per action. Adding an action is one row here
and one handler in the window; nothing else has to be kept in step.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

from app.i18n import N_, _
from ui.qt import Qt, QtGui, QtWidgets
from ui.room.incidents import INCIDENTS


@dataclass(frozen=True)
class ActionSpec:
    name: str
    text: str  # msgid
    shortcut: str
    menu: str  # msgid of the menu
    button: bool = False  # also a big button in the action column
    short: str = ""  # msgid of the button's text when the menu's is too long for the column
    suffix: str = ""  # after the translated text (the incidents' «…»: each opens a dialog)


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
# the incidents are actions of the same table: one row each in the «Инцидент» menu (ui/room/incidents.py)
INCIDENT_ACTIONS: tuple[ActionSpec, ...] = tuple(
    ActionSpec("incident_" + i.key, i.title, INCIDENT_SHORTCUTS[i.key], N_("&Incident"), suffix="…")
    for i in INCIDENTS)
# the menu bar, left to right
MENUS = (N_("&Participant"), N_("&Room"), N_("&Incident"), N_("&Edit"), N_("&View"))
# what a right-click on a seat or a list row offers: the participant's actions, then the incidents
MENU_ACTIONS = ("admit", "admit_nodoc", "late", "absent", "seat", "exit", "back", "sheet", "desk", "finished",
                "timeline")


def action_column(parent: QtWidgets.QWidget) -> tuple[QtWidgets.QScrollArea, QtWidgets.QWidget,
                                                       QtWidgets.QVBoxLayout]:
    """The column of big buttons (scroll area, panel, layout). It scrolls when the screen is short
    (1280×720 at a larger text size): its height must never become the window's minimum height."""
    panel = QtWidgets.QWidget(parent)
    box = QtWidgets.QVBoxLayout(panel)
    box.setSpacing(2)
    box.setContentsMargins(0, 0, 0, 0)
    scroll = QtWidgets.QScrollArea(parent)
    scroll.setWidget(panel)
    scroll.setWidgetResizable(True)
    scroll.setFrameShape(QtWidgets.QFrame.Shape.NoFrame)
    scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    return scroll, panel, box


def window_handlers(w) -> dict[str, Callable[[], object]]:
    """What each action of ``ACTIONS`` does on the room window ``w``."""
    return {
        "admit": w.admit, "admit_nodoc": w.admit_no_document, "late": lambda: w.quick("late"),
        "absent": lambda: w.quick("absent"), "seat": w.change_seat, "exit": lambda: w.quick("exit"),
        "back": lambda: w.quick("back"), "sheet": w.extra_sheet, "desk": w.desk_check,
        "finished": lambda: w.quick("finished"), "timeline": lambda: w.show_timeline(w.current),
        "open_day": w.start_of_day, "room_log": w.show_room_log, "clock": w.set_clock, "date": w.choose_date,
        "print": w.print_preview, "print_pdf": w.print_forms, "export": w.export_to_stick,
        "instruction": lambda: w.mark("instruction-given"), "start": lambda: w.mark("exam-start"),
        "audio_start": lambda: w.mark("audio-start"), "audio_end": lambda: w.mark("audio-end"),
        "evacuation_end": lambda: w.mark("evacuation-end"), "end_exam": w.end_of_exam, "undo": w.undo,
        "search": w.focus_search, "board": w.toggle_board, "contrast": w.toggle_contrast,
        "bigger": lambda: w.zoom(1), "smaller": lambda: w.zoom(-1), "language": w.toggle_language,
        "quit": w.quit_asking,
    }


class ActionTable:
    """Builds the QActions, menus and big buttons of ``ACTIONS`` on ``window`` and translates them.

    ``handlers`` maps an action name to what it does; ``incident(key)`` opens an incident dialog.
    The big buttons go into ``buttons_box`` (the scrolling action column)."""

    def __init__(self, window: QtWidgets.QMainWindow, buttons_box: QtWidgets.QVBoxLayout,
                 handlers: dict[str, Callable[[], object]], incident: Callable[[str], object]):
        self.window = window
        self.actions: dict[str, QtGui.QAction] = {}
        self.menus: dict[str, QtWidgets.QMenu] = {}
        self.big: dict[str, QtWidgets.QPushButton] = {}
        for msgid in MENUS:
            self._menu(msgid)
        self.incident_menu = self.menus[N_("&Incident")]
        handlers = {**handlers, **{spec.name: functools.partial(incident, spec.name.removeprefix("incident_"))
                                   for spec in INCIDENT_ACTIONS}}
        for spec in ACTIONS + INCIDENT_ACTIONS:
            a = QtGui.QAction(window)
            a.setShortcut(QtGui.QKeySequence(spec.shortcut))
            a.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            a.triggered.connect(lambda _c=False, h=handlers[spec.name]: h())
            self.menus[spec.menu].addAction(a)
            window.addAction(a)
            self.actions[spec.name] = a
            if spec.button:
                b = self._button()
                b.clicked.connect(a.trigger)
                buttons_box.addWidget(b)
                self.big[spec.name] = b
        b = self._button()
        b.setMenu(self.incident_menu)
        buttons_box.insertWidget(buttons_box.count() - 2, b)
        self.big["incident"] = b
        buttons_box.addStretch(1)
        self.actions["contrast"].setCheckable(True)

    def _button(self) -> QtWidgets.QPushButton:
        b = QtWidgets.QPushButton(self.window)
        b.setObjectName("action")
        b.setMinimumHeight(32)
        return b

    def _menu(self, msgid: str) -> QtWidgets.QMenu:
        if msgid not in self.menus:
            self.menus[msgid] = self.window.menuBar().addMenu(_(msgid))
        return self.menus[msgid]

    def retranslate(self) -> None:
        for msgid, m in self.menus.items():
            m.setTitle(_(msgid))
        for spec in ACTIONS + INCIDENT_ACTIONS:
            a = self.actions[spec.name]
            a.setText(_(spec.text) + spec.suffix)
            a.setToolTip(f"{_(spec.text)} ({spec.shortcut})")
            if spec.name in self.big:
                b = self.big[spec.name]
                b.setText(f"{_(spec.short or spec.text)}  [{spec.shortcut}]")
                b.setAccessibleName(_(spec.text))
                b.setToolTip(a.toolTip())
        self.big["incident"].setText(_("Incident…") + "  [Ctrl+1…8]")
        self.big["incident"].setAccessibleName(_("Incident"))

    def participant_menu(self, title: str) -> QtWidgets.QMenu:
        """The participant's actions (the same ones as the keys and buttons) and the incidents."""
        menu = QtWidgets.QMenu(self.window)
        menu.setTitle(title)
        head = menu.addAction(title)
        head.setEnabled(False)
        menu.addSeparator()
        for name in MENU_ACTIONS:
            menu.addAction(self.actions[name])
        menu.addSeparator()
        menu.addMenu(self.incident_menu)
        return menu
