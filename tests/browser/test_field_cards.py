"""On the phone, the resident card of a visit sets "unable to travel", a problem with the card
and its issue date; after sync the API shows them, with the at-home capture and the reissue
follow-ups they call for."""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.followups.models import Followup
from tests.factories import api_get
from tests.field.browser_helpers import log_in, wait_for_data, wait_sent


def test_the_resident_card_sets_travel_and_a_card_problem(
    page, client, make_user, make_household, token_for
):
    officer = make_user("officer", "20179", hamlets=["20179-001"], username="canbo")
    make_user("officer", "20179", mobile_team=True, username="luudong")
    household = make_household(
        "20179-001",
        residents=[
            {"full_name": "Hồ Văn Nhờ", "date_of_birth": "1968-03-02"},
            {"full_name": "Nguyễn Thị Lan", "date_of_birth": "1990-05-05", "id_card": "issued"},
        ],
    )
    elder, lan = household.residents
    headers = token_for(officer)  # made before the phone's server holds the database
    db.session.commit()
    log_in(page, "canbo")
    wait_for_data(page)
    page.goto(f"/app#visit/{household.id}")
    page.wait_for_selector("#visit-form")
    page.check("input[name=outcome][value=met]")
    first = page.locator(f"fieldset.resident[data-resident='{elder.id}']")
    second = page.locator(f"fieldset.resident[data-resident='{lan.id}']")
    assert first.locator("select[name=travel]").input_value() == "no"
    first.locator("select[name=travel]").select_option("yes")
    second.locator("select[name=card_issue]").select_option("lost")
    second.locator("input[name=card_issued_on]").fill("2021-06-01")
    page.wait_for_timeout(300)  # the draft's debounced save
    page.click("#save-visit")
    page.wait_for_selector("#visit-form", state="detached")
    wait_sent(page, 1)

    db.session.rollback()
    status, one = api_get(client, f"/api/v1/residents/{elder.id}", headers)
    assert status == 200
    assert one["unable_to_travel"] is True
    status, two = api_get(client, f"/api/v1/residents/{lan.id}", headers)
    assert (two["card_issue"], two["card_issued_on"]) == ("lost", "2021-06-01")
    assert two["card_renewal_due"] == "2030-05-05"  # issued at 31: renew at 40
    assert two["unable_to_travel"] is False  # not changed: not sent
    kinds = {
        f.resident_id: f.kind
        for f in db.session.scalars(select(Followup).where(Followup.status == "open"))
        if f.resident_id is not None  # the browser has no GPS: a location_check too
    }
    assert kinds == {elder.id: "id_capture_at_home", lan.id: "reissue_card"}
    assert page.console_errors == []
