"""Fixtures: an app per test on a migrated database (SQLite, and PostgreSQL when asked).

Every database test runs on SQLite; with TEST_DATABASE_URL set it runs again on that
PostgreSQL database, and an unreachable database fails the run instead of skipping.
The schema comes from the migrations, applied once per backend; each test starts from
empty tables.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from app import create_app
from app.clock import today_in_vietnam
from app.extensions import db

PG_URL = os.environ.get("TEST_DATABASE_URL", "").strip()
# Under pytest-xdist each worker has its own PostgreSQL database, named after the one given.
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])

FAST_HASH = "pbkdf2:sha256:1000"


def _test_config(url: str) -> dict:
    return {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": url,
        "SECRET_KEY": "test-secret",
        "PASSWORD_HASH_METHOD": FAST_HASH,
        "RATELIMIT_ENABLED": False,
        "WTF_CSRF_ENABLED": False,
        "SERVER_NAME": None,
    }


def _worker_database(url: str) -> str:
    """Return this worker's own database next to the one given (the one given without
    xdist), created when missing."""
    given = sa.engine.make_url(url)
    mine = given.set(database=f"{given.database}_{WORKER}") if WORKER else given
    admin = sa.create_engine(given.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            known = conn.scalar(
                sa.text("SELECT 1 FROM pg_database WHERE datname = :name"),
                {"name": mine.database},
            )
            if not known:
                conn.execute(sa.text(f'CREATE DATABASE "{mine.database}"'))
    except sa.exc.OperationalError as exc:  # never skip: CI must see it
        pytest.exit(f"TEST_DATABASE_URL is set but PostgreSQL is unreachable: {exc}", returncode=3)
    finally:
        admin.dispose()
    return mine.render_as_string(hide_password=False)


def _reset_postgres(url: str) -> None:
    engine = sa.create_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(sa.text("DROP SCHEMA IF EXISTS public CASCADE"))
            conn.execute(sa.text("CREATE SCHEMA public"))
    except sa.exc.OperationalError as exc:  # never skip: CI must see it
        pytest.exit(f"TEST_DATABASE_URL is set but PostgreSQL is unreachable: {exc}", returncode=3)
    finally:
        engine.dispose()


# Tests that only make sense on one backend, skipped (and reported so) on the other.
BACKEND_MARKERS = {
    "postgres_only": ("postgresql", "needs PostgreSQL (set TEST_DATABASE_URL)"),
    "sqlite_only": ("sqlite", "SQLite only"),
}


# The day every loaded test module's TODAY was last brought to (`pytest_runtest_setup`).
_moved_on: date | None = None


def pytest_runtest_setup(item: pytest.Item) -> None:
    """A module's `TODAY` (Vietnam's day when it was imported) follows the app's clock: a run
    that crosses Vietnam's midnight (17:00 UTC) would otherwise compare the app's new day with
    the day before, and fail tests that are right. The days a module counts from it (its
    `days_from(today)`: a dict of its names) are set again with it. Every test module loaded
    is moved, not only the test's: a module's helpers may read another's days."""
    global _moved_on
    today = today_in_vietnam()
    modules = [getattr(item, "module", None)]
    if _moved_on != today:  # once a day: the modules loaded are looked at when the day turns
        modules += [m for name, m in list(sys.modules.items()) if name.startswith("tests.")]
        _moved_on = today
    for module in modules:
        known = getattr(module, "TODAY", None)
        if isinstance(known, date) and known != today:
            module.TODAY = today
            days_from = getattr(module, "days_from", None)
            for name, value in (days_from(today) if days_from else {}).items():
                setattr(module, name, value)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Skip a `postgres_only` test on SQLite and a `sqlite_only` one on PostgreSQL."""
    for item in items:
        backend = getattr(item, "callspec", None) and item.callspec.params.get("database_url")
        for name, (wanted, reason) in BACKEND_MARKERS.items():
            if item.get_closest_marker(name) is None:
                continue
            if backend is None:
                raise pytest.UsageError(f"{item.nodeid}: @{name} needs a database fixture")
            if backend != wanted:
                item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(scope="session", params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    """Migrate an empty database once per backend and hand out its URL."""
    from flask_migrate import upgrade

    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
    else:
        url = _worker_database(PG_URL)
        _reset_postgres(url)
    app = create_app(_test_config(url))
    with app.app_context():
        upgrade(directory=str(Path(__file__).resolve().parent.parent / "migrations"))
        db.engine.dispose()
    return url


def _empty_tables() -> None:
    tables = [t.name for t in db.metadata.sorted_tables if t.name != "alembic_version"]
    if db.engine.dialect.name == "postgresql":
        db.session.execute(sa.text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
    else:
        # Checked at commit, when every table is empty; resets by itself after the commit.
        db.session.execute(sa.text("PRAGMA defer_foreign_keys=ON"))
        for name in reversed(tables):
            db.session.execute(sa.text(f"DELETE FROM {name}"))
    db.session.commit()


@pytest.fixture
def app(database_url: str) -> Iterator[Flask]:
    """An application on empty tables of the migrated test database."""
    application = create_app(_test_config(database_url))
    with application.app_context():
        _empty_tables()
        yield application
        db.session.remove()
        _empty_tables()
        db.engine.dispose()


@pytest.fixture
def make_app(database_url: str) -> Iterator:
    """Build extra apps on the test database with config overrides; disposed afterwards."""
    made: list[Flask] = []

    def make(**overrides) -> Flask:
        application = create_app({**_test_config(database_url), **overrides})
        made.append(application)
        return application

    yield make
    for application in made:
        with application.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A test client of the app."""
    return app.test_client()


@pytest.fixture
def backend(database_url: str) -> str:
    """The name of the database backend under test."""
    return "postgresql" if database_url.startswith("postgresql") else "sqlite"


from tests.factories import *  # noqa: E402, F403  (fixtures)
