"""Migrations are the only schema path: one head, and upgrade from empty equals the models."""

from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from app.extensions import db

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


def test_single_head():
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    heads = ScriptDirectory.from_config(config).get_heads()
    assert len(heads) == 1, heads


def test_upgrade_from_empty_matches_models(app, database_url):
    # `database_url` was migrated from an empty database by `flask db upgrade` (upgrade()).
    from app.common import UTCDateTime

    def compare_type(context, inspected, metadata_column, inspected_type, metadata_type):
        if isinstance(metadata_type, UTCDateTime):
            return not isinstance(inspected_type, sa.DateTime)
        return None

    with db.engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"compare_type": compare_type, "render_as_batch": True}
        )
        diff = compare_metadata(context, db.metadata)
    assert diff == []


@pytest.mark.sqlite_only
def test_sqlite_pragmas(app):
    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"


def _leading(item) -> str | None:
    """The first column of an index or unique key of the models."""
    columns = list(item.columns)
    return columns[0].name if columns else None


def test_no_index_of_one_column_doubles_another_index():
    """An index of one column that another index or unique key of its table begins with
    serves no lookup the longer one does not, and costs every write (migration 0018)."""
    doubled = []
    for table in db.metadata.tables.values():
        keys = [
            *table.indexes,
            *(c for c in table.constraints if isinstance(c, sa.UniqueConstraint)),
        ]
        for index in table.indexes:
            if (
                len(index.columns) != 1
                or index.unique
                or index.dialect_options["postgresql"]["where"] is not None
            ):
                continue
            column = _leading(index)
            if any(other is not index and _leading(other) == column for other in keys):
                doubled.append(index.name)
    assert doubled == []


def test_the_led_indexes_come_back_on_downgrade(app, database_url):
    """Migration 0018 can be undone: its indexes are created again, then dropped again."""
    from flask_migrate import downgrade, upgrade

    def names() -> set[str]:
        inspector = sa.inspect(db.engine)
        return {i["name"] for t in ("visits", "residents") for i in inspector.get_indexes(t)}

    assert "ix_visits_hamlet_id" not in names()
    downgrade(directory=str(MIGRATIONS), revision="0017_visits_hamlet_covering")
    db.engine.dispose()
    assert {"ix_visits_hamlet_id", "ix_residents_commune_id"} <= names()
    upgrade(directory=str(MIGRATIONS))
    db.engine.dispose()
    assert "ix_visits_hamlet_id" not in names()
