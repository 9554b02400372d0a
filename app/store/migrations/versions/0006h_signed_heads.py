"""Signed chain heads of room stations, kept by HQ from each result package it imports.

A result package's manifest names the room station, its room and exam date, the sequence
range and the head hash, and it is signed by the room station's key. HQ keeps that manifest
and its signature (no personal data: codes, counts, hashes) so it can forward them to the
municipal server with the room's events: the server then checks the room chain against what
the room laptop itself signed (issue 13, trust chain to the room).

Revision ID: 0006h
Revises: 0005g
"""

import sqlalchemy as sa
from alembic import op

revision = "0006h"
down_revision = "0005g"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "signed_heads",
        sa.Column("package", sa.String(36), primary_key=True),
        sa.Column("station", sa.String, nullable=False),
        sa.Column("seq_to", sa.Integer, nullable=False),
        sa.Column("head_hash", sa.String(64), nullable=False),
        sa.Column("manifest", sa.Text, nullable=False),  # canonical JSON, exactly as signed
        sa.Column("signature", sa.String, nullable=False),  # base64url Ed25519
        sa.Column("imported_at", sa.String(27), nullable=False),
    )
    op.create_index("ix_signed_heads_station", "signed_heads", ["station", "seq_to"])


def downgrade() -> None:
    raise RuntimeError("downgrade is not supported")
