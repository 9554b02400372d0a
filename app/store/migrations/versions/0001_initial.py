"""First schema: reference tables, the append-only event log and its guarding triggers.

Revision ID: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table("meta", sa.Column("key", sa.String, primary_key=True), sa.Column("value", sa.Text, nullable=False))
    op.create_table(
        "exam_point",
        sa.Column("code", sa.String(4), primary_key=True),
        sa.Column("region", sa.String(2), nullable=False),
        sa.Column("msu", sa.String(3), nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("tz", sa.String, nullable=False),
        sa.Column("address", sa.Text, nullable=False),
    )
    op.create_table(
        "exam_days",
        sa.Column("key", sa.String, primary_key=True),
        sa.Column("date", sa.String(10), nullable=False),
        sa.Column("subject_code", sa.String(2), nullable=False),
    )
    op.create_table(
        "rooms",
        sa.Column("number", sa.String(4), primary_key=True),
        sa.Column("rows", sa.Integer, nullable=False),
        sa.Column("seats_per_row", sa.Integer, nullable=False),
        sa.Column("name", sa.Text, nullable=False),
    )
    op.create_table(
        "participants",
        sa.Column("day", sa.String, primary_key=True),
        sa.Column("code", sa.String, primary_key=True),
        sa.Column("room", sa.String(4), nullable=False),
        sa.Column("seat", sa.String(4), nullable=False),
        sa.Column("last_name", sa.Text, nullable=False),
        sa.Column("first_name", sa.Text, nullable=False),
        sa.Column("middle_name", sa.Text, nullable=False),
        sa.Column("document_series", sa.String, nullable=False),
        sa.Column("document_number", sa.String, nullable=False),
        sa.Column("school_code", sa.String, nullable=False),
        sa.Column("ovz", sa.Boolean, nullable=False),
    )
    op.create_index("ix_participants_room", "participants", ["day", "room"])
    op.create_table(
        "staff",
        sa.Column("code", sa.String, primary_key=True),
        sa.Column("last_name", sa.Text, nullable=False),
        sa.Column("first_name", sa.Text, nullable=False),
        sa.Column("middle_name", sa.Text, nullable=False),
        sa.Column("role", sa.String, nullable=False),
        sa.Column("room", sa.String(4), nullable=False),
    )
    op.create_table(
        "events",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("station", sa.String, nullable=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("at", sa.String(27), nullable=False),
        sa.Column("recorded_at", sa.String(27), nullable=False),
        sa.Column("tz", sa.String, nullable=False),
        sa.Column("author", sa.String, nullable=False),
        sa.Column("kind", sa.String, nullable=False),
        sa.Column("day", sa.String),
        sa.Column("room", sa.String(4)),
        sa.Column("participant", sa.String),
        sa.Column("payload", sa.Text, nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.UniqueConstraint("station", "seq", name="uq_events_station_seq"),
    )
    op.create_index("ix_events_room", "events", ["day", "room"])
    op.execute(
        "CREATE TRIGGER events_no_update BEFORE UPDATE ON events "
        "BEGIN SELECT RAISE(ABORT, 'events are append-only: record a void event instead'); END"
    )
    op.execute(
        "CREATE TRIGGER events_no_delete BEFORE DELETE ON events "
        "BEGIN SELECT RAISE(ABORT, 'events are append-only: record a void event instead'); END"
    )


def downgrade() -> None:
    raise RuntimeError("downgrade is not supported: the event log is never rewritten")
