"""Exports: the coverage workbook and the streamed visits CSV, in scope and audited."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from app.auth.models import AuditEntry
from app.extensions import db
from tests.factories import api_get
from tests.reports.conftest import adult, at_days_ago


def _workbook(response):
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert response.mimetype.endswith("spreadsheetml.sheet")
    return load_workbook(io.BytesIO(response.data))


def test_province_workbook_has_a_sheet_per_level(client, counted, make_user, token_for):
    headers = token_for(make_user("admin", "46"))
    response = client.get("/api/v1/exports/coverage.xlsx?unit=46", headers=headers)
    wb = _workbook(response)
    assert 'filename="bao-phu-46.xlsx"' in response.headers["Content-Disposition"]
    assert wb.sheetnames == ["Tỉnh", "Xã", "Thôn", "Thông tin"]
    communes = wb["Xã"]
    header = [c.value for c in communes[1]]
    assert header[:5] == ["Mã", "Tên đơn vị", "Tổng số hộ", "Hộ đã gõ cửa", "Tỷ lệ bao phủ hộ"]
    assert communes.freeze_panes == "C2"
    rows = {row[0]: row for row in communes.iter_rows(min_row=2, values_only=True)}
    coverage = api_get(client, "/api/v1/coverage?unit=46", headers)[1]
    assert coverage["children"] and len(rows) == len(coverage["children"])
    for child in coverage["children"]:
        row = rows[child["code"]]
        assert row[2] == child["households_total"]
        assert row[3] == child["households_visited"]
        assert row[4] == child["coverage"]
    cell = communes.cell(row=2, column=5)
    assert isinstance(cell.value, int | float) and cell.number_format == "0.00%"
    hamlets = wb["Thôn"]
    assert [c.value for c in hamlets[1]][:3] == ["Mã", "Tên đơn vị", "Thuộc xã"]
    codes = [row[0] for row in hamlets.iter_rows(min_row=2, values_only=True)]
    assert codes == ["19777-001", "20179-001", "20179-002", "20179-003", None]
    first = next(hamlets.iter_rows(min_row=3, max_row=3, values_only=True))
    assert first[:6] == ("20179-001", "Thôn 1", "Xã Nam Đông", 4, 2, 0.5)
    assert hamlets.freeze_panes == "C2"
    province = wb["Tỉnh"]
    assert next(province.iter_rows(min_row=2, values_only=True))[:4] == (
        "46",
        "Thành phố Huế",
        8,
        4,
    )
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "export"))
    assert (entry.object_type, entry.object_id) == ("coverage", "46")
    assert entry.changes == {"format": "xlsx"}
    assert entry.user_id is not None


def test_commune_workbook_and_scope(client, counted, make_user, token_for):
    headers = token_for(make_user("commander", "20179"))
    wb = _workbook(client.get("/api/v1/exports/coverage.xlsx", headers=headers))
    assert wb.sheetnames == ["Xã", "Thôn", "Thông tin"]
    assert wb["Thôn"].max_row == 1 + 3 + 1  # header, three hamlets, households without hamlet
    assert client.get("/api/v1/exports/coverage.xlsx?unit=46", headers=headers).status_code == 404
    officer = token_for(make_user("officer", "20179"))
    assert client.get("/api/v1/exports/coverage.xlsx", headers=officer).status_code == 403
    assert client.get("/api/v1/exports/visits.csv", headers=officer).status_code == 403


def _csv(response):
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert response.is_streamed
    raw = response.get_data()
    assert raw.startswith("\ufeff".encode())
    text = raw.decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def test_visits_csv_is_streamed_masked_and_scoped(
    client, counted, make_household, make_user, token_for, add_visit
):
    household = make_household(
        "20179-002",
        residents=[adult("Hồ Văn Nhờ", id_number="046068000123"), adult("=cmd|' /C calc'!A0")],
        address='=HYPERLINK("http://x")',
    )
    nho, trick = household.residents
    add_visit(
        household,
        "met",
        at=at_days_ago(0.2),
        seen=[
            (nho, {"presence": "present", "id_card": "issued", "eid": "level1"}),
            (trick, {"presence": "present"}),
        ],
    )
    headers = token_for(make_user("commander", "20179"))
    response = client.get("/api/v1/exports/visits.csv?unit=20179", headers=headers)
    assert 'filename="luot-go-cua-20179.csv"' in response.headers["Content-Disposition"]
    assert response.mimetype == "text/csv"
    rows = _csv(response)
    header, body = rows[0], rows[1:]
    assert header[:3] == ["Mã lượt", "Thời điểm", "Mã xã"]
    assert header[14] == "Số định danh (che)"
    # Six visits of the commune (A, B, C twice, E and the new one; the last with two residents).
    assert len(body) == 7
    assert {row[2] for row in body} == {"20179"}
    assert {row[3] for row in body} == {"20179-001", "20179-002"}
    mine = [row for row in body if row[13] == "Hồ Văn Nhờ"]
    assert mine[0][14] == "********0123"
    assert "046068000123" not in response.get_data(as_text=True)
    assert mine[0][5].startswith("'=")
    assert [row[13] for row in body if row[13].startswith("'=")] == ["'=cmd|' /C calc'!A0"]
    assert mine[0][1].endswith("+07:00")
    entry = db.session.scalar(
        select(AuditEntry).where(AuditEntry.object_type == "visits", AuditEntry.action == "export")
    )
    assert entry.object_id == "20179" and entry.changes == {
        "format": "csv",
        "since": None,
        "id_numbers": "masked",
    }


def test_visits_csv_since_and_scope(client, counted, make_user, token_for):
    headers = token_for(make_user("admin", "46"))
    since = (at_days_ago(1.5) + timedelta(hours=7)).date().isoformat()
    all_rows = _csv(client.get("/api/v1/exports/visits.csv", headers=headers))[1:]
    assert len(all_rows) == 6  # A, B, C twice, E, H; not I (Hà Nội)
    recent = _csv(client.get(f"/api/v1/exports/visits.csv?since={since}", headers=headers))[1:]
    assert 0 < len(recent) < len(all_rows)
    stamp = at_days_ago(0.75).isoformat()
    exact = client.get("/api/v1/exports/visits.csv", query_string={"since": stamp}, headers=headers)
    assert [row[0] for row in _csv(exact)[1:]] == [str(counted.visits["C"].id)]
    for wrong in ("yesterday", "0001-01-01", "9999-12-31T23:00:00"):
        bad = client.get(f"/api/v1/exports/visits.csv?since={wrong}", headers=headers)
        assert bad.status_code == 422 and "since" in bad.get_json()["errors"], wrong
    commune = token_for(make_user("commander", "19777"))
    assert client.get("/api/v1/exports/visits.csv?unit=20179", headers=commune).status_code == 404
    theirs = _csv(client.get("/api/v1/exports/visits.csv", headers=commune))[1:]
    assert [row[2] for row in theirs] == ["19777"]


def test_visits_csv_streams_after_the_request_let_its_objects_go(
    counted, make_app, make_user, token_for
):
    """As served: the request's own app context ends before the stream is read."""
    headers = token_for(make_user("admin", "46"))
    served = make_app().test_client()  # no outer app context of its own
    response = served.get("/api/v1/exports/visits.csv", headers=headers)
    assert response.status_code == 200
    assert len(_csv(response)[1:]) == 6


