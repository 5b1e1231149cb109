"""The report pages: pick a unit and a period, read the form, errors kept beside what was typed,
the printable page (recorded as a print), with CSRF on as in production."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from app.auth.models import AuditEntry
from app.clock import today_in_vietnam
from app.extensions import db


def days_from(today: date) -> dict[str, date]:
    """Last week's Monday and Sunday (set again by tests/conftest.py when a run crosses
    Vietnam's midnight)."""
    monday = today - timedelta(days=today.weekday() + 7)
    return {"LAST_MONDAY": monday, "LAST_SUNDAY": monday + timedelta(days=6)}


TODAY = today_in_vietnam()
LAST_MONDAY, LAST_SUNDAY = days_from(TODAY).values()


@pytest.fixture
def client(make_app, app):
    """A browser on an app that checks CSRF tokens, as in production."""
    return make_app(WTF_CSRF_ENABLED=True).test_client()


@pytest.fixture
def people(make_user, make_household) -> dict[str, str]:
    """The commander of xã Nam Đông, an officer, an admin; two households."""
    make_household("20179-001", residents=[{"full_name": "Hồ Văn An"}])
    make_household("20179-002", residents=[{"full_name": "Lê Thị Bình", "sex": "female"}])
    out = {
        "chief": make_user("commander", "20179", username="chihuy").username,
        "officer": make_user("officer", "20179", username="canbo").username,
        "admin": make_user("admin", "46", username="quantri").username,
    }
    db.session.rollback()
    return out


def sign_in(client, username: str) -> None:
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = client.post(
        "/login", data={"username": username, "password": "secret-pass", "csrf_token": token}
    )
    assert response.status_code == 302


def value_of(html: str, field_id: str) -> str:
    match = re.search(rf'id="{field_id}" name="[^"]+" value="([^"]*)"', html)
    assert match, field_id
    return match.group(1)


def test_the_report_page_shows_last_week_by_default(client, people):
    sign_in(client, people["chief"])
    response = client.get("/reports")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "BÁO CÁO KẾT QUẢ" in html
    assert value_of(html, "from") == LAST_MONDAY.isoformat()
    assert value_of(html, "to") == LAST_SUNDAY.isoformat()
    assert 'data-figure="households_total"' in html
    assert 'data-figure="eid_level2_applied"' in html and 'data-figure="eid_level2_active"' in html
    assert "Thôn 1" in html and "Theo cán bộ" in html
    assert "/api/v1/exports/report.xlsx?unit=20179" in html
    assert "/reports/print?unit=20179" in html
    assert 'aria-current="page"' in html  # the office menu marks the report page
    for key in ("last_week", "this_week", "last_month"):
        assert f'data-shortcut="{key}"' in html


def test_a_week_picked_and_a_unit_below(client, people):
    sign_in(client, people["admin"])
    year, week, _day = LAST_MONDAY.isocalendar()
    html = client.get(f"/reports?unit=20179&week={year}-W{week:02d}").get_data(as_text=True)
    assert value_of(html, "from") == LAST_MONDAY.isoformat()
    assert "Xã Nam Đông (20179)" in html
    province = client.get("/reports?unit=46").get_data(as_text=True)
    assert "Theo xã" in province and "Xã Nam Đông" in province


@pytest.mark.parametrize(
    ("query", "field", "typed"),
    [
        ("from=2026-12-07&to=2026-12-01", "from", "2026-12-07"),
        ("from=2024-01-01&to=2026-12-01", "to", "2024-01-01"),
        ("from=2026-02-30&to=2026-03-01", "from", "2026-02-30"),
    ],
)
def test_bad_periods_are_explained_and_what_was_typed_stays(client, people, query, field, typed):
    sign_in(client, people["chief"])
    response = client.get(f"/reports?{query}")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'class="flash error"' in html and 'class="field-error"' in html
    assert value_of(html, "from") == typed
    assert "BÁO CÁO KẾT QUẢ" not in html


def test_a_bad_week_and_a_unit_outside(client, people):
    sign_in(client, people["chief"])
    response = client.get("/reports?week=2026-W99")
    assert response.status_code == 422
    assert "Chọn một tuần" in response.get_data(as_text=True)
    outside = client.get("/reports?unit=19777")
    assert outside.status_code == 404
    assert "Không tìm thấy đơn vị" in outside.get_data(as_text=True)


def test_officers_may_not_open_the_report(client, people):
    sign_in(client, people["officer"])
    assert client.get("/reports").status_code == 403
    assert client.get("/reports/print").status_code == 403


def test_the_printable_page_is_recorded_as_a_print(client, people):
    sign_in(client, people["chief"])
    query = f"unit=20179&from={LAST_MONDAY}&to={LAST_SUNDAY}"
    response = client.get(f"/reports/print?{query}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'class="report-print"' in html
    assert "nav" not in re.sub(r"<table.*?</table>", "", html, flags=re.S).split("<main>")[1][:200]
    assert 'class="office"' not in html
    assert "data-print" in html and "Thủ trưởng đơn vị" in html
    db.session.rollback()
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "print"))
    assert entry.object_type == "report" and entry.object_id == "20179"
    assert entry.changes["from"] == LAST_MONDAY.isoformat()
    assert client.get("/reports/print?from=2026-12-07&to=2026-12-01").status_code == 422


def test_english_through_the_language_switch(client, people):
    sign_in(client, people["chief"])
    client.set_cookie("lang", "en")
    html = client.get("/reports").get_data(as_text=True)
    assert "REPORT ON THE RESIDENT CHECK" in html
    assert "Households checked in the period" in html
