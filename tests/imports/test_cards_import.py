"""The household list's card columns: "Không thể đi lại" (yes/no words) and "Ngày cấp thẻ";
the renewal date follows; a re-import that marks someone unable to travel turns their open
id_capture into id_capture_at_home (through resident_changed)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from app.extensions import db
from app.followups.models import Followup
from app.followups.rules import RULE
from app.followups.service import new_followup
from app.people.models import Household, Resident
from tests.imports.conftest import row_errors

HEADER = "Số hộ,Họ và tên,Quan hệ với chủ hộ,Ngày sinh,Thôn,Không thể đi lại,Ngày cấp thẻ"


def _csv(*lines: str) -> bytes:
    return "\n".join([HEADER, *lines]).encode()


def _people() -> dict[str, Resident]:
    return {r.full_name: r for r in db.session.scalars(select(Resident))}


def test_unable_to_travel_and_the_issue_date_are_imported(importer):
    data = _csv(
        "C-01,Lê Văn Một,Chủ hộ,02/03/1950,Thôn 1,Có,15/04/2021",
        "C-01,Lê Thị Hai,Vợ,1990,Thôn 1,x,01/01/2012",
        "C-01,Lê Văn Ba,Con,2010,Thôn 1,không,",
        "C-01,Lê Văn Bốn,Con,2012,Thôn 1,,",
    )
    result = importer(data, name="the.csv")
    assert not row_errors(result), row_errors(result)
    people = _people()
    one, two = people["Lê Văn Một"], people["Lê Thị Hai"]
    assert (one.unable_to_travel, one.card_issued_on) == (True, date(2021, 4, 15))
    assert one.card_renewal_due is None  # issued at 71: valid for life
    assert two.unable_to_travel is True
    assert two.card_renewal_due == date(2015, 1, 1)  # issued at 22: renew at 25 (1 January)
    assert people["Lê Văn Ba"].unable_to_travel is False
    assert people["Lê Văn Bốn"].unable_to_travel is False


def test_bad_yes_no_and_issue_dates_are_errors_of_their_rows(importer):
    data = _csv(
        "C-01,Lê Văn Một,Chủ hộ,1950,Thôn 1,có lẽ,",
        "C-02,Lê Văn Hai,Chủ hộ,1950,Thôn 1,,31/12/2099",
        "C-03,Lê Văn Ba,Chủ hộ,1950,Thôn 1,,hôm qua",
    )
    errors = row_errors(importer(data, name="bad.csv"))
    assert "có, không" in errors[2]
    assert "ngày cấp thẻ không hợp lý" in errors[3]
    assert "dd/mm/yyyy" in errors[4]


def test_a_reimport_marking_someone_unable_to_travel_turns_the_capture_at_home(importer, make_user):
    mobile = make_user("officer", "20179", mobile_team=True, username="luudong")
    importer(_csv("C-01,Lê Văn Năm,Chủ hộ,1980,Thôn 1,,"), name="one.csv")
    household = db.session.scalar(select(Household))
    person = _people()["Lê Văn Năm"]
    capture = new_followup(
        RULE["id_capture"], due=date.today(), place=household, resident_id=person.id
    )
    db.session.commit()
    result = importer(_csv("C-01,Lê Văn Năm,Chủ hộ,1980,Thôn 1,Có,"), name="two.csv")
    assert not row_errors(result), row_errors(result)
    db.session.expire_all()
    followup = db.session.get(Followup, capture.id)
    assert (followup.status, followup.kind, followup.assignee_id) == (
        "open",
        "id_capture_at_home",
        mobile.id,
    )
    assert db.session.get(Resident, person.id).unable_to_travel is True
