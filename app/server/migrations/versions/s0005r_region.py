"""Results: the region's reference figures per year and subject, and stored result cells and histograms.

Revision ID: s0005r
Revises: s0004
"""

import sqlalchemy as sa
from alembic import op

revision = "s0005r"
down_revision = "s0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "region_figures",
        sa.Column("year", sa.Integer, primary_key=True),
        sa.Column("subject_code", sa.String(2), primary_key=True),
        sa.Column("participants", sa.Integer, nullable=False),
        sa.Column("mean", sa.Float, nullable=False),
        sa.Column("median", sa.Float),
        sa.Column("below_minimum", sa.Float, nullable=False),
        sa.Column("high_81_99", sa.Float),
        sa.Column("top_100", sa.Float),
        sa.Column("source", sa.String, nullable=False),
        sa.Column("imported_at", sa.String(27), nullable=False),
    )
    op.create_table(
        "results_cells",
        sa.Column("practice", sa.Boolean, primary_key=True),
        sa.Column("year", sa.Integer, primary_key=True),
        sa.Column("subject_code", sa.String(2), primary_key=True),
        sa.Column("school_code", sa.String(6), primary_key=True),
        sa.Column("participants", sa.Integer, nullable=False),
        sa.Column("mean", sa.Float),
        sa.Column("median", sa.Float),
        sa.Column("below_minimum", sa.Float),
        sa.Column("high_81_99", sa.Float),
        sa.Column("top_100", sa.Float),
        sa.Column("demo", sa.Boolean, nullable=False, server_default=sa.false()),
    )
    op.create_table(
        "results_hist",
        sa.Column("practice", sa.Boolean, primary_key=True),
        sa.Column("year", sa.Integer, primary_key=True),
        sa.Column("subject_code", sa.String(2), primary_key=True),
        sa.Column("test_score", sa.Integer, primary_key=True),
        sa.Column("n", sa.Integer, nullable=False),
        sa.Column("demo", sa.Boolean, nullable=False, server_default=sa.false()),
    )
    # results stored before these tables are folded by s0009m, which recreates both tables per municipality


def downgrade() -> None:
    op.drop_table("results_hist")
    op.drop_table("results_cells")
    op.drop_table("region_figures")
