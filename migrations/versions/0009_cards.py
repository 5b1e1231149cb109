"""cards: a card's problem, the day it was issued, when it must be renewed; two follow-up kinds

Revision ID: 0009_cards
Revises: 0008_sites_server
Create Date: 2026-12-05

`card_issue` is null or `lost`, `damaged`, `expired`, `wrong_details`; `card_issued_on` is the
day the resident's current card was issued, where known; `card_renewal_due` is the day the card
must be renewed under the 2023 Law on Identification (ages 14, 25, 40, 60), kept by the server.
Follow-ups gain the kinds `reissue_card` and `renew_card` (the kind column has no constraint).
"""

import sqlalchemy as sa
from alembic import op

revision = "0009_cards"
down_revision = "0008_sites_server"
branch_labels = None
depends_on = None

CARD_ISSUE = "'lost', 'damaged', 'expired', 'wrong_details'"


def upgrade():
    with op.batch_alter_table("residents") as batch:
        batch.add_column(sa.Column("card_issue", sa.String(16), nullable=True))
        batch.add_column(sa.Column("card_issued_on", sa.Date(), nullable=True))
        batch.add_column(sa.Column("card_renewal_due", sa.Date(), nullable=True))
        batch.create_check_constraint(
            op.f("ck_residents_card_issue_valid"), f"card_issue IN ({CARD_ISSUE})"
        )
        batch.create_index(
            op.f("ix_residents_card_renewal_due"), ["card_renewal_due"], unique=False
        )


def downgrade():
    with op.batch_alter_table("residents") as batch:
        batch.drop_index(op.f("ix_residents_card_renewal_due"))
        batch.drop_constraint(op.f("ck_residents_card_issue_valid"), type_="check")
        for column in ("card_renewal_due", "card_issued_on", "card_issue"):
            batch.drop_column(column)
