"""Public keys of room stations, vouched for by their exam point's enrolled HQ (to check printed acts).

Revision ID: s0002
Revises: s0001
"""

import sqlalchemy as sa
from alembic import op

revision = "s0002"
down_revision = "s0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "peer_keys",
        sa.Column("station", sa.String, primary_key=True),
        sa.Column("ppe", sa.String(8), nullable=False),
        sa.Column("role", sa.String, nullable=False),
        sa.Column("sign_pk", sa.String, nullable=False),
        sa.Column("box_pk", sa.String, nullable=False),
        sa.Column("fingerprint", sa.String, nullable=False),
        sa.Column("vouched_by", sa.String, nullable=False),
        sa.Column("at", sa.String(27), nullable=False),
    )


def downgrade() -> None:
    raise RuntimeError("downgrade is not supported")
