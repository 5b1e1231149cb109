"""The web pages' forms and the API's body reader against input a review found gave 500s:
digits `int()` refuses ("²"), control characters that PostgreSQL refuses in any query, a
name longer than its column, JSON nested past Python's reach, a day in the year 1. Each is a
clear answer (a form shown again with its error, a 4xx), never a 500."""

from __future__ import annotations

import io
import json
import re

import pytest
from flask import g
from sqlalchemy import select

from app.auth.models import User
from app.extensions import db
from app.people.models import Correction
from tests.factories import correcting_visit, page_client

SUP = "\u00b2"  # superscript two: str.isdigit() is true, int() refuses it
NUL = "a\x00b"


def post(client, url: str, data: dict, **kwargs):
    """POST a form with the page's CSRF token, as the browser does."""
    g.pop("csrf_token", None)  # the test shares one app context: a token of this session
    page = client.get("/account").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    return client.post(url, data={**data, "csrf_token": token}, **kwargs)


@pytest.fixture
def office(app, client, world, make_user, make_household, token_for):
    """A commander of the commune signed in on the pages, and one correction to review."""
    officer = make_user("officer", "20179", hamlets=["20179-001"])
    commander = make_user("commander", "20179")
    household = make_household("20179-001")
    correction = {"field": "other", "proposed": "x", "note": "n"}
    body = correcting_visit(household.id, household.residents[0].id, correction)
    assert client.post("/api/v1/visits", json=body, headers=token_for(officer)).status_code == 201
    return {"pages": page_client(app, commander), "officer": officer, "commander": commander}


SESSION = {"kind": "at_home", "date": "2030-01-07", "starts_at": "08:00", "ends_at": "11:00"}


@pytest.mark.parametrize(
    ("method", "url", "form"),
    [
        ("post", "/hamlets/20179-001/schedule",
         {"first_day": "2030-01-07", "last_day": "2030-01-10", "weekdays": ["0", "1"],
          "day_start": "07:30", "day_end": "17:00", "minutes_per_household": SUP}),
        ("post", "/corrections/review", {"ids": [f"{SUP}:1"], "action": "verified"}),
        ("post", "/sessions/new", {**SESSION, "unit": "20179", "team_ids": [SUP]}),
        ("post", "/sessions/new", {**SESSION, "kind": "at_site", "unit": "20179",
                                   "household_id": SUP}),
        ("post", "/sessions/new", {**SESSION, "unit": NUL}),
        ("post", "/sessions/new", {**SESSION, "unit": "20179", "date": "0001-01-01"}),
        ("get", f"/audit?user={SUP}", None),
        ("get", f"/audit?object_id={SUP}", None),
    ],
)  # fmt: skip
def test_page_forms_refuse_odd_digits_and_characters_clearly(office, method, url, form):
    pages = office["pages"]
    answer = post(pages, url, form) if method == "post" else pages.get(url)
    assert answer.status_code in (200, 303, 400, 404, 422), answer.status_code
    if method == "post" and answer.status_code != 303:
        assert "<form" in answer.get_data(as_text=True)  # the form again, with what was typed


def test_a_session_dated_in_the_year_1_is_refused(office):
    answer = post(
        office["pages"], "/sessions/new", {**SESSION, "unit": "20179", "date": "0001-01-01"}
    )
    assert answer.status_code == 422
    assert "2000" in answer.get_data(as_text=True)


def test_the_api_trail_refuses_no_digit_it_cannot_read(client, office, token_for):
    answer = client.get(f"/api/v1/audit?user={SUP}", headers=token_for(office["commander"]))
    assert answer.status_code == 200 and answer.get_json()["items"] == []


def test_user_forms_refuse_control_characters_and_overlong_names(office, make_user):
    pages, officer = office["pages"], office["officer"]
    admin_pages = page_client(office["pages"].application, make_user("admin", "46"))
    new = {"username": "moi", "full_name": "Người Mới", "role": "officer", "phone": ""}
    for form in (
        {**new, "unit_code": NUL},
        {**new, "unit_code": "20179", "hamlet_codes": NUL},
        {**new, "unit_code": "20179", "hamlet_codes_text": NUL},
    ):
        answer = post(admin_pages, "/admin/users/new", form)
        assert answer.status_code == 422, form
    long_name = "Nguyễn " * 40  # 280 characters: past the column's 200
    for name in (long_name, NUL):
        answer = post(
            pages,
            f"/admin/users/{officer.id}/edit",
            {"full_name": name, "unit_code": "20179", "role": "officer", "phone": ""},
        )
        assert answer.status_code == 422, name
        assert "<form" in answer.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, officer.id).full_name == "Người dùng officer"  # unchanged


def test_a_username_with_a_nul_is_a_failed_sign_in(app, world, make_user):
    make_user("officer", "20179", username="canbo")
    client = app.test_client()
    answer = client.post("/login", data={"username": "can\x00bo", "password": "secret-pass"})
    assert answer.status_code in (200, 401, 422)
    assert "<form" in answer.get_data(as_text=True)


@pytest.mark.parametrize(
    "body", [b"[" * 100_000 + b"]" * 100_000, b'{"client_id": ' + b"1" * 5_000 + b"}"]
)
def test_json_too_deep_or_a_number_too_long_is_a_400(client, world, make_user, token_for, body):
    headers = {**token_for(make_user("officer", "20179")), "Content-Type": "application/json"}
    answer = client.post("/api/v1/visits", data=body, headers=headers)
    assert answer.status_code == 400
    assert answer.get_json()["message"]


@pytest.mark.parametrize(
    "raw",
    [
        b"[" * 100_000 + b"]" * 100_000,
        b'{"username": "canbo", "entries": [' + b"1" * 5_000 + b"]}",
        json.dumps({"username": NUL, "entries": []}).encode(),
    ],
)
def test_an_outbox_file_too_deep_or_naming_no_one_is_refused_with_a_message(office, raw):
    answer = post(
        office["pages"],
        "/admin/outbox-import",
        {"file": (io.BytesIO(raw), "hop-thu-di.json")},
        content_type="multipart/form-data",
    )
    assert answer.status_code == 422
    page = answer.get_data(as_text=True)
    assert "<form" in page and ("JSON" in page or "Không tìm thấy cán bộ" in page)


def test_corrections_are_untouched_by_a_refused_review(office):
    before = [c.status for c in db.session.scalars(select(Correction))]
    post(office["pages"], "/corrections/review", {"ids": [f"{SUP}:1"], "action": "verified"})
    db.session.expire_all()
    assert [c.status for c in db.session.scalars(select(Correction))] == before
