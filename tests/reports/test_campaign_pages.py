"""Campaign pages with CSRF on: list, create and edit, targets typed, spread and pasted,
the progress page as of a day, and who sees the officers' table."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from app.clock import today_in_vietnam
from app.extensions import db
from app.reports.campaign_forms import parse_pasted
from app.reports.models import Campaign, CampaignTarget
from app.units.models import Unit
from tests.reports import test_overdue_pages as pages
from tests.reports.test_overdue_pages import csrf_token, sign_in

client = pages.client  # a browser on an app that checks CSRF tokens, as a fixture here too
TODAY = today_in_vietnam()


@pytest.fixture
def people(world, make_user):
    out = {
        "chief": make_user("commander", "20179", username="chihuy"),
        "admin": make_user("admin", "46", username="quantri"),
        "officer": make_user("officer", "20179", hamlets=["20179-001"], username="canbo"),
        "far": make_user("commander", "19777", username="vyda"),
    }
    out["officer"].full_name = "Hồ Văn Một"
    db.session.commit()
    return {key: user.id for key, user in out.items()}


def post(client, url, **data):
    return client.post(url, data={"csrf_token": csrf_token(client), **data})


def create(client, **change):
    data = {
        "name": "Cao điểm 30 ngày",
        "unit": "20179",
        "starts_on": (TODAY - timedelta(days=9)).isoformat(),
        "ends_on": (TODAY + timedelta(days=20)).isoformat(),
        "metrics": ["households_visited", "id_collected"],
        **change,
    }
    return post(client, "/campaigns/new", **data)


def stored_targets(campaign_id: int) -> dict[tuple[str, str], int]:
    db.session.rollback()
    rows = db.session.execute(
        db.select(CampaignTarget.metric, Unit.code, CampaignTarget.target)
        .join(Unit, Unit.id == CampaignTarget.unit_id)
        .where(CampaignTarget.campaign_id == campaign_id)
    )
    out = {(metric, code): n for metric, code, n in rows}
    db.session.rollback()
    return out


def only_campaign() -> int:
    db.session.rollback()
    campaign_id = db.session.scalar(db.select(Campaign.id))
    db.session.rollback()
    return campaign_id


def test_create_then_list_and_edit(client, people):
    sign_in(client, "chihuy")
    response = create(client)
    assert response.status_code == 303
    campaign_id = only_campaign()
    assert response.headers["Location"] == f"/campaigns/{campaign_id}/targets"
    listing = client.get("/campaigns").text
    assert "Cao điểm 30 ngày" in listing and "Đang diễn ra" in listing and "Xã Nam Đông" in listing
    edit = client.get(f"/campaigns/{campaign_id}/edit").text
    assert 'value="Cao điểm 30 ngày"' in edit and "Xã Nam Đông" in edit
    response = post(
        client,
        f"/campaigns/{campaign_id}/edit",
        name="Cao điểm tháng 12",
        starts_on=(TODAY - timedelta(days=9)).isoformat(),
        ends_on=(TODAY + timedelta(days=30)).isoformat(),
        metrics=["households_visited"],
        show_ranking_to_officers="1",
    )
    assert response.status_code == 303
    db.session.rollback()
    campaign = db.session.get(Campaign, campaign_id)
    assert campaign.name == "Cao điểm tháng 12" and campaign.metrics == ["households_visited"]
    assert campaign.show_ranking_to_officers is True
    db.session.rollback()


def test_the_form_keeps_what_was_typed_and_says_what_is_wrong(client, people):
    sign_in(client, "chihuy")
    response = create(client, name="Đợt hai", ends_on=(TODAY - timedelta(days=30)).isoformat())
    assert response.status_code == 422
    assert 'value="Đợt hai"' in response.text and "Phải từ ngày bắt đầu trở đi." in response.text
    response = create(client, metrics=[], starts_on="not a day")
    assert response.status_code == 422
    assert 'id="error-metrics"' in response.text and 'id="error-starts_on"' in response.text
    assert only_campaign() is None
    # Without the CSRF token nothing is created.
    assert client.post("/campaigns/new", data={"name": "x"}).status_code == 400


def test_targets_typed_spread_and_pasted(client, people, make_household):
    for hamlet, n in (("20179-001", 3), ("20179-002", 1)):
        for _ in range(n):
            make_household(hamlet)
    sign_in(client, "chihuy")
    create(client)
    campaign_id = only_campaign()
    url = f"/campaigns/{campaign_id}/targets"
    page = client.get(url).text
    assert 'name="t-households_visited-20179-001"' in page
    response = post(
        client,
        url,
        how="typed",
        **{"t-households_visited-20179-001": "1.200", "t-id_collected-20179-002": "7"},
    )
    assert response.status_code == 303
    assert stored_targets(campaign_id) == {
        ("households_visited", "20179-001"): 1200,
        ("id_collected", "20179-002"): 7,
    }
    bad = post(client, url, how="typed", **{"t-id_collected-20179-001": "mười"})
    assert bad.status_code == 422 and 'value="mười"' in bad.text and "aria-invalid" in bad.text
    assert len(stored_targets(campaign_id)) == 2
    assert (
        post(client, url, how="spread", metric="households_visited", total="8").status_code == 303
    )
    spread = stored_targets(campaign_id)
    assert spread[("households_visited", "20179-001")] == 6
    assert spread[("households_visited", "20179-002")] == 2
    bad = post(client, url, how="spread", metric="households_visited", total="-3")
    assert bad.status_code == 422 and 'value="-3"' in bad.text
    pasted = "Mã\tChỉ tiêu\n20179-001\t40\nthôn 2\t25\n"
    assert post(client, url, how="paste", metric="id_collected", pasted=pasted).status_code == 303
    targets = stored_targets(campaign_id)
    assert targets[("id_collected", "20179-001")] == 40
    assert targets[("id_collected", "20179-002")] == 25


def test_pasted_lines_that_are_wrong_are_reported_and_nothing_is_lost(client, people):
    sign_in(client, "chihuy")
    create(client)
    campaign_id = only_campaign()
    url = f"/campaigns/{campaign_id}/targets"
    pasted = "20179-001\t40\n19777-001\t5\n20179-002\tnhiều\n20179-001\t3\n"
    response = post(client, url, how="paste", metric="id_collected", pasted=pasted)
    assert response.status_code == 422
    problems = re.search(r'<table class="paste-problems">(.*?)</table>', response.text, re.S)
    rows = problems.group(1).split("<tr>")[2:]
    assert [re.search(r"<td>(\d+)</td>", r).group(1) for r in rows] == ["2", "3", "4"]
    assert "19777-001" in rows[0] and "đã có ở dòng 1" in rows[2]
    assert "20179-002\tnhiều" in response.text  # the textarea keeps every line
    assert stored_targets(campaign_id) == {}


def test_the_paste_parser(world):
    children = list(
        db.session.scalars(
            db.select(Unit).where(Unit.parent_id == world["20179"].id).order_by(Unit.code)
        )
    )
    got = parse_pasted("Thôn 1\t1 200\r\n20179-002;30\n\n20179-003   4\n", children)
    assert got.targets == {"20179-001": 1200, "20179-002": 30, "20179-003": 4}
    assert not got.problems and not got.header_skipped
    got = parse_pasted("Đơn vị\tSố\nXYZ\t3\n20179-001\t-1\n20179-002\t2.5\n", children)
    assert got.header_skipped
    assert [number for number, _line, _msg in got.problems] == [2, 3, 4]
    assert parse_pasted("\n \n", children).problems[0][0] == 0


def test_progress_page_with_chart_bars_and_a_past_day(client, people, make_household, add_visit):
    home = make_household("20179-001")
    add_visit(home, "met")
    sign_in(client, "chihuy")
    create(client)
    campaign_id = only_campaign()
    post(
        client,
        f"/campaigns/{campaign_id}/targets",
        how="typed",
        **{"t-households_visited-20179-001": "4"},
    )
    page = client.get(f"/campaigns/{campaign_id}").text
    assert page.count('<svg class="chart progress-chart"') == 2
    assert 'class="plan"' in page and "<polyline" in page
    assert 'class="meter"' in page and "25,00%" in page
    assert 'id="officers"' in page and "Hồ Văn Một" in page
    past = client.get(f"/campaigns/{campaign_id}?on={(TODAY - timedelta(days=5)).isoformat()}")
    assert past.status_code == 200 and 'id="asof-note"' in past.text
    sorted_page = client.get(f"/campaigns/{campaign_id}?sort=households_completed&dir=asc").text
    assert "Hộ đã hoàn thành ▲" in sorted_page
    assert client.get(f"/campaigns/{campaign_id}?sort=salary").status_code == 422
    assert client.get(f"/campaigns/{campaign_id}?on=yesterday").status_code == 422


def test_officers_look_but_see_no_officers_table_unless_turned_on(client, people):
    sign_in(client, "chihuy")
    create(client)
    campaign_id = only_campaign()
    pages.log_out(client)
    sign_in(client, "canbo")
    page = client.get(f"/campaigns/{campaign_id}")
    assert page.status_code == 200 and 'id="officers"' not in page.text
    assert "/edit" not in page.text and "/targets" not in page.text
    assert client.get("/campaigns").status_code == 200
    assert client.get(f"/campaigns/{campaign_id}/targets").status_code == 403
    assert post(client, "/campaigns/new", name="x").status_code == 403
    db.session.get(Campaign, campaign_id).show_ranking_to_officers = True
    db.session.commit()
    assert 'id="officers"' in client.get(f"/campaigns/{campaign_id}").text


def test_other_units_campaigns_are_not_found(client, people):
    sign_in(client, "chihuy")
    create(client)
    campaign_id = only_campaign()
    pages.log_out(client)
    sign_in(client, "vyda")
    assert "Cao điểm" not in client.get("/campaigns").text
    for url in (f"/campaigns/{campaign_id}", f"/campaigns/{campaign_id}/edit"):
        assert client.get(url).status_code == 404
    assert post(client, f"/campaigns/{campaign_id}/targets", how="typed").status_code == 404
    # The province's admin sees it.
    pages.log_out(client)
    sign_in(client, "quantri")
    assert client.get(f"/campaigns/{campaign_id}").status_code == 200
