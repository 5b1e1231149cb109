"""The streaming reader of the household import (`xlsx_stream.py`) answers exactly the rows
calamine and its scan answer (`xlsx.py`): same values, same types, same refusals."""

from __future__ import annotations

import pytest

from app.imports import files
from app.imports.files import Limits, open_sheet, read_sheet
from app.imports.xlsx import UNCALCULATED
from app.imports.xlsx_stream import excel_date
from tests.imports.conftest import fixture_bytes
from tests.imports.test_xlsx import FORMULAS, MAIN, SHARED, SHEET, STYLES, package


def typed(rows) -> list[tuple]:
    """Rows with each cell's type beside its value (1 == 1.0 == True otherwise)."""
    return [tuple((type(c).__name__, c) for c in row) for row in rows]


def assert_same_as_calamine(data: bytes) -> list[tuple]:
    streamed = list(open_sheet(data, Limits()).rows)
    assert typed(streamed) == typed(read_sheet(data, Limits()).rows)
    return streamed


@pytest.mark.parametrize("name", ["nam_dong.xlsx", "nam_dong_cap_nhat.xlsx", "loi.xlsx"])
def test_fixture_sheets_stream_as_calamine_reads_them(name):
    assert assert_same_as_calamine(fixture_bytes(name))


@pytest.mark.parametrize("date1904", [False, True])
def test_hand_made_sheet_streams_as_calamine_reads_it(date1904):
    book_pr = '<workbookPr date1904="1"/>' if date1904 else ""
    rows = assert_same_as_calamine(package(SHEET, shared=SHARED, styles=STYLES, book_pr=book_pr))
    assert rows[4][2] is UNCALCULATED and rows[8][27] == "rich inline"


FORMATS = ['dd/mm/yyyy', 'h:mm', '[h]:mm', 'mm:ss', '0.00', 'General', 'yyyy-mm-dd hh:mm',
           '"d"0', '\\d0', '[Red]0', '[$-409]d-mmm', '0;d', '@', 'AM/PM 0', '[mm]:ss',
           'hh:mm:ss AM/PM', '_d0']  # fmt: skip
BUILT_IN = [0, 1, 2, 4, 10, 14, 15, 17, 20, 21, 22, 27, 30, 36, 37, 45, 46, 47, 49, 50, 57, 58]
VALUES = ["0.25", "1.5", "45000", "45000.75", "-1", "0", "59", "60", "61", "36526.1",
          "2958465.9999999", "12345.678901"]  # fmt: skip


def _formats_package(book_pr: str) -> bytes:
    codes = "".join(
        f'<numFmt numFmtId="{164 + i}" formatCode="{f.replace(chr(34), "&quot;")}"/>'
        for i, f in enumerate(FORMATS)
    )
    xfs = [f'<xf numFmtId="{164 + i}"/>' for i in range(len(FORMATS))]
    xfs += [f'<xf numFmtId="{i}"/>' for i in BUILT_IN]
    styles = (
        f'<styleSheet xmlns="{MAIN}"><numFmts>{codes}</numFmts>'
        f'<cellXfs count="{len(xfs)}">{"".join(xfs)}</cellXfs></styleSheet>'
    )
    rows = "".join(
        f'<row r="{2 * r + 1}">'
        + "".join(
            f'<c r="{chr(66 + k)}{2 * r + 1}" s="{r}"><v>{v}</v></c>' for k, v in enumerate(VALUES)
        )
        + "</row>"
        for r in range(len(xfs))
    )
    sheet = f'<worksheet xmlns="{MAIN}"><sheetData>{rows}</sheetData></worksheet>'
    return package(sheet, styles=styles, book_pr=book_pr)


@pytest.mark.parametrize("date1904", [False, True])
def test_number_formats_read_as_dates_times_and_durations_as_calamine_reads_them(date1904):
    book_pr = '<workbookPr date1904="1"/>' if date1904 else ""
    rows = assert_same_as_calamine(_formats_package(book_pr))
    kinds = {type(c).__name__ for row in rows for c in row}
    assert {"date", "datetime", "time", "timedelta", "float"} <= kinds


