"""Transfer tables: trusted stations, set-up packages, package receipts, forks, per-event status.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Stations this one trusts: on HQ the room stations paired through a set-up package; on a room
    # station the one HQ it was initialised from. Public keys only.
    op.create_table(
        "trusted_stations",
        sa.Column("station", sa.String, primary_key=True),
        sa.Column("role", sa.String, nullable=False),
        sa.Column("room", sa.String(4), nullable=False, server_default=""),
        sa.Column("sign_pk", sa.String, nullable=False),
        sa.Column("box_pk", sa.String, nullable=False),
        sa.Column("fingerprint", sa.String, nullable=False),
        sa.Column("via", sa.String, nullable=False, server_default=""),  # set-up id that paired it
        sa.Column("paired_at", sa.String(27), nullable=False),
        sa.Column("continues", sa.String, nullable=False, server_default=""),  # station it took over from
    )
    # Set-up packages HQ issued: the pairing token proves a room station holds that package.
    op.create_table(
        "setups",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("room", sa.String(4), nullable=False),
        sa.Column("created_at", sa.String(27), nullable=False),
        sa.Column("token", sa.String, nullable=False),
        sa.Column("events", sa.Integer, nullable=False, server_default="0"),
        sa.Column("station", sa.String, nullable=False, server_default=""),  # who used it
        sa.Column("sha256", sa.String(64), nullable=False, server_default=""),
    )
    # Receipts of packages imported (HQ) and written (any station).
    op.create_table(
        "packages_in",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("station", sa.String, nullable=False),
        sa.Column("room", sa.String(4), nullable=False),
        sa.Column("seq_from", sa.Integer, nullable=False),
        sa.Column("seq_to", sa.Integer, nullable=False),
        sa.Column("head_hash", sa.String(64), nullable=False),
        sa.Column("events", sa.Integer, nullable=False),
        sa.Column("new_events", sa.Integer, nullable=False),
        sa.Column("created_at", sa.String(27), nullable=False),
        sa.Column("imported_at", sa.String(27), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("outcome", sa.String, nullable=False),
    )
    op.create_index("ix_packages_in_room", "packages_in", ["room", "imported_at"])
    op.create_table(
        "packages_out",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("kind", sa.String, nullable=False),  # setup | results
        sa.Column("room", sa.String(4), nullable=False),
        sa.Column("seq_from", sa.Integer, nullable=False),
        sa.Column("seq_to", sa.Integer, nullable=False),
        sa.Column("head_hash", sa.String(64), nullable=False),
        sa.Column("created_at", sa.String(27), nullable=False),
        sa.Column("file", sa.Text, nullable=False),  # file name only
        sa.Column("sha256", sa.String(64), nullable=False),
    )
    # Forks seen in packages: same station and sequence, different hash. Never merged.
    op.create_table(
        "forks",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("station", sa.String, nullable=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("held_hash", sa.String(64), nullable=False),
        sa.Column("package_hash", sa.String(64), nullable=False),
        sa.Column("package", sa.String(36), nullable=False),
        sa.Column("detected_at", sa.String(27), nullable=False),
        sa.UniqueConstraint("station", "seq", "package_hash", name="uq_forks"),
    )
    # Where each event has got to: recorded in the room → at HQ (package) → at the municipal server.
    op.create_table(
        "event_status",
        sa.Column("event_id", sa.String(36), primary_key=True),
        sa.Column("station", sa.String, nullable=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("at_hq", sa.String(27)),  # when HQ got it (package import or recorded at HQ)
        sa.Column("package", sa.String(36)),
        sa.Column("sent_at", sa.String(27)),  # when the municipal server acknowledged it (sync)
    )
    op.create_index("ix_event_status_sent", "event_status", ["sent_at"])


def downgrade() -> None:
    raise RuntimeError("downgrade is not supported")
