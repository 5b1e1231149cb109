"""The visit form shows ID numbers masked; "Hiện số" asks the server (audited) for this screen
only, and the phone's IndexedDB never holds a full number."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from app.auth.models import AuditEntry
from app.extensions import db
from tests.field.browser_helpers import log_in, phone_rows, wait_for_data

FULL = "046068000123"
MASKED = "********0123"
STORES = ("households", "drafts", "outbox", "sent", "kv", "followups", "returnees", "away")


@pytest.fixture
def field_world(make_user, make_household):
    officer = make_user("officer", "20179", hamlets=["20179-001"], username="canbo")
    household = make_household(
        "20179-001",
        residents=[
            {"full_name": "Hồ Văn Nhờ", "date_of_birth": "1968-03-02", "id_number": FULL},
            {"full_name": "Nguyễn Thị Lan", "sex": "female", "relationship_to_head": "spouse"},
        ],
    )
    return officer, household


def open_card(page, household_id: int):
    page.goto(f"/app#visit/{household_id}")
    page.wait_for_selector("#visit-form")
    page.check("input[name=outcome][value=met]")
    return page.wait_for_selector("fieldset.resident .id-number")


def full_numbers_on_phone(page) -> list[str]:
    return [store for store in STORES if FULL in json.dumps(phone_rows(page, store))]


def reads() -> list[AuditEntry]:
    db.session.rollback()
    return list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == "read")))


def test_show_button_reveals_for_this_screen_only(page, context, field_world):
    officer, household = field_world
    log_in(page, "canbo")
    wait_for_data(page)
    shown = open_card(page, household.id)
    assert shown.inner_text() == MASKED
    assert page.locator("fieldset.resident .show-id").count() == 1  # only who has a number

    page.click("fieldset.resident .show-id")
    page.wait_for_selector("fieldset.resident .id-number[data-revealed='1']")
    assert page.inner_text("fieldset.resident .id-number") == FULL
    [entry] = reads()
    assert entry.object_id == str(household.residents[0].id) and entry.user_id == officer.id
    assert entry.changes["client"] == "phone:visit-form" and entry.changes["user_agent"]
    page.wait_for_timeout(400)  # let the draft's debounced save run
    assert full_numbers_on_phone(page) == []

    page.goto("/app#today")
    page.wait_for_selector("#visit-form", state="detached")
    shown = open_card(page, household.id)
    assert shown.inner_text() == MASKED
    assert full_numbers_on_phone(page) == []

    context.set_offline(True)
    page.click("fieldset.resident .show-id")
    page.wait_for_selector("#toast:not([hidden])")
    assert page.inner_text("#toast") == "Cần có mạng để xem số đầy đủ"
    assert page.inner_text("fieldset.resident .id-number") == MASKED
    assert len(reads()) == 1
    assert page.console_errors == []
