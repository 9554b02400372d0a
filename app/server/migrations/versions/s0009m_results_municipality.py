"""Results carry the municipality whose officials may see them; cells and histograms are kept per
municipality; score sums per exam room are stored (app.server.results_rooms).

A viewer sees one municipality (region + МСУ). A result row carries a school code, not an exam point, so
each row is placed once, at import, in the municipality of the exam point where the participant sat the
exam (the conduct record), and rows held before this revision are placed the same way here. The stored
cells are recomputed per municipality.

Revision ID: s0009m
Revises: s0008n
"""

import sqlalchemy as sa
from alembic import op

revision = "s0009m"
down_revision = "s0008n"
branch_labels = None
depends_on = None

_CELL_COLUMNS = (
    ("participants", sa.Integer, False), ("mean", sa.Float, True), ("median", sa.Float, True),
    ("below_minimum", sa.Float, True), ("high_81_99", sa.Float, True), ("top_100", sa.Float, True),
)


def upgrade() -> None:
    conn = op.get_bind()
    op.create_index("ix_srv_participants_day", "participants", ["day", "code"])
    with op.batch_alter_table("results") as b:
        b.add_column(sa.Column("municipality", sa.String(6), nullable=False, server_default=""))
    op.drop_index("ix_srv_results_year", table_name="results")
    op.create_index("ix_srv_results_year", "results", ["practice", "year", "subject_code", "municipality",
                                                      "school_code", "test_score", "source"])
    # rows held before: the municipality of the exam point where the participant sat the exam
    conn.execute(sa.text(
        "UPDATE results SET municipality = COALESCE((SELECT ppe.region || '/' || ppe.msu FROM participants p "
        "JOIN ppe ON ppe.key = p.ppe WHERE p.day = results.exam_date || '/' || results.subject_code "
        "AND p.code = results.participant_code LIMIT 1), '')"))
    known = [r[0] for r in conn.execute(sa.text("SELECT DISTINCT region || '/' || msu FROM ppe"))]
    if len(known) == 1:  # one municipality on this server: every other row is its own
        conn.execute(sa.text("UPDATE results SET municipality = :m WHERE municipality = ''"), {"m": known[0]})
    op.drop_table("results_hist")
    op.drop_table("results_cells")
    op.create_table(
        "results_cells",
        sa.Column("practice", sa.Boolean, primary_key=True),
        sa.Column("year", sa.Integer, primary_key=True),
        sa.Column("subject_code", sa.String(2), primary_key=True),
        sa.Column("municipality", sa.String(6), primary_key=True),
        sa.Column("school_code", sa.String(6), primary_key=True),
        *(sa.Column(name, kind, nullable=nullable) for name, kind, nullable in _CELL_COLUMNS),
        sa.Column("demo", sa.Boolean, nullable=False, server_default=sa.false()),
    )
    op.create_table(
        "results_hist",
        sa.Column("practice", sa.Boolean, primary_key=True),
        sa.Column("year", sa.Integer, primary_key=True),
        sa.Column("subject_code", sa.String(2), primary_key=True),
        sa.Column("municipality", sa.String(6), primary_key=True),
        sa.Column("test_score", sa.Integer, primary_key=True),
        sa.Column("n", sa.Integer, nullable=False),
        sa.Column("demo", sa.Boolean, nullable=False, server_default=sa.false()),
    )
    op.create_table(
        "results_rooms",
        sa.Column("year", sa.Integer, primary_key=True),
        sa.Column("subject_code", sa.String(2), primary_key=True),
        sa.Column("municipality", sa.String(6), primary_key=True),
        sa.Column("ppe", sa.String(8), primary_key=True),
        sa.Column("room", sa.String(4), primary_key=True),
        sa.Column("n", sa.Integer, nullable=False),
        sa.Column("total", sa.Float, nullable=False),
        sa.Column("total_sq", sa.Float, nullable=False),
    )
    from app.server.results_cells import refresh_cells  # also fills results_rooms

    keys = {(bool(p), int(y), s) for p, y, s in conn.execute(
        sa.text("SELECT DISTINCT practice, year, subject_code FROM results"))}
    if keys:
        refresh_cells(conn, keys)


def downgrade() -> None:
    raise NotImplementedError("the server schema is not downgraded")
