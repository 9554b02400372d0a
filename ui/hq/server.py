"""The HQ window's *Server* tab: enroll with the municipal server, sync, and see what waits.

A thin view over app.sync.client: ``sync_once`` runs in an ``Operation`` (the one database
worker) on its own Station opened on the same file, as the stick import does; ``server_view``
gives everything the status area shows. No rules and no SQL here.
"""

from __future__ import annotations

from datetime import UTC, datetime

from app.domain.event import parse_utc
from app.errors import UserError
from app.i18n import _, format_datetime, format_time, ngettext
from app.sync.client import Backoff
from ui.ops import Operation
from ui.qt import Qt, QtCore, QtWidgets

GREEN, AMBER, RED = "#006000", "#8a5a00", "#a00000"
AUTO_RETRY_MS = 30_000  # how often the tab looks whether a failed round is due again


def _sync_job(db, url: str, code: str | None, backoff: Backoff):
    """On the worker: one round on a Station of our own, then the status to show."""
    from app.services.station import Station
    from app.sync.client import server_view, sync_once

    def run(progress):
        st = Station.open(db)
        try:
            def report(p) -> None:
                label = {
                    "enroll": _("enrolling with the server…"),
                    "plan": _("sending the exam day's plan…"),
                    "push": _("sending events: {done} of {total}"),
                    "pull": _("receiving exam days and lists: {done} of {total}"),
                    "retry": _("the server does not answer; trying again ({done} of {total})…"),
                    "done": _("done"),
                }.get(p.phase, p.phase).format(done=p.done, total=p.total)
                progress(p.done, p.total, label)

            res = sync_once(st, url, progress=report, enroll_code=code or None, backoff=backoff)
            return res, server_view(st, url)
        finally:
            st.close()

    return run


