"""One translation system for core and UI: gettext catalogs made with Babel.

Source strings are English; Russian is the default language. ``N_`` marks a string for
extraction without translating it yet (translated where it is shown). Catalogs are read
from compiled ``.mo`` files, or straight from ``.po`` in a checkout that was not compiled.
"""

from __future__ import annotations

import gettext
import os
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime, timedelta
from functools import lru_cache

from app.paths import translations_dir

DOMAIN = "auditoria"
LANGUAGES = ("ru", "en")
_current = os.environ.get("AUDITORIA_LANG", "ru")
# A language for the current context only (one request of the server, one PDF): wins over ``_current``.
# Threads started with the context (Starlette's threadpool copies it) see it too; nothing else does.
_local: ContextVar[str | None] = ContextVar("auditoria_lang", default=None)


def N_(message: str) -> str:  # noqa: N802 - gettext convention
    return message


@lru_cache(maxsize=4)
def _catalog(lang: str) -> gettext.NullTranslations:
    base = translations_dir() / lang / "LC_MESSAGES"
    mo = base / f"{DOMAIN}.mo"
    po = base / f"{DOMAIN}.po"
    if mo.exists() and (not po.exists() or mo.stat().st_mtime >= po.stat().st_mtime):
        with mo.open("rb") as fh:
            return gettext.GNUTranslations(fh)
    if po.exists():
        from io import BytesIO

        from babel.messages.mofile import write_mo
        from babel.messages.pofile import read_po

        with po.open("rb") as fh:
            cat = read_po(fh, locale=lang)
        buf = BytesIO()
        write_mo(buf, cat)
        buf.seek(0)
        return gettext.GNUTranslations(buf)
    return gettext.NullTranslations()


def set_language(lang: str) -> None:
    global _current
    if lang not in LANGUAGES:
        raise ValueError(f"unsupported language {lang!r}")
    _current = lang


def current_language() -> str:
    return _local.get() or _current


def use_language(lang: str | None):
    """Set the language of the current context only (a server request); returns the token to reset it."""
    if lang is not None and lang not in LANGUAGES:
        raise ValueError(f"unsupported language {lang!r}")
    return _local.set(lang)


@contextmanager
def language(lang: str):
    """``with language("ru"):`` — this context speaks ``lang`` (other threads and requests are untouched)."""
    token = use_language(lang)
    try:
        yield
    finally:
        _local.reset(token)


def _(message: str) -> str:
    return _catalog(_local.get() or _current).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return _catalog(_local.get() or _current).ngettext(singular, plural, n)


def babel_locale() -> str:
    return "ru_RU" if current_language() == "ru" else "en_GB"


def format_time(dt: datetime, tz: str, seconds: bool = False) -> str:
    if dt.tzinfo is not None:  # digits only, the same in every language: no need to load Babel's locale data
        return dt.astimezone(_zone(tz)).strftime("%H:%M:%S" if seconds else "%H:%M")
    from babel.dates import format_time as bt

    return bt(dt, "HH:mm:ss" if seconds else "HH:mm", tzinfo=_zone(tz), locale=babel_locale())


def format_datetime(dt: datetime, tz: str) -> str:
    """Date and time of an instant in a zone (the exam point's), short form: 04.06.2026, 14:30."""
    from babel.dates import format_datetime as bdt

    return bdt(dt, "short", tzinfo=_zone(tz), locale=babel_locale())


# CLDR's short date of each language (ru «dd.MM.y», en_GB «dd/MM/y»), without loading Babel's locale data at
# start-up (the room window's title shows it; tests/test_i18n.py checks it against Babel)
SHORT_DATE = {"ru_RU": "%d.%m.%Y", "en_GB": "%d/%m/%Y"}


def format_date(dt, long: bool = False) -> str:
    if not long and babel_locale() in SHORT_DATE:
        return dt.strftime(SHORT_DATE[babel_locale()])
    from babel.dates import format_date as bd

    return bd(dt, "long" if long else "short", locale=babel_locale())


def format_duration(delta: timedelta) -> str:
    from babel.dates import format_timedelta

    return format_timedelta(delta, threshold=1.0, granularity="minute", locale=babel_locale())


def _zone(tz: str):
    from zoneinfo import ZoneInfo

    return ZoneInfo(tz)
