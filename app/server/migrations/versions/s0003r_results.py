"""Exam results for quality monitoring: scores by participant code, date and subject (no names).

Revision ID: s0003r
Revises: s0002
"""

import sqlalchemy as sa
from alembic import op

revision = "s0003r"
down_revision = "s0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "results",
        sa.Column("practice", sa.Boolean, primary_key=True),
        sa.Column("exam_date", sa.String(10), primary_key=True),
        sa.Column("subject_code", sa.String(2), primary_key=True),
        sa.Column("participant_code", sa.String(20), primary_key=True),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("school_code", sa.String(6), nullable=False),
        sa.Column("primary_score", sa.Integer, nullable=False),
        sa.Column("test_score", sa.Integer, nullable=False),
        sa.Column("passed", sa.Boolean),
        sa.Column("imported_at", sa.String(27), nullable=False),
        sa.Column("source", sa.String, nullable=False, server_default="list"),
    )
    op.create_index("ix_srv_results_year", "results",
                    ["practice", "year", "subject_code", "school_code", "test_score", "source"])


def downgrade() -> None:
    op.drop_index("ix_srv_results_year", table_name="results")
    op.drop_table("results")
