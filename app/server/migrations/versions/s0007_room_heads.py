"""The trust chain to the room: each paired room station's room and exam date, and the chain heads the
room stations signed (their result packages' manifests), forwarded by HQ with the room's events.

Revision ID: s0007_room_heads
Revises: s0006f
"""

import sqlalchemy as sa
from alembic import op

revision = "s0007_room_heads"
down_revision = "s0006f"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("peer_keys") as b:
        b.add_column(sa.Column("room", sa.String(4), nullable=False, server_default=""))
        b.add_column(sa.Column("date", sa.String(10), nullable=False, server_default=""))
    op.create_table(
        "room_heads",
        sa.Column("station", sa.String, primary_key=True),
        sa.Column("seq", sa.Integer, primary_key=True),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.Column("ppe", sa.String(8), nullable=False),
        sa.Column("room", sa.String(4), nullable=False),
        sa.Column("date", sa.String(10), nullable=False),
        sa.Column("package", sa.String(36), nullable=False),
        sa.Column("manifest", sa.Text, nullable=False),  # canonical JSON as the room station signed it
        sa.Column("signature", sa.String, nullable=False),
        sa.Column("received_at", sa.String(27), nullable=False),
    )


def downgrade() -> None:
    raise RuntimeError("downgrade is not supported")
