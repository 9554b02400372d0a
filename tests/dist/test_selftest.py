"""The ``--self-test`` of the desktop app, run the way a technician (or CI on the bundle) runs it."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

from app.selftest import StepFailed, verify_pdf

ROOT = Path(__file__).resolve().parents[2]
BEFORE_FORM = ["environment", "translations", "database", "window", "hq-window", "record"]


def _run(tmp_path: Path, *extra: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "AUDITORIA_HOME": str(tmp_path / "home"), "QT_QPA_PLATFORM": "offscreen"}
    env.pop("AUDITORIA_LANG", None)
    return subprocess.run([sys.executable, "-m", "ui.main", "--self-test", *extra], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


def test_self_test_runs_every_step_headless(tmp_path):
    res = _run(tmp_path)
    lines = res.stdout.splitlines()
    assert lines[0] == "Auditoria self-test"
    for step in BEFORE_FORM:
        assert any(line.startswith(f"ok   {step} ") for line in lines), res.stdout + res.stderr
    assert "«Auditoria — Аудитория 0101»" in res.stdout  # Russian by default, window really built
    assert "«Auditoria — Штаб ППЭ 0412»" in res.stdout
    assert "Traceback" not in res.stdout + res.stderr
    if importlib.util.find_spec("app.forms") is None:
        # the forms API is not merged yet: the step must fail clearly, never be faked
        assert res.returncode == 1
        assert "FAIL form: app.forms is not in this build" in res.stdout
        assert lines[-1].startswith("self-test FAILED")
    else:
        assert res.returncode == 0, res.stdout + res.stderr
        assert any(line.startswith("ok   form ") for line in lines)
        assert lines[-1].startswith("self-test passed")
    # the scratch database is gone afterwards
    assert not list((tmp_path / "home").glob("auditoria-selftest-*"))


def test_self_test_in_english(tmp_path):
    res = _run(tmp_path, "--lang", "en")
    assert "«Auditoria — Room 0101»" in res.stdout, res.stdout + res.stderr
    assert "«Auditoria — Exam point HQ 0412»" in res.stdout


def _pdf(path: Path, text: str) -> Path:
    from PySide6.QtCore import QPointF
    from PySide6.QtGui import QPainter, QPdfWriter

    writer = QPdfWriter(str(path))
    painter = QPainter(writer)
    painter.drawText(QPointF(200, 400), text)
    painter.end()
    return path


def test_verify_pdf_reads_text_back(tmp_path, qapp):  # pytest-qt's QApplication: fonts need one
    pdf = _pdf(tmp_path / "f.pdf", "ППЭ-05-02 Иванов")
    assert "text read back" in verify_pdf(pdf, ["ППЭ-05-02", "Иванов"])
    with pytest.raises(StepFailed, match="lacks 'Петров'"):
        verify_pdf(pdf, ["Петров"])
    cut = tmp_path / "cut.pdf"
    cut.write_bytes(pdf.read_bytes()[: len(pdf.read_bytes()) // 2])
    with pytest.raises(StepFailed, match="truncated"):
        verify_pdf(cut, [])
    (tmp_path / "x.pdf").write_text("hello")
    with pytest.raises(StepFailed, match="not a PDF"):
        verify_pdf(tmp_path / "x.pdf", [])
