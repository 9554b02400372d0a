"""Names of schools and exam points from the authority's reference list (shown beside the codes).

Revision ID: s0008n
Revises: s0007_room_heads
"""

import sqlalchemy as sa
from alembic import op

revision = "s0008n"
down_revision = "s0007_room_heads"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "names",
        sa.Column("kind", sa.String(8), primary_key=True),
        sa.Column("code", sa.String(8), primary_key=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("updated_at", sa.String(27), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("names")
