"""indexes of references most rows leave empty: partial

Revision ID: 0019_rare_references_partial
Revises: 0018_led_indexes_dropped
Create Date: 2026-12-04

`status_changes.session_result_id` is set only by a capture session's results, and
`corrections.related_resident_id` only by a duplicate's correction; every other row (each
status change a visit makes, each other correction) still took an entry of NULL in their
indexes. At the goal province none of 526,583 status changes and 172 of 105,262 corrections
carry one. The indexes now hold only the rows that do, which is all a lookup by the reference
(`= :id`, `IN (...)`) reads, on PostgreSQL and SQLite alike.
"""

import sqlalchemy as sa
from alembic import op

revision = "0019_rare_references_partial"
down_revision = "0018_led_indexes_dropped"
branch_labels = None
depends_on = None

RARE = [
    ("status_changes", "session_result_id"),
    ("corrections", "related_resident_id"),
]


def upgrade():
    for table, column in RARE:
        op.drop_index(f"ix_{table}_{column}", table_name=table)
        where = sa.text(f"{column} IS NOT NULL")
        op.create_index(
            f"ix_{table}_{column}", table, [column], postgresql_where=where, sqlite_where=where
        )


def downgrade():
    for table, column in RARE:
        op.drop_index(f"ix_{table}_{column}", table_name=table)
        op.create_index(f"ix_{table}_{column}", table, [column])
