"""people: a user's folded name for searching, and when they were last seen

Revision ID: 0004_people
Revises: 0003_lost_phone
Create Date: 2026-11-26

`users.name_folded` holds the full name and username without diacritics (app.text.fold), so
the people list finds "Nguyễn" by "nguyen"; `users.last_seen_at` is written when the user
signs in or uses a token (at most every TOKEN_TOUCH_MINUTES). Both are filled for the users
already there: the folded name from their names, last seen from their tokens' last use.
"""

import sqlalchemy as sa
from alembic import op

from app.text import fold

revision = "0004_people"
down_revision = "0003_lost_phone"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("users") as batch:
        batch.add_column(
            sa.Column("name_folded", sa.String(length=300), nullable=False, server_default="")
        )
        batch.add_column(sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=True))
    conn = op.get_bind()
    users = sa.table(
        "users",
        sa.column("id", sa.Integer),
        sa.column("username", sa.String),
        sa.column("full_name", sa.String),
        sa.column("name_folded", sa.String),
        sa.column("last_seen_at", sa.DateTime(timezone=True)),
    )
    tokens = sa.table(
        "api_tokens",
        sa.column("user_id", sa.Integer),
        sa.column("last_used_at", sa.DateTime(timezone=True)),
    )
    for user_id, username, full_name in conn.execute(
        sa.select(users.c.id, users.c.username, users.c.full_name)
    ).all():
        folded = fold(f"{full_name or ''} {username}")[:300]
        conn.execute(users.update().where(users.c.id == user_id).values(name_folded=folded))
    last_use = (
        sa.select(sa.func.max(tokens.c.last_used_at))
        .where(tokens.c.user_id == users.c.id)
        .scalar_subquery()
    )
    conn.execute(users.update().values(last_seen_at=last_use))


def downgrade():
    with op.batch_alter_table("users") as batch:
        batch.drop_column("last_seen_at")
        batch.drop_column("name_folded")
