"""Append-only end to end: a BEFORE INSERT guard so INSERT OR REPLACE / ON CONFLICT cannot rewrite an event.

Revision ID: 0005g
Revises: 0005
"""

from alembic import op

from app.store.guards import NO_REPLACE

revision = "0005g"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS events_no_replace")
    op.execute(NO_REPLACE)


def downgrade() -> None:
    raise RuntimeError("downgrade is not supported: the event log is never rewritten")
