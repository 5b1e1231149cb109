"""audit entries are append-only in PostgreSQL itself

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23

The application never updates or deletes an audit entry (the ORM refuses to); on PostgreSQL
a trigger refuses it too, whoever connects. TRUNCATE (used by tests) is not row-level.
"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        """
        CREATE OR REPLACE FUNCTION audit_entries_append_only() RETURNS trigger AS $$
        BEGIN
            RAISE EXCEPTION 'audit entries are append-only';
        END
        $$ LANGUAGE plpgsql
        """
    )
    op.execute(
        """
        CREATE TRIGGER audit_entries_no_change
        BEFORE UPDATE OR DELETE ON audit_entries
        FOR EACH ROW EXECUTE FUNCTION audit_entries_append_only()
        """
    )


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TRIGGER IF EXISTS audit_entries_no_change ON audit_entries")
    op.execute("DROP FUNCTION IF EXISTS audit_entries_append_only()")
