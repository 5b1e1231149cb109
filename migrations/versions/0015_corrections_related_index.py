"""an index on corrections.related_resident_id

Revision ID: 0015_corrections_related_index
Revises: 0014_hamlet_counts
Create Date: 2026-12-03

A visit looks up the open corrections of its residents by `resident_id` or by
`related_resident_id` (a duplicate names two people); without an index on the second, that
lookup read the whole corrections table once per visit, more as a province's corrections grow.
"""

from alembic import op

revision = "0015_corrections_related_index"
down_revision = "0014_hamlet_counts"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_corrections_related_resident_id", "corrections", ["related_resident_id"])


def downgrade():
    op.drop_index("ix_corrections_related_resident_id", table_name="corrections")
