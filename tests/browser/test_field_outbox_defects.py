"""The offline form never loses or doubles a visit: a double tap in quick capture records the
person once, a visit refused with 409 can be fixed, fixing a refused household keeps the visit's
outcome and note, and a save the phone could not write says so and keeps the form."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.extensions import db
from app.people.models import Resident
from tests.field.browser_helpers import (
    log_in,
    new_household,
    phone_rows,
    server_visits,
    wait_for_data,
    wait_sent,
)

TAKEN = "038098001234"
NOT_WRITTEN = "Chưa lưu được vào máy"

# Every write of this page fails, as when the phone's storage is full; undone by `restore`.
FULL = """() => {
    window.__put = IDBObjectStore.prototype.put;
    IDBObjectStore.prototype.put = function () {
        throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
    };
}"""
RESTORE = "() => { IDBObjectStore.prototype.put = window.__put; }"

PUT_DRAFT = """async (row) => {
    const db = await new Promise((ok) => { const r = indexedDB.open('gocua');
                                           r.onsuccess = () => ok(r.result); });
    await new Promise((ok) => { const tx = db.transaction('drafts', 'readwrite');
                                tx.objectStore('drafts').put(row); tx.oncomplete = ok; });
    db.close();
}"""


@pytest.fixture
def officer(make_user):
    return make_user("officer", "20179", hamlets=["20179-001"], username="canbo")


@pytest.fixture
def site_id(officer, make_household):
    site = make_household("20179-001", residents=[{"full_name": "Chủ Nhà Trọ"}])
    site.kind, site.site_name, site.rooms = "boarding_house", "Khu trọ Hòa Bình", ["A1", "A2"]
    db.session.commit()
    return site.id


def residents_named(household_id: int, name: str) -> int:
    db.session.rollback()
    rows = db.session.scalars(select(Resident).where(Resident.household_id == household_id))
    return [r.full_name for r in rows].count(name)


def open_visit_offline(page, context, household_id: int) -> None:
    """Sign in, take the hamlets' data, go offline and open a new visit of the household."""
    db.session.rollback()
    log_in(page, "canbo")
    wait_for_data(page)
    context.set_offline(True)
    page.goto(f"/app#visit/{household_id}")
    page.wait_for_selector("#visit-form")


def wait_nothing_waits(page, timeout: int = 30_000) -> None:
    page.goto("/app#outbox")
    page.wait_for_function(
        """() => document.querySelector('#outbox-pending-count')?.textContent === '0'
                 && !document.querySelector('#rejected-list')""",
        timeout=timeout,
    )


# ---- 1. quick capture: a double tap


def test_double_tap_in_quick_capture_records_the_person_once(page, context, site_id):
    log_in(page, "canbo")
    wait_for_data(page)
    context.set_offline(True)
    page.goto(f"/app#capture/{site_id}")
    page.wait_for_selector("#capture-form")
    page.fill("#cap-name", "Trần Văn Hùng")  # no ID number: nothing else tells the two apart
    page.fill("#cap-year", "1995")
    page.wait_for_timeout(500)  # the draft is saved, with the client_id this person will have
    [draft] = phone_rows(page, "drafts")
    page.evaluate("() => { const b = document.querySelector('#cap-save'); b.click(); b.click(); }")
    page.wait_for_function("() => document.activeElement.id === 'cap-id'")
    page.wait_for_timeout(500)
    rows = [r for r in phone_rows(page, "outbox") if r.get("capture")]
    assert [r["body"]["new_residents"][0]["full_name"] for r in rows] == ["Trần Văn Hùng"]
    assert rows[0]["client_id"] == draft["client_id"]
    # The next person has a client_id of their own.
    [after] = phone_rows(page, "drafts")
    assert after["client_id"] and after["client_id"] != draft["client_id"]

    context.set_offline(False)
    wait_nothing_waits(page)
    assert residents_named(site_id, "Trần Văn Hùng") == 1
    assert page.console_errors == []


# ---- 2. a visit refused with 409


