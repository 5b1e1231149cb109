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


def test_an_error_raised_over_a_lost_connection_is_a_json_503(app, client):
    """SQLAlchemy refuses to go on over a connection it lost (PendingRollbackError): that says
    the database is unreachable, as the lost connection did: 503 with Retry-After, not 500."""
    from sqlalchemy.exc import OperationalError, PendingRollbackError

    @app.get("/api/v1/lost-test")
    def lost():
        try:
            raise OperationalError("SELECT 1", {}, Exception("server closed the connection"))
        except OperationalError:
            raise PendingRollbackError("Can't reconnect until the transaction is rolled back")  # noqa: B904

    response = client.get("/api/v1/lost-test")
    assert response.status_code == 503
    assert response.headers["Retry-After"]
    assert response.get_json()["code"] == 503


def test_an_error_raised_while_handling_one_that_is_not_the_database_stays_500(app, client):
    from sqlalchemy.exc import OperationalError

    @app.get("/api/v1/bug-test")
    def bug():
        try:
            raise OperationalError("SELECT 1", {}, Exception("deadlock"))
        except OperationalError:
            raise KeyError("a bug in the handler")  # noqa: B904

    assert client.get("/api/v1/bug-test").status_code == 500


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


def test_openapi_describes_bodies_and_refusals_as_openapi_3_does(client):
    """A client generated from the document: no Swagger 2 `formData` parameter (the upload is
    one multipart body with its file and fields), the 409 and 428 of the writes that answer
    them, and error answers that may carry `current` and keys a client does not know."""
    doc = client.get("/api/v1/openapi.json").get_json()
    places = {
        parameter["in"]
        for operations in doc["paths"].values()
        for operation in operations.values()
        if isinstance(operation, dict)
        for parameter in operation.get("parameters", [])
    }
    assert places <= {"query", "header", "path", "cookie"}, places
    upload = doc["paths"]["/api/v1/reconciliations"]["post"]["requestBody"]["content"]
    ref = upload["multipart/form-data"]["schema"]["$ref"].rsplit("/", 1)[1]
    assert {"file", "sector", "unit"} <= set(doc["components"]["schemas"][ref]["properties"])
    for path, method, codes in (
        ("/api/v1/residents/{resident_id}", "patch", {"409", "428"}),
        ("/api/v1/corrections/{correction_id}", "patch", {"409", "428"}),
        ("/api/v1/households", "post", {"409"}),
        ("/api/v1/visits", "post", {"409"}),
    ):
        assert codes <= set(doc["paths"][path][method]["responses"]), (path, method)
    error = doc["components"]["schemas"]["ErrorOut"]
    assert "current" in error["properties"] and error.get("additionalProperties") is not False


def test_responses_are_gzipped_for_phones(client):
    import gzip

    response = client.get("/static/css/site.css", headers={"Accept-Encoding": "gzip"})
    assert response.headers["Content-Encoding"] == "gzip"
    assert b"--accent" in gzip.decompress(response.data)
    page = client.get("/login", headers={"Accept-Encoding": "gzip"})
    assert page.headers["Content-Encoding"] == "gzip"


def test_marshmallow_messages_are_vietnamese_then_english(app):
    """Every marshmallow field and validator answers in Vietnamese by default (app.validation),
    and in English through the Babel catalogue, values filled in."""
    from flask_babel import refresh
    from marshmallow import Schema, ValidationError, fields, validate

    from app.errors import flatten_errors

    class Probe(Schema):
        count = fields.Integer(validate=validate.Range(min=1, max=5))
        low = fields.Float(validate=validate.Range(min=0))
        name = fields.String(validate=validate.Length(max=3))
        kind = fields.String(validate=validate.OneOf(["a", "b"]))
        day = fields.Date()
        items = fields.List(fields.Integer(), required=True)

    bad = {"count": 9, "low": -1, "name": "abcd", "kind": "c", "day": "x", "colour": 1}
    with pytest.raises(ValidationError) as caught:
        Probe().load(bad)
    expected = {
        "vi": {
            "count": ["Phải lớn hơn hoặc bằng 1 và nhỏ hơn hoặc bằng 5."],
            "low": ["Phải lớn hơn hoặc bằng 0."],
            "name": ["Quá dài: tối đa 3."],
            "kind": ["Phải là một trong: a, b."],
            "day": ["Ngày không hợp lệ."],
            "items": ["Trường này là bắt buộc."],
            "colour": ["Trường không được chấp nhận."],
        },
        "en": {
            "count": ["Must be greater than or equal to 1 and less than or equal to 5."],
            "low": ["Must be greater than or equal to 0."],
            "name": ["Too long: at most 3."],
            "kind": ["Must be one of: a, b."],
            "day": ["Not a valid date."],
            "items": ["This field is required."],
            "colour": ["Unknown field."],
        },
    }
    for language, texts in expected.items():
        with app.test_request_context(headers={"Accept-Language": language}):
            refresh()  # the locale is kept for the app context the fixture holds open
            assert flatten_errors(caught.value.messages) == texts


def test_no_marshmallow_field_keeps_an_english_message():
    """A field class marshmallow adds later would answer in English: name it in app.validation."""
    from marshmallow import fields

    from app.validation import Message

    english = set()
    for cls in vars(fields).values():
        if not (isinstance(cls, type) and issubclass(cls, fields.Field)):
            continue
        messages = {}  # as Field.__init__ merges them
        for base in reversed(cls.__mro__):
            messages.update(vars(base).get("default_error_messages", {}))
        english |= {
            (cls.__name__, key)
            for key, text in messages.items()
            if not isinstance(text, Message) and key != "format"  # "format": output only
        }
    assert not english, sorted(english)
