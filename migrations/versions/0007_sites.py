"""sites and residence: a household's kind and site details, a resident's residence status

Revision ID: 0007_sites
Revises: 0006_corrections
Create Date: 2026-12-03

A household is a `family` (every existing row) or a site where many unrelated people live
(`boarding_house`, `dormitory`, `company`, `other_site`) with a name, a contact and room
labels; `client_id` lets a phone create one offline and retry without making a second. A
resident is a `permanent` resident (every existing row), `temporary` or `staying`, with the
home address and province of their permanent registration, until when, and their room.
"""

import sqlalchemy as sa
from alembic import op

revision = "0007_sites"
down_revision = "0006_corrections"
branch_labels = None
depends_on = None

KINDS = "'family', 'boarding_house', 'dormitory', 'company', 'other_site'"
RESIDENCE = "'permanent', 'temporary', 'staying'"


def upgrade():
    with op.batch_alter_table("households") as batch:
        batch.add_column(sa.Column("kind", sa.String(16), nullable=False, server_default="family"))
        batch.add_column(sa.Column("site_name", sa.String(200), nullable=True))
        batch.add_column(sa.Column("contact_name", sa.String(200), nullable=True))
        batch.add_column(sa.Column("contact_phone", sa.String(20), nullable=True))
        batch.add_column(sa.Column("rooms", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("client_id", sa.String(64), nullable=True))
        batch.create_unique_constraint(op.f("uq_households_client_id"), ["client_id"])
        batch.create_check_constraint(op.f("ck_households_kind_valid"), f"kind IN ({KINDS})")
    with op.batch_alter_table("residents") as batch:
        batch.add_column(
            sa.Column("residence", sa.String(16), nullable=False, server_default="permanent")
        )
        batch.add_column(sa.Column("home_address", sa.String(300), nullable=True))
        batch.add_column(sa.Column("home_province_code", sa.String(2), nullable=True))
        batch.add_column(sa.Column("residence_until", sa.Date(), nullable=True))
        batch.add_column(sa.Column("room", sa.String(32), nullable=True))
        batch.create_check_constraint(
            op.f("ck_residents_residence_valid"), f"residence IN ({RESIDENCE})"
        )


def downgrade():
    with op.batch_alter_table("residents") as batch:
        batch.drop_constraint(op.f("ck_residents_residence_valid"), type_="check")
        for column in ("room", "residence_until", "home_province_code", "home_address"):
            batch.drop_column(column)
        batch.drop_column("residence")
    with op.batch_alter_table("households") as batch:
        batch.drop_constraint(op.f("ck_households_kind_valid"), type_="check")
        batch.drop_constraint(op.f("uq_households_client_id"), type_="unique")
        for column in ("client_id", "rooms", "contact_phone", "contact_name", "site_name"):
            batch.drop_column(column)
        batch.drop_column("kind")