def test_a_visit_refused_with_409_is_fixed_under_a_new_client_id(
    page, context, officer, make_household
):
    hh_id = make_household("20179-001").id
    db.session.rollback()
    log_in(page, "canbo")
    wait_for_data(page)
    page.goto(f"/app#visit/{hh_id}")
    page.wait_for_selector("#visit-form")
    page.check("input[name=outcome][value=nobody_home]")
    page.wait_for_timeout(600)  # the draft is saved
    # The installed app and a browser tab restore the same draft, with the same client_id.
    other = context.new_page()
    other.set_default_timeout(30_000)
    other.goto(f"/app#visit/{hh_id}")
    other.wait_for_selector("#draft-restored")
    page.click("#save-visit")
    page.wait_for_selector("#visit-form", state="detached")
    wait_sent(page, 1)
    [first] = server_visits()

    other.check("input[name=outcome][value=met]")
    other.click("#save-visit")
    other.wait_for_selector("#visit-form", state="detached")
    other.goto("/app#outbox")
    other.wait_for_selector("#rejected-list .entry", timeout=30_000)
    [refused] = [r for r in phone_rows(other, "outbox") if r["state"] == "rejected"]
    assert refused["code"] == 409 and refused["client_id"] == first.client_id

    other.click("#rejected-list .fix")
    other.wait_for_selector("#visit-form")
    # The server holds a visit under that id: said plainly, and no time to fix.
    assert "đã có một lượt thăm" in other.inner_text("#fix-conflict")
    assert other.locator("#fix-visited-at").count() == 0
    other.click("#save-visit")
    other.wait_for_selector("#visit-form", state="detached")
    wait_nothing_waits(other)
    visits = {v.client_id: v.outcome for v in server_visits()}
    assert len(visits) == 2 and visits[first.client_id] == "nobody_home"
    assert "met" in visits.values()
    assert [r for r in phone_rows(other, "outbox")] == []
    assert page.console_errors == []


def test_a_restored_draft_does_not_reuse_a_sent_client_id(page, officer, make_household):
    hh_id = make_household("20179-001").id
    db.session.rollback()
    log_in(page, "canbo")
    wait_for_data(page)
    page.goto(f"/app#visit/{hh_id}")
    page.check("input[name=outcome][value=nobody_home]")
    page.wait_for_timeout(600)
    [draft] = phone_rows(page, "drafts")
    page.click("#save-visit")
    page.wait_for_selector("#visit-form", state="detached")
    wait_sent(page, 1)
    # Another tab wrote the same draft back after this one saved it.
    page.evaluate(PUT_DRAFT, draft)
    page.goto(f"/app#visit/{hh_id}")
    page.wait_for_selector("#draft-restored")
    assert page.locator("#draft-used").count() == 1  # the officer is told it was saved already
    page.click("#save-visit")
    page.wait_for_selector("#visit-form", state="detached")
    wait_sent(page, 2)
    assert page.locator("#rejected-list").count() == 0
    ids = [v.client_id for v in server_visits()]
    assert len(set(ids)) == 2 and draft["client_id"] in ids


# ---- 3. fixing a refused household keeps the visit's outcome and note


def test_fixing_a_refused_household_keeps_the_visit_outcome_and_note(
    page, context, officer, make_household
):
    make_household("20179-001", residents=[{"full_name": "Người Khác", "id_number": TAKEN}])
    db.session.rollback()
    log_in(page, "canbo")
    wait_for_data(page)
    context.set_offline(True)
    new_household(page, "Thôn 3, xã Nam Đông", "Hồ Văn Nhờ", TAKEN)
    page.wait_for_selector("#household-form", state="detached")
    context.set_offline(False)
    page.goto("/app#outbox")
    page.wait_for_selector("#rejected-list .entry", timeout=30_000)
    [hh] = [r for r in phone_rows(page, "outbox") if r["kind"] == "household"]
    page.click(f"[data-client-id='{hh['client_id']}'] .fix")
    page.wait_for_selector("#household-form")
    page.locator("fieldset[data-person='0'] input.id-number-input").fill("")
    page.select_option("#outcome", "refused")
    page.fill("textarea[name=note]", "Chủ hộ không cho ghi số định danh")
    page.click("#save-household")
    page.wait_for_selector("#household-form", state="detached")
    wait_nothing_waits(page)
    [visit] = server_visits()
    assert (visit.outcome, visit.note) == ("refused", "Chủ hộ không cho ghi số định danh")


