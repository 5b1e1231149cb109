"""hamlet_counts: coverage figures per (commune, hamlet, household kind), kept by triggers

Revision ID: 0014_hamlet_counts
Revises: 0013_reconciliations
Create Date: 2026-12-03

`hamlet_counts` keeps the household, visit and resident figures of coverage per (commune,
hamlet, household kind); `hamlet_dirty` marks the hamlets whose rows changed since. Triggers
on households, residents and visits write the marks inside the writer's own transaction, so
every writer (the visit service, bulk inserts, imports, sessions, moves) is covered; a coverage
read recomputes the marked hamlets first (app/reports/rollup.py). On PostgreSQL the triggers
are per statement (transition tables: a bulk insert marks each hamlet once); on SQLite per row.
Every hamlet with rows is marked at upgrade, so the first read (or `flask coverage rebuild`)
fills the table.
"""

import sqlalchemy as sa
from alembic import op

revision = "0014_hamlet_counts"
down_revision = "0013_reconciliations"
branch_labels = None
depends_on = None

# The columns a coverage figure reads, per table: a change to any of them marks the hamlet.
TRACKED = {
    "households": ("hamlet_id", "commune_id", "province_id", "kind"),
    "residents": (
        "hamlet_id",
        "commune_id",
        "province_id",
        "household_id",
        "presence",
        "pending",
        "birth_date",
        "birth_year",
        "residence",
        "residence_until",
        "id_card",
        "eid",
    ),
    "visits": ("hamlet_id", "commune_id", "province_id", "household_id", "outcome", "visited_at"),
}
# A household's kind is counted where its residents and visits are recorded.
KIND_FOLLOWERS = ("residents", "visits")

PG_MARKED = (
    "SELECT 1 FROM hamlet_dirty d WHERE d.txid = txid_current() AND d.commune_id = k.commune_id"
    " AND (d.hamlet_id = k.hamlet_id OR (d.hamlet_id IS NULL AND k.hamlet_id IS NULL))"
)


def _pg_mark(keys: str) -> str:
    return (
        "INSERT INTO hamlet_dirty (hamlet_id, commune_id, txid) "
        f"SELECT DISTINCT k.hamlet_id, k.commune_id, txid_current() FROM ({keys}) k "
        f"WHERE NOT EXISTS ({PG_MARKED});"
    )


def _pg_changed_keys(table: str) -> str:
    cols = TRACKED[table]
    old = ", ".join(f"o.{c}" for c in cols)
    new = ", ".join(f"n.{c}" for c in cols)
    pairs = "old_rows o JOIN new_rows n ON n.id = o.id"
    changed = f"({old}) IS DISTINCT FROM ({new})"
    parts = [
        f"SELECT o.hamlet_id, o.commune_id FROM {pairs} WHERE {changed}",
        f"SELECT n.hamlet_id, n.commune_id FROM {pairs} WHERE {changed}",
    ]
    if table == "households":
        parts += [
            f"SELECT f.hamlet_id, f.commune_id FROM {pairs} JOIN {follower} f"
            " ON f.household_id = n.id WHERE o.kind IS DISTINCT FROM n.kind"
            for follower in KIND_FOLLOWERS
        ]
    return " UNION ALL ".join(parts)


def _pg_install(table: str) -> None:
    op.execute(
        f"""
        CREATE FUNCTION hamlet_dirty_{table}() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF TG_OP = 'INSERT' THEN
            {_pg_mark("SELECT hamlet_id, commune_id FROM new_rows")}
          ELSIF TG_OP = 'DELETE' THEN
            {_pg_mark("SELECT hamlet_id, commune_id FROM old_rows")}
          ELSE
            {_pg_mark(_pg_changed_keys(table))}
          END IF;
          RETURN NULL;
        END $$
        """
    )
    referencing = {
        "INSERT": "NEW TABLE AS new_rows",
        "UPDATE": "OLD TABLE AS old_rows NEW TABLE AS new_rows",
        "DELETE": "OLD TABLE AS old_rows",
    }
    for event, tables in referencing.items():
        op.execute(
            f"CREATE TRIGGER hamlet_dirty_{table}_{event.lower()} AFTER {event} ON {table} "
            f"REFERENCING {tables} FOR EACH STATEMENT EXECUTE FUNCTION hamlet_dirty_{table}()"
        )


