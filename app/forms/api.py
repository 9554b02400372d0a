"""What the room and HQ screens and the CLI call to print: no widgets, QtGui only.

- ``render_form(station, form, room=None, participant=None, event_id=None, out=None)`` → PDF bytes
  (or the path written when ``out`` is given);
- ``render_room_set(station, room, out_dir)`` → the room's five forms as PDFs;
- ``render_day_pack(station, out_dir, progress=cb)`` → every room's set, the HQ forms and every act;
- ``paint_to_printer(printer, station, form, ...)`` → paints on a QPrinter (print / print preview).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from app.errors import UserError
from app.forms import sources
from app.forms.document import Document
from app.forms.render import Stamp, paint_on_printer, write_pdf
from app.forms.seal import make_payload, seal
from app.logs import get_logger

log = get_logger("forms")

Progress = Callable[[int, int, str], object]


def resolve_form(station, name: str) -> str:
    """Official code of a form given as '05-02', 'ППЭ-05-02', 'ppe-05-02' or '12-04-mash'."""
    try:
        return station.ref.form(name).code
    except KeyError:
        known = ", ".join(sorted(f.slug for f in station.ref.forms.values()))
        raise UserError(f"unknown form {name!r} (known: {known})") from None


def stamp_for(station, docs: list[Document]) -> Stamp:
    """Sign each document's QR payload with the station key, against the chain head at print time."""
    from app.transfer.keys import station_keys

    keys = station_keys(station)
    head = station.log.head(station.station_id)
    qr = {d.doc_id: seal(make_payload(d, station.station_id, head), keys.sign).text for d in docs}
    tz = station.point.zone
    printed = station.now().astimezone(tz).strftime("%d.%m.%Y %H:%M")
    return Stamp(station.station_id, printed, qr)


def build_documents(station, form: str, room: str | None = None, participant: str | None = None,
                    event_id: str | None = None, ctx: sources.Ctx | None = None) -> list[Document]:
    return sources.build(station, resolve_form(station, form), room, participant, event_id, ctx)


def _write(docs: list[Document], station, out: Path) -> int:
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    pages = write_pdf(docs, str(tmp), stamp_for(station, docs))
    os.replace(tmp, out)
    return pages


def render_form(station, form: str, room: str | None = None, participant: str | None = None,
                event_id: str | None = None, out: str | Path | None = None) -> bytes | Path:
    """One form (for acts: every matching act, each with its own QR) as a PDF."""
    docs = build_documents(station, form, room, participant, event_id)
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


def render_room_set(station, room: str, out_dir: str | Path, progress: Progress | None = None,
                    ctx: sources.Ctx | None = None) -> list[Printed]:
    """The room's forms (05-01, 05-02, 12-02, 12-03, 12-04-МАШ), one PDF each."""
    out = Path(out_dir)
    num = station.room(room).number
    ctx = ctx or sources.Ctx(station)
    done = []
    for i, code in enumerate(sources.ROOM_FORMS):
        docs = sources.build(station, code, num, ctx=ctx)
        path = out / f"{docs[0].file_stem()}.pdf"
        done.append(Printed(path, code, len(docs), _write(docs, station, path)))
        if progress:
            progress(i + 1, len(sources.ROOM_FORMS), f"{code} {num}")
    return done


def render_day_pack(station, out_dir: str | Path, progress: Progress | None = None) -> list[Printed]:
    """Every room's set, the HQ forms (13-02-МАШ, 19, ППЭ-10 facts) and every act of the day."""
    out = Path(out_dir)
    ctx = sources.Ctx(station)
    rooms = sorted(ctx.plan.rooms)
    acts = [(code, e) for code in sources.ACT_KINDS for e in sources.act_events(ctx, code)]
    total = len(rooms) * len(sources.ROOM_FORMS) + len(sources.HQ_FORMS) + len(acts)
    done: list[Printed] = []

    def tick(label: str) -> None:
        if progress:
            progress(len(done), total, label)

    for num in rooms:
        for code in sources.ROOM_FORMS:
            docs = sources.build(station, code, num, ctx=ctx)
            path = out / num / f"{docs[0].file_stem()}.pdf"
            done.append(Printed(path, code, 1, _write(docs, station, path)))
            tick(f"{code} {num}")
    for code in sources.HQ_FORMS:
        docs = sources.build(station, code, ctx=ctx)
        path = out / "hq" / f"{docs[0].file_stem()}.pdf"
        done.append(Printed(path, code, 1, _write(docs, station, path)))
        tick(code)
    for code, e in acts:
        doc = sources.build_act(ctx, code, event=e)
        path = out / "acts" / f"{doc.file_stem()}_{e.id[:8]}.pdf"
        done.append(Printed(path, code, 1, _write([doc], station, path)))
        tick(f"{code} {e.participant or ''}")
    log.info("day pack: %d files", len(done))
    return done


def paint_to_printer(printer, station, form: str, room: str | None = None, participant: str | None = None,
                     event_id: str | None = None) -> int:
    """Paint a form on a QPrinter (QtPrintSupport); the UI wires this to QPrintPreviewDialog.paintRequested."""
    docs = build_documents(station, form, room, participant, event_id)
    return paint_on_printer(printer, docs, stamp_for(station, docs))
