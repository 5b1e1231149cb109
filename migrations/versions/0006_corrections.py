"""corrections review: a version for If-Match, the day a correction was fixed nationally

Revision ID: 0006_corrections
Revises: 0005_campaigns
Create Date: 2026-11-25

`corrections.version` counts changes (SQLAlchemy's version_id_col, as on residents), so a
review sent with a stale `If-Match` is refused with the current record; `corrections.fixed_on`
is the day the correction was made in the national population data.
"""

import sqlalchemy as sa
from alembic import op

revision = "0006_corrections"
down_revision = "0005_campaigns"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("corrections") as batch:
        batch.add_column(sa.Column("fixed_on", sa.Date(), nullable=True))
        batch.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="1"))


def downgrade():
    with op.batch_alter_table("corrections") as batch:
        batch.drop_column("version")
        batch.drop_column("fixed_on")
