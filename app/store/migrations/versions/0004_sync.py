"""Sync with the municipal server: enrollment, the outbox of event batches, sync state.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sync_enrollment",
        sa.Column("server", sa.String, primary_key=True),  # base URL
        sa.Column("station", sa.String, nullable=False),
        sa.Column("ppe", sa.String(8), nullable=False),  # region/code as the server knows it
        sa.Column("ppe_name", sa.Text, nullable=False),
        sa.Column("fingerprint", sa.String, nullable=False),
        sa.Column("enrolled_at", sa.String(27), nullable=False),
    )
    op.create_table(
        "sync_outbox",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("server", sa.String, nullable=False),
        sa.Column("station", sa.String, nullable=False),  # whose chain the batch carries
        sa.Column("first_seq", sa.Integer, nullable=False),
        sa.Column("last_seq", sa.Integer, nullable=False),
        sa.Column("count", sa.Integer, nullable=False),
        sa.Column("state", sa.String, nullable=False),  # pending, accepted, retry, rejected, resolved
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("created_at", sa.String(27), nullable=False),
        sa.Column("updated_at", sa.String(27), nullable=False),
        sa.Column("next_attempt_at", sa.String(27)),
        sa.Column("reason", sa.Text, nullable=False),
        sa.UniqueConstraint("server", "station", "first_seq", "last_seq", name="uq_sync_outbox_batch"),
    )
    op.create_index("ix_sync_outbox_state", "sync_outbox", ["server", "state"])
    op.create_table(
        "sync_state",
        sa.Column("server", sa.String, primary_key=True),
        sa.Column("last_attempt_at", sa.String(27)),
        sa.Column("last_success_at", sa.String(27)),
        sa.Column("outcome", sa.String, nullable=False),  # never, accepted, retry, rejected
        sa.Column("message", sa.Text, nullable=False),
        sa.Column("failures", sa.Integer, nullable=False),
        sa.Column("next_attempt_at", sa.String(27)),
        sa.Column("heads", sa.Text, nullable=False),  # JSON: the server's high-water marks last seen
        sa.Column("pulled", sa.Text, nullable=False),  # JSON: day -> sha256 of the list last pulled
    )


def downgrade() -> None:
    raise RuntimeError("downgrade is not supported")
