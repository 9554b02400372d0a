"""The events behind a figure (/monitoring/events) in words (issue 13): kinds, fields and the choices a
payload carries by their Russian names, times as the exam point's local time, a mark another mark names
by its kind and time; never a code of the catalog, raw JSON, True/False or an event id."""

from __future__ import annotations

import html as html_lib
import json
import re

from app.domain.kinds import KINDS
from tests.server.conftest import cli

CHOICE_CODES = {"document", "no-document", "current", "previous", "permitted", "forbidden"}


def _cells(page: str) -> list[tuple[str, str, str]]:
    """(kind code, kind cell, details cell) of each row of the events table."""
    rows = re.findall(r'<td class="l" data-kind="([^"]+)">(.*?)</td><td class="l">.*?</td><td class="l">(.*?)</td></tr>',
                      page, re.S)
    return [(k, html_lib.unescape(a), html_lib.unescape(b)) for k, a, b in rows]


def test_events_page_speaks_russian_words(live, official, hq_db):
    out = cli("sync", "--db", str(hq_db), "--server", live.url, "--enroll", live.add_ppe("0412"), "--json")
    assert json.loads(out.stdout)["outcome"] == "accepted"
    seen: dict[str, list[str]] = {}
    for metric in ("present", "absent", "late", "exits", "extra_sheets", "removed", "finished_early",
                   "corrections", "appeals", "incidents"):
        r = official.get("/monitoring/events", params={"day": "2026-06-04/01", "ppe": "66/0412", "metric": metric})
        assert r.status_code == 200
        for kind, title, details in _cells(r.text):
            assert title != kind and title.strip(), (kind, title)
            seen.setdefault(kind, []).append(details)
            words = set(re.findall(r"[\w-]+", details))
            assert not words & CHOICE_CODES, (kind, details)
            assert "True" not in words and "False" not in words and "{" not in details, (kind, details)
            assert not re.search(r"\d{4}-\d\d-\d\dT", details), (kind, details)  # no raw UTC instants
            assert not re.search(r"\b[0-9a-f]{8}…", details), (kind, details)  # no event ids
            for code in KINDS:  # a kind is named, never coded
                assert not re.search(rf"(?<![\w-]){re.escape(code)}(?![\w-])", details) or code in ("exit", "return"), \
                    (kind, details)
    # the demo day's admissions say how identity was checked, its correction which field, in words
    assert "личность: по документу" in seen["admitted"], seen["admitted"][:5]
    assert set(seen.get("correction", [])) == {"номер документа"}, seen.get("correction")


def test_every_choice_of_the_catalog_has_words():
    """Each choice a public payload field may carry, yes/no and a planned end read as words."""
    from app.domain.kinds import KINDS as catalog
    from app.i18n import language
    from app.server.monitoring import PUBLIC_FIELDS
    from app.server.texts import payload_text

    choices = {(f.name, c) for k in catalog.values() for f in k.fields if f.name in PUBLIC_FIELDS
               for c in f.choices if f.name != "field"}
    assert choices >= {("identity", "no-document"), ("verdict", "forbidden")}
    with language("ru"):
        for name, c in choices:
            text = payload_text("admitted", {name: c})
            assert c not in re.findall(r"[\w-]+", text), text
        assert payload_text("admitted", {"identity": "no-document"}) == "личность: без документа"
        assert payload_text("exam-start", {"end": "2026-06-04T08:55:00.000000Z"}, "Asia/Yekaterinburg") \
            == "окончание: 13:55"
        assert payload_text("seated", {"graduate": True}).endswith(": да")
