"""The station-side sync tables (made by store migration 0004), as SQLAlchemy Core tables."""

from __future__ import annotations

from sqlalchemy import Column, Integer, MetaData, String, Table, Text

metadata = MetaData()

enrollment = Table(
    "sync_enrollment", metadata,
    Column("server", String, primary_key=True),
    Column("station", String, nullable=False),
    Column("ppe", String(8), nullable=False),
    Column("ppe_name", Text, nullable=False),
    Column("fingerprint", String, nullable=False),
    Column("enrolled_at", String(27), nullable=False),
)

outbox = Table(
    "sync_outbox", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("server", String, nullable=False),
    Column("station", String, nullable=False),
    Column("first_seq", Integer, nullable=False),
    Column("last_seq", Integer, nullable=False),
    Column("count", Integer, nullable=False),
    Column("state", String, nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("created_at", String(27), nullable=False),
    Column("updated_at", String(27), nullable=False),
    Column("next_attempt_at", String(27)),
    Column("reason", Text, nullable=False),
)

state = Table(
    "sync_state", metadata,
    Column("server", String, primary_key=True),
    Column("last_attempt_at", String(27)),
    Column("last_success_at", String(27)),
    Column("outcome", String, nullable=False),
    Column("message", Text, nullable=False),
    Column("failures", Integer, nullable=False),
    Column("next_attempt_at", String(27)),
    Column("heads", Text, nullable=False),
    Column("pulled", Text, nullable=False),
)
