"""The reconciliation pages: upload the demo list, see the counts, decide from the page."""

from __future__ import annotations

import io
import re

from flask import g
from sqlalchemy import select

from app.extensions import db
from app.reconcile.models import ReconciliationRow
from tests.reconcile.test_demo_list import headers, loaded  # noqa: F401 - fixtures


def sign_in(client, username: str = "chihuy") -> None:
    answer = client.post("/login", data={"username": username, "password": "gocua-demo"})
    assert answer.status_code in (302, 303)


def token(client) -> str:
    """The CSRF token of the signed-in session, as the page's forms carry it."""
    g.pop("csrf_token", None)  # the test's app context outlives requests; so does g
    page = client.get("/account").get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def test_upload_page_shows_counts_and_takes_decisions(client, loaded):  # noqa: F811
    _demo, health = loaded
    sign_in(client)
    page = client.get("/reconciliations")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Đối chiếu danh sách ngành" in text and 'name="sector"' in text
    answer = client.post(
        "/reconciliations",
        data={
            "file": (io.BytesIO(health.xlsx()), "tiem-chung.xlsx"),
            "sector": "health",
            "unit": "20179",
            "csrf_token": token(client),
        },
        content_type="multipart/form-data",
    )
    assert answer.status_code == 303, answer.get_data(as_text=True)[:2000]
    detail = client.get(answer.headers["Location"])
    assert detail.status_code == 200
    text = detail.get_data(as_text=True)
    assert f'data-key="rows">{len(health.rows)}<' in text
    assert "Sai số định danh" in text and "Tải danh sách đã làm sạch" in text
    listing = client.get("/reconciliations").get_data(as_text=True)
    assert "tiem-chung.xlsx" in listing
    rid = int(answer.headers["Location"].rstrip("/").split("/")[-1])
    stranger = db.session.scalar(
        select(ReconciliationRow).where(
            ReconciliationRow.reconciliation_id == rid, ReconciliationRow.row_class == "not_found"
        )
    )
    decided = client.post(
        f"/reconciliations/{rid}/decisions?class=not_found",
        data={"row": stranger.row, "action": "follow_up", "csrf_token": token(client)},
    )
    assert decided.status_code == 303 and "class=not_found" in decided.headers["Location"]
    db.session.expire_all()
    assert db.session.get(ReconciliationRow, stranger.id).followup_id is not None
    bulk = client.post(
        f"/reconciliations/{rid}/decisions", data={"min_score": "100", "csrf_token": token(client)}
    )
    assert bulk.status_code == 303
    filtered = client.get(f"/reconciliations/{rid}?class=not_found").get_data(as_text=True)
    assert "Đã giao xác minh" in filtered


def test_bad_upload_shows_the_reason(client, loaded):  # noqa: F811
    sign_in(client)
    answer = client.post(
        "/reconciliations",
        data={
            "file": (io.BytesIO(b"a,b\n1,2\n"), "x.csv"),
            "sector": "health",
            "unit": "20179",
            "csrf_token": token(client),
        },
        content_type="multipart/form-data",
    )
    assert answer.status_code == 422
    assert "Không tìm thấy dòng tiêu đề" in answer.get_data(as_text=True)
    officer = client.application.test_client()
    sign_in(officer, "canbo1")
    assert officer.get("/reconciliations").status_code == 403
