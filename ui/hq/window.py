"""HQ station main window (Штаб ППЭ): every room at a glance, sticks, acts, staff, totals.

A thin view over app.services.hq and app.transfer: no rules and no SQL here.
"""

from __future__ import annotations

from pathlib import Path

from app.domain.event import parse_utc
from app.errors import UserError
from app.i18n import N_, _, current_language, format_date, format_time, ngettext
from app.services import hq as hqs
from ui import popups
from ui.hq.importer import start_import
from ui.ops import confirm_discrepancies
from ui.qt import Qt, QtCore, QtGui, QtWidgets
from ui.widgets import exec_dialog, fit_to_screen, keep_on_screen

PHASES = {"not-opened": N_("not opened"), "admission": N_("admission"), "in-progress": N_("in progress"),
          "audio": N_("audio part"), "stopped": N_("stopped"), "evacuation": N_("evacuation"), "closed": N_("closed")}
ROOM_COLUMNS = (("room", N_("Room")), ("subject", N_("Subject")), ("phase", N_("Phase")),
                ("assigned", N_("Assigned")), ("present", N_("Present")), ("absent", N_("Absent")),
                ("in_room", N_("In room")), ("out_of_room", N_("Out of room")), ("removed", N_("Removed")),
                ("finished_early", N_("Early")), ("finished", N_("Finished")), ("incidents", N_("Incidents")),
                ("acts", N_("Acts to draw")), ("package", N_("Last package")), ("received", N_("Received")))
AMBER, RED, GREEN = QtGui.QColor("#fff1c2"), QtGui.QColor("#ffd6d6"), QtGui.QColor("#e3f5e1")


def _item(text, align_right: bool = False, bg: QtGui.QColor | None = None) -> QtWidgets.QTableWidgetItem:
    it = QtWidgets.QTableWidgetItem(str(text))
    it.setFlags(it.flags() & ~Qt.ItemFlag.ItemIsEditable)
    if align_right:
        it.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    if bg is not None:
        it.setBackground(bg)
    return it


def _table(headers: list[str]) -> QtWidgets.QTableWidget:
    t = QtWidgets.QTableWidget(0, len(headers))
    t.setHorizontalHeaderLabels(headers)
    t.verticalHeader().setVisible(False)
    t.setSelectionBehavior(QtWidgets.QAbstractItemView.SelectionBehavior.SelectRows)
    t.setSelectionMode(QtWidgets.QAbstractItemView.SelectionMode.SingleSelection)
    t.setAlternatingRowColors(True)
    t.horizontalHeader().setStretchLastSection(True)
    return t


