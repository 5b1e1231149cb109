"""sessions: capture sessions, their teams, invited residents and results

Revision ID: 0012_sessions
Revises: 0011_schedule
Create Date: 2026-12-06

A capture session (`capture_sessions`) is planned for a day and time window at a hamlet, a site
(a household of a site kind), a place in words or a point on the map; `session_members` is its
team, `session_invitees` the residents invited (with why each was proposed), `session_results`
what became of each (idempotent by `client_id`), `session_rejected_results` refused items kept
with their body. `status_changes.session_result_id` names the result that changed a field (no
foreign key: the table belongs to a domain above the residents').
"""

from alembic import op
import sqlalchemy as sa


revision = "0012_sessions"
down_revision = "0011_schedule"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "capture_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("starts_at", sa.Time(), nullable=True),
        sa.Column("ends_at", sa.Time(), nullable=True),
        sa.Column("household_id", sa.Integer(), nullable=True),
        sa.Column("place", sa.String(length=300), nullable=True),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.Column("equipment", sa.String(length=1000), nullable=False),
        sa.Column("note", sa.String(length=2000), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("hamlet_id", sa.Integer(), nullable=True),
        sa.Column("commune_id", sa.Integer(), nullable=False),
        sa.Column("province_id", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "kind IN ('at_home', 'point', 'at_site')", name=op.f("ck_capture_sessions_kind_valid")
        ),
        sa.CheckConstraint(
            "status IN ('planned', 'done', 'cancelled')",
            name=op.f("ck_capture_sessions_status_valid"),
        ),
        sa.ForeignKeyConstraint(
            ["commune_id"], ["units.id"], name=op.f("fk_capture_sessions_commune_id_units")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_capture_sessions_created_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["hamlet_id"], ["units.id"], name=op.f("fk_capture_sessions_hamlet_id_units")
        ),
        sa.ForeignKeyConstraint(
            ["household_id"],
            ["households.id"],
            name=op.f("fk_capture_sessions_household_id_households"),
        ),
        sa.ForeignKeyConstraint(
            ["province_id"], ["units.id"], name=op.f("fk_capture_sessions_province_id_units")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_capture_sessions")),
    )
    with op.batch_alter_table("capture_sessions", schema=None) as batch_op:
        batch_op.create_index(
            "ix_capture_sessions_commune_day", ["commune_id", "day"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_capture_sessions_commune_id"), ["commune_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_capture_sessions_hamlet_id"), ["hamlet_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_capture_sessions_household_id"), ["household_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_capture_sessions_province_id"), ["province_id"], unique=False
        )

    op.create_table(
        "session_invitees",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("resident_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["resident_id"],
            ["residents.id"],
            name=op.f("fk_session_invitees_resident_id_residents"),
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["capture_sessions.id"],
            name=op.f("fk_session_invitees_session_id_capture_sessions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_session_invitees")),
        sa.UniqueConstraint("session_id", "resident_id", name="uq_session_invitees"),
    )
    with op.batch_alter_table("session_invitees", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_session_invitees_resident_id"), ["resident_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_session_invitees_session_id"), ["session_id"], unique=False
        )

    op.create_table(
        "session_members",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["capture_sessions.id"],
            name=op.f("fk_session_members_session_id_capture_sessions"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_session_members_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_session_members")),
        sa.UniqueConstraint("session_id", "user_id", name="uq_session_members"),
    )
    with op.batch_alter_table("session_members", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_session_members_session_id"), ["session_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_session_members_user_id"), ["user_id"], unique=False)

    op.create_table(
        "session_rejected_results",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.String(length=64), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("body", sa.JSON(), nullable=True),
        sa.Column("errors", sa.JSON(), nullable=False),
        sa.Column("message", sa.String(length=500), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["capture_sessions.id"],
            name=op.f("fk_session_rejected_results_session_id_capture_sessions"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_session_rejected_results_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_session_rejected_results")),
    )
    with op.batch_alter_table("session_rejected_results", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_session_rejected_results_client_id"), ["client_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_session_rejected_results_session_id"), ["session_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_session_rejected_results_user_id"), ["user_id"], unique=False
        )

    op.create_table(
        "session_results",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.String(length=64), nullable=False),
        sa.Column("body_hash", sa.String(length=64), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("resident_id", sa.Integer(), nullable=False),
        sa.Column("attended", sa.Boolean(), nullable=False),
        sa.Column("id_card", sa.String(length=16), nullable=True),
        sa.Column("eid", sa.String(length=16), nullable=True),
        sa.Column("card_issue", sa.String(length=16), nullable=True),
        sa.Column("note", sa.String(length=1000), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.Column("hamlet_id", sa.Integer(), nullable=True),
        sa.Column("commune_id", sa.Integer(), nullable=False),
        sa.Column("province_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["commune_id"], ["units.id"], name=op.f("fk_session_results_commune_id_units")
        ),
        sa.ForeignKeyConstraint(
            ["hamlet_id"], ["units.id"], name=op.f("fk_session_results_hamlet_id_units")
        ),
        sa.ForeignKeyConstraint(
            ["province_id"], ["units.id"], name=op.f("fk_session_results_province_id_units")
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"], ["users.id"], name=op.f("fk_session_results_recorded_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["resident_id"], ["residents.id"], name=op.f("fk_session_results_resident_id_residents")
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["capture_sessions.id"],
            name=op.f("fk_session_results_session_id_capture_sessions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_session_results")),
        sa.UniqueConstraint("client_id", name=op.f("uq_session_results_client_id")),
    )
    with op.batch_alter_table("session_results", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_session_results_commune_id"), ["commune_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_session_results_hamlet_id"), ["hamlet_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_session_results_province_id"), ["province_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_session_results_resident_id"), ["resident_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_session_results_session_id"), ["session_id"], unique=False
        )

    with op.batch_alter_table("status_changes", schema=None) as batch_op:
        batch_op.add_column(sa.Column("session_result_id", sa.Integer(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_status_changes_session_result_id"), ["session_result_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("status_changes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_status_changes_session_result_id"))
        batch_op.drop_column("session_result_id")

    with op.batch_alter_table("session_results", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_session_results_session_id"))
        batch_op.drop_index(batch_op.f("ix_session_results_resident_id"))
        batch_op.drop_index(batch_op.f("ix_session_results_province_id"))
        batch_op.drop_index(batch_op.f("ix_session_results_hamlet_id"))
        batch_op.drop_index(batch_op.f("ix_session_results_commune_id"))

    op.drop_table("session_results")
    with op.batch_alter_table("session_rejected_results", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_session_rejected_results_user_id"))
        batch_op.drop_index(batch_op.f("ix_session_rejected_results_session_id"))
        batch_op.drop_index(batch_op.f("ix_session_rejected_results_client_id"))

    op.drop_table("session_rejected_results")
    with op.batch_alter_table("session_members", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_session_members_user_id"))
        batch_op.drop_index(batch_op.f("ix_session_members_session_id"))

    op.drop_table("session_members")
    with op.batch_alter_table("session_invitees", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_session_invitees_session_id"))
        batch_op.drop_index(batch_op.f("ix_session_invitees_resident_id"))

    op.drop_table("session_invitees")
    with op.batch_alter_table("capture_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_capture_sessions_province_id"))
        batch_op.drop_index(batch_op.f("ix_capture_sessions_household_id"))
        batch_op.drop_index(batch_op.f("ix_capture_sessions_hamlet_id"))
        batch_op.drop_index(batch_op.f("ix_capture_sessions_commune_id"))
        batch_op.drop_index("ix_capture_sessions_commune_day")

    op.drop_table("capture_sessions")
