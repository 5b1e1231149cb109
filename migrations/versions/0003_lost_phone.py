"""a lost phone: the client a token was issued to; a password that must be changed

Revision ID: 0003_lost_phone
Revises: 0002
Create Date: 2026-11-24

`api_tokens.client` describes the device a token was issued to, so a commander can tell a
user's phone sessions apart; `users.must_change_password` is set by a password reset and
cleared when the user chooses their own.
"""

import sqlalchemy as sa
from alembic import op

revision = "0003_lost_phone"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("api_tokens") as batch:
        batch.add_column(sa.Column("client", sa.String(length=120), nullable=True))
    with op.batch_alter_table("users") as batch:
        batch.add_column(
            sa.Column(
                "must_change_password", sa.Boolean(), nullable=False, server_default=sa.false()
            )
        )


def downgrade():
    with op.batch_alter_table("users") as batch:
        batch.drop_column("must_change_password")
    with op.batch_alter_table("api_tokens") as batch:
        batch.drop_column("client")
