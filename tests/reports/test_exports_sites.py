"""Exports with sites: the coverage workbook's site and temporary-resident columns, the
visits CSV's household kind, site name, residence and room."""

from __future__ import annotations

from app.extensions import db
from tests.reports.conftest import adult
from tests.reports.test_exports import _csv, _workbook


def _site(make_household):
    home = make_household(
        "20179-002",
        residents=[adult("Công Nhân", residence="temporary", room="P101")],
    )
    home.kind, home.site_name = "boarding_house", "=Nhà trọ Mai"
    db.session.commit()
    return home


def test_the_workbook_has_site_and_temporary_columns(
    client, counted, make_household, make_user, token_for
):
    _site(make_household)
    headers = token_for(make_user("commander", "20179"))
    wb = _workbook(client.get("/api/v1/exports/coverage.xlsx?unit=20179", headers=headers))
    sheet = wb["Thôn"]
    header = [c.value for c in sheet[1]]
    assert header[-5:-2] == [
        "Cơ sở (nhà trọ, ký túc xá, công ty)",
        "Cơ sở đã gõ cửa",
        "Người tạm trú, lưu trú (có mặt)",
    ]
    rows = {row[0].value: [c.value for c in row] for row in sheet.iter_rows(min_row=2)}
    assert rows["20179-002"][-5:-2] == [1, 0, 1]
    assert rows["20179-001"][-5:-2] == [0, 0, 0]
    assert header[-2:] == ["Thẻ cần cấp lại", "Thẻ đến hạn đổi (90 ngày tới hoặc quá hạn)"]


def test_the_visits_csv_names_the_kind_and_site(
    client, counted, make_household, add_visit, make_user, token_for
):
    home = _site(make_household)
    add_visit(home, seen=[(home.residents[0], {"presence": "present"})])
    headers = token_for(make_user("commander", "20179"))
    rows = _csv(client.get("/api/v1/exports/visits.csv?unit=20179", headers=headers))
    header, body = rows[0], rows[1:]
    assert header[18:22] == ["Loại hộ", "Tên cơ sở", "Diện cư trú", "Phòng"]
    assert header[22:] == ["Không thể đi lại", "Vấn đề thẻ", "Hạn đổi thẻ"]
    mine = [row for row in body if row[13] == "Công Nhân"]
    assert len(mine) == 1
    assert mine[0][18:] == ["boarding_house", "'=Nhà trọ Mai", "temporary", "P101", "false", "", ""]
    families = [row for row in body if row[18] == "family"]
    assert families and all(row[19] == "" for row in families)
