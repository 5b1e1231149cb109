"""The outbox never loses a visit: refused ones are fixed and resent, an expired login or a
logout keeps them, drafts survive a reload, and the file export can be imported by an admin."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import select, update

from app.auth.models import ApiToken, User
from app.common import utcnow
from app.extensions import db
from app.people.models import Resident
from app.visits.models import RejectedSubmission
from tests.field.browser_helpers import (
    PASSWORD,
    log_in,
    outbox_count,
    photograph,
    record_visit,
    server_visits,
    wait_for_data,
    wait_sent,
)


@pytest.fixture
def household(make_user, make_household):
    make_user("officer", "20179", hamlets=["20179-001"], username="canbo")
    return make_household(
        "20179-001",
        residents=[
            {"full_name": "Hồ Văn Nhờ", "date_of_birth": "1968-03-02"},
            {"full_name": "Nguyễn Thị Lan", "sex": "female", "relationship_to_head": "spouse"},
        ],
    )


VIETNAM = timezone(timedelta(hours=7))


def household_officer_id() -> int:
    return db.session.scalar(select(User.id).where(User.username == "canbo"))


def test_refused_visit_is_fixed_and_resent(page, household, screenshot):
    log_in(page, "canbo")
    wait_for_data(page)
    page.goto(f"/app#visit/{household.id}")
    page.check("input[name=outcome][value=met]")
    page.click("#add-person")
    page.fill("fieldset.new input >> nth=0", "Hồ Văn Mới")
    page.fill("fieldset.new input >> nth=1", "31/02/2011")  # no such day
    page.click("#save-visit")
    # Saving returns to the today screen; open the outbox only after that, as a person would.
    page.wait_for_selector("#visit-form", state="detached")
    page.goto("/app#outbox")
    page.wait_for_selector("#rejected-list .entry")
    assert "Ngày sinh" in page.inner_text("#rejected-list")
    photograph(page, screenshot, "outbox-refused")
    [refused] = page.eval_on_selector_all(
        "#rejected-list .entry", "els => els.map(e => e.dataset.clientId)"
    )

    page.click("#rejected-list .fix")
    page.wait_for_selector("#visit-form")
    assert page.input_value("fieldset.new input >> nth=1") == "2011-02-31"
    photograph(page, screenshot, "visit-fix")
    page.fill("fieldset.new input >> nth=1", "28/02/2011")
    page.click("#save-visit")
    wait_sent(page, 1)
    assert page.locator("#rejected-list").count() == 0

    [visit] = server_visits()
    assert visit.client_id != refused
    kept = db.session.scalar(
        select(RejectedSubmission).where(RejectedSubmission.client_id == refused)
    )
    assert kept.resolved_by_visit_id == visit.id
    born = db.session.scalar(select(Resident).where(Resident.full_name == "Hồ Văn Mới"))
    assert born.birth_date.isoformat() == "2011-02-28"
    assert page.console_errors == []


def test_expired_login_keeps_the_outbox(page, context, household):
    log_in(page, "canbo")
    wait_for_data(page)
    context.set_offline(True)
    record_visit(page, household.id)
    db.session.execute(update(ApiToken).values(revoked_at=utcnow()))
    db.session.commit()
    context.set_offline(False)
    page.wait_for_selector("#expired")
    assert page.input_value("#username") == "canbo"
    assert server_visits() == []
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    wait_sent(page, 1)
    assert len(server_visits()) == 1


def test_logout_warns_and_keeps_unsent_visits(page, context, household):
    log_in(page, "canbo")
    wait_for_data(page)
    context.set_offline(True)
    record_visit(page, household.id)
    page.goto("/app#more")
    page.click("#logout")
    assert "Còn 1 mục chưa gửi" in page.inner_text(".dialog")
    page.click(".dialog button >> text=Hủy")
    assert page.locator("#logout").is_visible()
    page.click("#logout")
    page.click("#modal-yes")
    page.wait_for_selector("#username")
    assert "1 mục chưa gửi" in page.inner_text("main")
    context.set_offline(False)
    log_in(page, "canbo")
    wait_sent(page, 1)
    assert len(server_visits()) == 1


def test_draft_survives_a_reload(page, household):
    log_in(page, "canbo")
    wait_for_data(page)
    page.goto(f"/app#visit/{household.id}")
    page.check("input[name=outcome][value=met]")
    page.select_option(f"[data-bind='residents.{household.residents[0].id}.id_card']", "issued")
    page.fill("textarea[name=note]", "Hẹn quay lại chiều nay")
    page.wait_for_timeout(400)  # the draft saves a moment after typing
    draft_id = page.evaluate(
        """async (key) => {
            const db = await new Promise((ok) => { const r = indexedDB.open('gocua');
                                                   r.onsuccess = () => ok(r.result); });
            return await new Promise((ok) => {
                const r = db.transaction('drafts').objectStore('drafts').get(key);
                r.onsuccess = () => { db.close(); ok(r.result.client_id); };
            });
        }""",
        f"visit:{household.id}",
    )
    page.reload()
    page.wait_for_selector("#draft-restored")
    assert page.is_checked("input[name=outcome][value=met]")
    assert page.input_value("textarea[name=note]") == "Hẹn quay lại chiều nay"
    page.click("#save-visit")
    wait_sent(page, 1)
    [visit] = server_visits()
    assert visit.client_id == draft_id
    assert visit.note == "Hẹn quay lại chiều nay"
    assert visit.residents[0].id_card == "issued"


def test_outbox_file_is_imported_by_an_admin(app, page, context, household, make_user, tmp_path):
    admin = make_user("admin", "20179", username="quantri")
    log_in(page, "canbo")
    wait_for_data(page)
    context.set_offline(True)
    record_visit(page, household.id)
    assert outbox_count(page) == 1
    with page.expect_download() as info:
        page.click("#export")
    path = tmp_path / "outbox.json"
    info.value.save_as(path)
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert doc["username"] == "canbo" and doc["exported_at"]
    assert [e["kind"] for e in doc["entries"]] == ["visit"]

    client = app.test_client()
    client.post("/login", data={"username": admin.username, "password": PASSWORD})
    answer = client.post(
        "/admin/outbox-import",
        data={"file": (path.open("rb"), "outbox.json")},
        content_type="multipart/form-data",
    )
    assert answer.status_code == 200
    assert "created" in answer.get_data(as_text=True)
    [visit] = server_visits()
    assert visit.client_id == doc["entries"][0]["client_id"]
    assert visit.officer_id == household_officer_id()

    # The phone comes back online: its copy is a duplicate, and leaves the outbox.
    context.set_offline(False)
    wait_sent(page, 1)
    assert page.inner_text("#sent-list").count("Đã nhận (gửi lại)") == 1
    assert len(server_visits()) == 1


EDIT_BODY = """async ([householdId, patch]) => {
    const db = await new Promise((ok) => { const r = indexedDB.open('gocua');
                                           r.onsuccess = () => ok(r.result); });
    const tx = db.transaction('outbox', 'readwrite');
    const store = tx.objectStore('outbox');
    const rows = await new Promise((ok) => { const r = store.getAll();
                                             r.onsuccess = () => ok(r.result); });
    const row = rows.find((e) => e.body.household_id === householdId);
    Object.assign(row.body, patch);
    store.put(row);
    await new Promise((ok) => { tx.oncomplete = ok; });
    db.close();
    return row.client_id;
}"""


def test_refused_time_and_location_are_fixed(page, context, household, make_household):
    far = make_household("20179-001", residents=[{"full_name": "Lê Văn Xa"}])
    ids = (household.id, far.id)
    db.session.rollback()  # end the test's read before the server writes
    log_in(page, "canbo")
    wait_for_data(page)
    context.set_offline(True)
    record_visit(page, ids[0], "nobody_home")
    record_visit(page, ids[1], "nobody_home")
    # The phone's clock was 40 days behind for one; the other was placed in Paris.
    old = (datetime.now(UTC) - timedelta(days=40)).astimezone(VIETNAM).isoformat(timespec="seconds")
    stale = page.evaluate(EDIT_BODY, [ids[0], {"visited_at": old}])
    paris = {"location": {"lat": 48.8566, "lon": 2.3522, "accuracy_m": 10}}
    abroad = page.evaluate(EDIT_BODY, [ids[1], {**paris, "location_missing_reason": None}])
    context.set_offline(False)
    page.goto("/app#outbox")
    page.wait_for_function("() => document.querySelectorAll('#rejected-list .entry').length === 2")
    assert "30 ngày" in page.inner_text(f"[data-client-id='{stale}']")
    assert "Vị trí" in page.inner_text(f"[data-client-id='{abroad}']")

    page.click(f"[data-client-id='{stale}'] .fix")
    page.wait_for_selector("#fix-visited-at")
    now_vn = datetime.now(UTC).astimezone(VIETNAM).replace(tzinfo=None)
    shown = datetime.fromisoformat(page.input_value("#fix-visited-at"))
    assert abs(shown - now_vn) < timedelta(minutes=2)  # prefilled with now, Vietnam time
    page.click("#save-visit")
    page.wait_for_selector("#visit-form", state="detached")

    page.goto("/app#outbox")
    page.click(f"[data-client-id='{abroad}'] .fix")
    page.wait_for_selector("#gps[data-state=dropped]")
    assert page.locator("#fix-visited-at").count() == 0  # its time was fine
    page.click("#save-visit")
    wait_sent(page, 2)
    assert page.locator("#rejected-list").count() == 0

    by_household = {v.household_id: v for v in server_visits()}
    fixed_time, no_place = by_household[ids[0]], by_household[ids[1]]
    when = fixed_time.visited_at
    when = when if when.tzinfo else when.replace(tzinfo=UTC)
    assert abs(when - datetime.now(UTC)) < timedelta(minutes=5)
    assert fixed_time.client_id == stale  # so the server links it to the refused copy
    assert (no_place.lat, no_place.location_missing_reason) == (None, "unavailable")
    refused = db.session.scalars(select(RejectedSubmission)).all()
    assert {r.client_id: r.resolved_by_visit_id for r in refused} == {
        stale: fixed_time.id,
        abroad: no_place.id,
    }
    assert page.console_errors == []
