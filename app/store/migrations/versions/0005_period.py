"""The exam period: a station holds every date and every subject of it.

Participants were keyed by a day key 'YYYY-MM-DD/SS' (date and subject); they are now keyed by the
exam date and carry their subject. Rooms may take another layout on one date (room_layouts). The
station's chosen day becomes a date. Events are not touched: their legacy day keys are read as the
date they begin with, so chains stay valid and the figures stay the same.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "participants_new",
        sa.Column("day", sa.String(10), primary_key=True),
        sa.Column("code", sa.String, primary_key=True),
        sa.Column("subject_code", sa.String(2), nullable=False),
        sa.Column("room", sa.String(4), nullable=False),
        sa.Column("seat", sa.String(4), nullable=False),
        sa.Column("last_name", sa.Text, nullable=False),
        sa.Column("first_name", sa.Text, nullable=False),
        sa.Column("middle_name", sa.Text, nullable=False),
        sa.Column("document_series", sa.String, nullable=False),
        sa.Column("document_number", sa.String, nullable=False),
        sa.Column("school_code", sa.String, nullable=False),
        sa.Column("ovz", sa.Boolean, nullable=False),
    )
    # A participant sits one subject on a date; the first day key wins if an old list said otherwise.
    op.execute(
        "INSERT OR IGNORE INTO participants_new (day, code, subject_code, room, seat, last_name, first_name, "
        "middle_name, document_series, document_number, school_code, ovz) "
        "SELECT substr(day, 1, 10), code, CASE WHEN length(day) > 10 THEN substr(day, 12) ELSE '' END, room, seat, "
        "last_name, first_name, middle_name, document_series, document_number, school_code, ovz "
        "FROM participants ORDER BY day, code")
    op.drop_index("ix_participants_room", table_name="participants")
    op.drop_table("participants")
    op.rename_table("participants_new", "participants")
    op.create_index("ix_participants_room", "participants", ["day", "room"])
    op.create_table(
        "room_layouts",
        sa.Column("day", sa.String(10), primary_key=True),
        sa.Column("number", sa.String(4), primary_key=True),
        sa.Column("rows", sa.Integer, nullable=False),
        sa.Column("seats_per_row", sa.Integer, nullable=False),
    )
    op.execute("UPDATE meta SET value = substr(value, 1, 10) WHERE key = 'day'")
    # HQ remembers which exam date each set-up package was made for ('' for packages made before)
    op.add_column("setups", sa.Column("day", sa.String(10), nullable=False, server_default=""))
    # and which exam date each result package it imported was for
    op.add_column("packages_in", sa.Column("day", sa.String(10), nullable=False, server_default=""))


def downgrade() -> None:
    raise NotImplementedError("the exam-period schema is not downgraded; restore a copy of the file instead")
