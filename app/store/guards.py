"""The append-only guard of the event log: the triggers, their exact text, and the check for them.

UPDATE and DELETE are refused by the first migration's triggers. ``INSERT OR REPLACE`` and
``INSERT ... ON CONFLICT DO UPDATE`` slipped past them: REPLACE deletes the old row without
firing DELETE triggers (unless ``recursive_triggers`` is on). So a BEFORE INSERT trigger
refuses a row whose id or (station, seq) is already held; the conflict never happens and
nothing is rewritten. Importers that meet events already held skip them before inserting.

``verify`` compares the triggers in the file with the texts here, so dropping one or
replacing it with a no-op is reported.
"""

from __future__ import annotations

import re

APPEND_ONLY = "events are append-only: record a void event instead"

NO_UPDATE = ("CREATE TRIGGER events_no_update BEFORE UPDATE ON events "
             f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END")
NO_DELETE = ("CREATE TRIGGER events_no_delete BEFORE DELETE ON events "
             f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END")
NO_REPLACE = ("CREATE TRIGGER events_no_replace BEFORE INSERT ON events "
              "WHEN EXISTS (SELECT 1 FROM events WHERE id = NEW.id) "
              "OR EXISTS (SELECT 1 FROM events WHERE station = NEW.station AND seq = NEW.seq) "
              "BEGIN SELECT RAISE(ABORT, 'events are append-only: this event id or station sequence is already "
              "held and is never replaced'); END")

GUARDS = {"events_no_update": NO_UPDATE, "events_no_delete": NO_DELETE, "events_no_replace": NO_REPLACE}
"""Every trigger a station database must have, by name (no_replace from revision 0005g on)."""


def _norm(sql: str | None) -> str:
    return re.sub(r"\s+", " ", (sql or "").strip()).rstrip(";").lower()


def missing_guards(conn, required: tuple[str, ...] = tuple(GUARDS)) -> list[str]:
    """Problems with the guard triggers of an open sqlite3 connection (empty: all there, unchanged)."""
    held = dict(conn.execute("SELECT name, sql FROM sqlite_master WHERE type='trigger' AND tbl_name='events'"))
    problems = []
    for name in required:
        if name not in held:
            problems.append(f"the append-only guard {name} is missing: the event log could be rewritten")
        elif _norm(held[name]) != _norm(GUARDS[name]):
            problems.append(f"the append-only guard {name} was changed: the event log could be rewritten")
    return problems
