"""Tables of a station database (SQLAlchemy Core, typed columns).

Events are append-only: triggers made by the first migration refuse UPDATE and DELETE.
"""

from __future__ import annotations

from sqlalchemy import Boolean, Column, Index, Integer, MetaData, String, Table, Text, UniqueConstraint

metadata = MetaData()

meta = Table(
    "meta", metadata,
    Column("key", String, primary_key=True),
    Column("value", Text, nullable=False),
)

exam_point = Table(
    "exam_point", metadata,
    Column("code", String(4), primary_key=True),
    Column("region", String(2), nullable=False),
    Column("msu", String(3), nullable=False),
    Column("name", Text, nullable=False, default=""),
    Column("tz", String, nullable=False),
    Column("address", Text, nullable=False, default=""),
)

# The (date, subject) pairs of the exam period at this exam point: a date holds one or more subjects.
exam_days = Table(
    "exam_days", metadata,
    Column("key", String, primary_key=True),  # YYYY-MM-DD/SS
    Column("date", String(10), nullable=False),
    Column("subject_code", String(2), nullable=False),
)

rooms = Table(
    "rooms", metadata,
    Column("number", String(4), primary_key=True),
    Column("rows", Integer, nullable=False),
    Column("seats_per_row", Integer, nullable=False),
    Column("name", Text, nullable=False, default=""),
)

# Rooms are physical and shared across dates; a list may give a room another layout on one date.
room_layouts = Table(
    "room_layouts", metadata,
    Column("day", String(10), primary_key=True),  # YYYY-MM-DD
    Column("number", String(4), primary_key=True),
    Column("rows", Integer, nullable=False),
    Column("seats_per_row", Integer, nullable=False),
)

participants = Table(
    "participants", metadata,
    Column("day", String(10), primary_key=True),  # the exam date YYYY-MM-DD
    Column("code", String, primary_key=True),
    Column("subject_code", String(2), nullable=False),
    Column("room", String(4), nullable=False),
    Column("seat", String(4), nullable=False),
    Column("last_name", Text, nullable=False),
    Column("first_name", Text, nullable=False),
    Column("middle_name", Text, nullable=False, default=""),
    Column("document_series", String, nullable=False, default=""),
    Column("document_number", String, nullable=False),
    Column("school_code", String, nullable=False, default=""),
    Column("ovz", Boolean, nullable=False, default=False),
    Index("ix_participants_room", "day", "room"),
)

staff = Table(
    "staff", metadata,
    Column("code", String, primary_key=True),
    Column("last_name", Text, nullable=False),
    Column("first_name", Text, nullable=False),
    Column("middle_name", Text, nullable=False, default=""),
    Column("role", String, nullable=False),
    Column("room", String(4), nullable=False, default=""),
    Column("lead", Boolean, nullable=False, default=False),
)

events = Table(
    "events", metadata,
    Column("id", String(36), primary_key=True),
    Column("station", String, nullable=False),
    Column("seq", Integer, nullable=False),
    Column("at", String(27), nullable=False),
    Column("recorded_at", String(27), nullable=False),
    Column("tz", String, nullable=False),
    Column("author", String, nullable=False, default=""),
    Column("kind", String, nullable=False),
    Column("day", String),
    Column("room", String(4)),
    Column("participant", String),
    Column("payload", Text, nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
    UniqueConstraint("station", "seq", name="uq_events_station_seq"),
    Index("ix_events_room", "day", "room"),
)

imports = Table(
    "imports", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", String(27), nullable=False),
    Column("source", Text, nullable=False),  # file name only, never its contents
    Column("sha256", String(64), nullable=False),
    Column("rows", Integer, nullable=False),
    Column("kind", String, nullable=False),
)
