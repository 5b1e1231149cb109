"""audit entries: the unit their user acted in when they were written

Revision ID: 0020_audit_actor_unit
Revises: 0019_rare_references_partial
Create Date: 2026-12-04

A commander reads the entries made by the users of their unit; that was decided by each
user's unit now, so an officer moved to another commune brought the trail of their work in
the first (names of its residents) into the new commander's view. `actor_unit_id` keeps the
unit the user belonged to when the entry was written, and the trail reads it. Entries written
before have none (an append-only table is not rewritten): for them the user's unit now is
read, as before.
"""

import sqlalchemy as sa
from alembic import op

revision = "0020_audit_actor_unit"
down_revision = "0019_rare_references_partial"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("audit_entries") as batch:
        batch.add_column(sa.Column("actor_unit_id", sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table("audit_entries") as batch:
        batch.drop_column("actor_unit_id")
