"""An index for the monitoring page's school table: its rows are (date/subject key, school) groups of
``fig_schools``, shown 50 a page in that order; with the index the database reads only the groups of the
page instead of grouping a season's tens of thousands of rows (app/server/monitoring_page.py).

Revision ID: s0010p
Revises: s0009m
"""

from alembic import op

revision = "s0010p"
down_revision = "s0009m"
branch_labels = None
depends_on = None


def upgrade() -> None:
    from sqlalchemy import inspect

    # a database made from s0006f on builds fig_schools from the schema, which holds the index already
    if "ix_fig_schools_day_school" not in {i["name"] for i in inspect(op.get_bind()).get_indexes("fig_schools")}:
        op.create_index("ix_fig_schools_day_school", "fig_schools", ["day", "school"])


def downgrade() -> None:
    op.drop_index("ix_fig_schools_day_school", table_name="fig_schools")
