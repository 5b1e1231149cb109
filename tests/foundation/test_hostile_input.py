"""Hostile input: body size limits, boundary vertex limits, script in names and notes.

The script-bearing texts are stored the way the field stores them (names, addresses, a
visit's note, a hamlet's name) and then looked for in every page that shows them: they must
come out escaped. Exports keep them as text.
"""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from urllib.parse import quote

import pytest
from flask_babel import refresh
from sqlalchemy import select

from app.clock import today_in_vietnam
from app.extensions import db
from app.followups.models import Followup
from app.text import fold
from tests.factories import square, visit_without_gps

SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'
RAW = ("<script>alert", "<img src=x onerror")


# --- size limits -------------------------------------------------------------------------


def test_a_visit_body_past_1_mb_is_a_413_in_json(client, make_user, make_household, token_for):
    officer = make_user("officer", "20179", hamlets=["20179-001"])
    household = make_household("20179-001")
    body = visit_without_gps(household.id, note="x" * (1024 * 1024 + 10))
    response = client.post("/api/v1/visits", json=body, headers=token_for(officer))
    assert response.status_code == 413
    answer = response.get_json()
    assert answer["code"] == 413 and answer["message"] == "Dữ liệu gửi lên quá lớn."


def test_a_batch_may_pass_1_mb_but_not_10(app, client, make_user, make_household, token_for):
    officer = make_user("officer", "20179", hamlets=["20179-001"])
    household = make_household("20179-001")
    headers = token_for(officer)
    notes = [visit_without_gps(household.id, note="ghi chú " * 400) for _ in range(400)]  # ~1.3 MB
    response = client.post("/api/v1/visits/batch", json={"visits": notes}, headers=headers)
    assert response.status_code == 200, response.get_json()
    app.config["API_BATCH_MAX_BYTES"] = 512 * 1024
    response = client.post("/api/v1/visits/batch", json={"visits": notes}, headers=headers)
    assert response.status_code == 413 and response.get_json()["code"] == 413


def _jagged(vertices: int) -> dict:
    """A valid star-shaped polygon around xã Nam Đông with this many vertices."""
    import math

    ring = []
    for i in range(vertices - 1):
        angle = 2 * math.pi * i / (vertices - 1)
        radius = 0.01 if i % 2 else 0.012
        ring.append([107.717 + radius * math.cos(angle), 16.066 + radius * math.sin(angle)])
    ring.append(ring[0])
    return {"type": "Polygon", "coordinates": [ring]}


def test_a_boundary_past_5000_vertices_is_a_422(client, make_user, token_for):
    headers = token_for(make_user("commander", "20179"))
    url = "/api/v1/units/20179/hamlets"
    body = {"name": "Thôn Răng Cưa", "kind": "thôn", "geometry": _jagged(5002)}
    response = client.post(url, json=body, headers=headers)
    assert response.status_code == 422
    answer = response.get_json()
    assert "5000" in answer["message"] and "geometry" in answer["errors"]
    refresh()  # the locale is kept for the app context the fixture holds open
    english = client.post(url, json=body, headers={**headers, "Accept-Language": "en"})
    assert "vertices" in english.get_json()["message"]
    body["geometry"] = _jagged(4000)
    assert client.post(url, json=body, headers=headers).status_code == 201


# --- script in stored text -----------------------------------------------------------------


