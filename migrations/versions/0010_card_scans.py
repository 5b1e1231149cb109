"""card_scans: readings of residents' ID-card QR codes, one per phone client_id

Revision ID: 0010_card_scans
Revises: 0009_cards
Create Date: 2026-12-03

`POST /api/v1/residents/<id>/card-scan` keeps each reading under the phone's `client_id`: the
same body sent again answers the first answer (kept in `answer`, ID numbers masked), another
body under the same `client_id` answers 409.
"""

import sqlalchemy as sa
from alembic import op

revision = "0010_card_scans"
down_revision = "0009_cards"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "card_scans",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.String(length=64), nullable=False),
        sa.Column("resident_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("body_hash", sa.String(length=64), nullable=False),
        sa.Column("answer", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["resident_id"], ["residents.id"], name=op.f("fk_card_scans_resident_id_residents")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_card_scans_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_card_scans")),
        sa.UniqueConstraint("client_id", name=op.f("uq_card_scans_client_id")),
    )
    with op.batch_alter_table("card_scans") as batch:
        batch.create_index(batch.f("ix_card_scans_resident_id"), ["resident_id"], unique=False)


def downgrade():
    with op.batch_alter_table("card_scans") as batch:
        batch.drop_index(batch.f("ix_card_scans_resident_id"))
    op.drop_table("card_scans")
