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


def _differences() -> list:
    """What the database's schema lacks or has beyond the models."""
    from app.common import UTCDateTime

    def compare_type(context, inspected, metadata_column, inspected_type, metadata_type):
        if isinstance(metadata_type, UTCDateTime):
            return not isinstance(inspected_type, sa.DateTime)
        return None

    with db.engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"compare_type": compare_type, "render_as_batch": True}
        )
        return compare_metadata(context, db.metadata)


def test_upgrade_from_empty_matches_models(app, database_url):
    # `database_url` was migrated from an empty database by `flask db upgrade` (upgrade()).
    assert _differences() == []


@pytest.mark.sqlite_only
def test_sqlite_pragmas(app):
    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"


def _leading(item) -> str | None:
    """The first column of an index or unique key of the models."""
    columns = list(item.columns)
    return columns[0].name if columns else None


def _keys(table) -> list:
    """A table's indexes and unique keys."""
    return [*table.indexes, *(c for c in table.constraints if isinstance(c, sa.UniqueConstraint))]


def test_no_index_of_one_column_doubles_another_index(app):
    """An index of one column that another index or unique key of its table begins with
    serves no lookup the longer one does not, and costs every write (migration 0018). And a
    unit column said to be led by another index is: it is never left without one."""
    from app.common import UnitScoped

    assert {"visits", "followups", "capture_sessions", "campaign_targets"} <= set(
        db.metadata.tables
    )  # every model is loaded (by the app)
    doubled, unled = [], []
    for table in db.metadata.tables.values():
        keys = _keys(table)
        for index in table.indexes:
            where = index.dialect_options["postgresql"]["where"]
            if len(index.columns) != 1 or index.unique or where is not None:
                continue
            column = _leading(index)
            if any(other is not index and _leading(other) == column for other in keys):
                doubled.append(index.name)
    for model in db.Model.registry.mappers:
        cls = model.class_
        if not issubclass(cls, UnitScoped):
            continue
        leading = {_leading(key) for key in _keys(cls.__table__)}
        unled += [(cls.__tablename__, c) for c in cls.led_unit_columns if c not in leading]
    assert doubled == [] and unled == []


def test_the_led_indexes_come_back_on_downgrade(app, database_url):
    """Migration 0018 can be undone: its indexes are created again as they were, and the
    upgrade then gives the models' schema again."""
    import importlib.util

    from flask_migrate import downgrade, upgrade

    path = MIGRATIONS / "versions" / "0018_led_indexes_dropped.py"
    spec = importlib.util.spec_from_file_location("led_indexes_dropped", path)
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    led = migration.LED
    tables = {table for table, _column in led}

    def names() -> set[str]:
        inspector = sa.inspect(db.engine)
        return {i["name"] for t in tables for i in inspector.get_indexes(t)}

    restored = {f"ix_{table}_{column}" for table, column in led} | {"ix_visits_flagged"}
    assert not restored & names() and "ix_visits_flagged_at" in names()
    downgrade(directory=str(MIGRATIONS), revision="0017_visits_hamlet_covering")  # 0019 too
    db.engine.dispose()
    assert restored <= names() and "ix_visits_flagged_at" not in names()
    upgrade(directory=str(MIGRATIONS))
    db.engine.dispose()
    assert not restored & names()
    assert _differences() == []


def test_the_partial_indexes_are_partial_in_the_database(app, database_url):
    """The models' partial indexes (the flagged visits, references most rows leave empty) are
    partial in the migrated schema too: `compare_metadata` does not look at their condition."""
    partial = sorted(
        index.name
        for table in db.metadata.tables.values()
        for index in table.indexes
        if index.dialect_options["postgresql"]["where"] is not None
    )
    assert {"ix_visits_flagged_at", "ix_status_changes_session_result_id"} <= set(partial)
    query = {
        "postgresql": "SELECT indexdef FROM pg_indexes WHERE indexname = :name",
        "sqlite": "SELECT sql FROM sqlite_master WHERE type = 'index' AND name = :name",
    }[db.engine.dialect.name]
    with db.engine.connect() as conn:
        found = {name: conn.scalar(sa.text(query), {"name": name}) for name in partial}
    assert [name for name, sql in found.items() if " WHERE " not in (sql or "").upper()] == []
