"""campaigns: whether officers see the officers' performance table

Revision ID: 0005_campaigns
Revises: 0004_people
Create Date: 2026-11-25

`campaigns.show_ranking_to_officers` is off by default: officers open a campaign's progress
page, but the table comparing officers is shown to them only when the commander turns it on.
"""

import sqlalchemy as sa
from alembic import op

revision = "0005_campaigns"
down_revision = "0004_people"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("campaigns") as batch:
        batch.add_column(
            sa.Column(
                "show_ranking_to_officers",
                sa.Boolean(),
                nullable=False,
                server_default=sa.false(),
            )
        )


def downgrade():
    with op.batch_alter_table("campaigns") as batch:
        batch.drop_column("show_ranking_to_officers")
