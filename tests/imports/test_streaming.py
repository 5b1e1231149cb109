"""The import in chunks: a file of more households than a chunk is checked and written a
chunk at a time, and comes out exactly as when it fits in one (rows, counts, report)."""

from __future__ import annotations

import io
from itertools import chain

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

import app.imports as imports
from app.extensions import db
from app.imports.report import write_report
from app.people.idnumber import build_id_number
from app.people.models import Household, Resident
from tests.imports.conftest import counts
from tests.imports.fixtures.make_fixtures import HOUSEHOLD_COUNT, RESIDENT_COUNT
from tests.imports.test_files import xlsx

HEADER = ["Số hộ", "Họ và tên", "Quan hệ với chủ hộ", "Thôn", "Số định danh"]
TWICE = build_id_number("046", "male", 1980, 4242)


@pytest.fixture
def written_chunks(monkeypatch) -> list[list[str]]:
    """Make a chunk two households; note the households each write takes."""
    monkeypatch.setattr(imports, "PLAN_CHUNK", 2)
    calls: list[list[str]] = []
    real = imports.apply_households

    def spy(households, *args, **kw):
        calls.append([h.group.code for h in households if h.status in ("added", "changed")])
        return real(households, *args, **kw)

    monkeypatch.setattr(imports, "apply_households", spy)
    return calls


def outcome(result) -> list[tuple]:
    """What became of each row."""
    return [(r.number, r.status, r.errors, r.notes) for r in result.rows]


def report_cells(result) -> list[list]:
    """The values of every sheet of the report."""
    book = load_workbook(io.BytesIO(write_report(result)))
    return [[[c.value for c in row] for row in sheet.iter_rows()] for sheet in book.worksheets]


