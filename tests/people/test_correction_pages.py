"""The corrections review pages: the queue with its filters and counts, one correction with its
evidence (ID numbers masked), decisions one by one and in bulk, the stale form that shows the
current record and keeps what was typed, and who may act (CSRF on, as in production)."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from app.clock import today_in_vietnam
from app.extensions import db
from app.people.models import Correction
from tests.factories import api_post

TODAY = today_in_vietnam()


@pytest.fixture
def client(make_app, app):
    """A browser on an app that checks CSRF tokens, as in production."""
    return make_app(WTF_CSRF_ENABLED=True).test_client()


def token_of(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def sign_in(client, username: str) -> None:
    token = token_of(client.get("/login").get_data(as_text=True))
    response = client.post(
        "/login", data={"username": username, "password": "secret-pass", "csrf_token": token}
    )
    assert response.status_code in (302, 303)


@pytest.fixture
def found(app, household, neighbour, make_user, token_for):
    """Corrections of two officers in Thôn 1 and Thôn 2 (ids by name), made through the API."""
    api = app.test_client()
    mot = make_user("officer", "20179", hamlets=["20179-001"], username="mot")
    mot.full_name = "Hồ Văn Một"
    hai = make_user("officer", "20179", hamlets=["20179-002"], username="hai")
    hai.full_name = "Lê Thị Hai"
    make_user("commander", "20179", username="chihuy")
    make_user("admin", "46", username="quantri")
    make_user("commander", "19777", username="xa_khac")
    make_user("village_head", "20179-001", username="truongthon")
    db.session.commit()
    out = {}
    for officer, home, corrections in (
        (
            mot,
            household,
            [
                {"field": "ethnicity", "proposed": "Cơ Tu", "note": "theo giấy khai sinh"},
                {"field": "id_number", "proposed": "046068000999", "note": "CCCD 046068000999"},
            ],
        ),
        (hai, neighbour, [{"field": "birthplace", "proposed": "Huế"}]),
    ):
        body = {
            "client_id": str(uuid.uuid4()),
            "household_id": home.id,
            "visited_at": (datetime.now(UTC) - timedelta(hours=1)).isoformat(),
            "location": {"lat": home.lat, "lon": home.lon, "accuracy_m": 10},
            "outcome": "met",
            "residents": [{"resident_id": home.residents[0].id, "corrections": corrections}],
        }
        status, answer = api_post(api, "/api/v1/visits", token_for(officer), body)
        assert status == 201, answer
        for item in answer["corrections"]:
            out[item["field"]] = item["id"]
    out["mot"], out["hai"] = mot.id, hai.id
    db.session.rollback()
    return out


def row(correction_id: int) -> Correction:
    db.session.expire_all()
    found = db.session.get(Correction, correction_id)
    db.session.rollback()
    return found


def test_the_queue_filters_counts_and_masks(client, found):
    sign_in(client, "chihuy")
    html = client.get("/corrections").get_data(as_text=True)
    assert "Sai sót cần xử lý" in html
    assert html.count('name="ids"') == 3
    assert re.search(r'data-count="open">3<', html) and re.search(r'data-count="fixed">0<', html)
    assert "046068000999" not in html and "********0999" in html
    assert "Hồ Văn Một" in html and "Lê Thị Hai" in html and "Dân tộc" in html
    hamlet = client.get("/corrections?hamlet=20179-002").get_data(as_text=True)
    assert hamlet.count('name="ids"') == 1 and "Huế" in hamlet
    by = client.get(f"/corrections?found_by={found['mot']}&field=ethnicity").text
    assert by.count('name="ids"') == 1 and "Cơ Tu" in by
    assert client.get("/corrections?status=fixed").text.count('name="ids"') == 0
    assert client.get("/corrections?status=all").text.count('name="ids"') == 3
    assert client.get("/corrections?status=wrong").status_code == 422
    assert client.get("/corrections?hamlet=19777-001").text.count('name="ids"') == 0


def test_one_correction_with_its_evidence(client, found):
    sign_in(client, "chihuy")
    html = client.get(f"/corrections/{found['id_number']}").get_data(as_text=True)
    assert "046068000123" not in html and "046068000999" not in html
    assert "********0123" in html and "********0999" in html
    assert "Hồ Văn Nhờ" in html and "Hồ Văn Một" in html and "CCCD ********0999" in html
    assert "Không có cảnh báo" in html  # the visit's geotag had no flags
    assert f'name="version" value="{row(found["id_number"]).version}"' in html
    assert client.get("/corrections/999999").status_code == 404


def test_decide_one_by_one(client, found):
    sign_in(client, "chihuy")
    url = f"/corrections/{found['ethnicity']}"
    token = token_of(client.get(url).text)
    sent = {"csrf_token": token, "version": "1", "seen_status": "open"}
    answer = client.post(url, data={**sent, "action": "verified", "fixed_on": ""})
    assert answer.status_code == 303 and row(found["ethnicity"]).status == "verified"
    # Fixed without a day: refused in Vietnamese, the typed reason kept.
    answer = client.post(url, data={**sent, "version": "2", "action": "fixed", "reason": "đã sửa"})
    assert answer.status_code == 422
    assert "Cơ sở dữ liệu quốc gia" in answer.text and ">đã sửa</textarea>" in answer.text
    future = (TODAY + timedelta(days=1)).isoformat()
    answer = client.post(url, data={**sent, "version": "2", "action": "fixed", "fixed_on": future})
    assert answer.status_code == 422 and "tương lai" in answer.text
    answer = client.post(url, data={**sent, "version": "2", "action": "fixed", "fixed_on": "x"})
    assert answer.status_code == 422
    data = {**sent, "version": "2", "action": "fixed", "fixed_on": TODAY.isoformat()}
    assert client.post(url, data=data).status_code == 303
    done = row(found["ethnicity"])
    assert (done.status, done.fixed_on) == ("fixed", TODAY)
    page = client.get(url).text
    assert 'name="action"' not in page and "Đã sửa" in page
    other = f"/corrections/{found['birthplace']}"
    answer = client.post(other, data={**sent, "action": "dismissed", "reason": " "})
    assert answer.status_code == 422 and "lý do" in answer.text


def test_a_stale_form_shows_the_current_record_and_keeps_the_typed_text(client, found):
    sign_in(client, "chihuy")
    url = f"/corrections/{found['birthplace']}"
    html = client.get(url).text
    # Someone else dismisses it between the page load and the submit.
    target = db.session.get(Correction, found["birthplace"])
    target.status, target.resolution_reason = "dismissed", "người khác: đúng rồi"
    db.session.commit()
    answer = client.post(
        url,
        data={
            "csrf_token": token_of(html),
            "version": "1",
            "seen_status": "open",
            "action": "fixed",
            "fixed_on": TODAY.isoformat(),
            "reason": "ghi chú của tôi",
        },
    )
    assert answer.status_code == 409
    text = answer.text
    assert "vừa được người khác thay đổi" in text
    assert "người khác: đúng rồi" in text and "Không cần sửa" in text
    assert 'id="stale"' in text and "1 → 2" in text
    assert row(found["birthplace"]).status == "dismissed"


def test_bulk_with_one_stale_item(client, found):
    sign_in(client, "chihuy")
    html = client.get("/corrections").text
    ticked = re.findall(r'name="ids" value="([^"]+)"', html)
    assert len(ticked) == 3
    # The ethnicity correction changes under the reviewer's feet.
    target = db.session.get(Correction, found["ethnicity"])
    target.status = "verified"
    db.session.commit()
    answer = client.post(
        "/corrections/review?status=open",
        data={
            "csrf_token": token_of(html),
            "ids": ticked,
            "action": "fixed",
            "fixed_on": TODAY.isoformat(),
            "reason": "đối chiếu CSDL",
        },
    )
    assert answer.status_code == 409
    text = answer.text
    assert "Đã cập nhật 2/3 sai sót" in text and f"#{found['ethnicity']}" in text
    assert 'value="đối chiếu CSDL"' in text
    assert [row(found[k]).status for k in ("ethnicity", "id_number", "birthplace")] == [
        "verified",
        "fixed",
        "fixed",
    ]
    html = client.get("/corrections?status=verified").text
    answer = client.post(
        "/corrections/review",
        data={
            "csrf_token": token_of(html),
            "ids": re.findall(r'name="ids" value="([^"]+)"', html),
            "action": "dismissed",
            "reason": "không cần",
        },
    )
    assert answer.status_code == 303 and row(found["ethnicity"]).status == "dismissed"
    bad = client.post(
        "/corrections/review",
        data={"csrf_token": token_of(html), "ids": ["x:1"], "action": "verified"},
    )
    assert bad.status_code == 422
    none = client.post(
        "/corrections/review", data={"csrf_token": token_of(html), "action": "verified"}
    )
    assert none.status_code == 422 and "Hãy chọn ít nhất một sai sót" in none.text


def test_who_may_act(client, found):
    sign_in(client, "hai")  # found the birthplace one, not the Thôn 1 ones
    html = client.get("/corrections").text
    assert html.count('name="ids"') == 1
    url = f"/corrections/{found['ethnicity']}"
    page = client.get(url).text
    assert 'name="action"' not in page
    data = {"csrf_token": token_of(page), "version": "1", "action": "verified"}
    answer = client.post(url, data=data)
    assert answer.status_code == 403 and "thôn mình phụ trách" in answer.text
    assert row(found["ethnicity"]).status == "open"
    client.post("/logout", data={"csrf_token": token_of(page)})
    sign_in(client, "xa_khac")
    assert client.get("/corrections").text.count('name="ids"') == 0
    assert client.get(url).status_code == 404
    client.post("/logout", data={"csrf_token": token_of(client.get("/account").text)})
    sign_in(client, "truongthon")
    assert client.get("/corrections").status_code == 403


def test_no_csrf_token_no_change(client, found):
    sign_in(client, "quantri")
    url = f"/corrections/{found['ethnicity']}"
    assert client.get(url).status_code == 200
    answer = client.post(url, data={"version": "1", "action": "verified"})
    assert answer.status_code == 400
    assert row(found["ethnicity"]).status == "open"
