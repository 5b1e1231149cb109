"""The audit trail page and its CSV: filters kept, links to objects, scope, refusals, export."""

from __future__ import annotations

import csv
import io
import re

import pytest
from sqlalchemy import select

from app.auth.audit import acting_as, record
from app.auth.models import AuditEntry, User
from app.extensions import db


@pytest.fixture
def client(make_app, app):
    """A browser on an app that checks CSRF tokens, as in production."""
    return make_app(WTF_CSRF_ENABLED=True).test_client()


def sign_in(client, username: str) -> None:
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    answer = client.post(
        "/login", data={"username": username, "password": "secret-pass", "csrf_token": token}
    )
    assert answer.status_code == 302


def rows(html: str) -> list[str]:
    body = re.search(r'<table class="audit">(.*?)</table>', html, re.S)
    return [] if body is None else body.group(1).split("<tr>")[2:]


@pytest.fixture
def trail(make_user, make_household):
    """A commander and an officer of xã Nam Đông, a commander of Phường Vỹ Dạ, and entries."""
    chief = make_user("commander", "20179", username="chihuy")
    officer = make_user("officer", "20179", username="canbo", hamlets=["20179-001"])
    other = make_user("commander", "19777", username="vyda")
    here = make_household("20179-001")
    there = make_household("19777-001")
    with acting_as(officer):
        record(db.session, "read", "residents", here.residents[0].id, {"field": "id_number"})
        record(db.session, "login", "users", officer.id, {"via": "token"})
    with acting_as(other):
        record(db.session, "read", "residents", there.residents[0].id, {"field": "id_number"})
    db.session.commit()
    ids = {"chief": chief.id, "officer": officer.id, "here": here.id, "there": there.id}
    db.session.rollback()
    return ids


def test_the_page_lists_the_commune_with_labels_and_links(client, trail):
    sign_in(client, "chihuy")
    response = client.get("/audit?action=read,export")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    found = rows(html)
    assert len(found) == 1  # the read in Phường Vỹ Dạ is not shown
    assert "canbo" in found[0] and "Xem" in found[0] and "Nhân khẩu" in found[0]
    assert 'href="/hamlets/20179-001/visit-list"' in found[0]
    assert 'class="current"' in html and "Xem số định danh và tải xuống" in html
    assert 'href="/audit.csv?action=read,export"' in html


def test_old_names_show_under_new_labels(client, trail):
    sign_in(client, "chihuy")
    html = client.get("/audit?action=sign_in&user=canbo").get_data(as_text=True)
    (row,) = rows(html)
    assert "Đăng nhập" in row and "via: token" in row
    # A household created in the commune links to its hamlet's visit list.
    html = client.get(f"/audit?object_type=households&object_id={trail['here']}").get_data(
        as_text=True
    )
    (row,) = rows(html)
    assert "Tạo mới" in row and "/hamlets/20179-001/visit-list" in row
    assert rows(client.get(f"/audit?object_id={trail['there']}&object_type=households").text) == []


def test_bad_filters_show_the_form_again_with_errors(client, trail):
    sign_in(client, "chihuy")
    response = client.get("/audit?since=2026-11-22&until=2026-11-01&user=canbo")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Ngày kết thúc phải sau ngày bắt đầu." in html
    assert 'value="canbo"' in html and 'value="2026-11-01"' in html
    assert rows(html) == []
    english = client.get("/audit?action=dance", headers={"Accept-Language": "en"})
    assert english.status_code == 422 and "Unknown action: dance." in english.text


def test_officers_are_refused(client, trail):
    sign_in(client, "canbo")
    assert client.get("/audit").status_code == 403
    assert client.get("/audit.csv").status_code == 403


def test_the_printable_visit_list_is_a_print(client, trail):
    sign_in(client, "chihuy")
    assert client.get("/hamlets/20179-001/visit-list").status_code == 200
    html = client.get("/audit?action=print").get_data(as_text=True)
    (row,) = rows(html)
    assert "In" in row and "chihuy" in row and "/hamlets/20179-001/visit-list" in row


def test_csv_export_follows_the_filters_and_is_recorded(client, trail):
    sign_in(client, "chihuy")
    response = client.get("/audit.csv?action=read,sign_in")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    text = response.get_data().decode("utf-8")
    assert text.startswith("\ufeff")
    table = list(csv.reader(io.StringIO(text[1:])))
    assert table[0][:5] == ["Mã", "Thời điểm", "Mã người dùng", "Tên đăng nhập", "Hành động"]
    actions = [row[4] for row in table[1:]]
    assert sorted(actions) == ["read", "sign_in", "sign_in"]  # the chief's own sign-in too
    assert all(row[3] in ("canbo", "chihuy") for row in table[1:])
    export = db.session.scalar(select(AuditEntry).where(AuditEntry.object_type == "audit"))
    assert export.action == "export" and export.user_id == trail["chief"]
    assert export.changes == {"format": "csv", "filters": {"action": "read,sign_in"}}
    db.session.rollback()
    bad = client.get("/audit.csv?since=nonsense")
    assert bad.status_code == 422 and bad.mimetype == "text/html"


def test_entries_link_to_the_office_pages_of_their_objects(client, trail, add_campaign_row):
    """A user, a correction and a campaign open their own pages from the trail."""
    campaign_id, correction_id = add_campaign_row
    with acting_as(db.session.get(User, trail["chief"])):
        record(db.session, "update", "users", trail["officer"], {"full_name": "x"})
        record(db.session, "update", "campaigns", campaign_id, {"name": "x"})
        record(db.session, "update", "corrections", correction_id, {"status": "verified"})
    db.session.commit()
    sign_in(client, "chihuy")
    html = client.get("/audit?action=update").get_data(as_text=True)
    assert f'href="/admin/users/{trail["officer"]}"' in html
    assert f'href="/campaigns/{campaign_id}"' in html
    assert f'href="/corrections/{correction_id}"' in html


@pytest.fixture
def add_campaign_row(trail):
    """A campaign of xã Nam Đông and a correction of its household."""
    from datetime import timedelta

    from app.clock import today_in_vietnam
    from app.people.models import Correction, Household
    from app.reports.models import Campaign
    from app.units.models import Unit

    commune = db.session.scalar(select(Unit).where(Unit.code == "20179"))
    home = db.session.get(Household, trail["here"])
    campaign = Campaign(
        name="Cao điểm",
        unit_id=commune.id,
        starts_on=today_in_vietnam(),
        ends_on=today_in_vietnam() + timedelta(days=9),
        metrics=["households_visited"],
    )
    correction = Correction(
        household_id=home.id,
        resident_id=home.residents[0].id,
        field="full_name",
        hamlet_id=home.hamlet_id,
        commune_id=home.commune_id,
        province_id=home.province_id,
    )
    db.session.add_all([campaign, correction])
    db.session.commit()
    return campaign.id, correction.id
