"""The household list with sites and residence: "Loại hộ", "Tên cơ sở", "Phòng",
"Diện cư trú", "Nơi thường trú", "Tạm trú đến"; labels or machine values; errors row by row."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from app.extensions import db
from app.people.models import Household, Resident
from tests.imports.conftest import row_errors

HEADER = (
    "Số hộ,Họ và tên,Quan hệ với chủ hộ,Thôn,Loại hộ,Tên cơ sở,Phòng,Diện cư trú,"
    "Nơi thường trú,Tạm trú đến"
)


def _csv(*lines: str) -> bytes:
    return "\n".join([HEADER, *lines]).encode()


def _people() -> dict[str, Resident]:
    return {r.full_name: r for r in db.session.scalars(select(Resident))}


def test_a_boarding_house_with_temporary_residents_is_imported(importer):
    data = _csv(
        "T-01,Lê Thị Hoa,Chủ hộ,Thôn 1,Nhà trọ,Nhà trọ Hoa Sen,,Thường trú,,",
        'T-01,Trần Văn Nam,Khác,Thôn 1,,,P101,Tạm trú,"xóm 3, tỉnh Nghệ An",31/12/2027',
        "T-01,Hồ Thị Lan,Khác,Thôn 1,boarding_house,,P102,staying,,2027-06-30",
        "F-01,Nguyễn Văn Gia,Chủ hộ,Thôn 1,Hộ gia đình,,,,,",
        "F-02,Phạm Văn Cũ,Chủ hộ,Thôn 1,,,,,,",
    )
    result = importer(data, name="tro.csv")
    assert not row_errors(result), row_errors(result)
    assert result.summary.written
    homes = {h.code: h for h in db.session.scalars(select(Household))}
    assert (homes["T-01"].kind, homes["T-01"].site_name) == ("boarding_house", "Nhà trọ Hoa Sen")
    assert homes["F-01"].kind == homes["F-02"].kind == "family"
    people = _people()
    nam = people["Trần Văn Nam"]
    assert (nam.residence, nam.room, nam.home_address) == (
        "temporary",
        "P101",
        "xóm 3, tỉnh Nghệ An",
    )
    assert nam.residence_until == date(2027, 12, 31)
    lan = people["Hồ Thị Lan"]
    assert (lan.residence, lan.residence_until) == ("staying", date(2027, 6, 30))
    assert people["Lê Thị Hoa"].residence == "permanent"
    assert people["Phạm Văn Cũ"].residence == "permanent"  # no value: the default


def test_bad_kind_residence_and_date_are_errors_of_their_rows(importer):
    data = _csv(
        "T-01,Lê Thị Hoa,Chủ hộ,Thôn 1,Nhà nghỉ,,,,,",
        "T-02,Trần Văn Nam,Chủ hộ,Thôn 1,Nhà trọ,,,Tạm vắng lâu,,",
        "T-03,Hồ Thị Lan,Chủ hộ,Thôn 1,,,,Tạm trú,,31/02/2027",
        "T-04,Võ Văn Đúng,Chủ hộ,Thôn 1,Ký túc xá,KTX A,,Lưu trú,,",
        "T-05,Mai Văn Một,Chủ hộ,Thôn 1,Nhà trọ,Trọ A,,,,",
        "T-05,Mai Thị Hai,Con,Thôn 1,Ký túc xá,Trọ B,,,,",
    )
    result = importer(data, name="tro.csv", partial=True)
    errors = row_errors(result)
    assert set(errors) == {2, 3, 4, 7}  # the conflict is told on the later row
    assert errors[2].startswith("Loại hộ:") and "Nhà trọ" in errors[2]
    assert errors[3].startswith("Diện cư trú:") and "Tạm trú" in errors[3]
    assert errors[4].startswith("Tạm trú đến:")
    assert "Loại hộ khác với dòng 6" in errors[7] and "Tên cơ sở khác với dòng 6" in errors[7]
    dorm = db.session.scalars(select(Household).where(Household.code == "T-04")).one()
    assert (dorm.kind, dorm.site_name) == ("dormitory", "KTX A")


def test_a_second_import_changes_the_kind_and_keeps_what_is_blank(importer):
    importer(_csv("T-01,Lê Thị Hoa,Chủ hộ,Thôn 1,,,,Tạm trú,,31/12/2027"), name="a.csv")
    result = importer(_csv("T-01,Lê Thị Hoa,Chủ hộ,Thôn 1,Công ty,Công ty May,,,,"), name="b.csv")
    assert not row_errors(result)
    home = db.session.scalars(select(Household)).one()
    assert (home.kind, home.site_name) == ("company", "Công ty May")
    hoa = _people()["Lê Thị Hoa"]
    assert (hoa.residence, hoa.residence_until) == ("temporary", date(2027, 12, 31))
