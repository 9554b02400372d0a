"""Append-only end to end: a BEFORE INSERT guard so INSERT OR REPLACE / ON CONFLICT cannot rewrite an event.

Revision ID: 0005g
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

from app.store.guards import NO_REPLACE

revision = "0005g"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS events_no_replace")
    op.execute(NO_REPLACE)
    # A room station's setup now records the exam date too, so HQ can check what its events are for.
    op.add_column("setups", sa.Column("day", sa.String, nullable=False, server_default=""))


def downgrade() -> None:
    raise RuntimeError("downgrade is not supported: the event log is never rewritten")
