"""The paper loop at HQ: which printed forms each room owes, and which came back matching the record.

Every print job records a ``papers-printed`` event (app.forms.api.Signer.register) naming each
document with its id and content hash — what its QR carries. When a paper comes back to HQ its QR
is read (a keyboard-wedge scanner types it into a field, or an image, or a scanned PDF), checked
(signature, then rebuilt from the record) and a ``paper-returned`` event is recorded. Both are
exam-point events, so they travel to the server with the rest of the log.

A paper owed by a room is in one of four states:

- ``not_printed`` — no print of this document is registered;
- ``printed`` — printed with the content the record has now, not yet back;
- ``returned`` — its QR was read back at HQ and matched the record as it is now;
- ``superseded`` — printed (or returned), but the record changed since (a later mark, a void):
  print it again; a paper printed for an act whose incident was voided is superseded too.

A room has all its papers in only when every paper it owes is ``returned``. Qt-free.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

from app.errors import UserError
from app.forms import sources
from app.forms.document import Document
from app.i18n import N_, _
from app.transfer.keys import b64

STATES = ("not_printed", "printed", "returned", "superseded")
STATE_TITLES = {"not_printed": N_("not printed"), "printed": N_("printed"), "returned": N_("returned"),
                "superseded": N_("superseded: print again")}  # msgids; show with _()
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".pbm", ".pgm", ".ppm", ".tif", ".tiff", ".bmp", ".gif")


@dataclass
class Paper:
    room: str
    form: str
    subject: str
    document: str
    participant: str
    event: str
    state: str
    printed_at: str = ""  # UTC instant of the print job that printed the current content
    returned_at: str = ""

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class RoomPapers:
    room: str
    papers: list[Paper] = field(default_factory=list)

    def count(self, state: str) -> int:
        return sum(1 for p in self.papers if p.state == state)

    @property
    def all_in(self) -> bool:
        """Every paper the room owes is back and current (none missing, none superseded)."""
        return bool(self.papers) and all(p.state == "returned" for p in self.papers)

    def to_dict(self) -> dict:
        return {"room": self.room, "all_in": self.all_in, **{s: self.count(s) for s in STATES},
                "papers": [p.to_dict() for p in self.papers]}


def owed_documents(station, ctx: sources.Ctx | None = None) -> dict[str, list[Document]]:
    """{room: the documents it hands in}: the room's forms, then the acts of its incidents."""
    ctx = ctx or sources.Ctx(station)
    out: dict[str, list[Document]] = {}
    for num in sorted(ctx.plan.rooms):
        out[num] = [d for code in sources.ROOM_FORMS for d in sources.build(station, code, num, ctx=ctx)]
    for code in sources.ACT_KINDS:
        for e in sources.act_events(ctx, code):
            if e.room in out:
                out[e.room].append(sources.build_act(ctx, code, event=e))
    return out


def _register(station) -> tuple[dict[str, list[tuple[str, str, dict]]], dict[str, list[tuple[str, str]]]]:
    """({document: [(content, printed at, paper)]}, {document: [(content, returned at)]}) of the day."""
    printed: dict[str, list[tuple[str, str, dict]]] = {}
    returned: dict[str, list[tuple[str, str]]] = {}
    for e in station.point_events():
        if e.kind == "papers-printed":
            for p in e.payload.get("papers", []):
                if isinstance(p, dict) and p.get("i"):
                    printed.setdefault(p["i"], []).append((p.get("c", ""), e.at, p))
        elif e.kind == "paper-returned":
            returned.setdefault(str(e.payload.get("document", "")), []).append(
                (str(e.payload.get("content", "")), e.at))
    return printed, returned


def papers_by_room(station) -> list[RoomPapers]:
    """For each room of the day, every paper it owes and its state (see the module docstring)."""
    ctx = sources.Ctx(station)
    owed = owed_documents(station, ctx)
    printed, returned = _register(station)
    out = []
    for room, docs in owed.items():
        rp = RoomPapers(room)
        seen = set()
        for d in docs:
            seen.add(d.doc_id)
            now = b64(d.content_hash())
            prints = printed.get(d.doc_id, [])
            back = [at for c, at in returned.get(d.doc_id, []) if c == now]
            current = [at for c, at, _p in prints if c == now]
            state = ("returned" if back else "printed" if current else "superseded" if prints or
                     returned.get(d.doc_id) else "not_printed")
            rp.papers.append(Paper(room, d.code, d.header.get("subject_code", ""), d.doc_id, d.participant or "",
                                   d.event_id or "", state,
                                   min(current) if current else "", min(back) if back else ""))
        # printed papers the record no longer calls for (the act's incident was voided)
        for doc_id, prints in sorted(printed.items()):
            p = prints[-1][2]
            if doc_id not in seen and p.get("r") == room:
                seen.add(doc_id)
                rp.papers.append(Paper(room, p.get("f", ""), p.get("s", ""), doc_id, p.get("u", ""), p.get("e", ""),
                                       "superseded", prints[-1][1]))
        out.append(rp)
    return out


