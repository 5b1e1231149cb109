"""campaign_counts: a campaign's progress figures per (commune, hamlet), kept like hamlet_counts;
a partial index on residents with an open card problem

Revision ID: 0016_campaign_counts
Revises: 0015_corrections_related_index
Create Date: 2026-12-03

`campaign_counts` keeps each campaign's three progress figures per (commune, hamlet) as of
today; `campaign_counted` says what unit, period and day they were counted for. No trigger of
its own: the marks `hamlet_dirty` gets from the triggers of 0014 are recounted into both
rollups by the same refresh (app/reports/campaign_counts.py). Empty at upgrade: a campaign's
first progress read (or `flask coverage refresh`) counts it.

`ix_residents_card_issue_open` keeps the few residents with an open card problem, so that
coverage's cards to re-issue (with the index on `card_renewal_due`) reads two small index
ranges instead of every resident of a province (665 ms to 3 ms on the 1M-household province).
"""

import sqlalchemy as sa
from alembic import op

revision = "0016_campaign_counts"
down_revision = "0015_corrections_related_index"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index(
        "ix_residents_card_issue_open",
        "residents",
        ["card_issue"],
        postgresql_where=sa.text("card_issue IS NOT NULL"),
        sqlite_where=sa.text("card_issue IS NOT NULL"),
    )
    op.create_table(
        "campaign_counts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("households_visited", sa.Integer(), nullable=False),
        sa.Column("id_collected", sa.Integer(), nullable=False),
        sa.Column("eid_level2_active", sa.Integer(), nullable=False),
        sa.Column("hamlet_id", sa.Integer(), nullable=True),
        sa.Column("commune_id", sa.Integer(), nullable=False),
        sa.Column("province_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_id"], ["campaigns.id"], name=op.f("fk_campaign_counts_campaign_id_campaigns")
        ),
        *(
            sa.ForeignKeyConstraint(
                [f"{level}_id"], ["units.id"], name=op.f(f"fk_campaign_counts_{level}_id_units")
            )
            for level in ("hamlet", "commune", "province")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaign_counts")),
    )
    with op.batch_alter_table("campaign_counts", schema=None) as batch_op:
        for column in ("campaign_id", "hamlet_id", "commune_id", "province_id"):
            batch_op.create_index(batch_op.f(f"ix_campaign_counts_{column}"), [column])
    op.create_table(
        "campaign_counted",
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("counted_on", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_id"], ["campaigns.id"], name=op.f("fk_campaign_counted_campaign_id_campaigns")
        ),
        sa.PrimaryKeyConstraint("campaign_id", name=op.f("pk_campaign_counted")),
    )


def downgrade():
    op.drop_table("campaign_counted")
    with op.batch_alter_table("campaign_counts", schema=None) as batch_op:
        for column in ("campaign_id", "hamlet_id", "commune_id", "province_id"):
            batch_op.drop_index(batch_op.f(f"ix_campaign_counts_{column}"))
    op.drop_table("campaign_counts")
    op.drop_index("ix_residents_card_issue_open", table_name="residents")
