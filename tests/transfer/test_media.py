"""Safe writes to removable media: atomic replace, no partial files, names a FAT stick can hold."""

from __future__ import annotations

import os

import pytest

from app.errors import UserError
from app.transfer import media


def test_write_is_atomic_and_reports_safe_to_remove(tmp_path):
    target = tmp_path / "pkg.pkg"
    target.write_bytes(b"old package")
    rep = media.safe_write(target, b"new package")
    assert target.read_bytes() == b"new package" and rep.synced and rep.size == 11
    assert "safe to remove" in rep.message()
    assert [p.name for p in tmp_path.iterdir()] == ["pkg.pkg"]


def test_failed_rename_leaves_the_old_file_and_no_partial(tmp_path, monkeypatch):
    target = tmp_path / "pkg.pkg"
    target.write_bytes(b"old package")

    def boom(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(UserError, match="cannot write"):
        media.safe_write(target, b"new package")
    assert target.read_bytes() == b"old package"
    assert [p.name for p in tmp_path.iterdir()] == ["pkg.pkg"]


@pytest.mark.parametrize("name", ["a:b.pkg", "what?.pkg", "x*.pkg", "tab\t.pkg"])
def test_names_a_fat_stick_cannot_hold_are_refused(tmp_path, name):
    with pytest.raises(UserError, match="cannot store"):
        media.safe_write(tmp_path / name, b"x")


def test_folder_missing_and_folder_target(tmp_path):
    with pytest.raises(UserError, match="no such folder"):
        media.safe_write(tmp_path / "nope" / "a.pkg", b"x")
    (tmp_path / "dir.pkg").mkdir()
    with pytest.raises(UserError, match="is a folder"):
        media.safe_write(tmp_path / "dir.pkg", b"x")


def test_reading_refuses_folders_and_missing_files(tmp_path):
    with pytest.raises(UserError, match="no such file"):
        media.read_package_bytes(tmp_path / "none.pkg")
    with pytest.raises(UserError, match="is a folder"):
        media.read_package_bytes(tmp_path)
