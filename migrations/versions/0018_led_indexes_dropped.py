"""indexes of one column that another index of the table leads with: dropped

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
"""

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


def downgrade():
    for table, column in reversed(LED):
        op.create_index(f"ix_{table}_{column}", table, [column])
