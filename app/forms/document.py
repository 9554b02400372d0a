"""A filled form before it is painted: header, fields, table rows, counts, warnings.

Everything printed comes from here, and here only from projections; the canonical content
(what the QR's SHA-256 covers) is this data, never the print time, so reprinting the same
record gives the same hash and any later change to the record gives a different one.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from app.domain.event import canonical_json

CONTENT_VERSION = 2  # 2: warnings are no longer printed, so no longer part of the content


@dataclass
class Document:
    code: str  # official code, "ППЭ-05-02"
    slug: str  # "05-02"
    title: str  # official title from the reference catalog
    layout: dict[str, Any]
    day: str  # the exam date, ExamDay.key
    header: dict[str, str]
    fields: dict[str, Any] = field(default_factory=dict)
    tables: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)  # shown on screen / in preview, never printed
    room: str | None = None
    participant: str | None = None
    event_id: str | None = None
    times: list[str] = field(default_factory=list)  # key local times "HH:MM"
    subject: str = ""  # the subject a form that totals the exam point is printed for (one per subject)

    def content(self) -> dict[str, Any]:
        """The canonical content the QR vouches for (no print time, no layout cosmetics)."""
        return {"v": CONTENT_VERSION, "form": self.code, "day": self.day, "room": self.room,
                "participant": self.participant, "event": self.event_id, "header": self.header,
                "fields": self.fields, "tables": self.tables}

    def content_hash(self) -> bytes:
        return hashlib.sha256(canonical_json(self.content())).digest()

    @cached_property
    def doc_id(self) -> str:
        """A stable id of the document (same form, day, room, participant and act event); worked out
        once (it is asked for on every page, and base32 is slow Python)."""
        parts = [self.slug, self.day, self.room or "", self.participant or "", self.event_id or ""]
        if self.subject and not self.room:
            parts.append(self.subject)
        key = "|".join(parts)
        digest = hashlib.sha256(key.encode("utf-8")).digest()[:5]
        return base64.b32encode(digest).decode("ascii")

    @property
    def copies(self) -> list[str]:
        """Copy labels («Экземпляр 1» …), or [""] for a single unlabeled copy."""
        c = self.layout.get("copies", 1)
        if isinstance(c, list):
            return [str(x) for x in c]
        n = int(c)
        return [""] if n <= 1 else [f"Экземпляр {i}" for i in range(1, n + 1)]

    def value(self, key: str) -> Any:
        if key in self.fields:
            return self.fields[key]
        return self.header.get(key, "")

    def file_stem(self) -> str:
        parts = [self.slug]
        if self.room:
            parts.append(self.room)
        if self.participant:
            parts.append(self.participant)
        if self.event_id and not self.participant:
            parts.append(self.event_id[:8])
        if self.subject and not self.room:
            parts.append(self.subject)
        return "ppe-" + "_".join(parts)
