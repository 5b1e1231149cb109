"""schedule: a hamlet's visit plan and each household's day and time window

Revision ID: 0011_schedule
Revises: 0010_card_scans
Create Date: 2026-12-03

`visit_schedules` holds one plan per hamlet (the days, the hours of a day, the minutes each
household takes, who made it); `scheduled_visits` gives each household of the plan a date, a
time window and its place on the walking route; `moved` marks one rescheduled alone.
"""

import sqlalchemy as sa
from alembic import op

revision = "0011_schedule"
down_revision = "0010_card_scans"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "visit_schedules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("days", sa.JSON(), nullable=False),
        sa.Column("day_start", sa.Time(), nullable=False),
        sa.Column("day_end", sa.Time(), nullable=False),
        sa.Column("minutes_per_household", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("hamlet_id", sa.Integer(), nullable=True),
        sa.Column("commune_id", sa.Integer(), nullable=False),
        sa.Column("province_id", sa.Integer(), nullable=False),
        sa.CheckConstraint("day_end > day_start", name=op.f("ck_visit_schedules_hours_valid")),
        sa.CheckConstraint(
            "minutes_per_household BETWEEN 5 AND 240",
            name=op.f("ck_visit_schedules_minutes_per_household_valid"),
        ),
        sa.ForeignKeyConstraint(
            ["commune_id"], ["units.id"], name=op.f("fk_visit_schedules_commune_id_units")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_visit_schedules_created_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["hamlet_id"], ["units.id"], name=op.f("fk_visit_schedules_hamlet_id_units")
        ),
        sa.ForeignKeyConstraint(
            ["province_id"], ["units.id"], name=op.f("fk_visit_schedules_province_id_units")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_visit_schedules")),
        sa.UniqueConstraint("hamlet_id", name=op.f("uq_visit_schedules_hamlet_id")),
    )
    with op.batch_alter_table("visit_schedules", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_visit_schedules_commune_id"), ["commune_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_visit_schedules_hamlet_id"), ["hamlet_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_visit_schedules_province_id"), ["province_id"], unique=False
        )

    op.create_table(
        "scheduled_visits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("schedule_id", sa.Integer(), nullable=False),
        sa.Column("household_id", sa.Integer(), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("starts_at", sa.Time(), nullable=False),
        sa.Column("ends_at", sa.Time(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("moved", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("hamlet_id", sa.Integer(), nullable=True),
        sa.Column("commune_id", sa.Integer(), nullable=False),
        sa.Column("province_id", sa.Integer(), nullable=False),
        sa.CheckConstraint("ends_at > starts_at", name=op.f("ck_scheduled_visits_window_valid")),
        sa.ForeignKeyConstraint(
            ["commune_id"], ["units.id"], name=op.f("fk_scheduled_visits_commune_id_units")
        ),
        sa.ForeignKeyConstraint(
            ["hamlet_id"], ["units.id"], name=op.f("fk_scheduled_visits_hamlet_id_units")
        ),
        sa.ForeignKeyConstraint(
            ["household_id"],
            ["households.id"],
            name=op.f("fk_scheduled_visits_household_id_households"),
        ),
        sa.ForeignKeyConstraint(
            ["province_id"], ["units.id"], name=op.f("fk_scheduled_visits_province_id_units")
        ),
        sa.ForeignKeyConstraint(
            ["schedule_id"],
            ["visit_schedules.id"],
            name=op.f("fk_scheduled_visits_schedule_id_visit_schedules"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scheduled_visits")),
        sa.UniqueConstraint("household_id", name=op.f("uq_scheduled_visits_household_id")),
    )
    with op.batch_alter_table("scheduled_visits", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_scheduled_visits_commune_id"), ["commune_id"], unique=False
        )
        batch_op.create_index(
            "ix_scheduled_visits_hamlet_date", ["hamlet_id", "date"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_scheduled_visits_hamlet_id"), ["hamlet_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_scheduled_visits_province_id"), ["province_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_scheduled_visits_schedule_id"), ["schedule_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("scheduled_visits", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_scheduled_visits_schedule_id"))
        batch_op.drop_index(batch_op.f("ix_scheduled_visits_province_id"))
        batch_op.drop_index(batch_op.f("ix_scheduled_visits_hamlet_id"))
        batch_op.drop_index("ix_scheduled_visits_hamlet_date")
        batch_op.drop_index(batch_op.f("ix_scheduled_visits_commune_id"))

    op.drop_table("scheduled_visits")
    with op.batch_alter_table("visit_schedules", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_visit_schedules_province_id"))
        batch_op.drop_index(batch_op.f("ix_visit_schedules_hamlet_id"))
        batch_op.drop_index(batch_op.f("ix_visit_schedules_commune_id"))

    op.drop_table("visit_schedules")
