"""Image snapshots of printed forms (pdftoppm at 40 dpi), compared with a tolerance.

The QR and the footer (station id, which differs per database) are masked; everything else
must match tests/forms/snapshots/*.png. Regenerate after an intended layout change with
``UPDATE_SNAPSHOTS=1 pytest tests/forms/test_snapshots.py`` and look at the new PNGs.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from PIL import Image, ImageChops, ImageDraw

from app.forms.api import render_form

SNAP = Path(__file__).parent / "snapshots"
DPI = 40
CASES = [("05-02", "0101", None, "ppe-05-02-0101"), ("05-02", "0102", None, "ppe-05-02-0102"),
         ("12-04-МАШ", "0101", None, "ppe-12-04-mash-0101"), ("13-02-МАШ", None, None, "ppe-13-02-mash"),
         ("21", None, "removed", "ppe-21")]


def mm(v: float) -> int:
    return round(v / 25.4 * DPI)


def masked(img: Image.Image) -> Image.Image:
    img = img.convert("L")
    d = ImageDraw.Draw(img)
    d.rectangle([0, 0, mm(52), mm(47)], fill=255)  # QR: signed, differs per key
    d.rectangle([0, img.height - mm(17), img.width, img.height], fill=255)  # footer: station id
    return img


@pytest.mark.parametrize("form,room,case,name", CASES)
def test_snapshot(day, tmp_path, form, room, case, name):
    st, who = day
    pdf = render_form(st, form, room=room, participant=who[case] if case else None, out=tmp_path / "f.pdf")
    subprocess.run(["pdftoppm", "-r", str(DPI), "-png", "-f", "1", "-l", "1", "-singlefile", str(pdf),
                    str(tmp_path / "page")], check=True)
    got = masked(Image.open(tmp_path / "page.png"))
    ref_path = SNAP / f"{name}.png"
    if os.environ.get("UPDATE_SNAPSHOTS") == "1":
        SNAP.mkdir(exist_ok=True)
        got.save(ref_path)
    assert ref_path.exists(), f"no snapshot {ref_path.name}: run with UPDATE_SNAPSHOTS=1 and review it"
    ref = Image.open(ref_path).convert("L")
    assert ref.size == got.size
    diff = ImageChops.difference(ref, got).point(lambda v: 255 if v > 48 else 0)
    changed = diff.histogram()[255] / (got.width * got.height)
    assert changed < 0.003, f"{name}: {changed:.2%} of pixels differ from the snapshot"


def test_snapshot_detects_a_change(day, tmp_path):
    """The comparison is not blind: a different room's protocol differs from 0101's snapshot."""
    st, _ = day
    pdf = render_form(st, "05-02", room="0103", out=tmp_path / "f.pdf")
    subprocess.run(["pdftoppm", "-r", str(DPI), "-png", "-f", "1", "-l", "1", "-singlefile", str(pdf),
                    str(tmp_path / "page")], check=True)
    got = masked(Image.open(tmp_path / "page.png"))
    ref = Image.open(SNAP / "ppe-05-02-0101.png").convert("L")
    diff = ImageChops.difference(ref, got).point(lambda v: 255 if v > 48 else 0)
    assert diff.histogram()[255] / (got.width * got.height) >= 0.003