MIXED = "".join(
    [
        f'<worksheet xmlns="{MAIN}"><sheetData>',
        '<row r="2"><c r="B2" t="s"><v>0</v></c><c r="D2" t="inlineStr"><is><t>trong dòng</t>',
        '</is></c><c r="E2" t="b"><v>0</v></c><c r="F2" t="s"><v>3</v></c>',
        '<c r="G2" s="1"><v>25569</v></c><c r="H2"><v>-0.5</v></c><c r="I2" t="str"><v/></c>',
        '<c r="J2" t="e"><v>#DIV/0!</v></c><c r="K2" t="e"/><c r="L2" s="1"/></row>',
        '<row r="5" spans="1:3"><c r="A5"><f>SUM(B5:C5)</f><v>3</v></c>',
        '<c r="C5" t="str"><f>"a"</f><v>a</v></c><c r="E5" t="b"><f>TRUE()</f></c>',
        '<c r="F5" t="e"><f>NA()</f></c><c r="AA5"><v>0.1</v></c></row>',
        '<row r="6"/><row r="7"><c r="C7" t="s"><v>2</v></c></row>',
        '<row r="9"><c r="A9"><f>1/0</f><v/></c></row>',
        "</sheetData></worksheet>",
    ]
)


def test_generated_sheet_with_gaps_formulas_errors_streams_as_calamine_reads_it():
    rows = assert_same_as_calamine(package(MIXED, shared=SHARED, styles=STYLES))
    assert rows[1][1] == "Số hộ" and rows[1][3] == "trong dòng" and rows[1][4] is False
    assert rows[4][4] is UNCALCULATED and rows[4][5] is UNCALCULATED and rows[8] == ("",)
    assert rows[1][9] == "#DIV/0!"


def test_formulas_never_calculated_stream_as_uncalculated():
    [row] = assert_same_as_calamine(package(FORMULAS))
    assert [cell is UNCALCULATED for cell in row] == [False, False, True, True, True]


def test_rows_are_read_again_at_each_pass_even_interleaved():
    data = fixture_bytes("nam_dong.xlsx")
    sheet = open_sheet(data, Limits())
    first, second = iter(sheet.rows), iter(sheet.rows)
    pairs = list(zip(first, second, strict=True))
    assert [a for a, _ in pairs] == [b for _, b in pairs] == read_sheet(data, Limits()).rows
    assert list(sheet.rows) == read_sheet(data, Limits()).rows


def test_sheet_past_the_limits_or_broken_is_refused_while_streaming():
    far_row = package(
        f'<worksheet xmlns="{MAIN}"><sheetData><row r="1"><c r="A1"><v>1</v></c></row>'
        '<row r="1000000"><c r="A1000000"><v>2</v></c></row></sheetData></worksheet>'
    )
    with pytest.raises(files.FileRefused, match="quá nhiều dòng"):
        open_sheet(far_row, Limits())
    wide = package(
        f'<worksheet xmlns="{MAIN}"><sheetData><row r="1"><c r="A1"><v>1</v></c>'
        '<c r="XFD1"><v>2</v></c></row></sheetData></worksheet>'
    )
    with pytest.raises(files.FileRefused, match="quá nhiều cột"):
        open_sheet(wide, Limits())
    styled = package(
        f'<worksheet xmlns="{MAIN}"><sheetData><row r="1"><c r="A1"><v>1</v></c>'
        '<c r="XFD1" s="0"/></row></sheetData></worksheet>'
    )
    assert list(open_sheet(styled, Limits()).rows) == [(1,)]
    broken = package(SHEET.replace("</x:row>", "", 1), shared=SHARED, styles=STYLES)
    with pytest.raises(files.FileRefused, match="hỏng"):
        open_sheet(broken, Limits())


def test_dates_past_what_python_holds_stay_numbers():
    assert excel_date(1e20, "date", False) == 1e20
