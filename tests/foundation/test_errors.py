"""Every API error is JSON `{code, message, errors}`, Vietnamese first; never a 500 or HTML."""

import json

import pytest


@pytest.fixture
def headers(world, make_user, token_for):
    return token_for(make_user("commander", "20179"))


def test_unknown_api_path_is_json_404(client):
    response = client.get("/api/v1/nope")
    assert response.status_code == 404
    assert response.is_json
    assert response.get_json() == {"code": 404, "message": "Không tìm thấy."}


def test_vietnamese_is_sent_as_utf8_not_escaped(client):
    # Each accented letter is 2-3 bytes in UTF-8, 6 as a \\u escape: phones pay for bytes.
    body = client.get("/api/v1/nope").get_data()
    assert "Không tìm thấy.".encode() in body
    assert b"\\u" not in body


def test_english_on_request(client):
    response = client.get("/api/v1/nope", headers={"Accept-Language": "en"})
    assert response.get_json()["message"] == "Not found."


def test_method_not_allowed_is_json(client):
    response = client.delete("/api/v1/me")
    assert response.status_code == 405
    assert response.get_json()["code"] == 405


def test_malformed_json(client, headers):
    response = client.post(
        "/api/v1/units/20179/hamlets",
        data="{not json",
        headers=headers,
        content_type="application/json",
    )
    assert response.status_code == 400
    body = response.get_json()
    assert body["message"] == "Nội dung JSON không hợp lệ."


def test_wrong_type_and_unknown_field_named(client, headers):
    response = client.post(
        "/api/v1/units/20179/hamlets", json={"name": 12, "colour": "red"}, headers=headers
    )
    assert response.status_code == 422
    body = response.get_json()
    assert body["code"] == 422
    assert body["errors"]["name"] == ["Phải là chuỗi ký tự."]
    assert body["errors"]["colour"] == ["Trường không được chấp nhận."]


def test_wrong_type_in_english(client, headers):
    headers = {**headers, "Accept-Language": "en-US,en;q=0.9"}
    response = client.post("/api/v1/units/20179/hamlets", json={"name": 12}, headers=headers)
    body = response.get_json()
    assert body["message"] == "Invalid input."
    assert body["errors"]["name"] == ["Must be a string."]


def test_body_not_an_object(client, headers):
    response = client.post("/api/v1/units/20179/hamlets", json=[1, 2], headers=headers)
    assert response.status_code == 422
    assert response.is_json


def test_control_characters_refused(client, headers):
    response = client.post(
        "/api/v1/units/20179/hamlets", json={"name": "Thôn\x00 4"}, headers=headers
    )
    assert response.status_code == 422
    assert response.get_json()["errors"]["name"] == ["Không được chứa ký tự điều khiển."]


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/api/v1/auth/token", {"username": "a\ud800", "password": "x"}, "username"),
        ("/api/v1/units/20179/hamlets", {"name": "Thôn \udfff"}, "name"),
        (
            "/api/v1/households",
            {
                "hamlet_code": "20179-001",
                "address": "Thôn 1",
                "residents": [{"full_name": "\ud83d"}],
            },
            "residents.0.full_name",
        ),
        ("/api/v1/returnees", {"full_name": "Hồ \ud800", "returned_on": "2026-12-01"}, "full_name"),
    ],
)
def test_a_lone_surrogate_is_refused_not_a_500(client, headers, path, body, field):
    # JSON may carry "\ud800"; no UTF-8 text can: the database and hashes would fail on it.
    response = client.post(
        path, data=json.dumps(body), headers=headers, content_type="application/json"
    )
    assert response.status_code in (403, 422), response.get_data(as_text=True)[:200]
    if response.status_code == 422:
        assert field in response.get_json()["errors"]


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/auth/token",
        "/api/v1/visits/batch",
        "/api/v1/households",
        "/api/v1/returnees",
        "/api/v1/units/20179/hamlets",
    ],
)
def test_a_lone_surrogate_in_a_key_is_refused_not_a_500(client, headers, path):
    # The unknown key is named in the answer: written with ASCII escapes, not as broken UTF-8.
    response = client.post(
        path, data='{"\\ud800": 1}', headers=headers, content_type="application/json"
    )
    assert 400 <= response.status_code < 500, response.get_data(as_text=True)[:200]
    assert response.is_json and "code" in response.get_json()


def test_ten_megabyte_body(client, headers):
    big = '{"name": "' + "a" * (10 * 1024 * 1024) + '"}'
    response = client.post(
        "/api/v1/units/20179/hamlets", data=big, headers=headers, content_type="application/json"
    )
    assert response.status_code == 413
    assert response.get_json()["code"] == 413


def test_missing_token_is_json_401(client, world):
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    assert response.get_json() == {"code": 401, "message": "Bạn cần đăng nhập."}


def test_page_404_is_html(client):
    response = client.get("/no-such-page", headers={"Accept": "text/html"})
    assert response.status_code == 404
    assert response.mimetype == "text/html"


def test_unexpected_error_is_json_500_without_trace(app, client):
    @app.get("/api/v1/boom-test")
    def boom():
        raise RuntimeError("secret detail")

    response = client.get("/api/v1/boom-test")
    assert response.status_code == 500
    body = response.get_json()
    assert body == {"code": 500, "message": "Lỗi máy chủ, vui lòng thử lại."}


def test_openapi_document(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    paths = response.get_json()["paths"]
    assert "/api/v1/auth/token" in paths
    assert "/api/v1/units/{code}/children" in paths
    # Every API endpoint is described.
    api_rules = {
        rule.rule.replace("<int:", "<").replace("<", "{").replace(">", "}")
        for rule in client.application.url_map.iter_rules()
        if rule.rule.startswith("/api/v1/") and not rule.rule.endswith("openapi.json")
    }
    assert api_rules <= set(paths), sorted(api_rules - set(paths))
    reopen = paths["/api/v1/followups/{followup_id}"]["patch"]["responses"]
    assert "409" in reopen and "200" in reopen


def test_responses_are_gzipped_for_phones(client):
    import gzip

    response = client.get("/static/css/site.css", headers={"Accept-Encoding": "gzip"})
    assert response.headers["Content-Encoding"] == "gzip"
    assert b"--accent" in gzip.decompress(response.data)
    page = client.get("/login", headers={"Accept-Encoding": "gzip"})
    assert page.headers["Content-Encoding"] == "gzip"
