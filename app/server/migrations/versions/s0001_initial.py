"""Server schema: exam points, enrollment, stations, nonces, chains, events, days, lists.

Revision ID: s0001
"""

import sqlalchemy as sa
from alembic import op

revision = "s0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ppe",
        sa.Column("key", sa.String(8), primary_key=True),
        sa.Column("region", sa.String(2), nullable=False),
        sa.Column("msu", sa.String(3), nullable=False),
        sa.Column("code", sa.String(4), nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("tz", sa.String, nullable=False),
        sa.Column("address", sa.Text, nullable=False),
        sa.Column("created_at", sa.String(27), nullable=False),
    )
    op.create_table(
        "enroll_codes",
        sa.Column("code_hash", sa.String(64), primary_key=True),
        sa.Column("ppe", sa.String(8), nullable=False),
        sa.Column("created_at", sa.String(27), nullable=False),
        sa.Column("expires_at", sa.String(27), nullable=False),
        sa.Column("used_at", sa.String(27)),
        sa.Column("station", sa.String),
    )
    op.create_table(
        "stations",
        sa.Column("station", sa.String, primary_key=True),
        sa.Column("ppe", sa.String(8), nullable=False),
        sa.Column("role", sa.String, nullable=False),
        sa.Column("sign_pk", sa.String, nullable=False),
        sa.Column("box_pk", sa.String, nullable=False),
        sa.Column("fingerprint", sa.String, nullable=False),
        sa.Column("enrolled_at", sa.String(27), nullable=False),
        sa.Column("revoked", sa.Boolean, nullable=False),
    )
    op.create_table(
        "nonces",
        sa.Column("nonce", sa.String(64), primary_key=True),
        sa.Column("station", sa.String, nullable=False),
        sa.Column("ts", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_nonces_ts", "nonces", ["ts"])
    op.create_table(
        "chains",
        sa.Column("station", sa.String, primary_key=True),
        sa.Column("ppe", sa.String(8), nullable=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.Column("updated_at", sa.String(27), nullable=False),
    )
    op.create_table(
        "events",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("ppe", sa.String(8), nullable=False),
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
        sa.UniqueConstraint("station", "seq", name="uq_srv_events_station_seq"),
    )
    op.create_index("ix_srv_events_ppe_day", "events", ["ppe", "day"])
    op.create_table(
        "days",
        sa.Column("ppe", sa.String(8), primary_key=True),
        sa.Column("key", sa.String(13), primary_key=True),
        sa.Column("date", sa.String(10), nullable=False),
        sa.Column("subject_code", sa.String(2), nullable=False),
        sa.Column("list_sha256", sa.String(64), nullable=False),
        sa.Column("updated_at", sa.String(27), nullable=False),
    )
    op.create_table(
        "rooms",
        sa.Column("ppe", sa.String(8), primary_key=True),
        sa.Column("number", sa.String(4), primary_key=True),
        sa.Column("rows", sa.Integer, nullable=False),
        sa.Column("seats_per_row", sa.Integer, nullable=False),
        sa.Column("name", sa.Text, nullable=False),
    )
    op.create_table(
        "participants",
        sa.Column("ppe", sa.String(8), primary_key=True),
        sa.Column("day", sa.String(13), primary_key=True),
        sa.Column("code", sa.String, primary_key=True),
        sa.Column("room", sa.String(4), nullable=False),
        sa.Column("seat", sa.String(4), nullable=False),
        sa.Column("school_code", sa.String, nullable=False),
        sa.Column("ovz", sa.Boolean, nullable=False),
        sa.Column("last_name", sa.Text, nullable=False),
        sa.Column("first_name", sa.Text, nullable=False),
        sa.Column("middle_name", sa.Text, nullable=False),
        sa.Column("document_series", sa.String, nullable=False),
        sa.Column("document_number", sa.String, nullable=False),
        sa.Column("source", sa.String, nullable=False),
    )
    op.create_index("ix_srv_participants_room", "participants", ["ppe", "day", "room"])
    op.create_table(
        "ingests",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("at", sa.String(27), nullable=False),
        sa.Column("station", sa.String, nullable=False),
        sa.Column("ppe", sa.String(8), nullable=False),
        sa.Column("received", sa.Integer, nullable=False),
        sa.Column("inserted", sa.Integer, nullable=False),
        sa.Column("outcome", sa.String, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
    )
    # The event log is append-only here too.
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE FUNCTION srv_events_append_only() RETURNS trigger AS $$ BEGIN "
                   "RAISE EXCEPTION 'events are append-only'; END; $$ LANGUAGE plpgsql")
        op.execute("CREATE TRIGGER srv_events_no_update BEFORE UPDATE OR DELETE ON events "
                   "FOR EACH ROW EXECUTE FUNCTION srv_events_append_only()")
    else:
        op.execute("CREATE TRIGGER srv_events_no_update BEFORE UPDATE ON events "
                   "BEGIN SELECT RAISE(ABORT, 'events are append-only'); END")
        op.execute("CREATE TRIGGER srv_events_no_delete BEFORE DELETE ON events "
                   "BEGIN SELECT RAISE(ABORT, 'events are append-only'); END")


def downgrade() -> None:
    raise RuntimeError("downgrade is not supported")
