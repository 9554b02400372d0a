"""Record of list imports (for idempotent re-import) and the lead-organizer flag on staff.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "imports",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("at", sa.String(27), nullable=False),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("rows", sa.Integer, nullable=False),
        sa.Column("kind", sa.String, nullable=False),
    )
    with op.batch_alter_table("staff") as batch:
        batch.add_column(sa.Column("lead", sa.Boolean, nullable=False, server_default=sa.false()))


def downgrade() -> None:
    raise RuntimeError("downgrade is not supported")
