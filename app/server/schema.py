"""Tables of the municipal server database (SQLAlchemy Core; SQLite or PostgreSQL, same code).

Idempotency and chain continuity are enforced by constraints, not in-process locks, so several
uvicorn workers may ingest at once: ``events.id`` and ``(station, seq)`` are unique, and a chain's
head moves only by a conditional UPDATE from the head the writer read.
"""

from __future__ import annotations

from sqlalchemy import (
                        BigInteger,
                        Boolean,
                        Column,
                        Float,
                        Index,
                        Integer,
                        MetaData,
                        String,
                        Table,
                        Text,
                        UniqueConstraint,
)

metadata = MetaData()

ppe = Table(
    "ppe", metadata,
    Column("key", String(8), primary_key=True),  # "66/0412": region/code
    Column("region", String(2), nullable=False),
    Column("msu", String(3), nullable=False),
    Column("code", String(4), nullable=False),
    Column("name", Text, nullable=False, default=""),
    Column("tz", String, nullable=False),
    Column("address", Text, nullable=False, default=""),
    Column("created_at", String(27), nullable=False),
)

enroll_codes = Table(
    "enroll_codes", metadata,
    Column("code_hash", String(64), primary_key=True),  # sha256 of the code; the code itself is shown once
    Column("ppe", String(8), nullable=False),
    Column("created_at", String(27), nullable=False),
    Column("expires_at", String(27), nullable=False),
    Column("used_at", String(27)),
    Column("station", String),
)

stations = Table(
    "stations", metadata,
    Column("station", String, primary_key=True),
    Column("ppe", String(8), nullable=False),
    Column("role", String, nullable=False),
    Column("sign_pk", String, nullable=False),
    Column("box_pk", String, nullable=False),
    Column("fingerprint", String, nullable=False),
    Column("enrolled_at", String(27), nullable=False),
    Column("revoked", Boolean, nullable=False, default=False),
)

nonces = Table(
    "nonces", metadata,
    Column("nonce", String(64), primary_key=True),
    Column("station", String, nullable=False),
    Column("ts", BigInteger, nullable=False),
    Index("ix_nonces_ts", "ts"),
)

chains = Table(
    "chains", metadata,
    Column("station", String, primary_key=True),  # any station whose events reached the server
    Column("ppe", String(8), nullable=False),  # bound to the exam point that first pushed it
    Column("seq", Integer, nullable=False),
    Column("hash", String(64), nullable=False),
    Column("updated_at", String(27), nullable=False),
)

