"""Every screen of the phone app at 360x640: no sideways scrolling, big targets, no console
errors, a screenshot each (docs/screenshots/)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.clock import today_in_vietnam
from app.extensions import db
from app.followups.models import Followup
from app.people.models import Correction, Resident
from tests.field.browser_helpers import (
    log_in,
    open_app,
    overflowing,
    photograph,
    small_targets,
    wait_for_data,
    wait_sent,
)


def check(page, screenshot, name: str) -> None:
    """The screen fits 360 px, its targets are at least 44 px, and it is photographed."""
    assert overflowing(page) == [], name
    assert small_targets(page) == [], name
    photograph(page, screenshot, name)


@pytest.fixture
def officer_world(make_user, make_household):
    officer = make_user("officer", "20179", hamlets=["20179-001", "20179-002"], username="canbo")
    officer.full_name = "Nguyễn Văn Cán Bộ"
    first = make_household(
        "20179-001",
        address="Thôn 1, xã Nam Đông, thành phố Huế — nhà cuối đường bê tông gần nhà văn hóa",
        residents=[
            {"full_name": "Hồ Văn Nhờ", "date_of_birth": "1968-03-02", "id_number": "046068000123"},
            {"full_name": "Nguyễn Thị Lan", "sex": "female", "relationship_to_head": "spouse"},
            {
                "full_name": "Hồ Thị Bích Ngọc Ánh",
                "sex": "female",
                "relationship_to_head": "child",
                "date_of_birth": "2005",
            },
        ],
    )
    # Thôn 2 lies 3 km east of Thôn 1; its households on a line east-west of its centre.
    lat, lon = 16.066, 107.717
    east_west = {"Trần Văn Đức": 0.002, "Lê Thị Hoa": -0.001, "Alăng Thị Hương": 0.004}
    east_west["Nguyễn Văn Tèo"] = 0.0005
    others = {
        name: make_household(
            "20179-002", residents=[{"full_name": name}], location=(lat, lon + d)
        ).id
        for name, d in east_west.items()
    }
    db.session.add(
        Followup(
            kind="revisit",
            reason="Không có ai ở nhà",
            due_date=today_in_vietnam(),
            household_id=first.id,
            assignee_id=officer.id,
            hamlet_id=first.hamlet_id,
            commune_id=first.commune_id,
            province_id=first.province_id,
        )
    )
    db.session.commit()
    return officer, first, others


def test_officer_screens_fit_a_small_phone(page, context, live_server, officer_world, screenshot):
    _officer, first, others = officer_world
    first_id = first.id
    db.session.rollback()  # a test-thread transaction on SQLite holds the write lock
    context.grant_permissions(["geolocation"], origin=live_server.url)
    context.set_geolocation({"latitude": 16.0662, "longitude": 107.7171, "accuracy": 15})
    open_app(page)
    check(page, screenshot, "login")

    log_in(page, "canbo")
    wait_for_data(page)
    page.goto("/app#today")
    page.wait_for_function("() => document.querySelector('#where').textContent.includes('±15 m')")
    # The revisit first (due today), 3 km west in Thôn 1; the households never visited then
    # go on from there, walking east: not nearest-first from where the officer stands.
    households = "els => els.map(e => Number(e.dataset.household))"
    assert page.eval_on_selector_all("#due-list .item", households) == [first_id]
    walk = ["Lê Thị Hoa", "Nguyễn Văn Tèo", "Trần Văn Đức", "Alăng Thị Hương"]
    assert page.eval_on_selector_all("#open-list .item", households) == [
        others[name] for name in walk
    ]
    check(page, screenshot, "today")

    page.goto("/app#search")
    page.fill("#q", "nguyen van")
    page.wait_for_selector("#results .item")
    found = page.inner_text("#results")
    assert "Nguyễn Văn Tèo" in found and "Hồ Văn Nhờ" in found  # his wife is Nguyễn Thị Lan
    assert "Trần Văn Đức" not in found
    check(page, screenshot, "search")

    page.goto(f"/app#visit/{first_id}")
    page.check("input[name=outcome][value=met]")
    page.click(".resident .add-correction >> nth=0")
    page.select_option(".correction select", "date_of_birth")
    page.fill(".correction input >> nth=0", "1968-03-12")
    page.click("#add-person")
    page.fill("fieldset.new input >> nth=0", "Hồ Văn Mới")
    page.locator(".resident >> nth=0").scroll_into_view_if_needed()
    page.evaluate("document.querySelector('.resident').scrollIntoView()")
    check(page, screenshot, "visit-form-met")
    page.click("#save-visit")
    wait_sent(page, 1)
    check(page, screenshot, "outbox")
    db.session.rollback()
    born = db.session.scalar(select(Resident).where(Resident.full_name == "Hồ Văn Mới"))
    assert born is not None and born.household_id == first.id
    mine = (Correction.field == "date_of_birth") & (Correction.source == "officer")
    fix = db.session.scalar(select(Correction).where(mine))
    assert (fix.resident_id, fix.proposed_value) == (first.residents[0].id, "1968-03-12")

    page.goto("/app#more")
    page.wait_for_selector("#logout")
    check(page, screenshot, "more")
    assert page.console_errors == []
    assert page.off_server_requests == []


def test_english_switch_is_kept(page, officer_world):
    log_in(page, "canbo")
    page.goto("/app#more")
    page.click("#lang-switch")
    page.wait_for_selector("#tab-today >> text=Today")
    page.reload()
    page.wait_for_selector("body[data-ready='1']")
    assert page.inner_text("#tab-outbox").startswith("Outbox")
    assert "lang=en" in page.evaluate("document.cookie")
    assert page.evaluate("localStorage.getItem('gocua.lang')") == "en"


def test_every_label_has_english(page, live_server):
    # The phone's labels come from the server's catalogue, in both languages, the same values.
    open_app(page)
    missing = page.evaluate(
        """async () => {
            const vi = (await (await fetch('/app/i18n/vi.json')).json()).labels;
            const en = (await (await fetch('/app/i18n/en.json')).json()).labels;
            const out = [];
            for (const [field, values] of Object.entries(vi)) {
                for (const [value, text] of Object.entries(values)) {
                    const english = (en[field] || {})[value];
                    if (!text || !english || (english === text && /[^\\x00-\\x7f]/.test(text))) {
                        out.push(`${field}.${value}`);
                    }
                }
            }
            const labels = await import('/static/app/labels.js');
            if (labels.label('outcome', 'met') !== vi.outcome.met) out.push('label() outcome.met');
            return out;
        }"""
    )
    assert missing == []


def test_fold_matches_the_server(page, live_server):
    from app.text import fold

    samples = [
        "Nguyễn Văn Đức",
        "  HỒ   THỊ  ÁNH ",
        "Đặng Ngọc Ẩn",
        "Alăng Thị Hương",
        "Y-Ngông Niê Kđăm",
        "Thôn 3, xã Nam Đông",
        "İstanbul",
        "ĐĐđđ",
    ]
    open_app(page)
    folded = page.evaluate(
        "async (xs) => { const m = await import('/static/app/text.js'); return xs.map(m.fold); }",
        samples,
    )
    assert folded == [fold(s) for s in samples]
