"""Limits on what comes in, as data (resources/reference/limits.json): lengths, formats, date ranges.

Everything typed, imported or passed on the command line is bounded before it reaches the
database, so a 100,000-character name, an exam date of 9999 or a mark "at" year 1 gets one
clear line instead of a silent oddity or an overflow deep inside.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache

from app.errors import UserError
from app.paths import resources_dir


@lru_cache(maxsize=1)
def limits() -> dict:
    return json.loads((resources_dir() / "reference" / "limits.json").read_text(encoding="utf-8"))


def max_chars(key: str) -> int:
    return int(limits()[key])


def check_length(what: str, value: str, key: str) -> None:
    n = max_chars(key)
    if len(value) > n:
        raise UserError(f"{what}: {len(value)} characters, at most {n} allowed")


@lru_cache(maxsize=1)
def exam_years() -> tuple[int, int]:
    """The exam years this build has reference data for (newest plus the allowance in limits.json)."""
    from app.domain.reference import available_years

    years = available_years()
    return years[0], years[-1] + int(limits().get("exam_years_after_newest_reference", 0))


def parse_exam_date(text: str) -> date:
    """A strict YYYY-MM-DD within the reference years (not 20260604, 2026-W23-4, 1900 or 9999)."""
    if not re.fullmatch(limits()["exam_date_pattern"], text, re.ASCII):
        raise ValueError(f"must be a date YYYY-MM-DD, not {text[:40]!r}")
    try:
        d = date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"must be a date YYYY-MM-DD, not {text!r}") from None
    return check_exam_year(d)


def check_exam_year(d: date) -> date:
    """The date, if its year has reference data (9999 must not silently use 2026's); ValueError otherwise."""
    lo, hi = exam_years()
    if not lo <= d.year <= hi:
        span = str(lo) if lo == hi else f"{lo}-{hi}"
        raise ValueError(f"{d.isoformat()}: no reference data for {d.year} (this version knows exam years {span})")
    return d


def check_instant(dt: datetime, exam_date: date) -> datetime:
    """An aware instant, normalised to UTC, refused when absurdly far from the exam date."""
    days = int(limits()["at_max_days_from_exam_date"])
    try:
        utc = dt.astimezone(UTC)
        centre = datetime.combine(exam_date, datetime.min.time(), tzinfo=UTC)
        far = abs(utc - centre) > timedelta(days=days)
    except OverflowError:
        far, utc = True, None
    if far:
        raise UserError(f"time {dt.isoformat()[:40]} is more than {days} days from the exam date "
                        f"{exam_date.isoformat()}: check the date")
    return utc


@lru_cache(maxsize=1)
def _sheet_re() -> re.Pattern:
    return re.compile(limits()["sheet_code_pattern"])


@lru_cache(maxsize=1)
def _text_max() -> int:
    return int(limits()["payload_text_max_chars"])


def check_payload_field(kind: str, key: str, value: object) -> None:
    """A mark's field within limits: sheet codes as the forms print them, no endless text."""
    if not isinstance(value, str):
        return
    if key in ("sheet", "previous") and not _sheet_re().fullmatch(value):
        raise UserError(f"{kind}: field {key!r}: {value[:30]!r} is not a sheet code (letters, digits, '-', "
                        "at most 20)")
    n = _text_max()
    if len(value) > n:
        raise UserError(f"{kind}: field {key!r}: {len(value)} characters, at most {n} allowed")
