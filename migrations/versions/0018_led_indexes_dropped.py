"""indexes of one column that another index of the table leads with: dropped; flagged visits
by a partial index

Revision ID: 0018_led_indexes_dropped
Revises: 0017_visits_hamlet_covering
Create Date: 2026-12-04

Each of these indexes holds one column that a composite index or a unique key of the same
table begins with (`ix_visits_hamlet_id` beside `ix_visits_hamlet_visited_at (hamlet_id,
visited_at)`, ...): every lookup by that column is served by the longer index, while every
insert, and every update of a row that is not a HOT update, wrote both. A visit whose 3
residents' statuses change wrote 10 index entries more for them (its row 2, each resident 2,
its household 2), and 2 more for each correction and follow-up it opened; at the goal province
(1M households, freshly loaded) they took 87 MB of its 962 MB of indexes. The models say which
unit columns are led (`UnitScoped.led_unit_columns`); a test keeps any from coming back.

`ix_visits_flagged`, an index of the geotag's flag, took an entry for every visit to find the
few flagged ones; `ix_visits_flagged_at` holds only those, by time (the dashboard's latest
flagged visits and their count, the map's flagged points), with their units on PostgreSQL so
that the count reads the index only: at the goal province, 61,486 flagged visits of 2,008,000,
the index takes 2.4 MB against 14 MB, and the province's count 10-19 ms against 135-150 ms
(EXPLAIN ANALYZE, warm, each index in turn).
"""

import sqlalchemy as sa
from alembic import op

revision = "0018_led_indexes_dropped"
down_revision = "0017_visits_hamlet_covering"
branch_labels = None
depends_on = None

# (table, column): each index is named ix_<table>_<column>.
LED = [
    ("visits", "hamlet_id"),
    ("visits", "commune_id"),
    ("households", "hamlet_id"),
    ("households", "commune_id"),
    ("residents", "hamlet_id"),
    ("residents", "commune_id"),
    ("corrections", "hamlet_id"),
    ("corrections", "commune_id"),
    ("followups", "hamlet_id"),
    ("followups", "commune_id"),
    ("capture_sessions", "commune_id"),
    ("scheduled_visits", "hamlet_id"),
    ("visit_schedules", "hamlet_id"),
    ("campaign_targets", "campaign_id"),
    ("session_members", "session_id"),
    ("session_invitees", "session_id"),
    ("user_hamlets", "user_id"),
]


def upgrade():
    for table, column in LED:
        op.drop_index(f"ix_{table}_{column}", table_name=table)
    op.drop_index("ix_visits_flagged", table_name="visits")
    op.create_index(
        "ix_visits_flagged_at",
        "visits",
        ["visited_at"],
        postgresql_include=["province_id", "commune_id", "hamlet_id"],
        postgresql_where=sa.text("flagged IS true"),
        sqlite_where=sa.text("flagged IS 1"),
    )


def downgrade():
    op.drop_index("ix_visits_flagged_at", table_name="visits")
    op.create_index("ix_visits_flagged", "visits", ["flagged"])
    for table, column in reversed(LED):
        op.create_index(f"ix_{table}_{column}", table, [column])
