"""reconciliations: sector lists matched against the residents, and their rows

Revision ID: 0013_reconciliations
Revises: 0012_sessions
Create Date: 2026-12-03

A reconciliation is one uploaded list of another sector (health station, social insurance,
school) for a commune; each of its rows keeps the original cells, what was read from them,
its class (matched, wrong_id_number, no_id_number, wrong_details, ambiguous, not_found), the
resident it matched, the candidates with scores and the commander's decision.
"""

import sqlalchemy as sa
from alembic import op

revision = "0013_reconciliations"
down_revision = "0012_sessions"
branch_labels = None
depends_on = None

SECTORS = "'health', 'social_insurance', 'education', 'other'"
STATUSES = "'running', 'done', 'failed'"
CLASSES = "'matched', 'wrong_id_number', 'no_id_number', 'wrong_details', 'ambiguous', 'not_found'"


def upgrade():
    op.create_table(
        "reconciliations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("sector", sa.String(24), nullable=False),
        sa.Column("file_name", sa.String(200), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("progress", sa.Integer(), nullable=False),
        sa.Column("message", sa.String(1000), nullable=True),
        sa.Column("headers", sa.JSON(), nullable=True),
        sa.Column("columns", sa.JSON(), nullable=True),
        sa.Column("counts", sa.JSON(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(f"sector IN ({SECTORS})", name=op.f("ck_reconciliations_sector_valid")),
        sa.CheckConstraint(f"status IN ({STATUSES})", name=op.f("ck_reconciliations_status_valid")),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_reconciliations_created_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["units.id"], name=op.f("fk_reconciliations_unit_id_units")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reconciliations")),
    )
    op.create_index(op.f("ix_reconciliations_unit_id"), "reconciliations", ["unit_id"])
    op.create_table(
        "reconciliation_rows",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reconciliation_id", sa.Integer(), nullable=False),
        sa.Column("row", sa.Integer(), nullable=False),
        sa.Column("cells", sa.JSON(), nullable=False),
        sa.Column("full_name", sa.String(200), nullable=True),
        sa.Column("birth_date", sa.Date(), nullable=True),
        sa.Column("birth_year", sa.Integer(), nullable=True),
        sa.Column("sex", sa.String(8), nullable=True),
        sa.Column("id_number", sa.String(12), nullable=True),
        sa.Column("old_id_number", sa.String(12), nullable=True),
        sa.Column("hamlet", sa.String(200), nullable=True),
        sa.Column("address", sa.String(300), nullable=True),
        sa.Column("hamlet_id", sa.Integer(), nullable=True),
        sa.Column("row_class", sa.String(16), nullable=False),
        sa.Column("resident_id", sa.Integer(), nullable=True),
        sa.Column("score", sa.Integer(), nullable=True),
        sa.Column("candidates", sa.JSON(), nullable=True),
        sa.Column("differs", sa.JSON(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("decision", sa.String(16), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("followup_id", sa.Integer(), nullable=True),
        sa.Column("correction_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            f"row_class IN ({CLASSES})", name=op.f("ck_reconciliation_rows_row_class_valid")
        ),
        sa.ForeignKeyConstraint(
            ["reconciliation_id"],
            ["reconciliations.id"],
            name=op.f("fk_reconciliation_rows_reconciliation_id_reconciliations"),
        ),
        sa.ForeignKeyConstraint(
            ["hamlet_id"], ["units.id"], name=op.f("fk_reconciliation_rows_hamlet_id_units")
        ),
        sa.ForeignKeyConstraint(
            ["resident_id"],
            ["residents.id"],
            name=op.f("fk_reconciliation_rows_resident_id_residents"),
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"], ["users.id"], name=op.f("fk_reconciliation_rows_decided_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["followup_id"],
            ["followups.id"],
            name=op.f("fk_reconciliation_rows_followup_id_followups"),
        ),
        sa.ForeignKeyConstraint(
            ["correction_id"],
            ["corrections.id"],
            name=op.f("fk_reconciliation_rows_correction_id_corrections"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reconciliation_rows")),
    )
    op.create_index(
        "ix_reconciliation_rows_list_row",
        "reconciliation_rows",
        ["reconciliation_id", "row"],
        unique=True,
    )
    op.create_index(
        "ix_reconciliation_rows_list_class",
        "reconciliation_rows",
        ["reconciliation_id", "row_class"],
    )
    op.create_index(op.f("ix_reconciliation_rows_id_number"), "reconciliation_rows", ["id_number"])


def downgrade():
    op.drop_table("reconciliation_rows")
    op.drop_table("reconciliations")
