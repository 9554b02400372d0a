"""The date and time formats the windows show without loading Babel's locale data (app.i18n fast paths)
must be what Babel would write, in both languages."""

from __future__ import annotations

from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

import pytest
from babel.dates import format_date as babel_date
from babel.dates import format_time as babel_time

from app import i18n


@pytest.mark.parametrize("lang", i18n.LANGUAGES)
def test_short_date_and_time_match_babel(lang: str) -> None:
    with i18n.language(lang):
        loc = i18n.babel_locale()
        for d in (date(2026, 6, 4), date(2026, 12, 31), datetime(2027, 1, 9, 23, 59)):
            assert i18n.format_date(d) == babel_date(d, "short", locale=loc)
        tz = "Asia/Yekaterinburg"
        for dt in (datetime(2026, 6, 4, 3, 5, 7, tzinfo=timezone.utc),
                   datetime(2026, 6, 4, 23, 59, 59, tzinfo=ZoneInfo("Europe/Moscow"))):
            for seconds in (False, True):
                assert i18n.format_time(dt, tz, seconds=seconds) == babel_time(
                    dt, "HH:mm:ss" if seconds else "HH:mm", tzinfo=ZoneInfo(tz), locale=loc)
