"""``auditoria-gui --self-test``: prove a build works on this machine, headless, in seconds.

A technician (and CI, on the PyInstaller bundle) runs it after copying the folder: it checks the
bundled resources and catalogs, creates a demo exam day in a temporary database (running the
migrations), opens the main window, records a mark through ``Station.record``, prints a form to
PDF and reads it back. It prints one line per step and exits 0, or 1 naming the failed step.
Nothing is faked: a step whose code is missing from the build fails.

The window is opened by a callable the UI passes in, so this module needs no Qt widgets.
"""

from __future__ import annotations

import re
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

ROOM = "0101"
FORM = "05-02"  # ППЭ-05-02, the room protocol: lists every participant of the room


class StepFailed(Exception):
    """A self-test step failed; the message is the reason shown to the technician."""


@dataclass
class Context:
    workdir: Path
    lang: str
    open_window: Callable[[object, str | None], str] | None  # room None: the HQ window
    station: object = None
    participant: object = None
    pdf: Path | None = None
    notes: dict[str, str] = field(default_factory=dict)


def _check(cond: bool, reason: str) -> None:
    if not cond:
        raise StepFailed(reason)


# --- steps --------------------------------------------------------------------------------------
def step_environment(ctx: Context) -> str:
    from app import __version__
    from app.paths import data_dir, executable_dir, is_portable, resources_dir, translations_dir

    res = resources_dir()
    years = sorted(p.name for p in (res / "reference").glob("[0-9]*")) if (res / "reference").is_dir() else []
    _check(bool(years), f"no reference data in {res / 'reference'}")
    _check((res / "demo" / "names.json").is_file(), f"no demo names in {res / 'demo'}")
    for lang in ("ru", "en"):
        base = translations_dir() / lang / "LC_MESSAGES"
        _check((base / "auditoria.mo").is_file() or (base / "auditoria.po").is_file(),
               f"no {lang} translation catalog in {base}")
    frozen = bool(getattr(sys, "frozen", False))
    ctx.notes["data"] = str(data_dir())
    return (f"auditoria {__version__}, {'bundle' if frozen else 'source'} at {executable_dir()}, reference "
            f"{', '.join(years)}, portable {'yes' if is_portable() else 'no'}")


def step_translations(ctx: Context) -> str:
    from datetime import UTC, datetime, timedelta

    from app import i18n

    out = []
    for lang, word in (("ru", "Аудитория"), ("en", "Room")):
        i18n.set_language(lang)
        got = i18n._("Room")
        _check(got == word, f"{lang} catalog: 'Room' gives {got!r}, expected {word!r}")
        t = i18n.format_time(datetime(2026, 6, 4, 5, 0, tzinfo=UTC), "Asia/Yekaterinburg")
        _check(t == "10:00", f"{lang} time formatting (Babel locale data, tzdata) gives {t!r}")
        d = i18n.format_date(datetime(2026, 6, 4), long=True)
        out.append(d)
        i18n.format_duration(timedelta(minutes=235))
    _check("июня" in out[0], f"Russian date formatting gives {out[0]!r}")
    i18n.set_language(ctx.lang)
    return " / ".join(out)


def step_database(ctx: Context) -> str:
    from app.services.demo import install_demo
    from app.services.station import Station

    path = ctx.workdir / "selftest.db"
    st = Station.create(path, role="room", room=ROOM)
    install_demo(st)
    st.close()
    st = Station.open(path)
    people = st.plan.room_participants(ROOM)
    _check(len(people) > 0, f"demo day has no participants in room {ROOM}")
    ctx.station, ctx.participant = st, people[0]
    return f"{path.name}: {len(st.plan.participants)} participants, {len(st.plan.rooms)} rooms, migrated"


def step_window(ctx: Context) -> str:
    _check(ctx.open_window is not None, "no window to open (run it as auditoria-gui --self-test)")
    from app.i18n import _

    title = ctx.open_window(ctx.station, ROOM)
    _check(ROOM in title and _("Room") in title, f"main window title {title!r} lacks {_('Room')} {ROOM}")
    return f"«{title}»"


def step_hq_window(ctx: Context) -> str:
    _check(ctx.open_window is not None, "no window to open (run it as auditoria-gui --self-test)")
    from app.i18n import _

    title = ctx.open_window(ctx.station, None)
    _check(_("Exam point HQ") in title, f"HQ window title {title!r} lacks {_('Exam point HQ')!r}")
    return f"«{title}»"


def step_record(ctx: Context) -> str:
    from app.services.station import Station

    st, p = ctx.station, ctx.participant
    before = st.log.count()
    res = st.record("admitted", ROOM, p.code, at="09:05", author="SELFTEST")
    st.record("seated", ROOM, p.code, at="09:06", payload={"seat": p.seat}, author="SELFTEST")
    other = Station.open(st.path)  # a second connection sees it: committed before record() returned
    try:
        _check(other.log.get(res.event.id) is not None, "recorded event not visible to a second connection")
        _check(other.log.count() == before + 2, "event count did not grow by 2")
        problems = other.verify()
        _check(not problems, f"verify: {'; '.join(problems)}")
        status = other.room_state(ROOM).participants[p.code].status
        _check(status == "present", f"participant status after admission is {status!r}")
    finally:
        other.close()
    return f"event #{res.event.seq} {res.event.kind}, chain verified, participant present"


