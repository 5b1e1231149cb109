"""Sites from the phone, offline: a boarding house, its residents and the visit reach the server
exactly once (also when the outbox is replayed); quick capture records a person in a few taps."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.people.models import Household, Resident
from app.visits.models import Visit
from tests.field.browser_helpers import (
    log_in,
    overflowing,
    phone_rows,
    photograph,
    wait_for_data,
)

POINT = {"latitude": 16.0661, "longitude": 107.6871, "accuracy": 12}
PEOPLE = [
    # name, ID number, birth, residence, room
    ("Nguyễn Văn Tài", "038098001234", "", "temporary", "P101"),
    ("Lê Thị Mai", "040301005678", "", "temporary", "P101"),
    ("Trần Văn Hùng", "", "1995", "staying", "P102"),
    ("Phạm Thị Lan", "", "12/03/2000", "temporary", "P103"),
    ("Võ Minh Khang", "046099009876", "", "permanent", "P112"),
]


@pytest.fixture
def officer(make_user, make_household):
    user = make_user("officer", "20179", hamlets=["20179-001"], username="canbo")
    make_household("20179-001", residents=[{"full_name": "Hồ Văn Nhờ"}])
    return user


def counts() -> tuple[int, int, int]:
    """Households made in the field, their residents, and visits of them, on the server."""
    db.session.rollback()
    field = select(Household.id).where(Household.source == "field")
    return (
        db.session.scalar(select(func.count()).select_from(field.subquery())),
        db.session.scalar(select(func.count(Resident.id)).where(Resident.household_id.in_(field))),
        db.session.scalar(select(func.count(Visit.id)).where(Visit.household_id.in_(field))),
    )


def wait_all_sent(page) -> None:
    """Stay on the outbox until nothing waits; say what the server refused otherwise."""
    page.goto("/app#outbox")
    try:
        page.wait_for_function(
            "() => document.querySelector('#outbox-pending-count')?.textContent === '0'",
            timeout=20_000,
        )
    except Exception:
        refused = [
            (r["kind"], r.get("errors"), r.get("message")) for r in phone_rows(page, "outbox")
        ]
        pytest.fail(f"outbox not sent: {refused}")
    assert page.locator("#outbox-rejected-count").count() == 0


def fill_person(page, index: int, name: str, number: str, birth: str, residence: str, room: str):
    box = page.locator(f"fieldset[data-person='{index}']")
    box.locator("input.person-name").fill(name)
    if number:
        box.locator("input.id-number-input").fill(number)
    if birth:
        box.locator("[data-bind$='.birth']").fill(birth)
    box.locator("select.residence").select_option(residence)
    box = page.locator(f"fieldset[data-person='{index}']")  # redrawn by the residence
    if residence != "permanent":
        box.locator("[data-bind$='.home_province_code']").select_option("01")
    box.locator("select.room").select_option(room)


def create_boarding_house(page, screenshot=None):
    page.goto("/app#household")
    page.wait_for_selector("#household-form")
    page.select_option("#kind", "boarding_house")
    page.fill("#site-name", "Nhà trọ Bình An")
    page.fill("#contact-name", "Đỗ Văn Chủ")
    page.fill("#contact-phone", "0905123456")
    page.fill("#rooms", "P101–P112")
    page.fill("#address", "Tổ 3, đường Thuận Giao 12")  # leaving #rooms redraws the people
    for index, person in enumerate(PEOPLE):
        if index:
            page.click("#add-resident")
        fill_person(page, index, *person)
    info = page.locator("fieldset[data-person='0'] .id-info")
    assert "Thanh Hóa" in info.inner_text() and "1998" in info.inner_text()
    assert page.locator("fieldset[data-person='1'] [data-bind$='.sex']").input_value() == "female"
    assert overflowing(page) == []
    if screenshot:
        page.evaluate("window.scrollTo(0, 0)")
        photograph(page, screenshot, "site-new")
    page.click("#save-household")
    page.wait_for_selector("#capture-form")  # a site goes on to quick capture


def test_boarding_house_offline_reaches_the_server_once(
    page, context, live_server, officer, screenshot
):
    context.grant_permissions(["geolocation"], origin=live_server.url)
    context.set_geolocation(POINT)
    statuses: list[int] = []
    page.on(
        "response",
        lambda r: (
            statuses.append(r.status)
            if r.request.method == "POST" and r.url.endswith("/api/v1/households")
            else None
        ),
    )
    log_in(page, "canbo")
    wait_for_data(page)
    context.set_offline(True)

    create_boarding_house(page, screenshot)
    outbox = sorted(phone_rows(page, "outbox"), key=lambda r: r["order"])
    assert [r["kind"] for r in outbox] == ["household", "visit"]
    household, visit = outbox[0]["body"], outbox[1]["body"]
    assert visit["household_client_id"] == household["client_id"]
    assert "household_id" not in visit
    assert household["rooms"][0] == "P101" and len(household["rooms"]) == 12
    assert household["location"]["lat"] == POINT["latitude"]
    assert [r["residence"] for r in household["residents"]] == [p[3] for p in PEOPLE]
    assert household["residents"][0]["home_province_code"] == "01"
    assert household["residents"][0]["date_of_birth"] == "1998"
    assert household["residents"][3]["date_of_birth"] == "2000-03-12"

    # Listed at once, marked as not yet sent; found by search without diacritics.
    page.goto("/app#today")
    row = page.wait_for_selector("#added-list .item[data-pending='pending']")
    assert "Nhà trọ Bình An" in row.inner_text() and "chưa gửi" in row.inner_text()
    page.goto("/app#search")
    page.fill("#q", "binh an")
    page.wait_for_selector("#results .item[data-pending]")
    assert counts() == (0, 0, 0)

    context.set_offline(False)
    wait_all_sent(page)
    assert counts() == (1, 5, 1)
    db.session.rollback()
    made = db.session.scalar(select(Household).where(Household.source == "field"))
    assert (made.kind, made.site_name, made.client_id) == (
        "boarding_house",
        "Nhà trọ Bình An",
        household["client_id"],
    )
    assert sorted(r.room for r in made.residents) == ["P101", "P101", "P102", "P103", "P112"]
    # Listed under its server id now.
    page.goto("/app#today")
    page.wait_for_selector(f"#added-list .item[data-household='{made.id}']:not([data-pending])")

    # Replay the outbox once more: the same two entries, sent again by the outbox itself.
    page.evaluate(
        """async (rows) => {
            const db = await new Promise((ok) => { const r = indexedDB.open('gocua');
                                                   r.onsuccess = () => ok(r.result); });
            await new Promise((ok) => {
                const tx = db.transaction('outbox', 'readwrite');
                for (const row of rows) tx.objectStore('outbox').put(
                    {...row, state: 'pending', attempts: 0});
                tx.oncomplete = ok;
            });
            db.close();
        }""",
        outbox,
    )
    page.goto("/app#outbox")
    page.wait_for_selector("#outbox-pending-count")
    page.click("#send-now")
    wait_all_sent(page)
    assert counts() == (1, 5, 1)
    assert statuses == [201, 200]
    assert page.console_errors == []


def test_quick_capture_records_a_person_in_a_few_taps(
    page, context, live_server, make_user, make_household, screenshot
):
    make_user("officer", "20179", hamlets=["20179-001"], username="canbo")
    site = make_household("20179-001", residents=[{"full_name": "Chủ Nhà Trọ"}])
    site.kind, site.site_name, site.rooms = "boarding_house", "Khu trọ Hòa Bình", ["A1", "A2", "A3"]
    db.session.commit()
    site_id = site.id
    log_in(page, "canbo")
    wait_for_data(page)
    context.set_offline(True)
    page.goto(f"/app#visit/{site_id}")
    page.click("#quick-capture")
    page.wait_for_selector("#capture-form")
    assert page.evaluate("document.activeElement.id") == "cap-id"

    taps = 0
    people = [
        ("001098001234", "Nguyễn Văn Tài", "A1", "level1"),
        ("046301005678", "Lê Thị Mai", "A2", "none"),
        ("001099009876", "Võ Minh Khang", "A2", "level2_active"),
    ]
    for number, name, room, eid in people:
        before = taps
        page.fill("#cap-id", number)
        taps += 1
        assert page.evaluate("document.activeElement.id") == "cap-name"  # flows on by itself
        page.fill("#cap-name", name)
        taps += 1
        page.select_option("#cap-room", room)
        taps += 1
        if eid != "none":
            page.select_option("#cap-eid", eid)
            taps += 1
        if name == "Lê Thị Mai":
            assert page.input_value("#cap-sex") == "female"
            assert page.input_value("#cap-year") == "2001"
            assert "Thừa Thiên Huế" in page.inner_text("#cap-info")
            photograph(page, screenshot, "quick-capture")
        page.click("#cap-save")
        taps += 1
        assert taps - before <= 8
        page.wait_for_function("() => document.activeElement.id === 'cap-id'")
        assert page.input_value("#cap-id") == ""
    assert page.inner_text("#capture-count") == "3"
    assert overflowing(page) == []
    rows = [r for r in phone_rows(page, "outbox") if r.get("capture")]
    assert len(rows) == 3 and all(r["body"]["household_id"] == site_id for r in rows)

    context.set_offline(False)
    wait_all_sent(page)
    db.session.rollback()
    found = {
        r.full_name: r
        for r in db.session.scalars(select(Resident).where(Resident.household_id == site_id))
    }
    tai = found["Nguyễn Văn Tài"]
    assert (tai.room, tai.residence, tai.home_province_code, tai.sex, tai.birth_year) == (
        "A1",
        "temporary",
        "01",
        "male",
        1998,
    )
    assert (tai.id_card, tai.eid) == ("issued", "level1")
    assert found["Võ Minh Khang"].eid == "level2_active"
    assert page.console_errors == []