events = Table(
    "events", metadata,
    Column("id", String(36), primary_key=True),
    Column("ppe", String(8), nullable=False),
    Column("station", String, nullable=False),
    Column("seq", Integer, nullable=False),
    Column("at", String(27), nullable=False),
    Column("recorded_at", String(27), nullable=False),
    Column("tz", String, nullable=False),
    Column("author", String, nullable=False),
    Column("kind", String, nullable=False),
    Column("day", String),
    Column("room", String(4)),
    Column("participant", String),
    Column("payload", Text, nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
    UniqueConstraint("station", "seq", name="uq_srv_events_station_seq"),
    Index("ix_srv_events_ppe_day", "ppe", "day"),
)

days = Table(
    "days", metadata,
    Column("ppe", String(8), primary_key=True),
    Column("key", String(13), primary_key=True),  # YYYY-MM-DD/SS
    Column("date", String(10), nullable=False),
    Column("subject_code", String(2), nullable=False),
    Column("list_sha256", String(64), nullable=False, default=""),
    Column("updated_at", String(27), nullable=False),
)

rooms = Table(
    "rooms", metadata,
    Column("ppe", String(8), primary_key=True),
    Column("number", String(4), primary_key=True),
    Column("rows", Integer, nullable=False),
    Column("seats_per_row", Integer, nullable=False),
    Column("name", Text, nullable=False, default=""),
)

participants = Table(
    "participants", metadata,
    Column("ppe", String(8), primary_key=True),
    Column("day", String(13), primary_key=True),
    Column("code", String, primary_key=True),
    Column("room", String(4), nullable=False),
    Column("seat", String(4), nullable=False),
    Column("school_code", String, nullable=False, default=""),
    Column("ovz", Boolean, nullable=False, default=False),
    # Names and documents only when the authority uploaded the list (to hand it to the HQ);
    # a plan pushed by an HQ carries codes only.
    Column("last_name", Text, nullable=False, default=""),
    Column("first_name", Text, nullable=False, default=""),
    Column("middle_name", Text, nullable=False, default=""),
    Column("document_series", String, nullable=False, default=""),
    Column("document_number", String, nullable=False, default=""),
    Column("source", String, nullable=False),  # "admin" or "hq"
    Index("ix_srv_participants_room", "ppe", "day", "room"),
    Index("ix_srv_participants_day", "day", "code"),  # the join of results to the conduct record
)

ingests = Table(
    "ingests", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", String(27), nullable=False),
    Column("station", String, nullable=False),
    Column("ppe", String(8), nullable=False),
    Column("received", Integer, nullable=False),
    Column("inserted", Integer, nullable=False),
    Column("outcome", String, nullable=False),
    Column("reason", Text, nullable=False, default=""),
    Index("ix_srv_ingests_ppe_at", "ppe", "at"),
)

__all__ = ["metadata", "ppe", "enroll_codes", "stations", "nonces", "chains", "events", "days", "rooms",
           "participants", "ingests", "peer_keys", "room_heads", "results", "names", "UniqueConstraint"]

peer_keys = Table(
    "peer_keys", metadata,
    Column("station", String, primary_key=True),
    Column("ppe", String(8), nullable=False),
    Column("role", String, nullable=False),
    Column("sign_pk", String, nullable=False),
    Column("box_pk", String, nullable=False),
    Column("fingerprint", String, nullable=False),
    Column("vouched_by", String, nullable=False),  # the HQ station that registered it
    Column("at", String(27), nullable=False),
    Column("revoked", Boolean, nullable=False, default=False),
    Column("room", String(4), nullable=False, default=""),  # the room and exam date it was set up for
    Column("date", String(10), nullable=False, default=""),
)

# Chain heads signed by room stations (their result packages' manifests), forwarded by HQ: a room
# station's events are stored only up to a head it signed itself.
room_heads = Table(
    "room_heads", metadata,
    Column("station", String, primary_key=True),
    Column("seq", Integer, primary_key=True),
    Column("hash", String(64), nullable=False),
    Column("ppe", String(8), nullable=False),
    Column("room", String(4), nullable=False),
    Column("date", String(10), nullable=False),
    Column("package", String(36), nullable=False),
    Column("manifest", Text, nullable=False),
    Column("signature", String, nullable=False),
    Column("received_at", String(27), nullable=False),
)

users = Table(
    "users", metadata,
    Column("username", String(64), primary_key=True),
    Column("role", String(16), nullable=False),  # "viewer" (one municipality) or "admin"
    Column("region", String(2), nullable=False, default=""),
    Column("msu", String(3), nullable=False, default=""),
    Column("pw_hash", Text, nullable=False),  # Argon2id, encoded with its parameters
    Column("created_at", String(27), nullable=False),
    Column("disabled", Boolean, nullable=False, default=False),
)

sessions = Table(
    "sessions", metadata,
    Column("token_hash", String(64), primary_key=True),  # sha256 of the cookie value: a leaked table opens nothing
    Column("username", String(64), nullable=False),
    Column("csrf", String(64), nullable=False),
    Column("created_at", String(27), nullable=False),
    Column("expires_at", String(27), nullable=False),
)

audit = Table(
    "audit", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", String(27), nullable=False),
    Column("username", String(64), nullable=False),
    Column("action", String(32), nullable=False),  # login, login-failed, logout, export-csv, export-xlsx
    Column("detail", Text, nullable=False, default=""),
    Column("ip", String(64), nullable=False, default=""),
)

login_failures = Table(
    "login_failures", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("ts", BigInteger, nullable=False),
    Column("username", String(64), nullable=False),
    Column("ip", String(64), nullable=False),
    Index("ix_login_failures_ts", "ts"),
)

# Exam results as the regional centre hands them to the municipality: participant codes only, no names.
# Joined to the conduct record by (participant, date, subject); practice testing is kept apart.
results = Table(
    "results", metadata,
    Column("practice", Boolean, primary_key=True),
    Column("exam_date", String(10), primary_key=True),
    Column("subject_code", String(2), primary_key=True),
    Column("participant_code", String(20), primary_key=True),
    Column("year", Integer, nullable=False),
    Column("school_code", String(6), nullable=False, default=""),
    Column("primary_score", Integer, nullable=False),
    Column("test_score", Integer, nullable=False),
    Column("passed", Boolean),  # as the list says, when it says
    Column("imported_at", String(27), nullable=False),
    Column("source", String, nullable=False, default="list"),  # "list" (imported) or "demo" (synthetic)
    # the municipality ("66/001": region/МСУ) whose officials may see the row: of the exam point where the
    # participant sat the exam, by the conduct record (app.server.results_place)
    Column("municipality", String(6), nullable=False, default=""),
    # covering the grouped read of a year's histograms (subject, school, score, source)
    Index("ix_srv_results_year", "practice", "year", "subject_code", "municipality", "school_code", "test_score",
          "source"),
)

# Names of schools (ОО) and exam points (ППЭ) from the authority's reference list (`server import-names`):
# the pages and exports show them beside the codes. Keyed by kind and code ("school", "123456" or
# "ppe", "66/0412"); a re-import replaces the name, the same list again changes nothing.
names = Table(
    "names", metadata,
    Column("kind", String(8), primary_key=True),
    Column("code", String(8), primary_key=True),
    Column("name", Text, nullable=False),
    Column("updated_at", String(27), nullable=False),
)

# Stored result cells (app.server.results_cells), recomputed from ``results`` for the groups a write touched;
# per municipality, so a viewer's report reads only their own municipality's cells and histogram.
results_cells = Table(
    "results_cells", metadata,
    Column("practice", Boolean, primary_key=True),
    Column("year", Integer, primary_key=True),
    Column("subject_code", String(2), primary_key=True),
    Column("municipality", String(6), primary_key=True),
    Column("school_code", String(6), primary_key=True),
    Column("participants", Integer, nullable=False),
    Column("mean", Float),
    Column("median", Float),
    Column("below_minimum", Float),
    Column("high_81_99", Float),
    Column("top_100", Float),
    Column("demo", Boolean, nullable=False, default=False),
)
results_hist = Table(
    "results_hist", metadata,
    Column("practice", Boolean, primary_key=True),
    Column("year", Integer, primary_key=True),
    Column("subject_code", String(2), primary_key=True),
    Column("municipality", String(6), primary_key=True),
    Column("test_score", Integer, primary_key=True),
    Column("n", Integer, nullable=False),
    Column("demo", Boolean, nullable=False, default=False),
)

# Score sums per exam room of the official results (app.server.results_rooms): the «unusually alike» flag
# reads these instead of joining every result of a year to its plan on each page.
results_rooms = Table(
    "results_rooms", metadata,
    Column("year", Integer, primary_key=True),
    Column("subject_code", String(2), primary_key=True),
    Column("municipality", String(6), primary_key=True),
    Column("ppe", String(8), primary_key=True),
    Column("room", String(4), primary_key=True),
    Column("n", Integer, nullable=False),
    Column("total", Float, nullable=False),
    Column("total_sq", Float, nullable=False),
)

# The region's own figures per year and subject (a reference file from the regional centre): the second
# baseline beside the municipality. Shares are fractions (0.125), as the municipality's indicators are.
region_figures = Table(
    "region_figures", metadata,
    Column("year", Integer, primary_key=True),
    Column("subject_code", String(2), primary_key=True),
    Column("participants", Integer, nullable=False),
    Column("mean", Float, nullable=False),
    Column("median", Float),
    Column("below_minimum", Float, nullable=False),
    Column("high_81_99", Float),
    Column("top_100", Float),
    Column("source", String, nullable=False),  # the file's name
    Column("imported_at", String(27), nullable=False),
)

# --- Monitoring figures, folded from each accepted batch in the batch's own transaction -----------------
# The event log stays the source: ``auditoria server rebuild-figures`` recomputes these from it. Rows per
# (exam point, date/subject key, room); a room's share of each school and its incidents by kind beside it,
# so every page level is one grouped read. ``fig_rooms.state`` is the room's folded state (app.server.figures).
FIG_METRICS = ("assigned", "present", "absent", "unmarked", "in_room", "late", "removed", "finished_early", "exits",
               "exit_minutes", "extra_sheets", "corrections", "appeals", "incidents")


def _metric_columns() -> list[Column]:
    from sqlalchemy import Float

    return [Column(f"m_{k}", Float if k == "exit_minutes" else Integer, nullable=False, default=0)
            for k in FIG_METRICS]


fig_days = Table(
    "fig_days", metadata,
    Column("ppe", String(8), primary_key=True),
    Column("day", String(13), primary_key=True),
    Column("date", String(10), nullable=False),
    Column("subject", String(2), nullable=False),
    Column("subject_title", Text, nullable=False, default=""),
    Column("valid", Boolean, nullable=False),  # False: no figures (no reference data for its year or subject)
    Column("legacy", Boolean, nullable=False, default=False),  # no plan rows: rooms come from its events
    Column("events_total", Integer, nullable=False, default=0),
    Column("unreadable", Integer, nullable=False, default=0),
    Column("papers_printed", Integer, nullable=False, default=0),
    Column("papers_returned", Integer, nullable=False, default=0),
    Column("papers_out", Integer, nullable=False, default=0),
    Index("ix_fig_days_date", "date", "ppe"),
)

fig_rooms = Table(
    "fig_rooms", metadata,
    Column("ppe", String(8), primary_key=True),
    Column("day", String(13), primary_key=True),
    Column("room", String(4), primary_key=True),
    Column("date", String(10), nullable=False),
    Column("subject", String(2), nullable=False),
    *_metric_columns(),
    Column("phase", String(16), nullable=False),
    Column("problems", Text, nullable=False, default="[]"),
    Column("state", Text, nullable=False),
    Index("ix_fig_rooms_date", "date", "ppe"),
)

fig_schools = Table(
    "fig_schools", metadata,
    Column("ppe", String(8), primary_key=True),
    Column("day", String(13), primary_key=True),
    Column("room", String(4), primary_key=True),
    Column("school", String(8), primary_key=True),
    Column("date", String(10), nullable=False),
    Column("subject", String(2), nullable=False),
    *_metric_columns(),
    Index("ix_fig_schools_date", "date", "school"),
    Index("ix_fig_schools_day_school", "day", "school"),  # the page's school table, 50 groups at a time
)

fig_incidents = Table(
    "fig_incidents", metadata,
    Column("ppe", String(8), primary_key=True),
    Column("day", String(13), primary_key=True),
    Column("room", String(4), primary_key=True),
    Column("school", String(8), primary_key=True),  # "" when the incident names no participant of a school
    Column("kind", String(40), primary_key=True),
    Column("date", String(10), nullable=False),
    Column("subject", String(2), nullable=False),
    Column("n", Integer, nullable=False),
    Index("ix_fig_incidents_date", "date"),
)

__all__ += ["fig_days", "fig_rooms", "fig_schools", "fig_incidents", "FIG_METRICS"]
