"""The catalogs against the current source: every msgid translated into Russian, English complete,
every message formats with its placeholders, Russian plurals have three forms.

When this fails after new UI strings land: ``bash tools/i18n.sh update``, translate what
``bash tools/i18n.sh missing`` lists in translations/ru/LC_MESSAGES/auditoria.po, then
``bash tools/i18n.sh check``.
"""

from __future__ import annotations

import gettext
import string
import subprocess
import sys
from io import BytesIO
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2)}
HINT = ("run `bash tools/i18n.sh update`, translate what `bash tools/i18n.sh missing` lists, "
        "then `bash tools/i18n.sh check`")


def _source_messages() -> dict[str, tuple[str, ...]]:
    """msgid -> (msgid[, plural]) extracted now from app/ and ui/ with translations/babel.cfg."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    with (ROOT / "translations" / "babel.cfg").open() as fh:
        method_map, options_map = parse_mapping_cfg(fh)
    found: dict[str, tuple[str, ...]] = {}
    for folder in ("app", "ui"):
        for _file, _line, message, _comments, _ctx in extract_from_dir(
                ROOT / folder, method_map, options_map, keywords=KEYWORDS):
            msgs = message if isinstance(message, tuple) else (message,)
            found.setdefault(msgs[0], msgs)
    return found


def _catalog(lang: str):
    with (ROOT / "translations" / lang / "LC_MESSAGES" / "auditoria.po").open("rb") as fh:
        return read_po(fh, locale=lang)


@pytest.fixture(scope="module")
def source() -> dict[str, tuple[str, ...]]:
    msgs = _source_messages()
    assert len(msgs) > 50, "extraction found too few messages: is translations/babel.cfg right?"
    return msgs


def _fields(text: str) -> set[str]:
    return {name for _lit, name, _spec, _conv in string.Formatter().parse(text) if name is not None}


def _dummies(texts: tuple[str, ...]) -> dict[str, object]:
    """A value per placeholder that suits its format spec ({m:02d} needs a number)."""
    values: dict[str, object] = {}
    for text in texts:
        for _lit, name, spec, _conv in string.Formatter().parse(text):
            if name is None:
                continue
            key = name.split(".")[0].split("[")[0]
            kind = (spec or "")[-1:]
            values[key] = 7 if kind in tuple("bcdoxXn") else 7.5 if kind in tuple("eEfFgG%") else "X"
    return values


def _forms(m) -> tuple[str, ...]:
    return m.string if isinstance(m.string, tuple) else (m.string,)


@pytest.mark.parametrize("lang", ["ru", "en"])
def test_every_source_message_is_translated(source, lang):
    cat = _catalog(lang)
    problems = []
    for msgid, msgs in sorted(source.items()):
        m = cat.get(msgid)
        if m is None:
            problems.append(f"not in catalog: {msgid!r}")
        elif m.fuzzy:
            problems.append(f"fuzzy: {msgid!r}")
        elif not all(_forms(m)):
            problems.append(f"untranslated: {msgid!r}")
        elif len(msgs) > 1 and not isinstance(m.id, tuple):
            problems.append(f"plural call but singular entry: {msgid!r}")
    assert not problems, f"{lang} catalog is behind the source ({len(problems)}); {HINT}:\n" + "\n".join(problems)


@pytest.mark.parametrize("lang", ["ru", "en"])
def test_every_message_formats_with_its_placeholders(lang):
    problems = []
    for m in _catalog(lang):
        if not m.id:
            continue
        ids = m.id if isinstance(m.id, tuple) else (m.id,)
        wanted = set().union(*(_fields(i) for i in ids))
        for form in _forms(m):
            if not form:
                continue
            try:
                if "python-format" in m.flags:
                    form % (dict.fromkeys(wanted, 1) if "%(" in form else 1)
                else:
                    got = _fields(form)
                    if got != wanted and not (len(ids) > 1 and got <= wanted):
                        problems.append(f"{ids[0]!r}: placeholders {sorted(got)} != {sorted(wanted)}")
                    form.format(**_dummies(ids))
            except (KeyError, IndexError, ValueError, TypeError) as e:
                problems.append(f"{ids[0]!r}: {e.__class__.__name__}: {e}")
    assert not problems, f"{lang}: messages that do not format:\n" + "\n".join(problems)


def test_russian_plural_forms():
    cat = _catalog("ru")
    assert cat.num_plurals == 3
    plural = gettext.c2py(cat.plural_expr)
    assert [plural(n) for n in (1, 2, 4, 5, 11, 12, 14, 21, 22, 25, 101, 111)] == [0, 1, 1, 2, 2, 2, 2, 0, 1, 2, 0, 2]
    for m in cat:
        if m.id and isinstance(m.id, tuple):
            assert len(_forms(m)) == 3 and all(_forms(m)), f"{m.id[0]!r} needs 3 Russian forms"
    assert _catalog("en").num_plurals == 2


@pytest.mark.parametrize("lang", ["ru", "en"])
def test_catalog_compiles_and_translates(lang):
    cat = _catalog(lang)
    buf = BytesIO()
    write_mo(buf, cat)
    buf.seek(0)
    tr = gettext.GNUTranslations(buf)
    expected = {"ru": "Аудитория", "en": "Room"}[lang]
    assert tr.gettext("Room") == expected


def test_app_speaks_russian():
    from app import i18n

    i18n.set_language("ru")
    assert i18n._("Room") == "Аудитория"
    assert i18n._("GEK member") == "член ГЭК"
    i18n.set_language("en")
    assert i18n._("Room") == "Room"


def test_extractor_sees_calls_inside_fstrings():
    sys.path.insert(0, str(ROOT))
    from tools.i18n_extract import extract_ast

    src = b'x = f"{_(\'Inside\')} {n}"\ny = _("Plain")\nz = ngettext("one {n}", "many {n}", n)\n'
    got = {m for _l, _f, m, _c in extract_ast(BytesIO(src), KEYWORDS, [], {})}
    assert got == {"Inside", "Plain", ("one {n}", "many {n}", None)}


def test_i18n_script_lists_missing(tmp_path):
    """`tools/i18n.sh missing` is the translator's to-do list: it exits 0 only when complete."""
    res = subprocess.run(["bash", "tools/i18n.sh", "missing"], cwd=ROOT, capture_output=True, text=True,
                         env={"PYTHON": sys.executable, "PATH": "/usr/bin:/bin"})
    assert "translations/ru/LC_MESSAGES/auditoria.po:" in res.stdout
    assert res.returncode == (0 if "missing:" not in res.stdout and "fuzzy:" not in res.stdout else 1)
