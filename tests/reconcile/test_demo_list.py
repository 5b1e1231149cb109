"""The demo health-station list: every planted row lands in its class, the cleaned list gives
one row per input row in order with the correct numbers, and decisions open the corrections
and follow-ups described (docs/RECONCILE.md)."""

from __future__ import annotations

import io

import pytest
from python_calamine import CalamineWorkbook
from sqlalchemy import select

from app.auth.audit import AuditEntry
from app.auth.models import User, UserHamlet
from app.demo.data import generate_demo
from app.demo.health_list import generate_health_list
from app.extensions import db
from app.followups.models import Followup
from app.people.models import Correction, Resident


@pytest.fixture
def loaded(app):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["units", "load"]).exit_code == 0
    result = runner.invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    demo = generate_demo()
    return demo, generate_health_list(demo=demo)


@pytest.fixture
def headers(client, loaded):
    token = client.post(
        "/api/v1/auth/token", json={"username": "chihuy", "password": "gocua-demo"}
    ).get_json()["token"]
    return {"Authorization": f"Bearer {token}"}


def upload(client, headers, data: bytes, name: str = "tiem-chung.xlsx", unit: str = "20179"):
    return client.post(
        "/api/v1/reconciliations",
        headers=headers,
        data={"file": (io.BytesIO(data), name), "sector": "health", "unit": unit},
        content_type="multipart/form-data",
    )


def all_rows(client, headers, rid: int) -> list[dict]:
    body = client.get(f"/api/v1/reconciliations/{rid}/rows?per_page=200", headers=headers)
    assert body.status_code == 200, body.get_json()
    return body.get_json()["items"]


def resident_id_of(key: str, demo) -> int:
    person = next(p for p in demo.residents if p.key == key)
    return db.session.scalar(
        select(Resident.id).where(
            Resident.full_name == person.full_name,
            Resident.id_number.is_(None)
            if person.id_number is None
            else Resident.id_number == person.id_number,
        )
    )


def test_every_planted_row_lands_in_its_class(client, headers, loaded):
    demo, health = loaded
    answer = upload(client, headers, health.xlsx())
    assert answer.status_code == 201, answer.get_json()
    body = answer.get_json()
    assert body["status"] == "done" and body["progress"] == 100
    rows = all_rows(client, headers, body["id"])
    assert len(rows) == len(health.rows)
    for planted, row in zip(health.rows, rows, strict=True):
        assert row["row"] == planted.cells[0] + 4  # title rows and the header above
        assert row["class"] == planted.expected, (planted.how, row)
        if planted.resident_key and planted.expected not in ("ambiguous", "not_found"):
            assert row["resident_id"] == resident_id_of(planted.resident_key, demo)
        if planted.how in ("one_digit", "swapped_digits", "old_number", "other_person"):
            assert row["differs"] == [planted.how]
        if planted.expected == "wrong_details":
            assert row["differs"] == [planted.how]
        if planted.expected == "ambiguous":
            assert len(row["candidates"]) >= 2
    expected = {}
    for planted in health.rows:
        expected[planted.expected] = expected.get(planted.expected, 0) + 1
    counts = body["counts"]
    assert counts["rows"] == len(health.rows)
    assert {k: counts[k] for k in expected} == expected
    assert counts["fixed"] == 0
    assert sum(h["counts"]["rows"] for h in body["hamlets"]) == len(health.rows)
    only = client.get(
        f"/api/v1/reconciliations/{body['id']}/rows?class=not_found", headers=headers
    ).get_json()
    assert only["total"] == expected["not_found"]
    assert {r["class"] for r in only["items"]} == {"not_found"}


def test_cleaned_list_keeps_rows_and_order_with_correct_numbers(client, headers, loaded):
    _demo, health = loaded
    rid = upload(client, headers, health.xlsx()).get_json()["id"]
    answer = client.get(f"/api/v1/reconciliations/{rid}/cleaned.xlsx", headers=headers)
    assert answer.status_code == 200
    sheet = CalamineWorkbook.from_filelike(io.BytesIO(answer.data)).get_sheet_by_index(0)
    values = sheet.to_python()
    assert values[0][:5] == ["STT", "Họ và tên", "Ngày sinh", "Giới tính", "Số CCCD"]
    assert values[0][-1] == "Tình trạng đối chiếu"
    body = values[1:]
    assert len(body) == len(health.rows)
    for planted, line in zip(health.rows, body, strict=True):
        assert int(line[0]) == planted.cells[0]  # same order
        assert line[1] == planted.cells[1]  # the sector's own cells
        assert line[8] == planted.cells[8]
        if planted.expected in ("matched", "wrong_id_number", "no_id_number", "wrong_details"):
            assert line[4] == planted.id_number, planted.how
        assert line[-1]
    entry = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "export").order_by(AuditEntry.id.desc())
    ).first()
    assert entry.object_type == "reconciliations" and entry.object_id == str(rid)
    report = client.get(f"/api/v1/reconciliations/{rid}/report.xlsx", headers=headers)
    assert report.status_code == 200
    sheets = CalamineWorkbook.from_filelike(io.BytesIO(report.data)).sheet_names
    assert len(sheets) == 2