def test_chunks_give_the_result_of_one_chunk(importer, written_chunks, monkeypatch):
    whole = importer("nam_dong.xlsx", dry_run=True)
    monkeypatch.setattr(imports, "PLAN_CHUNK", 2)
    chunked = importer("nam_dong.xlsx", dry_run=True)
    assert outcome(chunked) == outcome(whole)
    assert chunked.summary.households == whole.summary.households
    assert chunked.summary.residents == whole.summary.residents
    assert chunked.summary.conversions == whole.summary.conversions > 0
    assert report_cells(chunked) == report_cells(whole)
    assert written_chunks == []  # a dry run writes nothing

    result = importer("nam_dong.xlsx")
    assert result.summary.written
    assert len(written_chunks) == -(-HOUSEHOLD_COUNT // 2) > 1
    assert all(len(codes) <= 2 for codes in written_chunks)
    assert sorted(chain.from_iterable(written_chunks)) == sorted(
        db.session.scalars(select(Household.code))
    )
    assert counts()["households"] == HOUSEHOLD_COUNT
    assert counts()["residents"] == RESIDENT_COUNT
    assert [o[1] for o in outcome(result)] == [o[1] for o in outcome(whole)]
    # A row keeps what became of it, not its values.
    assert all(not row.values for row in result.rows)

    before = counts()
    again = importer("nam_dong.xlsx")
    assert again.summary.households.unchanged == HOUSEHOLD_COUNT
    assert again.summary.residents.unchanged == RESIDENT_COUNT
    assert len(written_chunks) == -(-HOUSEHOLD_COUNT // 2)  # nothing more was written
    assert counts() == before


def scattered_sheet() -> bytes:
    """Six households; A-1's second row comes after three others; D-1 and F-1 share an ID."""
    return xlsx(
        [
            HEADER,
            ["A-1", "Hồ Văn An", "Chủ hộ", "Thôn 1", None],
            ["B-1", "Hồ Văn Bình", "Chủ hộ", "Thôn 1", None],
            ["C-1", "Hồ Văn Cường", "Chủ hộ", "Thôn 2", None],
            ["A-1", "Hồ Thị Ánh", "Con", "Thôn 1", None],
            ["D-1", "Lê Văn Dũng", "Chủ hộ", "Thôn 1", TWICE],
            ["E-1", "Lê Văn Em", "Chủ hộ", "Thôn 1", None],
            ["F-1", "Lê Văn Phúc", "Chủ hộ", "Thôn 2", TWICE],
        ]
    )


def test_scattered_household_and_repeated_id_across_chunks(importer, written_chunks):
    result = importer(scattered_sheet(), partial=True)
    assert result.summary.written
    assert result.summary.households.added == 4
    assert result.summary.households.refused == 2
    assert written_chunks == [["A-1", "B-1"], ["C-1"], ["E-1"]]
    errors = {r.number: r.errors for r in result.rows if r.errors}
    assert errors == {
        6: ["Số định danh trùng với dòng 8 trong tệp."],
        8: ["Số định danh trùng với dòng 6 trong tệp."],
    }
    household = db.session.scalar(select(Household).where(Household.code == "A-1"))
    names = db.session.scalars(
        select(Resident.full_name).where(Resident.household_id == household.id)
    )
    assert sorted(names) == ["Hồ Thị Ánh", "Hồ Văn An"]
    assert db.session.scalar(select(func.count()).select_from(Resident)) == 5


def test_a_bad_row_in_a_late_chunk_writes_nothing(importer, written_chunks):
    result = importer(scattered_sheet())
    assert not result.summary.written
    assert written_chunks == []
    assert counts()["households"] == 0
    good = [r for r in result.rows if not r.errors]
    assert len(good) == 5
    assert all("Không nhập vì tệp có dòng lỗi." in r.notes for r in good)


def many_rows_sheet() -> tuple[bytes, set[int]]:
    """1,302 data rows (several records of the outcome file): 650 households of two people,
    every seventh row with a bad ID number, and household Z-1 written on the first and the
    last row; answer the workbook and the sheet row numbers that have an error."""
    rows = [HEADER, ["Z-1", "Lê Văn Dũng", "Chủ hộ", "Thôn 2", None]]
    for n in range(1300):
        person = ["Hồ Văn An", "Chủ hộ"] if n % 2 == 0 else ["Hồ Thị Bình", "Con"]
        rows.append([f"H-{n // 2}", *person, "Thôn 1", "12345" if n % 7 == 3 else None])
    rows.append(["Z-1", "Lê Thị Em", "Vợ", "Thôn 2", None])
    bad = {number for number, row in enumerate(rows, start=1) if row[4] == "12345"}
    return xlsx(rows), bad


def test_every_row_outcome_comes_back_from_the_outcome_file(importer, monkeypatch):
    monkeypatch.setattr(imports, "PLAN_CHUNK", 40)
    data, bad = many_rows_sheet()
    result = importer(data)
    assert not result.summary.written
    rows = list(result.rows)
    assert len(result.rows) == len(rows) == result.summary.rows == 1302
    assert [r.number for r in rows] == list(range(2, 1304))  # every row, in the sheet's order
    assert {r.number for r in rows if r.errors} == bad
    assert result.summary.rows_with_errors == len(bad) == 186
    assert all(r.status == "error" and "12 chữ số" in r.errors[0] for r in rows if r.errors)
    # The rows that could be taken say why nothing was written (the other rows of a bad row's
    # household why they were not); Z-1's first row waited in memory for its last.
    taken = [r for r in rows if r.status == "added"]
    assert len(taken) == 1302 - 2 * len(bad)
    assert all(r.notes == ["Không nhập vì tệp có dòng lỗi."] for r in taken)
    assert (result.rows[0].number, result.rows[0].status) == (2, "added")
    assert (result.rows[-1].number, result.rows[-1].status) == (1303, "added")
    assert [r.number for r in result.rows[5:8]] == [7, 8, 9]
    assert outcome(result) == [(r.number, r.status, r.errors, r.notes) for r in rows]
    # The report gives every rejected row its reason, on its own line of the sheet.
    sheet = report_cells(result)[0]
    errors_column = len(HEADER) + 1
    reported = {n + 1: line[errors_column] for n, line in enumerate(sheet) if n}
    assert {n for n, text in reported.items() if text} == bad
    assert all("12 chữ số" in reported[n] for n in bad)

    partial = importer(data, partial=True)
    statuses = {(r.number, r.status) for r in partial.rows}
    assert {n for n, status in statuses if status == "error"} == bad
    skipped = {n for n, status in statuses if status == "skipped"}
    assert len(skipped) == len(bad)  # each bad row's other half of its household
    household_note = ["Không nhập vì hộ này có dòng lỗi."]
    assert all(r.notes == household_note for r in partial.rows if r.number in skipped)
    assert partial.summary.households.refused == len(bad)
    assert counts()["residents"] == 1302 - 2 * len(bad)
