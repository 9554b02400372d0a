"""Officials' accounts, sessions, the audit log, login throttling; revocation of room-station keys.

Revision ID: s0004
Revises: s0003r
"""

import sqlalchemy as sa
from alembic import op

revision = "s0004"
down_revision = "s0003r"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("username", sa.String(64), primary_key=True),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("region", sa.String(2), nullable=False, server_default=""),
        sa.Column("msu", sa.String(3), nullable=False, server_default=""),
        sa.Column("pw_hash", sa.Text, nullable=False),
        sa.Column("created_at", sa.String(27), nullable=False),
        sa.Column("disabled", sa.Boolean, nullable=False, server_default=sa.false()),
    )
    op.create_table(
        "sessions",
        sa.Column("token_hash", sa.String(64), primary_key=True),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("csrf", sa.String(64), nullable=False),
        sa.Column("created_at", sa.String(27), nullable=False),
        sa.Column("expires_at", sa.String(27), nullable=False),
    )
    op.create_table(
        "audit",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("at", sa.String(27), nullable=False),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("detail", sa.Text, nullable=False, server_default=""),
        sa.Column("ip", sa.String(64), nullable=False, server_default=""),
    )
    op.create_table(
        "login_failures",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("ts", sa.BigInteger, nullable=False),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("ip", sa.String(64), nullable=False),
    )
    op.create_index("ix_login_failures_ts", "login_failures", ["ts"])
    with op.batch_alter_table("peer_keys") as b:
        b.add_column(sa.Column("revoked", sa.Boolean, nullable=False, server_default=sa.false()))


def downgrade() -> None:
    raise RuntimeError("downgrade is not supported")
