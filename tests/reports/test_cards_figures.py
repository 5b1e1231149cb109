"""Cards to re-issue and renewals due: in coverage (per hamlet), coverage.xlsx and the weekly
report (as of its last day)."""

from __future__ import annotations

from datetime import date, timedelta
from io import BytesIO

import pytest
from openpyxl import load_workbook

from app.clock import start_of_day, today_in_vietnam
from app.extensions import db
from app.people.models import StatusChange
from app.people.renewal import refresh_renewal_due
from tests.factories import api_get
from tests.reports.conftest import adult

TODAY = today_in_vietnam()


def _issued_for_due_in(days: int) -> tuple[str, date]:
    """A date of birth (25 in `days` days) and an issue date at 20: renewal due then."""
    turns_25 = TODAY + timedelta(days=days)
    born = turns_25.replace(year=turns_25.year - 25)
    return born.isoformat(), born.replace(year=born.year + 20)


@pytest.fixture
def cards(make_household):
    soon_born, soon_issued = _issued_for_due_in(30)
    late_born, late_issued = _issued_for_due_in(-10)
    far_born, far_issued = _issued_for_due_in(200)
    one = make_household(
        "20179-001",
        residents=[
            adult("Mất Thẻ", id_card="issued", card_issue="lost"),
            {"full_name": "Sắp Đổi", "date_of_birth": soon_born, "card_issued_on": soon_issued},
            {"full_name": "Quá Hạn", "date_of_birth": late_born, "card_issued_on": late_issued},
            {"full_name": "Còn Xa", "date_of_birth": far_born, "card_issued_on": far_issued},
        ],
    )
    two = make_household(
        "20179-002",
        residents=[
            adult("Hỏng Thẻ", card_issue="damaged"),
            adult("Đi Xa", card_issue="lost", presence="moved"),
        ],
    )
    for resident in one.residents + two.residents:
        refresh_renewal_due(resident)
        resident.created_at = start_of_day(TODAY - timedelta(days=30))
    db.session.commit()
    return one, two


def test_coverage_counts_cards_to_reissue_and_renewals_due_per_hamlet(
    client, cards, make_user, token_for
):
    headers = token_for(make_user("commander", "20179"))
    status, body = api_get(client, "/api/v1/coverage?unit=20179", headers)
    assert status == 200, body
    rows = {child["code"]: child for child in body["children"]}
    assert (rows["20179-001"]["cards_to_reissue"], rows["20179-001"]["renewals_due"]) == (1, 2)
    assert (rows["20179-002"]["cards_to_reissue"], rows["20179-002"]["renewals_due"]) == (1, 0)
    assert (body["totals"]["cards_to_reissue"], body["totals"]["renewals_due"]) == (2, 2)

    response = client.get("/api/v1/exports/coverage.xlsx?unit=20179", headers=headers)
    assert response.status_code == 200
    commune, hamlets = load_workbook(BytesIO(response.data)).worksheets[:2]
    for sheet, wanted in ((commune, (2, 2)), (hamlets, (1, 2))):
        values = [[cell.value for cell in row] for row in sheet.iter_rows()]
        column = values[0].index("Thẻ cần cấp lại")
        assert values[0][column + 1].startswith("Thẻ đến hạn đổi")
        assert tuple(values[1][column : column + 2]) == wanted


def test_the_weekly_report_counts_cards_as_of_its_last_day(client, cards, make_user, token_for):
    one, _two = cards
    lost = one.residents[0]
    # The loss was told ten days ago and cleared (a new card) five days ago: a report ending a
    # week ago still counts it; today's does not.
    for offset, old, new in ((10, None, "lost"), (5, "lost", None)):
        db.session.add(
            StatusChange(
                resident_id=lost.id,
                field="card_issue",
                old_value=old,
                new_value=new,
                at=start_of_day(TODAY - timedelta(days=offset)) + timedelta(hours=3),
            )
        )
    lost.card_issue = None
    db.session.commit()
    headers = token_for(make_user("commander", "20179"))
    week_ago = TODAY - timedelta(days=7)
    status, then = api_get(
        client,
        f"/api/v1/reports/summary?unit=20179&from={week_ago - timedelta(days=6)}&to={week_ago}",
        headers,
    )
    assert status == 200, then
    status, now = api_get(client, f"/api/v1/reports/summary?unit=20179&to={TODAY}", headers)
    assert then["totals"]["cards_to_reissue"] == 2  # the lost card and the damaged one
    assert now["totals"]["cards_to_reissue"] == 1
    assert now["totals"]["renewals_due"] == 2
    figures = {row["key"]: row for row in now["figures"]}
    assert figures["cards_to_reissue"]["section"] == "cards"
    children = {c["code"]: c for c in now["children"]}
    assert children["20179-001"]["figures"]["renewals_due"] == 2


def test_a_past_week_keeps_a_problem_on_file_before_it_was_cleared(
    client, cards, make_user, token_for
):
    """A loss on file with no history of its own (an import, a new resident) and cleared
    today: a week that ended before still counts it, and keeps counting it."""
    one, _two = cards
    lost = one.residents[0]
    assert lost.card_issue == "lost"
    headers = token_for(make_user("commander", "20179"))
    week_ago = TODAY - timedelta(days=7)
    url = f"/api/v1/reports/summary?unit=20179&from={week_ago - timedelta(days=6)}&to={week_ago}"
    before = api_get(client, url, headers)[1]["totals"]["cards_to_reissue"]
    db.session.add(
        StatusChange(resident_id=lost.id, field="card_issue", old_value="lost", new_value=None,
                     at=start_of_day(TODAY) + timedelta(hours=3))
    )  # fmt: skip
    lost.card_issue = None
    db.session.commit()
    assert api_get(client, url, headers)[1]["totals"]["cards_to_reissue"] == before == 2
