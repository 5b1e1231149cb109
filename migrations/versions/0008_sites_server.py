"""sites from the phone: the body hash of an idempotent household create; where a returnee works

Revision ID: 0008_sites_server
Revises: 0007_sites
Create Date: 2026-12-04

`households.body_hash` is the SHA-256 of the body that created a household with a `client_id`:
the same body again answers the same household, a different one 409 (as visits do).
A returnee flag may name the province (`away_province_code`) and address (`away_address`) where
a worker is away.
"""

import sqlalchemy as sa
from alembic import op

revision = "0008_sites_server"
down_revision = "0007_sites"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("households") as batch:
        batch.add_column(sa.Column("body_hash", sa.String(64), nullable=True))
    with op.batch_alter_table("returnees") as batch:
        batch.add_column(sa.Column("away_province_code", sa.String(2), nullable=True))
        batch.add_column(sa.Column("away_address", sa.String(300), nullable=True))


def downgrade():
    with op.batch_alter_table("returnees") as batch:
        batch.drop_column("away_address")
        batch.drop_column("away_province_code")
    with op.batch_alter_table("households") as batch:
        batch.drop_column("body_hash")