class HqWindow(QtWidgets.QMainWindow):
    def __init__(self, station, settings=None):
        super().__init__()
        self.station = station
        if settings is None:
            from ui.settings import Settings

            settings = Settings()
        self.settings = settings
        self.tz = station.point.tz
        self._threads: list = []
        self.receipts: list = []
        language = QtGui.QAction(self)  # no menu bar here: the shortcut lives on the window
        language.setShortcut(QtGui.QKeySequence("Ctrl+L"))
        language.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        language.triggered.connect(self.toggle_language)
        self.addAction(language)
        self.language_action = language
        self._build()
        self.resize(1366, 768)
        fit_to_screen(self)

    def toggle_language(self) -> None:
        """Ctrl+L: Русский / English. The window is built again in the other language (not during a sync)."""
        from app.i18n import current_language
        from ui.language import switch_language

        if self.server_panel.running:
            self._say(_("Wait for the sync to finish, then switch the language."), True)
            return
        lang = "en" if current_language() == "ru" else "ru"
        switch_language(lang)
        self.settings.set("language", lang)
        self.server_panel.stop()
        tab = self.tabs.currentIndex()
        self._build()
        self.tabs.setCurrentIndex(tab)

    def _build(self) -> None:
        """Every widget and text of the window, in the current language."""
        station = self.station
        settings = self.settings
        pt = station.point
        self.setWindowTitle(f"Auditoria — {_('Exam point HQ')} {pt.code}")
        central = QtWidgets.QWidget(self)
        lay = QtWidgets.QVBoxLayout(central)
        head = QtWidgets.QHBoxLayout()
        self.title = QtWidgets.QLabel()
        self.title.setWordWrap(True)  # the exam point's long name wraps rather than widen the window
        head.addWidget(self.title, 1)
        head.addWidget(QtWidgets.QLabel(_("Exam date:")))
        self.date_combo = QtWidgets.QComboBox()
        self.date_combo.setAccessibleName(_("Exam date"))
        head.addWidget(self.date_combo)
        head.addWidget(QtWidgets.QLabel(_("Subject:")))
        self.subject_combo = QtWidgets.QComboBox()
        self.subject_combo.setAccessibleName(_("Subject"))
        head.addWidget(self.subject_combo)
        self._fill_dates()
        self.date_combo.currentIndexChanged.connect(self._date_chosen)
        self.subject_combo.currentIndexChanged.connect(lambda _i: self.refresh())
        self.import_button = QtWidgets.QPushButton(_("Import from stick…"))
        self.import_button.clicked.connect(self.choose_files)
        head.addWidget(self.import_button)
        lay.addLayout(head)
        # the date's totals on their own line: beside the date picker they widened the window past a laptop screen
        self.totals_label = QtWidgets.QLabel()
        self.totals_label.setWordWrap(True)
        lay.addWidget(self.totals_label)
        self.progress = QtWidgets.QProgressBar()
        self.progress.setVisible(False)
        lay.addWidget(self.progress)
        self.message = QtWidgets.QLabel()
        self.message.setWordWrap(True)
        lay.addWidget(self.message)
        self.tabs = QtWidgets.QTabWidget()
        lay.addWidget(self.tabs, 1)
        self.setCentralWidget(central)

        self.table = _table([_(h) for _k, h in ROOM_COLUMNS])
        self.tabs.addTab(self._rooms_tab(), _("Rooms"))
        self.tabs.addTab(self._acts_tab(), _("Acts"))
        self.tabs.addTab(self._staff_tab(), _("Staff and observers (ППЭ-07, ППЭ-19)"))
        self.totals_table = _table([_("Figure"), _("Total")])
        self.totals_table.horizontalHeader().setStretchLastSection(False)
        self.tabs.addTab(self._totals_tab(), _("Exam point totals"))
        from ui.hq.papers import PapersPanel

        self.papers_panel = PapersPanel(station)
        self.tabs.addTab(self.papers_panel, _("Papers"))
        self.tabs.addTab(self._verify_tab(), _("Verify an act"))
        from ui.hq.server import ServerPanel

        self.server_panel = ServerPanel(station, self.tz, settings)
        self.server_panel.synced.connect(lambda _res: self.refresh())  # lists may have arrived
        server_scroll = QtWidgets.QScrollArea()  # its boxes stack taller than a 720 px screen at +2
        server_scroll.setWidget(self.server_panel)
        server_scroll.setWidgetResizable(True)
        server_scroll.setFrameShape(QtWidgets.QFrame.Shape.NoFrame)
        self.server_tab = server_scroll
        self.tabs.addTab(server_scroll, _("Server"))
        from app.transfer.keys import station_keys

        fp = station_keys(station).public.fingerprint
        self.statusBar().showMessage(f"{_('Station')} {station.station_id} · {_('fingerprint')} {fp}")
        # long staff names and act choices are cut in the box (whole in the list), the totals wrap:
        # neither may set the window's minimum width past a 1280 px screen
        for combo in self.findChildren(QtWidgets.QComboBox):
            combo.setSizeAdjustPolicy(QtWidgets.QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(18 if combo is self.date_combo else 14)
        self.totals_label.setWordWrap(True)
        self.refresh()

    # --- tabs ---------------------------------------------------------------------------------------
    def _rooms_tab(self) -> QtWidgets.QWidget:
        w = QtWidgets.QWidget()
        lay = QtWidgets.QVBoxLayout(w)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.table, 1)
        row = QtWidgets.QHBoxLayout()
        self.setup_button = QtWidgets.QPushButton(_("Set-up package for the selected room…"))
        self.setup_button.clicked.connect(self.choose_setup_target)
        row.addWidget(self.setup_button)
        self.passphrase_label = QtWidgets.QLabel()
        self.passphrase_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        row.addWidget(self.passphrase_label, 1)
        lay.addLayout(row)
        return w

    def choose_setup_target(self) -> None:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            self._say(_("select a room in the list first"), True)
            return
        room = self.rooms[rows[0].row()].room
        start = self.stick_folder() / f"{room}-{self.station.day.key}-setup.pkg"
        path = popups.choose_save_file(self, _("Set-up package on the stick"), str(start),
                                       _("Auditoria packages (*.pkg)"))
        if path:
            self.remember_stick(Path(path).parent)
            self.export_setup_for(room, Path(path))

    def stick_folder(self) -> Path:
        """Where the stick dialogs start: the folder used last time (the same stick plugged in again),
        else a mounted stick, else home — never the program's folder."""
        from app.transfer.media import default_folder

        return default_folder(str(self.settings.get("hq/stick_folder") or ""))

    def remember_stick(self, folder: Path) -> None:
        self.settings.set("hq/stick_folder", str(folder))

    def export_setup_for(self, room: str, path: Path):
        """Write the room's set-up package and show the one-time passphrase to type at the room."""
        from app.transfer.setup import export_setup

        try:
            res = export_setup(self.station, room, path)
        except UserError as e:
            self._say(str(e), True)
            return None
        self.passphrase_label.setText(
            _("Room {room}: passphrase <b style='font-size:16pt'>{phrase}</b> · HQ fingerprint {fp}").format(
                room=res.room, phrase=res.passphrase, fp=res.hq_fingerprint))
        self._say(res.write.message() + (" · " + ngettext("{n} event carried for failover", "{n} events carried for failover",
                                                            res.events).format(n=res.events)
                                         if res.events else ""))
        return res

    def _acts_tab(self) -> QtWidgets.QWidget:
        w = QtWidgets.QWidget()
        lay = QtWidgets.QVBoxLayout(w)
        self.acts_table = _table([_("Room"), _("Form"), _("Act"), _("Participant"), _("Time"), _("Status"),
                                  _("Details")])
        lay.addWidget(self.acts_table, 1)
        row = QtWidgets.QHBoxLayout()
        row.addWidget(QtWidgets.QLabel(_("GEK member:")))
        self.gek_combo = QtWidgets.QComboBox()
        for s in hqs.gek_members(self.station):
            self.gek_combo.addItem(f"{s.code} — {s.short_name}", s.code)
        row.addWidget(self.gek_combo)
        self.acts_table.itemSelectionChanged.connect(self._act_selected)
        self.draw_button = QtWidgets.QPushButton(_("Draw up the act"))
        self.draw_button.clicked.connect(self.draw_selected)
        row.addWidget(self.draw_button)
        self.print_button = QtWidgets.QPushButton(_("Print…"))
        self.print_button.clicked.connect(self.print_selected)
        row.addWidget(self.print_button)
        self.pdf_button = QtWidgets.QPushButton(_("Save as PDF"))
        self.pdf_button.clicked.connect(self.pdf_selected)
        row.addWidget(self.pdf_button)
        row.addStretch(1)
        lay.addLayout(row)
        box = QtWidgets.QGroupBox(_("Participant brought to HQ"))
        form = QtWidgets.QHBoxLayout(box)
        self.direct_code = QtWidgets.QLineEdit()
        self.direct_code.setPlaceholderText(_("participant code"))
        self.direct_form = QtWidgets.QComboBox()
        for f in hqs.DIRECT_KIND:
            self.direct_form.addItem(f"{f} {_(hqs.ACT_TITLES[f])}", f)
        self.direct_reason = QtWidgets.QLineEdit()
        self.direct_reason.setPlaceholderText(_("reason"))
        self.direct_button = QtWidgets.QPushButton(_("Record and draw up"))
        self.direct_button.clicked.connect(self.draw_direct)
        for x in (self.direct_code, self.direct_form, self.direct_reason, self.direct_button):
            form.addWidget(x)
        lay.addWidget(box)
        return w

    def _staff_tab(self) -> QtWidgets.QWidget:
        w = QtWidgets.QWidget()
        lay = QtWidgets.QVBoxLayout(w)
        row = QtWidgets.QHBoxLayout()
        self.replaced_combo, self.replacement_combo = QtWidgets.QComboBox(), QtWidgets.QComboBox()
        for combo in (self.replaced_combo, self.replacement_combo):  # code and a short name stay readable
            combo.setSizeAdjustPolicy(QtWidgets.QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(22)
        self._fill_staff_combos()
        self.staff_reason = QtWidgets.QLineEdit()
        self.staff_reason.setPlaceholderText(_("reason"))
        self.staff_button = QtWidgets.QPushButton(_("Record the change"))
        self.staff_button.clicked.connect(self.record_staff_change)
        for lab, x in ((_("Replaced:"), self.replaced_combo), (_("By:"), self.replacement_combo),
                       ("", self.staff_reason), ("", self.staff_button)):
            if lab:
                row.addWidget(QtWidgets.QLabel(lab))
            row.addWidget(x)
        self.staff_list_button = QtWidgets.QPushButton(_("Load the staff list (ППЭ-07)…"))
        self.staff_list_button.setToolTip(_("CSV or XLSX: code, surname, name, patronymic, role, room, lead"))
        self.staff_list_button.clicked.connect(lambda: self.import_staff_list())
        lay.addWidget(self.staff_list_button, 0, Qt.AlignmentFlag.AlignLeft)
        lay.addLayout(row)
        self.staff_table = _table([_("Time"), _("Room"), _("Replaced"), _("Replacement"), _("Role"), _("Reason")])
        lay.addWidget(self.staff_table, 1)
        from ui.hq.observers import ObserversPanel

        self.observers_panel = ObserversPanel(self.station, self._say, self.refresh)
        lay.addWidget(self.observers_panel)
        return w

    def _totals_tab(self) -> QtWidgets.QWidget:
        w = QtWidgets.QWidget()
        lay = QtWidgets.QVBoxLayout(w)
        lay.addWidget(self.totals_table, 1)
        self.point_forms_button = QtWidgets.QPushButton(_("Print the exam point's forms of the date (PDF)…"))
        self.point_forms_button.setToolTip(_("ППЭ-13-02-МАШ and the ППЭ-10 facts for each subject of the date, "
                                             "ППЭ-07 and ППЭ-19 for the date"))
        self.point_forms_button.clicked.connect(lambda: self.print_point_forms())
        lay.addWidget(self.point_forms_button, 0, Qt.AlignmentFlag.AlignLeft)
        return w

    def print_point_forms(self, folder: str | None = None):
        """Print the forms that total the exam point, one per subject, on a worker with its own Station."""
        from ui.ops import Operation

        day = self.station.day.key
        if folder is None:
            from app.paths import data_dir

            default = data_dir() / "print" / day
            folder = popups.choose_folder(self, _("Folder for the exam point's forms"), str(default))
            if not folder:
                return None
        from app.forms.api import discrepancies

        if not confirm_discrepancies(self, discrepancies(self.station)):  # on screen, never on the paper
            return None
        out, path = Path(folder), self.station.path

        def work(progress):
            from app.forms import render_point_forms
            from app.services.station import Station

            st = Station.open(path)  # the worker's own station: the GUI's is never shared with it
            try:
                st.use_day(day)
                out.mkdir(parents=True, exist_ok=True)
                return render_point_forms(st, out, progress=progress)
            finally:
                st.close()

        def done(printed) -> None:
            self.printed_point_forms = printed
            self._say(ngettext("{n} form printed into {folder}: {files}", "{n} forms printed into {folder}: {files}",
                               len(printed)).format(n=len(printed), folder=out,
                                                    files=", ".join(p.path.name for p in printed)))

        def failed(e: Exception) -> None:
            self._say(str(e) if isinstance(e, UserError) else
                      _("Printing failed ({name}).").format(name=e.__class__.__name__), True)

        self.point_forms_op = Operation(self, work, _("Printing the exam point's forms…"), with_progress=True) \
            .success(done).failure(failed).run()
        return self.point_forms_op

    def _verify_tab(self) -> QtWidgets.QWidget:
        w = QtWidgets.QWidget()
        lay = QtWidgets.QVBoxLayout(w)
        lay.addWidget(QtWidgets.QLabel(_("Paste the text of the act's QR code, or scan it with the scanner:")))
        self.qr_input = QtWidgets.QPlainTextEdit()
        lay.addWidget(self.qr_input, 1)
        self.verify_button = QtWidgets.QPushButton(_("Verify"))
        self.verify_button.clicked.connect(self.verify_qr)
        lay.addWidget(self.verify_button, 0, Qt.AlignmentFlag.AlignLeft)
        self.verify_result = QtWidgets.QLabel()
        self.verify_result.setWordWrap(True)
        lay.addWidget(self.verify_result)
        return w

    # --- the exam date ------------------------------------------------------------------------------
    def _subject_title(self, code: str) -> str:
        try:
            return self.station.ref.subject(code).local_title(current_language())
        except KeyError:
            return code

    def _fill_dates(self) -> None:
        """Every date of the period with its subjects; the station's date selected."""
        self.date_combo.blockSignals(True)
        self.date_combo.clear()
        for d in self.station.days():
            subjects = ", ".join(self._subject_title(c) for c in d.subjects)
            self.date_combo.addItem(f"{format_date(d.date)} · {subjects}", d.key)
        i = self.date_combo.findData(self.station.day.key)
        self.date_combo.setCurrentIndex(max(i, 0))
        self.date_combo.setToolTip(self.date_combo.currentText())  # the box may cut the subjects; the list does not
        self.date_combo.blockSignals(False)
        self._fill_subjects()

    def _fill_subjects(self) -> None:
        keep = self.subject_combo.currentData()
        self.subject_combo.blockSignals(True)
        self.subject_combo.clear()
        self.subject_combo.addItem(_("All subjects"), "")
        for code in self.station.plan.subjects:
            self.subject_combo.addItem(f"{code} {self._subject_title(code)}", code)
        i = self.subject_combo.findData(keep) if keep else 0
        self.subject_combo.setCurrentIndex(max(i, 0))
        self.subject_combo.blockSignals(False)

    def _date_chosen(self, _index: int) -> None:
        key = self.date_combo.currentData()
        if key and key != self.station.day.key:
            self.set_date(key)

    def set_date(self, key: str) -> None:
        """Show another exam date of the period: every room of it, whatever its subject."""
        try:
            self.station.set_day(key)
        except UserError as e:
            self._say(str(e), True)
            return
        i = self.date_combo.findData(key)
        if i >= 0 and i != self.date_combo.currentIndex():
            self.date_combo.blockSignals(True)
            self.date_combo.setCurrentIndex(i)
            self.date_combo.blockSignals(False)
        self._fill_subjects()
        self.refresh()

    def _title_text(self) -> str:
        pt, day = self.station.point, self.station.day
        subjects = ", ".join(f"{c} {self._subject_title(c)}" for c in self.station.plan.subjects)
        return f"<b>{_('Exam point')} {pt.code}</b> — {pt.name}<br><b>{format_date(day.date)}</b> · {subjects}"

    # --- refresh ------------------------------------------------------------------------------------
    def refresh(self) -> None:
        self.station.invalidate()
        self.title.setText(self._title_text())
        off = [c for c in self.station.plan.subjects if self.station.ref.scheduled(self.station.day.key, c) is False]
        if off:  # advice only: a region may hold an exam the national schedule does not list
            self._say(_("The {year} schedule does not hold {subjects} on {date}: check the distribution list.").format(
                year=self.station.ref.year, subjects=", ".join(f"{c} {self._subject_title(c)}" for c in off),
                date=format_date(self.station.day.date)), True)
        wanted = self.subject_combo.currentData() if hasattr(self, "subject_combo") else ""
        rows = [r for r in hqs.overview(self.station) if not wanted or r.subject == wanted]
        self.rooms = rows
        self.table.setRowCount(len(rows))
        for i, r in enumerate(rows):
            c = r.counts
            pkg = r.last_package
            values = {"room": r.room, "subject": f"{r.subject} {self._subject_title(r.subject)}",
                      "phase": _(PHASES.get(r.phase, r.phase)), "incidents": r.incidents,
                      "acts": r.acts_pending,
                      "package": (f"{pkg['station']} #{pkg['seq_to']}" if pkg else "—"),
                      "received": (format_time(parse_utc(pkg["imported_at"]), self.tz) if pkg else "—"), **c}
            for j, (key, _h) in enumerate(ROOM_COLUMNS):
                bg = None
                if key == "out_of_room" and c.get("out_of_room"):
                    bg = AMBER
                elif key == "acts" and r.acts_pending:
                    bg = RED
                elif key == "phase" and r.phase == "closed":
                    bg = GREEN if hqs.closed_clean(c) else RED  # closed with someone still in or unmarked
                self.table.setItem(i, j, _item(values.get(key, ""),
                                               key not in ("room", "subject", "phase", "package", "received"), bg))
        self.table.resizeColumnsToContents()
        tot = hqs.ppe_totals(self.station)
        t = tot["totals"]
        self.totals_label.setText(
            _("present {present} of {assigned} · absent {absent} · out of room {out} · acts to draw {acts}").format(
                present=t["present"], assigned=t["assigned"], absent=t["absent"], out=t["out_of_room"],
                acts=sum(a["needed"] - a["drawn"] for a in tot["acts"].values())))
        self._fill_acts()
        self._fill_staff()
        if hasattr(self, "observers_panel"):
            self.observers_panel.fill()
        self._fill_totals(tot)
        if hasattr(self, "papers_panel"):
            self.papers_panel.refresh()
        self.server_panel.show_status()  # an import or a mark changes what waits to be sent

    def _fill_acts(self) -> None:
        self.act_items = hqs.acts(self.station)
        plan = self.station.plan
        self.acts_table.setRowCount(len(self.act_items))
        for i, a in enumerate(self.act_items):
            p = plan.participants.get(a.participant or "")
            who = f"{a.participant} {p.short_name}" if p else (a.participant or "")
            ev = a.incident or a.drawn
            when = format_time(parse_utc(ev.at), self.tz) if ev else ""
            if a.drawn is not None:
                gek = plan.staff.get(str(a.drawn.payload.get("gek_member", "")))
                status = _("drawn up, GEK member {name}").format(name=gek.short_name if gek else
                                                                  a.drawn.payload.get("gek_member"))
            else:
                status = _("to draw up")
            pl = a.incident.payload if a.incident else {}
            details = " · ".join(str(pl[k]) for k in ("reason", "item", "text", "confirmed_by") if pl.get(k))
            vals = (a.room, a.form, a.title, who, when, status, details)
            for j, v in enumerate(vals):
                self.acts_table.setItem(i, j, _item(v, bg=None if a.drawn else (RED if j == 5 else None)))
        self.acts_table.resizeColumnsToContents()

    def _fill_staff(self) -> None:
        changes = hqs.staff_changes(self.station)
        staff = self.station.plan.staff
        self.staff_table.setRowCount(len(changes))
        for i, e in enumerate(changes):
            def name(code):
                s = staff.get(str(code))
                return f"{code} {s.short_name}" if s else str(code)
            vals = (format_time(parse_utc(e.at), self.tz), e.room or _("Exam point"), name(e.payload.get("replaced")),
                    name(e.payload.get("replacement")), e.payload.get("role", ""), e.payload.get("reason", ""))
            for j, v in enumerate(vals):
                self.staff_table.setItem(i, j, _item(v))
        self.staff_table.resizeColumnsToContents()

    def _fill_totals(self, tot: dict) -> None:
        labels = {"assigned": _("Assigned"), "present": _("Present"), "absent": _("Absent"),
                  "unmarked": _("Not marked"), "late": _("Late"), "in_room": _("In room"),
                  "out_of_room": _("Out of room"), "removed": _("Removed (ППЭ-21)"),
                  "finished_early": _("Finished early (ППЭ-22)"), "finished": _("Finished"),
                  "extra_sheets": _("Extra answer sheets"), "exits": _("Exits"), "corrections": _("Corrections"),
                  "appeals": _("Appeals (ППЭ-02)"), "no_document": _("Admitted without a document")}
        rows = [(labels[k], v) for k, v in tot["totals"].items()]
        rows += [(_("Rooms closed"), f"{tot['closed']} / {tot['rooms']}"),
                 (_("Incidents"), tot["incidents"]), (_("Staff changes (ППЭ-19)"), tot["staff_changes"]),
                 (_("Public observers"), tot["observers"])]
        rows += [(f"{f} {_('drawn up / needed')}", f"{a['drawn']} / {a['needed']}") for f, a in tot["acts"].items()]
        if len(tot["per_subject"]) > 1:  # a date holding several subjects: each one's own figures
            for code, f in tot["per_subject"].items():
                rows.append((f"{code} {self._subject_title(code)}",
                             _("rooms {rooms} · assigned {assigned} · present {present} · absent {absent}").format(
                                 **f)))
        if tot["forks"]:
            rows.append((_("Forked chains found (review!)"), tot["forks"]))
        self.totals_table.setRowCount(len(rows))
        for i, (k, v) in enumerate(rows):
            self.totals_table.setItem(i, 0, _item(k))
            self.totals_table.setItem(i, 1, _item(v, True))
        self.totals_table.resizeColumnsToContents()

    # --- actions ------------------------------------------------------------------------------------
    def _say(self, text: str, error: bool = False) -> None:
        self.message.setStyleSheet("color: #a00000;" if error else "")
        self.message.setText(text)

    def choose_files(self) -> None:
        files = popups.choose_open_files(self, _("Result packages on the stick"), str(self.stick_folder()),
                                         _("Auditoria packages (*.pkg *.auditoria);;All files (*)"))
        if files:
            self.remember_stick(Path(files[0]).parent)
            self.import_files([Path(f) for f in files])

    def import_files(self, files: list[Path]):
        """Import package files in a worker thread; the table refreshes when it is done."""
        self.import_button.setEnabled(False)
        self.progress.setValue(0)
        self.progress.setVisible(True)
        self._say(ngettext("importing {n} file…", "importing {n} files…", len(files)).format(n=len(files)))
        self._lines: list[str] = []
        self._had_error = False
        thread, worker = start_import(self, self.station.path, files)
        worker.progress.connect(self._on_progress)
        worker.receipt.connect(self._on_receipt)
        worker.failed.connect(self._on_failed)
        worker.finished.connect(self._on_import_done)
        self._threads.append(thread)
        self.import_worker = worker
        return worker

    def _on_progress(self, pct: int, stage: str) -> None:
        self.progress.setValue(pct)
        self.progress.setFormat(f"%p% — {stage}")

    def _on_receipt(self, rec) -> None:
        self.receipts.append(rec)
        self._lines.append(rec.message())
        self._had_error = self._had_error or rec.outcome == "fork"

    def _on_failed(self, file: str, msg: str) -> None:
        self._lines.append(msg)
        self._had_error = True

    def _on_import_done(self) -> None:
        self.import_button.setEnabled(True)
        self.progress.setVisible(False)
        self._say("\n".join(self._lines), error=self._had_error)
        self.refresh()

    def selected_act(self) -> hqs.ActItem | None:
        rows = self.acts_table.selectionModel().selectedRows()
        return self.act_items[rows[0].row()] if rows else None

    def _act_selected(self) -> None:
        """The GEK member the room named for the incident is chosen for its act."""
        item = self.selected_act()
        code = hqs.suggested_gek(self.station, item) if item is not None else ""
        i = self.gek_combo.findData(code) if code else -1
        if i >= 0:
            self.gek_combo.setCurrentIndex(i)

    def draw_selected(self) -> None:
        item = self.selected_act()
        if item is None:
            self._say(_("select an act in the list first"), True)
            return
        try:
            res = hqs.draw_act(self.station, item, self.gek_combo.currentData() or "")
        except UserError as e:
            self._say(str(e), True)
            return
        self.last_act = res
        self._say(_("act {form} recorded (document {doc})").format(form=item.form, doc=res.document_id[:8])
                  + "".join(f"\n{w}" for w in res.warnings))
        self.refresh()

    def draw_direct(self) -> None:
        try:
            res = hqs.direct_act(self.station, self.direct_form.currentData(), self.direct_code.text().strip(),
                                 self.gek_combo.currentData() or "", self.direct_reason.text())
        except UserError as e:
            self._say(str(e), True)
            return
        self.last_act = res
        self._say(_("act {form} recorded (document {doc})").format(form=res.event.payload["form"],
                                                                    doc=res.document_id[:8]))
        self.refresh()

    def _drawn_act(self) -> hqs.ActItem | None:
        item = self.selected_act()
        if item is None or item.drawn is None:
            self._say(_("select an act that has been drawn up"), True)
            return None
        return item

    def print_selected(self) -> QtWidgets.QDialog | None:
        """Print the act on the system printer, through Qt's print preview (the pages as they will be)."""
        item = self._drawn_act()
        if item is None:
            return None
        from PySide6.QtPrintSupport import QPrinter, QPrintPreviewDialog

        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        dlg = QPrintPreviewDialog(printer, self)
        dlg.setWindowTitle(_("Print {form}").format(form=item.form))
        failures: list[str] = []

        def paint(p) -> None:
            try:
                hqs.paint_act(p, self.station, item)
            except UserError as e:
                failures.append(str(e))

        dlg.paintRequested.connect(paint)
        self.print_dialog = dlg
        exec_dialog(dlg)
        if failures:
            self._say(failures[0], True)
        return dlg

    def pdf_selected(self) -> None:
        """The act as a PDF file (to print elsewhere); says where it went and opens nothing."""
        item = self._drawn_act()
        if item is None:
            return
        try:
            out = hqs.print_act(self.station, item)
        except UserError as e:
            self._say(str(e), True)
            return
        self.last_printed = out
        self._say(_("act saved as PDF: {path}").format(path=out))

    def _fill_staff_combos(self) -> None:
        for combo in (self.replaced_combo, self.replacement_combo):
            combo.clear()
        for s in sorted(self.station.plan.staff.values(), key=lambda s: s.code):
            label = f"{s.code} — {s.short_name} ({s.role}{' ' + s.room if s.room else ''})"
            self.replaced_combo.addItem(label, s.code)
            self.replacement_combo.addItem(label, s.code)

    def import_staff_list(self, path: str | None = None) -> None:
        """The exam point's staff list (ППЭ-07): all rows or none, the problems named by line and column."""
        from app.services.staff_import import import_staff

        if path is None:
            path = popups.choose_open_file(self, _("The staff list (ППЭ-07)"), str(self.stick_folder()),
                                           _("Lists (*.csv *.xlsx);;All files (*)"))
            if not path:
                return
        try:
            res = import_staff(self.station, path)
        except UserError as e:
            self._say(str(e), True)
            return
        self._fill_staff_combos()
        self.refresh()
        self._say(_("{file}: no changes").format(file=res.file) if res.unchanged else
                  ngettext("{file}: {n} staff member loaded", "{file}: {n} staff members loaded", res.rows).format(
                      file=res.file, n=res.rows))

    def record_staff_change(self) -> None:
        try:
            hqs.staff_change(self.station, self.replaced_combo.currentData(), self.replacement_combo.currentData(),
                             self.staff_reason.text())
        except UserError as e:
            self._say(str(e), True)
            return
        self._say(_("staff change recorded (ППЭ-19)"))
        self.staff_reason.clear()
        self.refresh()

    def verify_qr(self) -> None:
        res = hqs.verify_act_qr(self.station, self.qr_input.toPlainText())
        self.verify_result.setStyleSheet("color: #006000;" if res.ok else "color: #a00000;")
        self.verify_result.setText(res.message)

    def showEvent(self, e):  # noqa: N802 - Qt override
        super().showEvent(e)
        keep_on_screen(self)  # again once the window manager's frame (title bar) is known

    def closeEvent(self, event: QtGui.QCloseEvent) -> None:  # noqa: N802 - Qt name
        self.server_panel.stop()
        for t in self._threads:
            try:
                if t.isRunning():
                    t.quit()
                    t.wait(5000)
            except RuntimeError:  # already deleted
                pass
        super().closeEvent(event)


__all__ = ["HqWindow", "QtCore"]
