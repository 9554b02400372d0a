"""The fast checks of ingest give the verdicts of their reference definitions (issue 13, item 6).

Ingest was made faster by checking less expensively, never by checking less: each shortcut here is
compared with the definition it replaces on generated inputs, valid and invalid.
"""

from __future__ import annotations

import json
import random

import pytest

from app.domain.event import parse_utc, utc_iso
from app.server import validate
from app.server.validate import event_problem, instant_ok, payload_problem


def _instant_reference(text) -> bool:
    """The definition instant_ok had: a regex, then the round trip through the station's own writer."""
    if not isinstance(text, str) or not validate._ISO.fullmatch(text):
        return False
    try:
        return utc_iso(parse_utc(text)) == text
    except (ValueError, OverflowError):
        return False


def _instants(n: int) -> list[str]:
    rnd = random.Random(7)
    out = ["2026-06-04T10:00:00.000000Z", "0999-01-01T00:00:00.000000Z", "1000-01-01T00:00:00.000000Z",
           "0000-01-01T00:00:00.000000Z", "9999-12-31T23:59:59.999999Z", "2026-02-29T10:00:00.000000Z",
           "2024-02-29T10:00:00.000000Z", "2026-06-04T24:00:00.000000Z", "2026-06-04T23:59:60.000000Z",
           "2026-06-04T10:00:00.000000+", "2026-06-04 10:00:00.000000Z", "٢٠٢٦-06-04T10:00:00.000000Z",
           "2026-06-04T10:00:00,000000Z", "2026-13-45T99:00:00.000000Z", "xxxxxxxxxxxxxxxxxxxxxxxxxxx", "", None, 5]
    digits = "0123456789"
    for _ in range(n):
        s = list("2026-06-04T10:00:00.000000Z")
        for _k in range(rnd.randint(1, 3)):  # change one to three characters, mostly digits
            i = rnd.randrange(len(s))
            s[i] = rnd.choice(digits if rnd.random() < 0.9 else "Z:-T.+ a٣")
        out.append("".join(s))
    return out


def test_instant_check_equals_its_reference():
    texts = _instants(20_000)
    wrong = [t for t in texts if instant_ok(t) != _instant_reference(t)]
    assert not wrong, wrong[:10]
    assert sum(map(instant_ok, texts)) > 1000  # both verdicts are exercised


def _payloads() -> list[tuple[str, dict, str | None]]:
    return [("admitted", {}, "001"), ("admitted", {}, None), ("seated", {"seat": "1A"}, "001"),
            ("seated", {"seat": 5}, "001"), ("seated", {"seat": "1A", "x": 1}, "001"),
            ("extra-sheet", {"sheet": "00010001"}, "001"), ("extra-sheet", {}, "001"),
            ("desk-check", {"verdict": "permitted"}, "001"), ("desk-check", {"verdict": "maybe"}, "001"),
            ("void", {"target": "x", "reason": "r"}, None), ("void", {"target": "x"}, None),
            ("note", {"text": "x" * 2001}, None), ("note", {"text": ["a", {"b": 1}]}, None),
            ("note", {"text": {"deep": 1}}, None), ("materials-collected", {"blanks": 3, "extra": 1.0}, None),
            ("materials-collected", {"blanks": True}, None), ("room-opened", {"organizers": ["ORG01"]}, None)]


@pytest.mark.parametrize("encoding", ["canonical", "stored"])
def test_payload_verdicts_remembered_by_text_equal_fresh_ones(encoding):
    validate._PAYLOAD_SEEN.clear()
    enc = (json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode
           if encoding == "canonical" else json.JSONEncoder(sort_keys=True, ensure_ascii=False).encode)
    cases = _payloads()
    for _round in range(2):  # the second round answers from what the first remembered
        for kind, p, participant in cases:
            assert payload_problem(kind, p, participant, enc(p)) == validate._payload_problem(kind, p, participant)
    # the same text under another kind or without a participant is judged again, not taken from the first
    assert payload_problem("admitted", {}, None, "{}") == validate._payload_problem("admitted", {}, None)
    assert payload_problem("admitted", {}, None, "{}") is not None


def test_event_problem_with_text_equals_without():
    base = {"kind": "seated", "at": "2026-06-04T10:00:00.000000Z", "recorded_at": "2026-06-04T10:00:00.000000Z",
            "tz": "Asia/Yekaterinburg", "day": "2026-06-04", "room": "0001", "participant": "001",
            "author": "ORG01", "payload": {"seat": "1A"}}
    for kind, p, participant in _payloads():
        d = {**base, "kind": kind, "payload": p, "participant": participant}
        assert event_problem(d, payload_text=json.dumps(p, sort_keys=True)) == event_problem(d)


def test_fast_event_equals_the_dataclass():
    from dataclasses import asdict, replace

    from app.domain.event import Event
    from app.server.figures import _EVENT_FIELDS, _mk_event

    vals = ("id1", "st", 3, "2026-06-04T10:00:00.000000Z", "2026-06-04T10:00:01.000000Z", "Asia/Yekaterinburg",
            "ORG01", "seated", "2026-06-04", "0001", "001", {"seat": "1A"}, "0" * 64, "a" * 64)
    fast, slow = _mk_event(vals), Event(**dict(zip(_EVENT_FIELDS, vals, strict=True)))
    assert fast == slow and asdict(fast) == asdict(slow) and repr(fast) == repr(slow)
    assert fast.order_key() == slow.order_key() and fast.compute_hash() == slow.compute_hash()
    assert replace(fast, seq=4) == replace(slow, seq=4)
    with pytest.raises(AttributeError):  # still frozen
        fast.seq = 5  # type: ignore[misc]


@pytest.mark.parametrize("payload", [{}, {"seat": "1A"}, {"seat": "1A"}, {"a\x00b": "c"}, {"a": "b\x00c"},
                                     {"verdict": "permitted"}, {"n": 1}, {"n": True}, {"s": "ё" * 20},
                                     {"a": "1", "b": "2"}, {"seat": "1A"}])
def test_remembered_payload_texts_equal_fresh_encodings(payload):
    from app.server.ingest import _CANON, _PAYLOAD, _stored_payload, canonical_payload

    for _ in range(2):
        assert canonical_payload(payload) == (_CANON(payload) if payload else "{}")
        assert _stored_payload(payload) == (_PAYLOAD(payload) if payload else "{}")
