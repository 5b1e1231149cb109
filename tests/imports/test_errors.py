"""A sheet full of mistakes: a Vietnamese message per row, all or nothing, --partial, report."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from app.extensions import db
from app.imports.report import write_report
from app.people.idnumber import build_id_number
from app.people.models import Household, Resident
from tests.imports.conftest import as_dicts, counts, row_errors

# Sheet row -> a piece of its error (loi.xlsx: header on row 1, ND-0001 on rows 2-5).
EXPECTED = {
    6: "Thiếu họ và tên.",
    7: "Ngày sinh: không có ngày này",
    8: "Số định danh: phải gồm đúng 12 chữ số (ô có 11 chữ số)",
    9: "Không có thôn 'Thôn 9' trong Xã Nam Đông",
    10: "Số định danh trùng với dòng 11 trong tệp",
    11: "Số định danh trùng với dòng 10 trong tệp",
    12: "Số định danh đã có ở hộ HO-TAKEN",
    13: "Hộ L-09 không có chủ hộ",
    14: "Hộ L-10 có 2 chủ hộ (dòng 14, 15)",
    15: "Hộ L-10 có 2 chủ hộ (dòng 14, 15)",
    16: "Giới tính: phải là Nam hoặc Nữ",
    17: "Cột C: ô có công thức (bắt đầu bằng '=')",
    18: "Địa chỉ thuộc Xã Khe Tre (mã 20161) theo đơn vị hành chính mới",
    19: "Cần cả vĩ độ và kinh độ",
    20: "Ngày sinh: không hợp lý",
    21: "Thiếu số hộ.",
    23: "Trùng người với dòng 22",
    24: "bị Excel đổi sang dạng số mũ (4.6068E+10)",
    25: "Tình trạng CCCD: 'Đang làm' không hợp lệ; dùng: Chưa thu nhận",
}
GOOD_ROWS = {2, 3, 4, 5, 26}  # ND-0001 and L-19; row 22 is the first of the L-16 twins


@pytest.fixture
def taken(make_household):
    """A household on file holding the ID number that row 12 uses."""
    number = build_id_number("046", "male", 1970, 9999)
    return make_household(
        "20179-002", code="HO-TAKEN", residents=[{"full_name": "Hồ Văn X", "id_number": number}]
    )


def test_every_mistake_has_its_message_and_nothing_is_written(importer, taken):
    before = counts()
    result = importer("loi.xlsx")
    errors = row_errors(result)
    for number, text in EXPECTED.items():
        assert text in errors.get(number, ""), (number, errors.get(number))
    assert set(errors) == set(EXPECTED)
    assert not result.summary.written and result.summary.rows_with_errors == len(EXPECTED)
    assert counts() == before
    assert "Không nhập gì vì có 19 dòng lỗi" in result.summary.verdict()
    # The good rows say why they were not taken either.
    good = [r for r in result.rows if r.number in GOOD_ROWS]
    assert all("Không nhập vì tệp có dòng lỗi." in r.notes for r in good)


def test_partial_takes_households_whose_rows_are_all_good(importer, taken):
    result = importer("loi.xlsx", partial=True)
    assert result.summary.written
    households, residents = as_dicts(result)
    assert households["added"] == 2  # ND-0001 and L-19
    assert residents["added"] == 5
    refused_codes = {"L-02", "L-03", "L-04", "L-05", "L-06", "L-07", "L-08", "L-09", "L-10",
                     "L-11", "L-12", "L-13", "L-14", "L-15", "L-16", "L-17", "L-18"}  # fmt: skip
    assert households["refused"] == len(refused_codes)
    assert residents["refused"] == len(EXPECTED) + 1  # the good twin of L-16 goes with it
    codes = set(db.session.scalars(select(Household.code)).all())
    assert codes == {"HO-TAKEN", "ND-0001", "L-19"}
    twin = next(r for r in result.rows if r.number == 22)
    assert twin.status == "skipped" and "Không nhập vì hộ này có dòng lỗi." in twin.notes
    assert "có dòng lỗi không được nhập" in result.summary.verdict()
    # L-19's year written as a number is a year.
    assert (
        db.session.scalar(
            select(Resident.birth_year).where(Resident.full_name == "Lê Văn Mười Chín")
        )
        == 1995
    )


def test_partial_with_create_hamlets_takes_the_unknown_hamlet(importer, taken, world):
    result = importer("loi.xlsx", partial=True, create_hamlets=True)
    assert 9 not in row_errors(result)
    household = db.session.scalar(select(Household).where(Household.code == "L-05"))
    assert household is not None
    assert result.summary.hamlets_created == ["20179-004"]


def test_report_is_the_sheet_with_result_error_and_note_columns(importer, taken):
    result = importer("loi.xlsx")
    workbook = load_workbook(io.BytesIO(write_report(result)))
    sheet = workbook.worksheets[0]
    rows = list(sheet.iter_rows())
    header = [c.value for c in rows[0]]
    assert header[-3:] == ["Kết quả", "Lỗi", "Ghi chú"]
    assert len(rows) == 1 + len(result.rows)
    error_col = len(header) - 2
    for number, text in EXPECTED.items():
        cells = rows[number - 1]
        assert text in cells[error_col].value
        assert cells[0].fill.fgColor.rgb.endswith("FFC7CE")
        assert cells[error_col - 1].value == "Lỗi"
    good = rows[1]
    assert good[error_col].value is None and good[0].fill.fgColor.rgb in ("00000000", None)
    assert good[error_col - 1].value == "Sẽ thêm"
    # The formula text stays inert text in the report.
    formula = rows[16][2]
    assert formula.value.startswith("=HYPERLINK") and formula.data_type == "s"
    summary_lines = [r[0] for r in workbook.worksheets[1].iter_rows(values_only=True)]
    assert summary_lines[-1] == result.summary.verdict()


def test_fixed_report_imports_cleanly(importer, taken):
    """The person deletes the bad rows of the report and imports the report itself."""
    result = importer("loi.xlsx")
    workbook = load_workbook(io.BytesIO(write_report(result)))
    sheet = workbook.worksheets[0]
    for number in sorted(EXPECTED, reverse=True):
        sheet.delete_rows(number)
    sheet.delete_rows(22 - sum(1 for n in EXPECTED if n < 22))  # the L-16 twin left alone
    buffer = io.BytesIO()
    workbook.save(buffer)
    again = importer(buffer.getvalue(), name="bao-cao.xlsx")
    assert again.summary.written and again.summary.rows_with_errors == 0
    assert again.summary.ignored_columns == ["STT", "Ghi chú", "Kết quả", "Lỗi", "Ghi chú"]
    assert again.summary.households.added == 2