def step_form(ctx: Context) -> str:
    try:
        from app.forms.api import build_documents, render_form, stamp_for
        from app.forms.verify import verify_text
    except ImportError as e:
        raise StepFailed(f"app.forms is not in this build ({e.__class__.__name__}: {e}); cannot print a form") \
            from None
    st = ctx.station
    pdf = ctx.workdir / f"ППЭ-{FORM}.pdf"
    render_form(st, FORM, room=ROOM, out=pdf)
    ctx.pdf = pdf
    read = verify_pdf(pdf, [f"ППЭ-{FORM}", ctx.participant.full_name.split()[0]], qr=True)
    # the QR seal: signed with this station's key (PyNaCl) and accepted by the verifier
    docs = build_documents(st, FORM, room=ROOM)
    qr = stamp_for(st, docs).qr_text
    _check(bool(qr), "the form has no QR seal")
    verdict = verify_text(next(iter(qr.values())), st)
    _check(verdict.valid, f"QR seal does not verify: {verdict.reason}")
    return f"{read}; QR seal verified"


STEPS: list[tuple[str, Callable[[Context], str]]] = [
    ("environment", step_environment),
    ("translations", step_translations),
    ("database", step_database),
    ("window", step_window),
    ("hq-window", step_hq_window),
    ("record", step_record),
    ("form", step_form),
]


# --- PDF check ----------------------------------------------------------------------------------
def verify_pdf(path: Path, expect: list[str], qr: bool = False) -> str:
    """A real PDF with pages whose text contains ``expect`` and, with ``qr``, a QR code on the first page
    (a lossless 1-bit image, app.forms.render.qr_image); checked when pypdf is present (the bundle ships it)."""
    _check(path.is_file(), f"{path.name} was not written")
    data = path.read_bytes()
    _check(data.startswith(b"%PDF-"), f"{path.name} is not a PDF")
    _check(b"%%EOF" in data[-1024:], f"{path.name} is truncated (no %%EOF)")
    try:
        from pypdf import PdfReader
    except ImportError:
        pages = len(re.findall(rb"/Type\s*/Page\b", data))
        _check(pages > 0, f"{path.name} has no pages")
        return f"{path.name}: {len(data)} bytes, {pages} page(s) (text not read: no pypdf)"
    reader = PdfReader(str(path))
    _check(len(reader.pages) > 0, f"{path.name} has no pages")
    text = "\n".join(page.extract_text() or "" for page in reader.pages)
    flat = re.sub(r"\s+", " ", text)
    missing = [w for w in expect if w not in flat]
    _check(not missing, f"{path.name}: text lacks {', '.join(repr(m) for m in missing)}")
    qr_px = 0
    if qr:
        xobjects = (reader.pages[0].get("/Resources") or {}).get("/XObject") or {}
        images = [o.get_object() for o in xobjects.values()]
        one_bit = [o for o in images if o.get("/Subtype") == "/Image" and o.get("/BitsPerComponent") == 1]
        qr_px = max((int(o.get("/Width", 0)) for o in one_bit), default=0)
        _check(qr_px >= 21, f"{path.name}: no QR code drawn on the first page (no 1-bit image)")
    return f"{path.name}: {len(data)} bytes, {len(reader.pages)} page(s), text read back" + (
        f", QR drawn ({qr_px} px 1-bit image)" if qr else "")


# --- runner -------------------------------------------------------------------------------------
def run(open_window: Callable[[object, str | None], str] | None = None, lang: str | None = None,
        out: TextIO | None = None, keep: Path | None = None) -> int:
    """Run every step in order; stop at the first failure. Returns the exit code."""
    from app import i18n
    from app.paths import data_dir, is_portable

    out = out or sys.stdout
    lang = lang or i18n.current_language()
    # In portable mode even the scratch database stays on the stick.
    scratch_parent = data_dir() if is_portable() else None
    workdir = Path(tempfile.mkdtemp(prefix="auditoria-selftest-", dir=scratch_parent))
    ctx = Context(workdir=workdir, lang=lang, open_window=open_window)
    started = time.perf_counter()
    code = 0
    print("Auditoria self-test", file=out)
    try:
        for name, fn in STEPS:
            t0 = time.perf_counter()
            try:
                detail = fn(ctx)
            except StepFailed as e:
                print(f"FAIL {name}: {e}", file=out)
                code = 1
                break
            except Exception as e:  # report the reason in one line, never a traceback
                print(f"FAIL {name}: {e.__class__.__name__}: {e}", file=out)
                code = 1
                break
            print(f"ok   {name:<12} {int((time.perf_counter() - t0) * 1000):>6} ms  {detail}", file=out)
    finally:
        if ctx.station is not None:
            ctx.station.close()
        if keep is not None and ctx.pdf is not None and ctx.pdf.exists():
            keep.mkdir(parents=True, exist_ok=True)
            shutil.copy(ctx.pdf, keep / ctx.pdf.name)
        shutil.rmtree(workdir, ignore_errors=True)
    total = int((time.perf_counter() - started) * 1000)
    print(f"self-test {'passed' if code == 0 else 'FAILED'} in {total} ms", file=out)
    out.flush()
    return code