def _sqlite_mark(row: str, source: str = "") -> str:
    return (
        f"INSERT INTO hamlet_dirty (hamlet_id, commune_id) "
        f"SELECT DISTINCT {row}.hamlet_id, {row}.commune_id {source} "
        f"{'AND' if 'WHERE' in source else 'WHERE'} NOT EXISTS (SELECT 1 FROM hamlet_dirty d "
        f"WHERE d.commune_id = {row}.commune_id AND d.hamlet_id IS {row}.hamlet_id);"
    )


def _sqlite_install(table: str) -> None:
    cols = TRACKED[table]
    for event, row in (("INSERT", "NEW"), ("DELETE", "OLD")):
        op.execute(
            f"CREATE TRIGGER hamlet_dirty_{table}_{event.lower()} AFTER {event} ON {table} "
            f"BEGIN {_sqlite_mark(row)} END"
        )
    changed = " OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in cols)
    body = _sqlite_mark("OLD") + _sqlite_mark("NEW")
    if table == "households":
        for follower in KIND_FOLLOWERS:
            body += _sqlite_mark(
                "f", f"FROM {follower} f WHERE f.household_id = NEW.id AND OLD.kind IS NOT NEW.kind"
            )
    op.execute(
        f"CREATE TRIGGER hamlet_dirty_{table}_update AFTER UPDATE OF {', '.join(cols)} "
        f"ON {table} WHEN {changed} BEGIN {body} END"
    )


def _create_tables() -> None:
    op.create_table(
        "hamlet_counts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("households_total", sa.Integer(), nullable=False),
        sa.Column("households_attempted", sa.Integer(), nullable=False),
        sa.Column("households_visited", sa.Integer(), nullable=False),
        sa.Column("last_visit_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("residents_eligible", sa.Integer(), nullable=False),
        sa.Column("id_collected", sa.Integer(), nullable=False),
        sa.Column("eid_level2_active", sa.Integer(), nullable=False),
        sa.Column("temporary_residents", sa.Integer(), nullable=False),
        sa.Column("computed_on", sa.Date(), nullable=False),
        sa.Column("eligible_age", sa.Integer(), nullable=False),
        sa.Column("hamlet_id", sa.Integer(), nullable=True),
        sa.Column("commune_id", sa.Integer(), nullable=False),
        sa.Column("province_id", sa.Integer(), nullable=False),
        *(
            sa.ForeignKeyConstraint(
                [f"{level}_id"], ["units.id"], name=op.f(f"fk_hamlet_counts_{level}_id_units")
            )
            for level in ("hamlet", "commune", "province")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hamlet_counts")),
    )
    with op.batch_alter_table("hamlet_counts", schema=None) as batch_op:
        for column in ("hamlet_id", "commune_id", "province_id", "computed_on"):
            batch_op.create_index(batch_op.f(f"ix_hamlet_counts_{column}"), [column])
    op.create_table(
        "hamlet_dirty",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("hamlet_id", sa.Integer(), nullable=True),
        sa.Column("commune_id", sa.Integer(), nullable=True),
        sa.Column("txid", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hamlet_dirty")),
    )
    with op.batch_alter_table("hamlet_dirty", schema=None) as batch_op:
        batch_op.create_index("ix_hamlet_dirty_commune_hamlet", ["commune_id", "hamlet_id"])
        batch_op.create_index("ix_hamlet_dirty_txid_commune", ["txid", "commune_id"])


def upgrade():
    _create_tables()
    postgres = op.get_bind().dialect.name == "postgresql"
    for table in TRACKED:
        _pg_install(table) if postgres else _sqlite_install(table)
    # Every hamlet with rows starts marked: the first read (or `flask coverage rebuild`) counts.
    op.execute(
        "INSERT INTO hamlet_dirty (hamlet_id, commune_id) "
        + " UNION ".join(f"SELECT hamlet_id, commune_id FROM {t}" for t in TRACKED)
    )


def downgrade():
    postgres = op.get_bind().dialect.name == "postgresql"
    for table in TRACKED:
        for event in ("insert", "update", "delete"):
            op.execute(
                f"DROP TRIGGER IF EXISTS hamlet_dirty_{table}_{event}"
                + (f" ON {table}" if postgres else "")
            )
        if postgres:
            op.execute(f"DROP FUNCTION IF EXISTS hamlet_dirty_{table}()")
    op.drop_table("hamlet_dirty")
    op.drop_table("hamlet_counts")
