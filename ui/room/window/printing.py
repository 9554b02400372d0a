"""Printing, PDFs and the export to the stick for the room window.

Why apart: these are the long operations. The PDFs and the export run on the worker thread with a
``Station`` of their own (``room_ops.open_like``), never the GUI's, so a mark made meanwhile cannot
change what the renderer reads; the print preview paints on the GUI thread because Qt asks for the
pages there. Results are told through the window's ``show_done``/``show_message``.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Protocol

from app.errors import UserError
from app.i18n import _, ngettext
from app.logs import get_logger
from app.services import room_ops
from app.services.station import Station
from ui import popups
from ui.ops import Operation, confirm_discrepancies
from ui.qt import QtCore, QtWidgets
from ui.settings import Settings
from ui.widgets import exec_dialog

log = get_logger("ui.room")


class PrintingHost(Protocol):
    """What printing uses of the window (a QWidget: the dialogs' parent)."""

    station: Station
    room: str
    settings: Settings
    open_dialog: QtWidgets.QWidget | None

    def show_message(self, text: str, warning: bool = False) -> None: ...
    def show_done(self, html_text: str, status: str, ms: int) -> None: ...


class PrintExport:
    """Ctrl+P, Ctrl+Shift+P and F12 for the window ``w``; the last results stay readable here
    (``printed``, ``last_export``) and the running operations (``print_op``, ``export_op``)."""

    def __init__(self, window: PrintingHost):
        self.w = window
        self.printed: list = []
        self.last_export = None
        self.print_op: Operation | None = None
        self.export_op: Operation | None = None

    def print_preview(self) -> QtWidgets.QDialog | None:
        """Ctrl+P: the room's forms on the system printer, through Qt's print preview (PDFs: Ctrl+Shift+P)."""
        from PySide6.QtPrintSupport import QPrinter, QPrintPreviewDialog

        from app.forms.api import discrepancies

        if not confirm_discrepancies(self.w, discrepancies(self.w.station, room=self.w.room)):
            return None
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        dlg = QPrintPreviewDialog(printer, self.w)
        dlg.setWindowTitle(_("Print the room's forms"))

        def paint(p) -> None:
            from app.forms import paint_room_set

            try:
                paint_room_set(p, self.w.station, self.w.room)  # the GUI thread: the GUI's own Station
            except UserError as e:
                self.w.show_message(str(e), warning=True)

        dlg.paintRequested.connect(paint)
        self.w.open_dialog = dlg
        exec_dialog(dlg)
        return dlg

    def print_forms(self, folder: str | None = None) -> Operation | None:
        """The room's forms (05-01, 05-02, 12-02, 12-03, 12-04-МАШ) as PDFs, rendered on the worker thread."""
        if folder is None:
            from app.paths import data_dir

            default = data_dir() / "print" / self.w.room
            remembered = str(self.w.settings.get("print/folder") or "")
            if remembered and Path(remembered).is_dir():
                default = Path(remembered)
            folder = popups.choose_folder(self.w, _("Folder for the room's forms"), str(default))
            if not folder:
                return None
            self.w.settings.set("print/folder", str(folder))
        from app.forms.api import discrepancies

        if not confirm_discrepancies(self.w, discrepancies(self.w.station, room=self.w.room)):
            return None
        out = Path(folder)
        gui_station, room = self.w.station, self.w.room

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
            # where the PDFs went, also in the status bar
            self.w.show_done(f"<p>✔ {html.escape(head)} <a href='{url}'>{html.escape(str(out))}</a></p>"
                             f"<ul>{items}</ul>", f"{head} {out}", 30_000)
            self.printed = printed

        def failed(e: Exception) -> None:
            self.w.show_message(str(e) if isinstance(e, UserError) else
                              _("Printing failed ({name}).").format(name=e.__class__.__name__), warning=True)

        self.print_op = Operation(self.w, work, _("Printing the room's forms…"), with_progress=True) \
            .success(done).failure(failed).run()
        return self.print_op

    def can_export(self) -> bool:
        """Only a station set up from HQ's package has an HQ to encrypt its results to."""
        from app.transfer.results import hq_recipient

        return hq_recipient(self.w.station) is not None

    def export_to_stick(self, folder: str | None = None) -> Operation | None:
        """Write this station's marks for HQ to a stick, on the worker thread, and say what was written.

        Every mark each time, not only the new ones: any one stick brings HQ the whole room, however
        many sticks went missing or came in out of order, and HQ counts each mark once.
        """
        from app.transfer.media import default_folder
        from app.transfer.results import export_results, package_name

        if not self.can_export():
            self.w.show_message(_("This station was not set up from an HQ package, so it has no HQ to write "
                                "results for."), warning=True)
            return None
        if folder is None:
            folder = popups.choose_folder(
                self.w, _("The stick for HQ: choose it (or a folder on it)"),
                str(default_folder(self.w.settings.get("export/folder"))))
            if not folder:
                return None
        self.w.settings.set("export/folder", str(folder))
        out = Path(folder) / package_name(self.w.station)
        station = self.w.station

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
            self.w.show_done("<p>✔ " + "<br>".join(html.escape(x) for x in lines) + "</p>", lines[0], 15000)
            log.info("results exported: %d events", n)

        def failed(e: Exception) -> None:
            self.w.show_message(str(e) if isinstance(e, UserError) else
                              _("Writing to the stick failed ({name}); nothing is lost here, try again or another "
                                "stick.").format(name=e.__class__.__name__), warning=True)

        def export():
            own = room_ops.open_like(station)  # the worker's own Station, never the GUI's
            try:
                return export_results(own, out, everything=True)
            finally:
                own.close()

        self.export_op = Operation(self.w, export,
                                   _("Writing the results to the stick…")).success(done).failure(failed).run()
        return self.export_op

    def offer_export(self, parent: QtWidgets.QWidget | None = None) -> Operation | None:
        """After the room is closed: the results go to HQ now, so ask (once, never forced)."""
        if not self.can_export():
            return None
        if not popups.ask(parent or self.w, _("Export results"),
                          _("The room is closed. Write the results to the stick for HQ now?"), default_yes=True):
            return None
        return self.export_to_stick()