@pytest.fixture
def hostile(client, world, make_user, make_household, token_for) -> dict:
    """A hamlet, a household, residents and a visit note that carry script; an overdue
    follow-up so the overdue list shows them."""
    hamlet = world["20179-001"]
    hamlet.name = f"Thôn {SCRIPT}"
    hamlet.name_folded = fold(hamlet.name)
    hamlet.geometry = square(*world.hamlet_point("20179-001"), 0.0149)
    db.session.commit()
    officer = make_user("officer", "20179", hamlets=["20179-001"])
    household = make_household(
        "20179-001",
        address=f"Số 1 {IMG}",
        residents=[{"full_name": f"Hồ Văn {SCRIPT}"}, {"full_name": f"Lê Thị {IMG}"}],
    )
    head = household.residents[0]
    # A site's name, contact and a resident's room are shown as text too.
    household.kind, household.site_name = "boarding_house", f"Nhà trọ {SCRIPT}"
    household.contact_name, household.rooms = f"Chủ {IMG}", [f"P{IMG}"[:32]]
    household.residents[1].room = f"P{IMG}"[:32]
    db.session.commit()
    body = visit_without_gps(
        household.id,
        outcome="met",
        note=f"Ghi chú {SCRIPT} {IMG}",
        residents=[
            {
                "resident_id": head.id,
                "presence": "present",
                "corrections": [{"field": "other", "proposed": IMG, "note": SCRIPT}],
            }
        ],
    )
    answer = client.post("/api/v1/visits", json=body, headers=token_for(officer))
    assert answer.status_code == 201, answer.get_json()
    for followup in db.session.scalars(select(Followup)):
        followup.due_date = today_in_vietnam() - timedelta(days=3)
    db.session.commit()
    return {"commander": make_user("commander", "20179"), "officer": officer}


def _page(client, user, url: str) -> str:
    client.post("/logout")
    login = client.post("/login", data={"username": user.username, "password": "secret-pass"})
    assert login.status_code == 302
    response = client.get(url)
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("who", "url", "shown"),
    [
        ("commander", "/dashboard?unit=20179", "alert(1)"),
        ("commander", "/dashboard/overdue?unit=20179", "alert(1)"),
        ("commander", "/maps/coverage?unit=20179", "alert(1)"),
        ("officer", "/hamlets/20179-001/visit-list", "alert(1)"),
    ],
)
def test_pages_escape_stored_script(client, hostile, who, url, shown):
    html = _page(client, hostile[who], url)
    assert shown in html, "the hostile text should be shown (escaped), not dropped"
    leaked = [raw for raw in RAW if raw in html]
    assert not leaked, (url, leaked)


def test_import_page_and_report_escape_script(client, hostile, app, tmp_path):
    app.config["IMPORT_REPORT_DIR"] = str(tmp_path)
    admin = hostile["commander"]
    rows = [
        "Số hộ,Họ và tên,Quan hệ với chủ hộ,Thôn",
        f'A-1,"Hồ Văn {SCRIPT}",Chủ hộ,"Thôn {IMG}"',
        f'A-2,"{IMG}",Chủ hộ,Thôn 2',
    ]
    _page(client, admin, "/admin/imports")
    form = {"commune": "20179", "file": (io.BytesIO("\n".join(rows).encode()), "x.csv")}
    response = client.post("/admin/imports", data=form, content_type="multipart/form-data")
    assert response.status_code in (200, 422)
    html = response.get_data(as_text=True)
    assert "alert(1)" in html
    assert not [raw for raw in RAW if raw in html]


def test_exports_keep_script_as_text(client, hostile, token_for):
    headers = token_for(hostile["commander"])
    response = client.get("/api/v1/exports/visits.csv?unit=20179", headers=headers)
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    cells = [cell for row in rows for cell in row]
    assert any(SCRIPT in cell for cell in cells) and any(IMG in cell for cell in cells)
    assert not [c for c in cells if c[:1] in ("=", "+", "-", "@") and not c[1:2].isdigit()]
    response = client.get("/api/v1/exports/coverage.xlsx?unit=20179", headers=headers)
    assert response.status_code == 200
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(response.data))
    texts = [c.value for ws in book for row in ws.iter_rows() for c in row if c.value]
    assert any(isinstance(t, str) and SCRIPT in t for t in texts)
    assert not [t for t in texts if isinstance(t, str) and t.startswith("=")]


# --- control characters in query strings --------------------------------------------------


def _string_query_parameters(client) -> list[tuple[str, str]]:
    """(path, name) of every string query parameter of the API's GETs without path
    parameters, from its own description."""
    spec = client.get("/api/v1/openapi.json").get_json()
    found = []
    for path, operations in spec["paths"].items():
        get = operations.get("get")
        if get is None or "{" in path:
            continue
        for parameter in get.get("parameters", []):
            schema = parameter.get("schema", {})
            if parameter.get("in") == "query" and schema.get("type") == "string":
                found.append((path, parameter["name"]))
    return found