# ---- 4. the phone cannot write


def test_a_visit_not_written_after_another_tab_upgrades_says_so(
    page, context, officer, make_household
):
    open_visit_offline(page, context, make_household("20179-001").id)
    page.check("input[name=outcome][value=met]")
    page.fill("textarea[name=note]", "Chủ hộ hẹn mai làm căn cước")
    # A newer app version (IndexedDB version 4) opens the database in another tab.
    other = context.new_page()
    other.goto("/app/manifest.webmanifest")
    other.evaluate(
        """() => new Promise((ok, no) => { const r = indexedDB.open('gocua', 4);
            r.onsuccess = () => { r.result.close(); ok(); }; r.onerror = () => no(r.error); })"""
    )
    other.close()
    page.wait_for_selector("#db-closed")  # asks to reload
    page.click("#save-visit")
    page.wait_for_selector("#form-error:not([hidden])")
    assert NOT_WRITTEN in page.inner_text("#form-error")
    assert NOT_WRITTEN in page.inner_text("#toast")
    assert page.input_value("textarea[name=note]") == "Chủ hộ hẹn mai làm căn cước"
    assert page.is_checked("input[name=outcome][value=met]")


def test_the_database_is_opened_again_after_another_tab_closed_it(
    page, context, officer, make_household
):
    open_visit_offline(page, context, make_household("20179-001").id)
    page.check("input[name=outcome][value=nobody_home]")
    # Another tab deletes the database (its connection here is closed on "versionchange").
    other = context.new_page()
    other.goto("/app/manifest.webmanifest")
    other.evaluate(
        """() => new Promise((ok, no) => { const r = indexedDB.deleteDatabase('gocua');
            r.onsuccess = ok; r.onerror = () => no(r.error); })"""
    )
    other.close()
    page.wait_for_selector("#db-closed")
    page.click("#save-visit")
    page.wait_for_selector("#visit-form", state="detached")
    assert [r["body"]["outcome"] for r in phone_rows(page, "outbox")] == ["nobody_home"]


def test_quick_capture_not_written_keeps_the_person(page, context, site_id):
    log_in(page, "canbo")
    wait_for_data(page)
    context.set_offline(True)
    page.goto(f"/app#capture/{site_id}")
    page.wait_for_selector("#capture-form")
    page.fill("#cap-name", "Lê Thị Mai")
    page.fill("#cap-year", "2001")
    page.evaluate(FULL)
    page.click("#cap-save")
    page.wait_for_selector("#capture-error:not([hidden])")
    assert NOT_WRITTEN in page.inner_text("#capture-error")
    assert "bộ nhớ" in page.inner_text("#capture-error")
    assert page.input_value("#cap-name") == "Lê Thị Mai"
    assert page.is_enabled("#cap-save")
    # Room again: the same person goes in once.
    page.evaluate(RESTORE)
    page.click("#cap-save")
    page.wait_for_function("() => document.activeElement.id === 'cap-id'")
    rows = [r for r in phone_rows(page, "outbox") if r.get("capture")]
    assert [r["body"]["new_residents"][0]["full_name"] for r in rows] == ["Lê Thị Mai"]


def test_household_not_written_keeps_the_form(page, context, officer):
    log_in(page, "canbo")
    wait_for_data(page)
    context.set_offline(True)
    page.goto("/app#household")
    page.wait_for_selector("#household-form")
    page.fill("#address", "Thôn 3, xã Nam Đông")
    page.locator("fieldset[data-person='0'] input.person-name").fill("Hồ Văn Nhờ")
    page.evaluate(FULL)
    page.click("#save-household")
    page.wait_for_selector("#form-error:not([hidden])")
    assert NOT_WRITTEN in page.inner_text("#form-error")
    assert page.input_value("#address") == "Thôn 3, xã Nam Đông"
    page.evaluate(RESTORE)
    page.click("#save-household")
    page.wait_for_selector("#household-form", state="detached")
    assert sorted(r["kind"] for r in phone_rows(page, "outbox")) == ["household", "visit"]
