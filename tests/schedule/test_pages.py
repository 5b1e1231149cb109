"""The planning page /hamlets/<code>/schedule and the notices /hamlets/<code>/notices."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.auth.models import AuditEntry
from app.clock import today_in_vietnam
from app.extensions import db
from app.people.models import Correction, ScheduledVisit
from tests.factories import api_post
from tests.schedule.conftest import HAMLET1, day, plan_body


def sign_in(client, user) -> None:
    response = client.post("/login", data={"username": user.username, "password": "secret-pass"})
    assert response.status_code == 302


def post_form(client, url: str, data: dict):
    """POST a page form with the session's CSRF token, as the browser does."""
    page = client.get("/account").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    return client.post(url, data={**data, "csrf_token": token})


def form(**changes) -> dict:
    body = {
        "first_day": day(1),
        "last_day": day(7),
        "weekdays": [str(n) for n in range(7)],
        "day_start": "07:30",
        "day_end": "09:00",
        "minutes_per_household": "30",
    }
    return {**body, **changes}


def test_the_page_plans_and_shows_the_table(people, hamlet_households, client):
    sign_in(client, people.officer)
    page = client.get(f"/hamlets/{HAMLET1}/schedule")
    assert page.status_code == 200, page.get_data(as_text=True)[-800:]
    html = page.get_data(as_text=True)
    assert "Thôn chưa có lịch thăm." in html and 'name="csrf_token"' in html
    response = post_form(client, f"/hamlets/{HAMLET1}/schedule", form())
    html = response.get_data(as_text=True)
    assert response.status_code == 200, html[:500]
    assert "Đã lập lịch thăm 6 hộ." in html
    first = (today_in_vietnam() + timedelta(days=1)).strftime("%d/%m/%Y")
    assert f"Ngày {first}" in html and "07:30–08:00" in html
    assert f'href="/hamlets/{HAMLET1}/notices"' in html
    assert db.session.query(ScheduledVisit).count() == 6


def test_weekdays_left_out_are_not_planned(people, hamlet_households, client):
    sign_in(client, people.officer)
    tomorrow = today_in_vietnam() + timedelta(days=1)
    post_form(
        client,
        f"/hamlets/{HAMLET1}/schedule",
        form(last_day=day(14), weekdays=[str(tomorrow.weekday())]),
    )
    days = {v.date for v in db.session.scalars(select(ScheduledVisit))}
    assert days == {tomorrow, tomorrow + timedelta(days=7)}


@pytest.mark.parametrize(
    "changes, text",
    [
        ({"last_day": lambda: day(1)}, "chỉ đủ thăm 3 hộ"),  # the day read when the test runs
        ({"day_end": "07:00"}, "Giờ kết thúc phải sau giờ bắt đầu."),
        ({"first_day": "hôm qua"}, "Chọn một ngày."),
        ({"weekdays": []}, "Chọn ít nhất một ngày."),
        ({"minutes_per_household": "-3"}, "Nhập số phút."),
    ],
)
def test_the_page_says_what_is_wrong(people, hamlet_households, client, changes, text):
    changes = {key: value() if callable(value) else value for key, value in changes.items()}
    sign_in(client, people.commander)
    response = post_form(client, f"/hamlets/{HAMLET1}/schedule", form(**changes))
    assert response.status_code == 422
    assert text in response.get_data(as_text=True)
    assert db.session.query(ScheduledVisit).count() == 0


def test_notices_carry_full_ids_problems_documents_and_the_slot(
    people, make_household, client, token_for
):
    household = make_household(
        HAMLET1,
        code="T1-77",
        address="Số 7 đường Khe Tre",
        residents=[
            {
                "full_name": "Hồ Văn Một",
                "id_number": "046068001234",
                "id_card": "issued",
                "eid": "level2_active",
            },
            {
                "full_name": "Lê Thị Hai",
                "sex": "female",
                "relationship_to_head": "spouse",
                "date_of_birth": "1990-05-06",
                "id_number": "046190005678",
                "id_card": "issued",
                "eid": "none",
                "card_issue": "lost",
            },
            {
                "full_name": "Hồ Văn Ba",
                "relationship_to_head": "child",
                "date_of_birth": "2005-01-01",
                "id_card": "not_collected",
            },
            {"full_name": "Hồ Văn Đi", "relationship_to_head": "child", "presence": "moved"},
        ],
    )
    one = household.residents[0]
    db.session.add(
        Correction(
            household_id=household.id,
            resident_id=one.id,
            hamlet_id=household.hamlet_id,
            commune_id=household.commune_id,
            province_id=household.province_id,
            field="ethnicity",
        )
    )
    db.session.commit()
    status, _ = api_post(
        client, f"/api/v1/units/{HAMLET1}/schedule", token_for(people.officer), plan_body()
    )
    assert status == 201
    sign_in(client, people.commander)
    response = client.get(f"/hamlets/{HAMLET1}/notices")
    html = response.get_data(as_text=True)
    assert response.status_code == 200, html[:300]
    assert html.count('class="notice"') == 1
    for text in (
        "046068001234",
        "046190005678",
        "Số 7 đường Khe Tre",
        "06/05/1990",
        "Hồ Văn Ba",
        "Chưa làm thẻ căn cước",
        "Chưa kích hoạt tài khoản định danh điện tử mức 2 (VNeID)",
        "Thông tin cần điều chỉnh: dân tộc",
        "Thẻ căn cước bị mất: cần cấp lại",
        "Giấy khai sinh",
        "Điện thoại thông minh dùng số thuê bao chính chủ",
        "Trần Văn Cán",
        "0912345678",
        "từ 07:30 đến 08:00",
        "Xã Nam Đông",
        "break-after: page",
    ):
        assert text in html, text
    assert "Hồ Văn Đi" not in html  # moved away: not told to be home


def test_printing_is_audited_once_with_the_hamlet_and_counts(people, hamlet_households, client):
    sign_in(client, people.officer)
    assert client.get(f"/hamlets/{HAMLET1}/notices").status_code == 200
    entries = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "print")).all()
    assert len(entries) == 1
    [entry] = entries
    assert entry.object_type == "units" and entry.user_id == people.officer.id
    assert entry.object_id == str(hamlet_households[0].hamlet_id)
    assert entry.changes["hamlet"] == HAMLET1 and entry.changes["households"] == 6
    assert entry.changes["kind"] == "notices" and entry.changes["id_numbers"] == "full"


@pytest.mark.parametrize(
    "who, expected",
    [("head", 403), ("other_hamlet_officer", 403), ("admin", 403), ("other_commander", 404)],
)
@pytest.mark.parametrize("page", ["notices", "schedule"])
def test_only_the_hamlets_officer_and_commanders(
    people, hamlet_households, client, who, expected, page
):
    sign_in(client, getattr(people, who))
    response = client.get(f"/hamlets/{HAMLET1}/{page}")
    assert response.status_code == expected
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "print")) is None


def test_a_hamlet_without_households_has_no_notices(people, client):
    sign_in(client, people.officer)
    assert client.get(f"/hamlets/{HAMLET1}/notices").status_code == 404