@pytest.mark.parametrize("role", ["commander", "admin"])
def test_a_nul_in_any_query_string_is_a_422_in_json(client, make_user, token_for, role):
    """PostgreSQL refuses text with a NUL byte (a 500 before the query-string schemas
    refused control characters as the bodies' did; a larger schemathesis run found it)."""
    headers = token_for(make_user(role, "20179" if role == "commander" else "46"))
    checked = _string_query_parameters(client)
    assert len(checked) > 20
    answers = {}
    for path, name in checked:
        response = client.get(f"{path}?{name}=a%00b", headers=headers)
        answers[(path, name)] = response.status_code
        assert response.status_code < 500, (path, name, response.get_data(as_text=True)[:300])
        assert response.is_json, (path, name)
    assert set(answers.values()) == {422}, answers


def test_headers_the_app_does_not_read_are_not_checked(
    client, make_user, make_household, token_for
):
    """A header read as Latin-1 from UTF-8 (`Điện` holds U+0090) is not the app's to refuse;
    the header it reads (`X-Client`) is checked as a body's field would be."""
    household = make_household()
    headers = token_for(make_user("officer", "20179"))
    url = f"/api/v1/households/{household.id}"
    utf8_as_latin1 = "Gõ Cửa (Điện thoại)".encode().decode("latin-1")
    response = client.get(url, headers={**headers, "User-Agent": utf8_as_latin1})
    assert response.status_code == 200, response.get_json()
    response = client.get(url, headers={**headers, "X-Client": "phone:\x85visit-form"})
    assert response.status_code == 422
    assert "X-Client" in response.get_json()["errors"]


def test_a_control_character_in_a_path_is_a_404(client, make_user, token_for):
    headers = token_for(make_user("commander", "20179"))
    response = client.get("/api/v1/units/20179%00", headers=headers)
    assert response.status_code == 404 and response.get_json()["code"] == 404


# Query names the pages read, and values no filter takes: each page gets them all at once.
PAGE_QUERY_NAMES = ("unit", "hamlet", "commune", "page", "per_page", "from", "to", "q", "kind",
                    "status", "date", "day", "week", "campaign", "source", "field", "action",
                    "user", "role", "as_of", "officer", "next", "download", "class")  # fmt: skip
HOSTILE_VALUES = ("a\x00b", "9" * 30, "-1", "2026-13-45", "x" * 3000, "1e309", "NaN", "")


def _pages(app) -> list[str]:
    """The web pages answering GET without a path parameter."""
    return sorted(
        rule.rule
        for rule in app.url_map.iter_rules()
        if "GET" in rule.methods and not rule.arguments and not rule.rule.startswith(
            ("/api/", "/static", "/logout", "/healthz"))
    )  # fmt: skip


@pytest.mark.parametrize(("role", "unit"), [("commander", "20179"), ("admin", "46")])
def test_pages_answer_hostile_query_strings_without_a_500(app, client, make_user, role, unit):
    """Every page, with every filter it may read set to a value no filter takes (a NUL, a
    huge number, a date that is none, 3,000 characters): an answer, never a server error; a
    control character is refused before any page reads it (a NUL in `/sessions/new?unit=`
    was a 500 on PostgreSQL)."""
    user = make_user(role, unit)
    signed_in = client.post("/login", data={"username": user.username, "password": "secret-pass"})
    assert signed_in.status_code == 302
    pages = _pages(app)
    assert len(pages) > 20
    for path in pages:
        for value in HOSTILE_VALUES:
            query = "&".join(f"{name}={quote(value, safe='')}" for name in PAGE_QUERY_NAMES)
            response = client.get(f"{path}?{query}")
            response.get_data()
            response.close()  # a streamed download is closed, as a browser would
            assert response.status_code < 500, (path, value[:20], response.status_code)
            if "\x00" in value:
                assert response.status_code == 422, path
