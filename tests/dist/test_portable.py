"""Where a frozen bundle finds its files and keeps its data (portable mode = portable.txt beside
the executable), simulated the way PyInstaller sets sys.frozen, sys.executable and sys._MEIPASS."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from app import paths

ROOT = Path(__file__).resolve().parents[2]
HOOK = ROOT / "tools" / "bundle" / "rthook_portable.py"
PYTHON = sys.executable  # the fixture below fakes sys.executable


@pytest.fixture
def frozen(tmp_path, monkeypatch) -> Path:
    """A fake one-folder bundle: <tmp>/auditoria/{auditoria-gui, _internal/}."""
    bundle = tmp_path / "auditoria"
    (bundle / "_internal" / "resources").mkdir(parents=True)
    (bundle / "auditoria-gui").write_bytes(b"")
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "_MEIPASS", str(bundle / "_internal"), raising=False)
    monkeypatch.setattr(sys, "executable", str(bundle / "auditoria-gui"))
    for var in ("AUDITORIA_HOME", "AUDITORIA_PORTABLE"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("LOCALAPPDATA", str(tmp_path / "localappdata"))
    return bundle


def test_frozen_reads_resources_and_catalogs_from_the_bundle(frozen):
    assert paths.resources_dir() == frozen / "_internal" / "resources"
    assert paths.translations_dir() == frozen / "_internal" / "translations"
    assert paths.executable_dir() == frozen


def test_portable_marker_keeps_data_beside_the_executable(frozen, tmp_path):
    (frozen / "portable.txt").write_text("", encoding="utf-8")
    assert paths.is_portable()
    assert paths.data_dir() == frozen / "data"
    assert (frozen / "data").is_dir()
    assert not (tmp_path / "xdg").exists()


def test_without_marker_data_goes_to_the_users_folder(frozen, tmp_path, monkeypatch):
    assert not paths.is_portable()
    assert paths.data_dir() == tmp_path / "xdg" / "auditoria"
    assert not (frozen / "data").exists()


def test_home_override_wins_over_portable(frozen, tmp_path, monkeypatch):
    (frozen / "portable.txt").write_text("", encoding="utf-8")
    monkeypatch.setenv("AUDITORIA_HOME", str(tmp_path / "elsewhere"))
    assert paths.data_dir() == tmp_path / "elsewhere"


def _run_hook(executable: Path) -> dict[str, str]:
    code = ("import os, runpy, sys, json; sys.executable = sys.argv[1]; runpy.run_path(sys.argv[2]); "
            "print(json.dumps({k: v for k, v in os.environ.items() if k.startswith(('XDG_', 'AUDITORIA_'))}))")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("XDG_", "AUDITORIA_"))}
    out = subprocess.run([PYTHON, "-c", code, str(executable), str(HOOK)], env=env, check=True,
                         capture_output=True, text=True).stdout
    import json

    return json.loads(out)


def test_runtime_hook_turns_on_portable_mode(frozen):
    assert _run_hook(frozen / "auditoria-gui") == {}
    (frozen / "portable.txt").write_text("", encoding="utf-8")
    env = _run_hook(frozen / "auditoria-gui")
    assert env["AUDITORIA_PORTABLE"] == "1"
    if sys.platform.startswith("linux"):  # Qt and fontconfig caches stay on the stick too
        for var in ("XDG_CACHE_HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME"):
            assert Path(env[var]).is_relative_to(frozen.resolve() / "data"), var


def test_user_folder_comes_from_qstandardpaths(tmp_path, monkeypatch):
    """The user's folder is whatever QStandardPaths says (on Linux it follows XDG_DATA_HOME)."""
    from PySide6.QtCore import QStandardPaths

    for var in ("AUDITORIA_HOME", "AUDITORIA_PORTABLE"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    qt = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.GenericDataLocation)
    assert paths.data_dir() == Path(qt) / paths.DATA_FOLDER
    if sys.platform.startswith("linux"):
        assert paths.data_dir() == tmp_path / "xdg" / "auditoria"
    calls = []
    monkeypatch.setattr(QStandardPaths, "writableLocation",
                        lambda loc: calls.append(loc) or str(tmp_path / "from-qt"))
    assert paths.data_dir() == tmp_path / "from-qt" / paths.DATA_FOLDER
    assert calls == [QStandardPaths.StandardLocation.GenericDataLocation]


def test_cli_and_gui_agree_on_the_data_folder(tmp_path):
    """A Qt application with its own names set must not move the data folder the CLI uses."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("XDG_", "AUDITORIA_"))}
    env["XDG_DATA_HOME"] = str(tmp_path / "xdg")
    env["HOME"] = str(tmp_path / "home")
    env["QT_QPA_PLATFORM"] = "offscreen"
    cli = "from app.paths import data_dir; print(data_dir())"
    gui = ("from PySide6.QtWidgets import QApplication; a = QApplication([]); "
           "a.setOrganizationName('Auditoria'); a.setApplicationName('Auditoria'); " + cli)
    out = [subprocess.run([PYTHON, "-c", code], env=env, cwd=ROOT, check=True, capture_output=True,
                          text=True).stdout.strip() for code in (cli, gui)]
    assert out[0] == out[1]
    assert Path(out[0]).parent.exists()
