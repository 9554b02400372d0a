"""Stored monitoring figures (per exam point, date/subject, room; schools and incidents beside), built from
the events already held, so an upgraded server answers its pages from them at once.

Revision ID: s0006f
Revises: s0005r
"""

from alembic import op

revision = "s0006f"
down_revision = "s0005r"
branch_labels = None
depends_on = None


def upgrade() -> None:
    from app.server import schema as t
    from app.server.figures import rebuild_all

    bind = op.get_bind()
    for tb in (t.fig_days, t.fig_rooms, t.fig_schools, t.fig_incidents):
        tb.create(bind)
    op.create_index("ix_srv_ingests_ppe_at", "ingests", ["ppe", "at"])  # each exam point's last sync
    rebuild_all(bind)


def downgrade() -> None:
    raise RuntimeError("downgrade is not supported")
