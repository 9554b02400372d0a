"""Fixtures for the forms: a sample day (every kind of mark in room 0101) made once, copied per test."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import local


@pytest.fixture(scope="session")
def sample_template(tmp_path_factory) -> tuple[Path, dict]:
    from app.clock import FixedClock
    from app.forms.sample import fill_sample_day
    from app.services.demo import install_demo
    from app.services.station import Station

    path = tmp_path_factory.mktemp("forms") / "day.db"
    st = Station.create(path, role="hq", clock=FixedClock(local("14:05")))
    install_demo(st)
    who = fill_sample_day(st)
    st.close()
    return path, who


@pytest.fixture
def day(sample_template, tmp_path):
    """(open HQ station on the sample day at 14:05, {case: participant code})."""
    from app.clock import FixedClock
    from app.services.station import Station

    src, who = sample_template
    dst = tmp_path / "day.db"
    shutil.copy(src, dst)
    if Path(str(src) + ".keys").exists():
        shutil.copy(str(src) + ".keys", str(dst) + ".keys")
    st = Station.open(dst, clock=FixedClock(local("14:05")))
    yield st, who
    st.close()


def pdf_text(path: Path) -> str:
    from pypdf import PdfReader

    return "\n".join((p.extract_text() or "").replace("\t", " ") for p in PdfReader(str(path)).pages)


def pdf_pages(path: Path) -> int:
    from pypdf import PdfReader

    return len(PdfReader(str(path)).pages)


def qr_of_pdf(path: Path, tmp: Path, page: int = 1) -> str:
    """Render a page at 200 dpi and read its QR with zbarimg, as a phone or scanner would."""
    stem = tmp / f"qr-{path.stem}-{page}"
    subprocess.run(["pdftoppm", "-r", "200", "-png", "-f", str(page), "-l", str(page), "-singlefile", str(path),
                    str(stem)], check=True)
    res = subprocess.run(["zbarimg", "-q", "--raw", str(stem) + ".png"], capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    return res.stdout.rstrip("\n")