class ServerPanel(QtWidgets.QWidget):
    """Server address, enrollment code, *Sync now*, and the sync status of this HQ station."""

    synced = QtCore.Signal(object)  # the SyncResult, after the round (the window refreshes its tables)

    def __init__(self, station, tz: str, settings, parent: QtWidgets.QWidget | None = None):
        super().__init__(parent)
        self.station, self.tz, self.settings = station, tz, settings
        self.backoff = Backoff(base=0.5, cap=4.0, attempts=4)  # a few seconds, then "later": the window stays usable
        self.op: Operation | None = None
        self.last_result = None
        self.view: dict | None = None
        lay = QtWidgets.QVBoxLayout(self)

        box = QtWidgets.QGroupBox(_("Municipal server"))
        form = QtWidgets.QFormLayout(box)
        self.address = QtWidgets.QLineEdit()
        self.address.setPlaceholderText("https://monitoring.example.ru")
        self.address.setAccessibleName(_("Server address"))
        self.address.editingFinished.connect(self.show_status)
        form.addRow(_("Server address:"), self.address)
        self.code = QtWidgets.QLineEdit()
        self.code.setPlaceholderText(_("one-time code from the municipal authority"))
        self.code.setAccessibleName(_("Enrollment code"))
        self.code_label = QtWidgets.QLabel(_("Enrollment code:"))
        form.addRow(self.code_label, self.code)
        row = QtWidgets.QHBoxLayout()
        self.sync_button = QtWidgets.QPushButton(_("Sync now"))
        self.sync_button.clicked.connect(lambda: self.sync_now())
        row.addWidget(self.sync_button)
        self.progress = QtWidgets.QProgressBar()
        self.progress.setVisible(False)
        row.addWidget(self.progress, 1)
        row.addStretch(0)
        form.addRow(row)
        self.message = QtWidgets.QLabel()
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        form.addRow(self.message)
        lay.addWidget(box)

        box = QtWidgets.QGroupBox(_("Status"))
        form = QtWidgets.QFormLayout(box)
        self.enrolled_value, self.fingerprint_value, self.last_success_value = (QtWidgets.QLabel() for _i in range(3))
        self.last_attempt_value, self.pending_value, self.retry_value = (QtWidgets.QLabel() for _i in range(3))
        for lab, w in ((_("Enrollment:"), self.enrolled_value), (_("Fingerprint:"), self.fingerprint_value),
                       (_("Last successful sync:"), self.last_success_value),
                       (_("Last attempt:"), self.last_attempt_value),
                       (_("Events waiting to be sent:"), self.pending_value),
                       (_("Batches to retry:"), self.retry_value)):
            w.setWordWrap(True)
            w.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            form.addRow(lab, w)
        lay.addWidget(box)

        box = QtWidgets.QGroupBox(_("Batches the server refused"))
        inner = QtWidgets.QVBoxLayout(box)
        self.rejected_none = QtWidgets.QLabel(_("None: the server has accepted everything it was sent."))
        inner.addWidget(self.rejected_none)
        self.rejected_help = QtWidgets.QLabel(_(
            "The server refused these events. They are kept at this station and are not sent again until a "
            "person has looked at them. Usually two laptops wrote marks for the same station (a copied laptop: "
            "a fork) or the events belong to another exam point. Check the room station named here and call "
            "the municipal authority. When the cause is fixed, press “Send refused batches again”: the batches "
            "are offered to the server once more in a new sync; if the cause is still there, it refuses them "
            "again and they stay listed here."))
        self.rejected_help.setWordWrap(True)
        inner.addWidget(self.rejected_help)
        self.rejected_table = QtWidgets.QTableWidget(0, 4)
        self.rejected_table.setHorizontalHeaderLabels([_("Station"), _("Seq. numbers"), _("Reason"), _("When")])
        self.rejected_table.verticalHeader().setVisible(False)
        head = self.rejected_table.horizontalHeader()
        for j in range(4):
            head.setSectionResizeMode(j, QtWidgets.QHeaderView.ResizeMode.ResizeToContents)
        head.setSectionResizeMode(2, QtWidgets.QHeaderView.ResizeMode.Stretch)
        self.rejected_table.setEditTriggers(QtWidgets.QAbstractItemView.EditTrigger.NoEditTriggers)
        inner.addWidget(self.rejected_table, 1)
        self.resolve_button = QtWidgets.QPushButton(_("Send refused batches again"))
        self.resolve_button.clicked.connect(self.resolve_and_sync)
        inner.addWidget(self.resolve_button, 0, Qt.AlignmentFlag.AlignLeft)
        lay.addWidget(box)
        lay.addStretch(1)

        remembered = settings.get("hq/server") if settings is not None else ""
        if not remembered:
            from app.sync.client import sync_status

            servers = sync_status(station)["servers"]
            remembered = servers[0]["server"] if servers else ""
        self.address.setText(remembered)
        if station.role != "hq":
            self.sync_button.setEnabled(False)
            self._say(_("Only an HQ station syncs with the municipal server (this database is a {role} station).")
                      .format(role=station.role), RED)
        self.timer = QtCore.QTimer(self)
        self.timer.setInterval(AUTO_RETRY_MS)
        self.timer.timeout.connect(self.retry_if_due)
        self.timer.start()
        self.show_status()

    # --- helpers ------------------------------------------------------------------------------------
    def _say(self, text: str, color: str = "") -> None:
        self.message.setStyleSheet(f"color: {color};" if color else "")
        self.message.setText(text)

    def _when(self, iso: str | None) -> str:
        return format_datetime(parse_utc(iso), self.tz) if iso else "—"

    def url(self, quiet: bool = False) -> str | None:
        """The typed address, normalized by the core (which refuses plain HTTP off this computer)."""
        from app.sync.client import normalize_url

        text = self.address.text().strip()
        if not text:
            if not quiet:
                self._say(_("Type the server's address first (the municipal authority gives it)."), RED)
            return None
        try:
            return normalize_url(text)
        except UserError as e:
            if not quiet:
                self._say(str(e), RED)
            return None

    @property
    def running(self) -> bool:
        return self.op is not None and self.op.running

    # --- status -------------------------------------------------------------------------------------
    def show_status(self, view: dict | None = None) -> None:
        """Fill the status area for the typed address (``view``: fresh from the worker, or read here)."""
        url = self.url(quiet=True)
        if view is None and url is not None:
            from app.sync.client import server_view

            view = server_view(self.station, url)
        self.view = view
        enrolled = bool(view and view["enrolled"])
        self.code.setVisible(not enrolled)
        self.code_label.setVisible(not enrolled)
        if view is None:
            for w in (self.enrolled_value, self.fingerprint_value, self.last_success_value, self.last_attempt_value,
                      self.retry_value):
                w.setText("—")
            from app.services.room_ops import events_held

            self.pending_value.setText(str(events_held(self.station)))
            self._fill_rejected([])
            return
        if enrolled:
            self.enrolled_value.setText(_("enrolled for exam point {ppe} {name} on {when}").format(
                ppe=view["ppe"], name=view["ppe_name"], when=self._when(view["enrolled_at"])))
            from app.transfer.keys import station_keys

            own = station_keys(self.station).public.fingerprint
            fp = view["fingerprint"]
            self.fingerprint_value.setText(
                _("the server knows this station by {fp} — matches this station's key").format(fp=fp) if fp == own
                else _("the server knows this station by {fp}, but this station's key is {own}: call the "
                       "municipal authority").format(fp=fp, own=own))
        else:
            self.enrolled_value.setText(_("not enrolled with this server yet: type the one-time code the "
                                          "municipal authority gave for this exam point, then press “Sync now”"))
            self.fingerprint_value.setText("—")
        self.last_success_value.setText(self._when(view["last_success_at"]))
        outcome = {"accepted": _("everything sent"), "retry": _("no connection, to be retried"),
                   "rejected": _("some batches refused"), "never": ""}.get(view["outcome"], view["outcome"])
        self.last_attempt_value.setText(self._when(view["last_attempt_at"]) + (f" — {outcome}" if outcome and
                                                                              view["last_attempt_at"] else ""))
        self.pending_value.setText(str(view["pending_events"]))
        lines = [ngettext("station {station}: events {first}–{last} ({n} event)",
                          "station {station}: events {first}–{last} ({n} events)", r["count"]).format(
            station=r["station"], first=r["first_seq"], last=r["last_seq"], n=r["count"]) for r in view["retry"]]
        if view["outcome"] == "retry" and view["next_attempt_at"]:
            if not lines:
                lines.append(_("the last round could not reach the server; what waits goes in the next one"))
            lines.append(_("next attempt about {time} (while this window is open), or press “Sync now”").format(
                time=format_time(parse_utc(view["next_attempt_at"]), self.tz)))
        self.retry_value.setText("\n".join(lines) if lines else _("none"))
        self._fill_rejected(view["rejected"])

    def _fill_rejected(self, rows: list[dict]) -> None:
        self.rejected_none.setVisible(not rows)
        for w in (self.rejected_help, self.rejected_table, self.resolve_button):
            w.setVisible(bool(rows))
        self.rejected_table.setRowCount(len(rows))
        for i, r in enumerate(rows):
            seqs = f"{r['first_seq']}–{r['last_seq']}" if r["last_seq"] != r["first_seq"] else str(r["first_seq"])
            for j, v in enumerate((r["station"], seqs, r["reason"], self._when(r["at"]))):
                it = QtWidgets.QTableWidgetItem(v)
                it.setToolTip(v)
                self.rejected_table.setItem(i, j, it)

    # --- actions ------------------------------------------------------------------------------------
    def sync_now(self, auto: bool = False) -> Operation | None:
        if self.running:
            return self.op
        url = self.url(quiet=auto)
        if url is None:
            return None
        if self.view is None or self.view["server"] != url:
            self.show_status()
        code = self.code.text().strip() if not self.code.isHidden() else ""
        if not (self.view and self.view["enrolled"]) and not code:
            if not auto:
                self._say(_("This station is not enrolled with {url} yet: type the one-time enrollment code "
                            "first.").format(url=url), RED)
            return None
        if self.settings is not None:
            self.settings.set("hq/server", url)
            self.settings.sync()
        self.sync_button.setEnabled(False)
        self.resolve_button.setEnabled(False)
        self.progress.setRange(0, 0)
        self.progress.setVisible(True)
        self._say(_("Syncing with {url}…").format(url=url))
        op = Operation(self, _sync_job(self.station.path, url, code, self.backoff), _("Syncing with the server…"),
                       with_progress=True, dialog=False, network=True)  # its own queue: printing goes on
        op.progressed.connect(self._on_progress)
        op.success(self._on_done).failure(self._on_failed)
        self.op = op
        return op.run()

    def _on_progress(self, done: int, total: int, label: str) -> None:
        if total > 0:
            self.progress.setRange(0, total)
            self.progress.setValue(min(done, total))
        self.progress.setFormat(label or "%p%")

    def _finish(self) -> None:
        self.progress.setVisible(False)
        self.sync_button.setEnabled(self.station.role == "hq")
        self.resolve_button.setEnabled(True)

    def _on_done(self, out) -> None:
        res, view = out
        self.last_result = res
        self._finish()
        self.code.clear()
        self.show_status(view)
        if res.outcome == "accepted":
            if res.sent == 0 and not res.pulled_days:
                text = _("Up to date: there was nothing new to send.")
            else:
                text = _("Sync done: {events} sent in {batches}.").format(
                    events=ngettext("{n} event", "{n} events", res.sent).format(n=res.sent),
                    batches=ngettext("{n} batch", "{n} batches", res.batches).format(n=res.batches))
            if res.duplicates:
                text += " " + ngettext("{n} event was already on the server.",
                                       "{n} events were already on the server.", res.duplicates).format(
                    n=res.duplicates)
            if res.pulled_days:
                text += " " + _("Received the lists for: {days}.").format(days=", ".join(res.pulled_days))
            text += "".join(f"\n{n}" for n in res.list_notes)
            self._say(text, GREEN)
        elif res.outcome == "retry":
            text = _("No connection to the server. Nothing is lost: the data is kept at this station and will be "
                     "sent later.")
            if view.get("next_attempt_at"):
                text += " " + _("Next attempt about {time} while this window is open; or press “Sync now” when the "
                                "connection is back.").format(
                    time=format_time(parse_utc(view["next_attempt_at"]), self.tz))
            self._say(text, AMBER)
        elif view["rejected"]:
            n = len(view["rejected"])
            self._say(ngettext("The server refused {n} batch. It is kept at this station; see below what to do.",
                               "The server refused {n} batches. They are kept at this station; see below what to do.",
                               n).format(n=n), RED)
        else:
            self._say(_("The server refused the request: {reason}").format(reason=res.message), RED)
        self.synced.emit(res)

    def _on_failed(self, e: Exception) -> None:
        self._finish()
        self.show_status()
        if isinstance(e, UserError):
            self._say(str(e), RED)
        else:  # logged by the Operation (class name only); never a traceback here
            self._say(_("Something went wrong while syncing ({name}). Nothing is lost: the data is kept at this "
                        "station. Details are in the log.").format(name=e.__class__.__name__), RED)

    def resolve_and_sync(self) -> Operation | None:
        """A person has looked at the refused batches: mark them so, and offer them to the server again."""
        from app.sync.client import resolve_rejected

        url = self.url()
        if url is None or self.running:
            return None
        resolve_rejected(self.station, url)
        return self.sync_now()

    def retry_if_due(self) -> Operation | None:
        """A round that found no connection is tried again by itself once its next attempt is due."""
        v = self.view
        if self.running or not v or not v["enrolled"] or v["outcome"] != "retry" or not v.get("next_attempt_at"):
            return None
        if parse_utc(v["next_attempt_at"]) > datetime.now(UTC):
            return None
        return self.sync_now(auto=True)

    def stop(self) -> None:
        self.timer.stop()
