"""The reconciliations API on a small world: scope of the upload, failures, the matcher."""

from __future__ import annotations

import io
import time
from datetime import date

import pytest

from app.reconcile import matcher
from tests.factories import COMMUNE, OTHER_COMMUNE

LIST = (
    "Họ và tên,Ngày sinh,Giới tính,Số CCCD,Thôn,Mũi tiêm\n"
    "Hồ Văn Nhờ,02/03/1968,Nam,046068000001,Thôn 1,Mũi 1\n"
    "Ho Van Nho,02/03/1968,Nam,,Thôn 1,Mũi 2\n"
    "Người Lạ,1990,Nữ,,Thôn 2,\n"
)


def upload(client, headers, text: str = LIST, unit: str = COMMUNE, sector: str = "health"):
    return client.post(
        "/api/v1/reconciliations",
        headers=headers,
        data={"file": (io.BytesIO(text.encode()), "ds.csv"), "sector": sector, "unit": unit},
        content_type="multipart/form-data",
    )


@pytest.fixture
def commander(make_user, token_for, make_household):
    make_household(
        residents=[{"full_name": "Hồ Văn Nhờ", "id_number": "046068000001"}],
    )
    return token_for(make_user("commander", COMMUNE))


def test_upload_scope(client, commander, make_user, token_for):
    answer = upload(client, commander)
    assert answer.status_code == 201, answer.get_json()
    body = answer.get_json()
    assert body["counts"] == {
        "rows": 3,
        "matched": 1,
        "no_id_number": 1,
        "wrong_id_number": 0,
        "wrong_details": 0,
        "ambiguous": 0,
        "not_found": 1,
        "fixed": 0,
    }
    assert upload(client, commander, unit=OTHER_COMMUNE).status_code == 422
    assert upload(client, commander, sector="police").status_code == 422
    officer = token_for(make_user("officer", COMMUNE))
    assert upload(client, officer).status_code == 403
    outsider = token_for(make_user("commander", OTHER_COMMUNE))
    assert client.get(f"/api/v1/reconciliations/{body['id']}", headers=outsider).status_code == 404
    assert upload(client, outsider).status_code == 422
    rows = client.get(f"/api/v1/reconciliations/{body['id']}/rows", headers=commander).get_json()
    assert [r["row"] for r in rows["items"]] == [2, 3, 4]
    assert rows["items"][0]["id_number"] == "********0001"


def test_a_failure_ends_as_failed_never_a_500(client, commander, monkeypatch):
    def broken(*_args, **_kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(matcher, "match", broken)
    answer = upload(client, commander)
    assert answer.status_code == 201
    body = answer.get_json()
    assert body["status"] == "failed" and body["message"]
    again = client.get(f"/api/v1/reconciliations/{body['id']}", headers=commander).get_json()
    assert again["status"] == "failed"
    decided = client.post(
        f"/api/v1/reconciliations/{body['id']}/decisions", headers=commander, json={"min_score": 90}
    )
    assert decided.status_code == 409


@pytest.mark.parametrize(
    "cell", ["0460680001234", "046068000123 / 046171000456", "046068000123046171"]
)
def test_an_id_cell_that_is_no_number_is_one_rows_trouble_not_the_lists(client, commander, cell):
    """A 13-digit cell, two numbers in one cell: that row keeps what it held (shown as
    stars), the list is matched (it failed whole on PostgreSQL)."""
    text = LIST + f"Hồ Văn Nhờ,02/03/1968,Nam,{cell},Thôn 1,Mũi 3\n"
    answer = upload(client, commander, text)
    assert answer.status_code == 201, answer.get_json()
    body = answer.get_json()
    assert body["status"] == "done", body
    rows = client.get(f"/api/v1/reconciliations/{body['id']}/rows", headers=commander).get_json()
    last = rows["items"][-1]
    assert last["row"] == 5 and set(last["id_number"]) == {"*"}


def test_a_large_list_runs_in_a_thread_with_progress(app, client, commander):
    app.testing = False  # the thread path; the request answers while the work goes on
    app.config["RECONCILE_INLINE_ROWS"] = 1
    try:
        body = upload(client, commander).get_json()
    finally:
        app.testing = True
    assert body["status"] in ("running", "done")
    for _ in range(100):
        state = client.get(f"/api/v1/reconciliations/{body['id']}", headers=commander).get_json()
        if state["status"] != "running":
            break
        time.sleep(0.1)
    assert state["status"] == "done" and state["progress"] == 100
    assert state["counts"]["rows"] == 3


def person(pid: int, name: str, born: str, sex: str = "male", number: str | None = None):
    day = date.fromisoformat(born)
    return matcher.Person(pid, name, day, day.year, sex, number, 1)


def test_matcher_classes_and_how_numbers_differ():
    people = [
        person(1, "nguyen van an", "1990-01-02", number="046090000123"),
        person(2, "tran thi binh", "1985-05-06", "female", "046185000456"),
        person(3, "le van cuong", "1970-07-08", number="046070000789"),
        person(4, "le van cuong", "1970-07-08", number=None),  # listed twice
        person(5, "pham thi dung", "2001-03-04", "female", None),
    ]
    index = matcher.Index(people)
    entries = [
        matcher.Entry("nguyen van an", date(1990, 1, 2), 1990, "male", "046090000123"),
        matcher.Entry("nguyen van an", date(1990, 1, 2), 1990, "male", "046090000124"),
        matcher.Entry("nguyen van an", date(1990, 1, 2), 1990, "male", "046090000213"),
        matcher.Entry("tran thi binh", date(1985, 5, 6), 1985, "female", None, "123456789"),
        matcher.Entry("tran thi binh", date(1985, 5, 6), 1985, "female", "046090000123"),
        matcher.Entry("tran thi binh", date(1985, 5, 7), 1985, "female", "046185000456"),
        matcher.Entry("tran thi bin", date(1985, 5, 6), 1985, "female", "046185000456"),
        matcher.Entry("pham thi dug", date(2001, 3, 4), 2001, "female"),
        matcher.Entry("le van cuong", date(1970, 7, 8), 1970, "male"),
        matcher.Entry("hoang van em", date(1999, 9, 9), 1999, "male"),
        matcher.Entry("nguyen van an", None, None, None),
    ]
    out = matcher.match(entries, index)
    assert [(o.row_class, o.resident_id, o.differs) for o in out] == [
        ("matched", 1, []),
        ("wrong_id_number", 1, ["one_digit"]),
        ("wrong_id_number", 1, ["swapped_digits"]),
        ("wrong_id_number", 2, ["old_number"]),
        ("wrong_id_number", 2, ["other_person"]),
        ("wrong_details", 2, ["date_of_birth"]),
        ("wrong_details", 2, ["full_name"]),
        ("no_id_number", 5, []),
        ("ambiguous", None, []),
        ("not_found", None, []),
        ("ambiguous", None, []),  # a name alone is never sure
    ]
    assert [c["resident_id"] for c in out[8].candidates] == [3, 4]
    assert out[7].score >= matcher.CLEAR
    assert [c["resident_id"] for c in out[10].candidates] == [1]
