"""What the room and HQ screens and the CLI call to print: no widgets, QtGui only.

- ``render_form(station, form, room=None, participant=None, event_id=None, out=None)`` → PDF bytes
  (or the path written when ``out`` is given);
- ``render_room_set(station, room, out_dir)`` → the room's five forms as PDFs;
- ``render_day_pack(station, out_dir, progress=cb)`` → every room's set, the HQ forms and every act;
- ``discrepancies(station, forms, room)`` → what the screen shows and asks about before printing;
- ``paint_to_printer(printer, station, form, ...)`` → paints on a QPrinter (print / print preview).
"""

from __future__ import annotations

import functools
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from app.errors import UserError
from app.forms import sources
from app.forms.document import Document
from app.forms.render import Stamp, gc_paused, paint_on_printer, painting_preview, write_pdf
from app.forms.seal import make_payload, seal
from app.i18n import _
from app.logs import get_logger

log = get_logger("forms")

Progress = Callable[[int, int, str], object]


def print_job(fn):
    """A whole print job with the cyclic garbage collector paused: building, signing, painting and
    registering make many short-lived objects and no cycles, and a collection that ran in the middle
    walked the station's whole heap (about a tenth of a room set's time)."""
    @functools.wraps(fn)
    def job(*args, **kwargs):
        with gc_paused():
            return fn(*args, **kwargs)
    return job


def resolve_form(station, name: str) -> str:
    """Official code of a form given as '05-02', 'ППЭ-05-02', 'ppe-05-02' or '12-04-mash'."""
    try:
        return station.ref.form(name).code
    except KeyError:
        known = ", ".join(sorted(f.slug for f in station.ref.forms.values()))
        raise UserError(_("unknown form {name!r} (known: {known})").format(name=name, known=known)) from None


class Signer:
    """Signs QR payloads for one print run: the station key, and the chain head at print time.

    It also keeps the documents it signed: ``register()`` records them as one ``papers-printed``
    event, the register HQ holds the returned papers against (app.forms.papers)."""

    def __init__(self, station):
        from app.transfer.keys import station_keys

        self.station = station
        self.station_id = station.station_id
        self.keys = station_keys(station)
        self.head = station.log.head(station.station_id)
        self.printed = station.now().astimezone(station.point.zone).strftime("%d.%m.%Y %H:%M")
        self.docs: list[Document] = []
        self.hashes: dict[str, str] = {}

    def stamp(self, docs: list[Document]) -> Stamp:
        qr = {}
        for d in docs:
            payload = make_payload(d, self.station_id, self.head)
            self.hashes[d.doc_id] = payload["c"]  # the hash the QR vouches for is the one registered
            qr[d.doc_id] = seal(payload, self.keys.sign).text
        self.docs += docs
        return Stamp(self.station_id, self.printed, qr)

    def register(self) -> None:
        """Record what was printed (once per print job; nothing when nothing was printed)."""
        if not self.docs:
            return
        papers = [{"f": d.code, "i": d.doc_id, "r": d.room or "", "u": d.participant or "",
                   "e": d.event_id or "", "s": d.header.get("subject_code", ""), "c": self.hashes[d.doc_id]}
                  for d in self.docs]
        subjects = sorted({p["s"] for p in papers if p["s"]})
        self.station.record("papers-printed", None, payload={
            "papers": papers, "head_seq": self.head[0], "head_hash": self.head[1], "subject": ",".join(subjects)})
        self.docs = []


def stamp_for(station, docs: list[Document]) -> Stamp:
    """Sign each document's QR payload with the station key, against the chain head at print time."""
    return Signer(station).stamp(docs)


def build_documents(station, form: str, room: str | None = None, participant: str | None = None,
                    event_id: str | None = None, ctx: sources.Ctx | None = None,
                    subject: str | None = None) -> list[Document]:
    return sources.build(station, resolve_form(station, form), room, participant, event_id, ctx, subject)


