"""Done when (issue 15, capture sessions): a commander plans an at_home session on the web from
the proposed residents, an officer records its results offline on the phone, and after sync the
residents, follow-ups, coverage and campaign progress reflect them exactly once."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.auth import service as auth_service
from app.clock import today_in_vietnam
from app.extensions import db
from app.followups.models import Followup
from app.people.models import Resident
from tests.browser.conftest import SCREENSHOTS
from tests.factories import api_get, api_post
from tests.field.browser_helpers import PASSWORD, log_in, phone_rows, wait_for_data
from tests.followups.conftest import people, visit  # noqa: F401
from tests.sessions.conftest import invited  # noqa: F401

DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture
def counting(app, people, invited):  # noqa: F811
    """A campaign of the commune counting ID applications and VNeID level 2; a reader of the
    coverage and progress figures through the API."""
    client = app.test_client()
    raw, _ = auth_service.issue_token(people.commander)
    db.session.commit()
    headers = {"Authorization": f"Bearer {raw}"}
    campaign = {
        "name": "Cao điểm thu nhận tại nhà",
        "starts_on": (today_in_vietnam() - timedelta(days=3)).isoformat(),
        "ends_on": (today_in_vietnam() + timedelta(days=20)).isoformat(),
        "unit": "20179",
        "metrics": ["id_collected", "eid_level2_active"],
    }
    status, made = api_post(client, "/api/v1/campaigns", headers, campaign)
    assert status == 201, made
    db.session.commit()

    def figures() -> tuple[int, int, int, int]:
        totals = api_get(client, "/api/v1/coverage?unit=20179", headers)[1]["totals"]
        progress = api_get(client, f"/api/v1/campaigns/{made['id']}/progress", headers)[1]
        metrics = {m["metric"]: m["count"] for m in progress["metrics"]}
        db.session.commit()  # the requests ran in this thread's session: let the server write
        return (
            totals["id_collected"],
            totals["eid_level2_active"],
            metrics["id_collected"],
            metrics["eid_level2_active"],
        )

    return figures


def _plan_on_the_web(browser, live_server, people, invited) -> None:  # noqa: F811
    web = browser.new_context(viewport=DESKTOP, locale="vi-VN", base_url=live_server.url)
    page = web.new_page()
    page.goto("/login")
    page.fill("#username", "chihuy")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    page.goto("/sessions/new?kind=at_home")
    names = page.locator("fieldset.invited strong").all_inner_texts()
    assert set(names[:2]) == {"Lê Văn Nằm", "Hồ Thị Già"}  # unable to travel, 80 years old
    assert page.locator("input[name=resident_ids]:checked").count() == 4
    tomorrow = (today_in_vietnam() + timedelta(days=1)).isoformat()
    page.fill("#date", tomorrow)
    page.check(f"input[name=team_ids][value='{people.officer.id}']")
    page.fill("#equipment", "Máy thu nhận lưu động, máy in")
    page.screenshot(path=str(SCREENSHOTS / "session-plan.png"), full_page=True)
    page.click("#save-session")
    page.wait_for_selector("#session-status")
    assert "0/4" in page.inner_text("#session-counts")
    web.close()


def test_plan_on_the_web_record_offline_on_the_phone_count_once(
    browser,
    live_server,
    page,
    context,
    people,  # noqa: F811
    invited,  # noqa: F811
    counting,
):
    before = counting()
    _plan_on_the_web(browser, live_server, people, invited)

    log_in(page, people.officer.username)
    wait_for_data(page)
    page.goto("/app#more")
    page.click("#open-sessions")
    page.click("[data-session]")
    page.wait_for_selector("#session-people [data-resident]")

    context.set_offline(True)
    old, young, phone = invited["old"], invited["young"], invited["phone"]
    page.click(f"[data-resident='{old.id}'] [data-action=collected]")
    page.wait_for_selector(f"[data-resident='{old.id}'] .result.warn")
    page.click(f"[data-resident='{young.id}'] [data-action=absent]")
    page.wait_for_selector(f"[data-resident='{young.id}'] .result.warn")
    page.click(f"[data-resident='{phone.id}'] [data-action=more]")
    page.select_option(f"#eid-{phone.id}", "level2_active")
    page.click(f"[data-resident='{phone.id}'] [data-action=save]")
    page.wait_for_selector(f"[data-resident='{phone.id}'] .result.warn")
    queued = [row for row in phone_rows(page, "outbox") if row["kind"] == "session_result"]
    assert len(queued) == 3
    page.screenshot(path=str(SCREENSHOTS / "session-phone.png"))
    assert counting() == before  # nothing reached the server yet

    context.set_offline(False)
    page.goto("/app#outbox")
    page.wait_for_function(
        "() => document.querySelector('#outbox-pending-count')?.textContent === '0'",
        timeout=30_000,
    )

    # The outbox sent again (a lost answer, a second phone): nothing counts twice.
    client = page.context.request
    token = page.evaluate(
        """async () => {
            const db = await new Promise((ok) => { const r = indexedDB.open('gocua');
                                                   r.onsuccess = () => ok(r.result); });
            return await new Promise((ok) => {
                const r = db.transaction('kv').objectStore('kv').get('session');
                r.onsuccess = () => { db.close(); ok(r.result.token); };
            });
        }"""
    )
    session_id = queued[0]["session_id"]
    again = client.post(
        f"{live_server.url}/api/v1/sessions/{session_id}/results",
        data={"results": [row["body"] for row in queued]},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert [r["status"] for r in again.json()["results"]] == ["duplicate"] * 3

    db.session.rollback()
    assert db.session.get(Resident, old.id).id_card == "collected"
    assert db.session.get(Resident, young.id).id_card == "not_collected"
    assert db.session.get(Resident, phone.id).eid == "level2_active"
    status = {
        f.resident_id: f.status
        for f in db.session.query(Followup).filter(
            Followup.resident_id.in_([old.id, young.id, phone.id])
        )
    }
    assert status == {old.id: "done", young.id: "open", phone.id: "done"}
    db.session.rollback()
    after = counting()
    assert after == (before[0] + 1, before[1] + 1, before[2] + 1, before[3] + 1)
    assert page.console_errors == []
