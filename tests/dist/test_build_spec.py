"""build.spec without building: it ships every resources/ folder, its entry points and hook exist,
and its trimmed Babel locale data covers every locale the app formats with."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT / "build.spec"


def _constant(name: str):
    tree = ast.parse(SPEC.read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name for t in node.targets):
            return ast.literal_eval(node.value)
    raise AssertionError(f"build.spec has no {name} = ...")


def test_spec_lists_every_resources_subfolder():
    listed = set(_constant("RESOURCE_DIRS"))
    present = {p.name for p in (ROOT / "resources").iterdir() if p.is_dir() and p.name != "__pycache__"}
    assert present, "no resources/ subfolders?"
    missing = sorted(present - listed)
    assert not missing, f"add {missing} to RESOURCE_DIRS in build.spec (or the bundle ships without them)"


def test_spec_files_it_names_exist():
    text = SPEC.read_text(encoding="utf-8")
    for rel in ("tools/bundle/auditoria_gui.py", "tools/bundle/auditoria_cli.py", "tools/bundle/rthook_portable.py"):
        assert Path(rel).name in text
        assert (ROOT / rel).is_file(), rel
    assert '"auditoria-gui"' in text and '"auditoria"' in text
    assert "app\" / \"store\" / \"migrations\"" in text  # migrations shipped as files for Alembic


def test_trimmed_babel_locales_cover_what_the_app_loads(monkeypatch):
    """Record which locale-data files Babel opens for the app's locales; all must be kept."""
    from babel import Locale, localedata
    from babel.dates import format_date, format_time, format_timedelta

    from app import i18n

    kept = set(_constant("BABEL_LOCALES"))
    opened: list[str] = []
    real = localedata.resolve_locale_filename

    def spy(name):
        opened.append(str(name))
        return real(name)

    monkeypatch.setattr(localedata, "resolve_locale_filename", spy)
    monkeypatch.setattr(localedata, "_cache", {})
    monkeypatch.setattr(localedata, "_dict_cache", {})  # what earlier tests in the run loaded stays out
    from datetime import datetime, timedelta

    for lang in i18n.LANGUAGES:
        i18n.set_language(lang)
        # a fresh Locale: the app's own instance may have loaded its data already (earlier tests in the run)
        loc = Locale(*str(i18n.babel_locale()).split("_"))
        format_date(datetime(2026, 6, 4), "long", locale=loc)
        format_time(datetime(2026, 6, 4, 10), "HH:mm", locale=loc)
        format_timedelta(timedelta(minutes=235), locale=loc)
    assert opened, "spy saw no locale loads"
    assert set(opened) <= kept, f"bundle drops locale data Babel needs: {sorted(set(opened) - kept)}"