def _write(docs: list[Document], station, out: Path, signer: Signer | None = None) -> int:
    """Write to a temporary name and rename, so a folder never holds a half-written PDF."""
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    own = signer is None
    signer = signer or Signer(station)
    pages = write_pdf(docs, str(tmp), signer.stamp(docs))
    try:
        _commit(tmp, out)
    except UserError:
        signer.docs = [d for d in signer.docs if d not in docs]  # not printed after all
        raise
    if own:
        signer.register()
    return pages


def _commit(tmp: Path, out: Path) -> None:
    """Rename a written PDF into place (a folder never holds a half-written one)."""
    try:
        os.replace(tmp, out)
    except PermissionError:  # Windows: a PDF viewer holds the old file open
        tmp.unlink(missing_ok=True)
        raise UserError(_("{path}: the file is open in another program (a PDF viewer?) or the folder is read-only; "
                          "close it and print again").format(path=out)) from None


@print_job
def render_form(station, form: str, room: str | None = None, participant: str | None = None,
                event_id: str | None = None, out: str | Path | None = None,
                subject: str | None = None) -> bytes | Path:
    """One form as a PDF (acts: every matching act; forms that total the exam point: one per subject of
    the date unless ``subject`` names one), each document with its own QR."""
    docs = build_documents(station, form, room, participant, event_id, subject=subject)
    if out is not None:
        _write(docs, station, Path(out))
        log.info("printed %s: %d document(s)", docs[0].code, len(docs))
        return Path(out)
    with tempfile.TemporaryDirectory() as td:
        p = Path(td) / "form.pdf"
        _write(docs, station, p)
        return p.read_bytes()


@dataclass
class Printed:
    path: Path
    form: str
    documents: int
    pages: int


def room_set_documents(station, room: str, ctx: sources.Ctx | None = None) -> list[Document]:
    ctx = ctx or sources.Ctx(station)
    num = station.room(room).number
    return [d for code in sources.ROOM_FORMS for d in sources.build(station, code, num, ctx=ctx)]


@print_job
def render_room_set(station, room: str, out_dir: str | Path, separate: bool = False,
                    progress: Progress | None = None, ctx: sources.Ctx | None = None,
                    signer: Signer | None = None) -> list[Printed]:
    """The room's forms (05-01, 05-02, 12-02, 12-03, 12-04-МАШ): one PDF to print as one job
    (``ppe-room-NNNN.pdf``), or one PDF per form with ``separate``."""
    out = Path(out_dir)
    num = station.room(room).number
    own = signer is None
    signer = signer or Signer(station)
    docs = room_set_documents(station, num, ctx)
    if not separate:
        path = out / f"ppe-room-{num}.pdf"
        printed = [Printed(path, "room-set", len(docs), _write(docs, station, path, signer))]
        if progress:
            progress(1, 1, num)
    else:
        printed = []
        for i, d in enumerate(docs):
            path = out / f"{d.file_stem()}.pdf"
            printed.append(Printed(path, d.code, 1, _write([d], station, path, signer)))
            if progress:
                progress(i + 1, len(docs), f"{d.code} {num}")
    if own:
        signer.register()
    return printed


@print_job
def render_point_forms(station, out_dir: str | Path, progress: Progress | None = None) -> list[Printed]:
    """The forms that total the exam point on the station's date (hq/): ППЭ-13-02-МАШ and the ППЭ-10
    facts once per subject of the date, ППЭ-19 once for the date."""
    out = Path(out_dir)
    ctx = sources.Ctx(station)
    signer = Signer(station)
    docs = [d for code in sources.HQ_FORMS for d in sources.build(station, code, ctx=ctx)]
    done: list[Printed] = []
    for i, doc in enumerate(docs):
        path = out / f"{doc.file_stem()}.pdf"
        done.append(Printed(path, doc.code, 1, _write([doc], station, path, signer)))
        if progress:
            progress(i + 1, len(docs), doc.code + (f" {doc.subject}" if doc.subject else ""))
    signer.register()
    return done