def paper_figures(events) -> dict[str, int]:
    """What the server can tell from an exam point's events alone: printed papers (each document at
    its latest printed content), how many of them came back matching, how many are still out."""
    from app.domain.projection import effective_events

    live, _voided = effective_events(e for e in events if e.room is None)
    latest: dict[str, str] = {}
    back: dict[str, set[str]] = {}
    for e in live:
        if e.kind == "papers-printed":
            for p in e.payload.get("papers", []):
                if isinstance(p, dict) and p.get("i"):
                    latest[p["i"]] = p.get("c", "")
        elif e.kind == "paper-returned":
            back.setdefault(str(e.payload.get("document", "")), set()).add(str(e.payload.get("content", "")))
    returned = sum(1 for d, c in latest.items() if c in back.get(d, set()))
    return {"printed": len(latest), "returned": returned, "out": len(latest) - returned}


# --- reading QR codes back --------------------------------------------------------------------
def _zbar(path: Path) -> list[str]:
    exe = shutil.which("zbarimg")
    if exe is None:
        raise UserError(_("zbarimg is not installed (Debian package zbar-tools); pass the code text instead"))
    res = subprocess.run([exe, "--raw", "-q", "-Sbinary", str(path)], capture_output=True, timeout=120)
    return [t.strip() for t in res.stdout.decode("utf-8", "replace").splitlines() if t.strip().upper()
            .startswith("AU1:")]


def codes_from(source: str) -> tuple[list[str], str]:
    """The Auditoria QR texts in ``source`` and how they were read: the text itself (a scanner types
    it), an image file, or a scanned PDF (every page rasterized at 150 dpi)."""
    text = source.strip()
    if text.upper().startswith("AU1:"):
        return [text], "scanner"
    path = Path(text)
    if not path.exists():
        raise UserError(_("{path}: not a QR code text (AU1:…) and no such file").format(path=text))
    if path.suffix.lower() == ".pdf":
        exe = shutil.which("pdftoppm")
        if exe is None:
            raise UserError(_("pdftoppm is not installed (Debian package poppler-utils): cannot read a scanned PDF"))
        with tempfile.TemporaryDirectory() as td:
            subprocess.run([exe, "-r", "150", "-gray", "-png", str(path), str(Path(td) / "p")], check=True,
                           capture_output=True, timeout=300)
            found: list[str] = []
            for page in sorted(Path(td).glob("p*.png")):
                found += [c for c in _zbar(page) if c not in found]
        return found, "pdf"
    return list(dict.fromkeys(_zbar(path))), "image"


@dataclass
class Returned:
    code: str  # the first characters of the QR text (no personal data in it)
    outcome: str  # "returned", "already", "superseded", "invalid", "unknown"
    message: str
    form: str = ""
    room: str = ""
    document: str = ""

    def to_dict(self) -> dict:
        return asdict(self)


def mark_returned(station, source: str, author: str = "") -> list[Returned]:
    """Read the QR code(s) of returned papers and record each that still matches the record."""
    from app.forms.verify import verify_text

    codes, via = codes_from(source)
    if not codes:
        raise UserError(_("no Auditoria QR code found in {source}").format(source=source))
    _printed, returned = _register(station)
    out = []
    for text in codes:
        v = verify_text(text, station)
        d = v.data
        base = {"code": text[:16], "form": str(d.get("form", "")), "room": str(d.get("room", "")),
                "document": str(d.get("document_id", ""))}
        if not v.valid:
            out.append(Returned(outcome="invalid", message=v.reason, **base))
            continue
        if v.record != "current":
            outcome = "superseded" if v.record == "superseded" else "unknown"
            out.append(Returned(outcome=outcome, message=v.record_reason, **base))
            continue
        content = str(d["content_sha256"])
        if any(c == content for c, _at in returned.get(base["document"], [])):
            out.append(Returned(outcome="already", message=_("already recorded as returned"), **base))
            continue
        form = station.ref.form(base["form"]).code
        station.record("paper-returned", None, author=author, payload={
            "document": base["document"], "form": form, "room": base["room"],
            "participant": str(d.get("participant", "")), "content": content,
            "printed_by": str(d.get("station", "")), "via": via})
        returned.setdefault(base["document"], []).append((content, ""))
        out.append(Returned(outcome="returned", message=_("returned: the paper matches the record"),
                            **{**base, "form": form}))
    return out