def test_workbook_keeps_a_unit_name_that_looks_like_a_formula_as_text(
    client, counted, world, make_user, token_for
):
    world["20179-002"].name = '=HYPERLINK("http://x","Thôn 2")'
    db.session.commit()
    headers = token_for(make_user("commander", "20179"))
    wb = _workbook(client.get("/api/v1/exports/coverage.xlsx?unit=20179", headers=headers))
    cells = [row[1] for row in wb["Thôn"].iter_rows(min_row=2)]
    named = [c for c in cells if c.value and "HYPERLINK" in str(c.value)]
    assert [c.data_type for c in named] == ["s"]
    assert named[0].value.startswith("'=")


@pytest.mark.sqlite_only  # the write lock is SQLite's
def test_visits_csv_stream_leaves_sqlite_free_for_writers(
    counted, make_app, make_user, token_for, database_url
):
    """Its audit entry written and committed, the download only reads: phones can sync while
    a commander's browser is still downloading."""
    import sqlite3

    headers = token_for(make_user("admin", "46"))
    served = make_app(TESTING=False).test_client()  # as served: writing requests lock first
    response = served.get("/api/v1/exports/visits.csv", headers=headers, buffered=False)
    chunks = iter(response.response)
    assert next(chunks)  # the download has begun and is still open
    other = sqlite3.connect(database_url.removeprefix("sqlite:///"), timeout=0.5)
    try:
        other.execute("BEGIN IMMEDIATE")  # a phone's sync would begin so
        other.execute("ROLLBACK")
    finally:
        other.close()
        response.close()