@print_job
def render_day_pack(station, out_dir: str | Path, progress: Progress | None = None,
                    workers: int | None = None) -> list[Printed]:
    """The PPE's day: each room's set (rooms/ppe-room-NNNN.pdf), the HQ forms (hq/: 13-02-МАШ, 19,
    the ППЭ-10 facts) and every act of the day (acts/, one PDF each, every copy).

    The documents are built from one state computation (one ``Ctx``) and signed here; the PDFs
    are painted here and in ``workers`` processes beside (app.forms.pool; default: one fewer than
    the cores). Files are renamed into place and registered only once all are painted."""
    from app.forms import pool

    pool.warm(workers)  # the workers start while the documents are built and signed
    out = Path(out_dir)
    ctx = sources.Ctx(station)
    signer = Signer(station)
    plan: list[tuple[str, int, list[Document], Path]] = []  # (form, documents, docs, path)
    for num in sorted(ctx.plan.rooms):
        docs = room_set_documents(station, num, ctx)
        plan.append(("room-set", len(docs), docs, out / "rooms" / f"ppe-room-{num}.pdf"))
    for code in sources.HQ_FORMS:
        for doc in sources.build(station, code, ctx=ctx):  # the forms that total the point: one per subject
            plan.append((code, 1, [doc], out / "hq" / f"{doc.file_stem()}.pdf"))
    for code in sources.ACT_KINDS:
        for e in sources.act_events(ctx, code):
            doc = sources.build_act(ctx, code, event=e)
            plan.append((code, 1, [doc], out / "acts" / f"{doc.file_stem()}_{e.id[:8]}.pdf"))
    for folder in {path.parent for *_x, path in plan}:
        folder.mkdir(parents=True, exist_ok=True)
    jobs = [(docs, pool.tmp_path(path), signer.stamp(docs)) for _f, _n, docs, path in plan]
    written: list[str] = []

    def tick(tmp: str, _pages: int) -> None:
        written.append(tmp)
        if progress:
            progress(len(written), len(plan), Path(tmp).name.removesuffix(".pdf.tmp"))

    try:
        pages = pool.paint_all(jobs, workers, tick)
        done = []
        for form, n, _docs, path in plan:
            _commit(Path(pool.tmp_path(path)), path)
            done.append(Printed(path, form, n, pages[pool.tmp_path(path)]))
    finally:
        for _d, tmp, _s in jobs:
            Path(tmp).unlink(missing_ok=True)
    signer.register()
    log.info("day pack: %d files", len(done))
    return done


@print_job
def _paint_registered(printer, station, docs: list[Document]) -> int:
    """Paint on a QPrinter; register the papers only when this paint is the print itself.

    QPrintPreviewDialog emits ``paintRequested`` for each repaint of its preview and once more for
    the printer when the user presses Print: only that paint makes paper (``painting_preview``)."""
    signer = Signer(station)
    pages = paint_on_printer(printer, docs, signer.stamp(docs))
    if not painting_preview(printer):
        signer.register()
    return pages


def paint_room_set(printer, station, room: str) -> int:
    """Paint the room's whole set (as ``render_room_set`` makes it) on a QPrinter: the room's Ctrl+P."""
    return _paint_registered(printer, station, room_set_documents(station, station.room(room).number))


def discrepancies(station, forms: list[str] | tuple[str, ...] | None = None, room: str | None = None) -> list[str]:
    """Where the figures of the forms about to print disagree with the record, in Russian, once each.

    The signed paper never carries these (a warning banner on an official form would be signed with
    it); the room and HQ screens show them and ask before printing (print preview shows them too).
    ``forms`` defaults to the room set with a room, the HQ forms without one."""
    ctx = sources.Ctx(station)
    codes = forms or (sources.ROOM_FORMS if room else sources.HQ_FORMS)
    num = station.room(room).number if room else None
    out: list[str] = []
    for code in codes:
        for d in sources.build(station, resolve_form(station, code), num, ctx=ctx):
            out += [w for w in d.warnings if w not in out]
    return out


def paint_to_printer(printer, station, form: str, room: str | None = None, participant: str | None = None,
                     event_id: str | None = None) -> int:
    """Paint a form on a QPrinter (QtPrintSupport); the UI wires this to QPrintPreviewDialog.paintRequested.

    Registered as printed (app.forms.papers) for the printer's paint only, never the preview's."""
    return _paint_registered(printer, station, build_documents(station, form, room, participant, event_id))