def test_decisions_open_corrections_and_followups(client, headers, loaded):
    _demo, health = loaded
    rid = upload(client, headers, health.xlsx()).get_json()["id"]
    rows = all_rows(client, headers, rid)
    by_how = {}
    for planted, row in zip(health.rows, rows, strict=True):
        by_how.setdefault(planted.how, []).append(row)
    wrong_date = by_how["date_of_birth"][0]
    ambiguous = by_how["listed_twice"][0]
    stranger = by_how["stranger"][0]
    decisions = [
        {
            "row": wrong_date["row"],
            "resident_id": wrong_date["resident_id"],
            "action": "correct_record",
        },
        {"row": ambiguous["row"], "resident_id": ambiguous["candidates"][0]["resident_id"]},
        {"row": stranger["row"], "action": "follow_up"},
    ]
    answer = client.post(
        f"/api/v1/reconciliations/{rid}/decisions",
        headers=headers,
        json={"decisions": decisions, "min_score": 95},
    )
    assert answer.status_code == 200, answer.get_json()
    body = answer.get_json()
    confirmed_by_score = sum(
        1
        for row in rows
        if row["class"] in ("wrong_id_number", "no_id_number", "wrong_details")
        and row["row"] not in (wrong_date["row"],)
        and (row["score"] or 0) >= 95
    )
    assert body["decided"] == 3 + confirmed_by_score
    assert body["counts"]["fixed"] == 2 + confirmed_by_score
    correction = db.session.scalar(
        select(Correction).where(Correction.resident_id == wrong_date["resident_id"])
    )
    assert correction.field == "date_of_birth" and correction.rule == "sector_list"
    followup = db.session.get(
        Followup,
        next(r for r in all_rows(client, headers, rid) if r["row"] == stranger["row"])[
            "followup_id"
        ],
    )
    assert followup.kind == "verify_documents" and followup.status == "open"
    assert stranger["full_name"] in followup.reason
    hamlet_officers = set(
        db.session.scalars(
            select(UserHamlet.user_id).where(UserHamlet.hamlet_id == followup.hamlet_id)
        )
    )
    assert (
        followup.assignee_id in hamlet_officers
        or db.session.get(User, followup.assignee_id).role == "officer"
    )
    again = client.post(
        f"/api/v1/reconciliations/{rid}/decisions",
        headers=headers,
        json={"decisions": [{"row": stranger["row"], "action": "follow_up"}]},
    )
    assert again.status_code == 409
    cleaned = client.get(f"/api/v1/reconciliations/{rid}/cleaned.xlsx", headers=headers)
    values = (
        CalamineWorkbook.from_filelike(io.BytesIO(cleaned.data)).get_sheet_by_index(0).to_python()
    )
    line = values[[r["row"] for r in rows].index(ambiguous["row"]) + 1]
    assert line[4] == db.session.get(Resident, ambiguous["candidates"][0]["resident_id"]).id_number


def test_a_file_without_headers_is_refused(client, headers, loaded):
    answer = upload(client, headers, b"a;b;c\n1;2;3\n", name="x.csv")
    assert answer.status_code == 422
    assert answer.get_json()["errors"]["file"]
    assert upload(client, headers, b"Ho va ten;Nam sinh\nA;1990\n", unit="99999").status_code == 422
    rid = upload(client, headers, "Họ và tên,Năm sinh\nAi Đó,1990\n".encode()).get_json()["id"]
    assert (
        client.get(f"/api/v1/reconciliations/{rid}", headers=headers).get_json()["counts"][
            "not_found"
        ]
        == 1
    )


def test_the_demo_list_is_written_by_the_cli(app, tmp_path):
    target = tmp_path / "tiem-chung.xlsx"
    result = app.test_cli_runner().invoke(args=["demo", "health-list", str(target)])
    assert result.exit_code == 0, result.output
    rows = CalamineWorkbook.from_path(str(target)).get_sheet_by_index(0).to_python()
    health = generate_health_list()
    assert [int(r[0]) for r in rows[4:]] == [row.cells[0] for row in health.rows]
    assert f"{len(health.rows)} dòng" in result.output
