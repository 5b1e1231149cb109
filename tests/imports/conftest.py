"""Fixtures of the household-list import tests: fixture sheets, an import helper, logins."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from openpyxl import load_workbook
from sqlalchemy import func, select

from app.extensions import db
from app.imports import ImportResult, Limits, run_import
from app.people.models import Correction, Household, Resident, StatusChange

FIXTURES = Path(__file__).resolve().parent / "fixtures"
COMMUNE = "20179"


def fixture_bytes(name: str) -> bytes:
    """The bytes of a fixture sheet."""
    return (FIXTURES / name).read_bytes()


@pytest.fixture
def importer(world) -> Callable[..., ImportResult]:
    """Import bytes (or a fixture's name) into xã Nam Đông and commit when written."""

    def run(source: str | bytes, *, name: str | None = None, limits: Limits | None = None, **kw):
        data = fixture_bytes(source) if isinstance(source, str) else source
        result = run_import(
            data,
            name or (source if isinstance(source, str) else "upload.xlsx"),
            world[COMMUNE],
            limits=limits,
            **kw,
        )
        if result.summary.written:
            db.session.commit()
        else:
            db.session.rollback()
        return result

    return run


def counts() -> dict[str, int]:
    """Rows in the tables an import writes."""
    return {
        model.__tablename__: db.session.scalar(select(func.count()).select_from(model))
        for model in (Household, Resident, StatusChange, Correction)
    }


def row_errors(result: ImportResult) -> dict[int, str]:
    """Map sheet row numbers to their joined errors."""
    return {row.number: " ".join(row.errors) for row in result.rows if row.errors}


def as_dicts(result: ImportResult) -> tuple:
    """The counts of a summary as plain dicts (households, residents)."""
    s = result.summary
    return vars(s.households), vars(s.residents)


def read_xlsx(data: bytes) -> list[tuple]:
    """Every row of the first sheet of a workbook, as values."""
    workbook = load_workbook(io.BytesIO(data))
    return [tuple(r) for r in workbook.worksheets[0].iter_rows(values_only=True)]


@pytest.fixture
def login(client: FlaskClient, make_user) -> Callable[..., FlaskClient]:
    """Sign a new user of a role in with the session cookie; answer the client."""

    def sign_in(role: str, unit: str = COMMUNE, **kw) -> FlaskClient:
        user = make_user(role, unit, **kw)
        response = client.post(
            "/login", data={"username": user.username, "password": "secret-pass"}
        )
        assert response.status_code == 302
        client.user = user
        return client

    return sign_in
