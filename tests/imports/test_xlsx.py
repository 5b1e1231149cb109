"""The XLSX reader (calamine and its scan) answers what openpyxl answers; the app's XLSX writer
writes valid XLSX."""

from __future__ import annotations

import io
import warnings
import zipfile
from datetime import date, datetime, time

import pytest
from openpyxl import load_workbook

from app.imports import files
from app.imports.files import Limits, read_sheet
from app.imports.xlsx import UNCALCULATED
from app.spreadsheet import Workbook
from tests.imports.conftest import fixture_bytes

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def openpyxl_rows(data: bytes) -> list[tuple]:
    """The first sheet's values as openpyxl reads them (read-only, cached values), trimmed."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        sheet = workbook.worksheets[0]
        sheet.reset_dimensions()
        rows = [_dates(files._trimmed(r)) for r in sheet.iter_rows(values_only=True)]
        workbook.close()
    while rows and not rows[-1]:
        rows.pop()
    return rows


def _dates(row: tuple) -> tuple:
    """openpyxl reads a date cell as a datetime at midnight; calamine as a date."""
    return tuple(
        c.date() if isinstance(c, datetime) and c == datetime.combine(c.date(), time()) else c
        for c in row
    )


CT = "application/vnd.openxmlformats-officedocument.spreadsheetml"
PKG = "http://schemas.openxmlformats.org/package/2006"


def package(
    sheet: str, *, shared: str | None = None, styles: str | None = None, book_pr=""
) -> bytes:
    """A hand-made workbook with one sheet (and shared strings, styles when given)."""
    parts = {"xl/worksheets/sheet1.xml": sheet}
    links = [("rId1", "worksheet", "worksheets/sheet1.xml")]
    types = [("/xl/workbook.xml", "sheet.main"), ("/xl/worksheets/sheet1.xml", "worksheet")]
    if shared is not None:
        parts["xl/sharedStrings.xml"] = shared
        links.append(("rId2", "sharedStrings", "sharedStrings.xml"))
        types.append(("/xl/sharedStrings.xml", "sharedStrings"))
    if styles is not None:
        parts["xl/styles.xml"] = styles
        links.append(("rId3", "styles", "styles.xml"))
        types.append(("/xl/styles.xml", "styles"))
    parts["xl/workbook.xml"] = (
        f'<workbook xmlns="{MAIN}" xmlns:r="{REL}">{book_pr}'
        '<sheets><sheet name="Trang 1" sheetId="1" r:id="rId1"/></sheets></workbook>'
    )

    def relationships(items):
        body = "".join(
            f'<Relationship Id="{i}" Type="{REL}/{kind}" Target="{target}"/>'
            for i, kind, target in items
        )
        return f'<Relationships xmlns="{PKG}/relationships">{body}</Relationships>'

    parts["xl/_rels/workbook.xml.rels"] = relationships(links)
    parts["_rels/.rels"] = relationships([("rId1", "officeDocument", "xl/workbook.xml")])
    parts["[Content_Types].xml"] = (
        f'<Types xmlns="{PKG}/content-types">'
        f'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
        'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
        + "".join(f'<Override PartName="{n}" ContentType="{CT}.{k}+xml"/>' for n, k in types)
        + "</Types>"
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for name, text in parts.items():
            z.writestr(name, text)
    return out.getvalue()


SHARED = (
    f'<sst xmlns="{MAIN}" count="4" uniqueCount="4"><si><t>Số hộ</t></si>'
    '<si><r><rPr><b/></rPr><t xml:space="preserve">Hồ </t></r>'
    '<r><t xml:space="preserve">Văn  Nhờ</t></r>'
    '<rPh sb="0" eb="1"><t>ho</t></rPh></si>'
    "<si><t>A &amp; B &lt;x&gt;</t></si><si><t/></si></sst>"
)
STYLES = (
    f'<styleSheet xmlns="{MAIN}">'
    '<numFmts count="1"><numFmt numFmtId="164" formatCode="dd/mm/yyyy"/></numFmts>'
    '<fonts count="1"><font><sz val="11"/></font></fonts>'
    '<fills count="1"><fill><patternFill patternType="none"/></fill></fills>'
    '<borders count="1"><border/></borders><cellStyleXfs count="1"><xf/></cellStyleXfs>'
    '<cellXfs count="4"><xf numFmtId="0"/><xf numFmtId="14" applyNumberFormat="1"/>'
    '<xf numFmtId="164" applyNumberFormat="1"/><xf numFmtId="4" applyNumberFormat="1"/>'
    "</cellXfs></styleSheet>"
)
# A prefixed namespace, a missing row, rows and cells without references, a formula never
# calculated, booleans, errors, dates by a built-in and a custom format, rich inline text.
SHEET = "".join(
    [
        f'<x:worksheet xmlns:x="{MAIN}"><x:sheetData>',
        '<x:row r="1"><x:c r="A1" t="s"><x:v>0</x:v></x:c><x:c r="C1" t="s"><x:v>1</x:v></x:c>',
        '<x:c r="D1" t="s"><x:v>2</x:v></x:c><x:c r="E1" t="s"><x:v>3</x:v></x:c></x:row>',
        '<x:row r="3"><x:c r="A3"><x:v>42</x:v></x:c><x:c r="B3"><x:v>4.5</x:v></x:c>',
        '<x:c r="C3"><x:v>1E3</x:v></x:c><x:c r="D3" t="b"><x:v>1</x:v></x:c>',
        '<x:c r="E3" t="e"><x:v>#N/A</x:v></x:c></x:row>',
        '<x:row r="4"><x:c r="A4" s="1"><x:v>25000</x:v></x:c>',
        '<x:c r="B4" s="2"><x:v>36526.5</x:v></x:c><x:c r="C4" s="3"><x:v>1234.5</x:v></x:c>',
        '</x:row><x:row r="5"><x:c r="A5" t="str"><x:f>CONCATENATE("a","b")</x:f>',
        '<x:v>ab</x:v></x:c><x:c r="B5"><x:f>1+1</x:f><x:v>2</x:v></x:c>',
        '<x:c r="C5"><x:f>1+2</x:f></x:c>',
        '<x:c r="D5" t="inlineStr"><x:is><x:t>inline</x:t></x:is></x:c></x:row>',
        "<x:row><x:c><x:v>7</x:v></x:c><x:c><x:v>8</x:v></x:c></x:row>",
        '<x:row r="9"><x:c r="AB9" t="inlineStr"><x:is>',
        '<x:r><x:t xml:space="preserve">rich </x:t></x:r>',
        "<x:r><x:t>inline</x:t></x:r></x:is></x:c></x:row>",
        "</x:sheetData></x:worksheet>",
    ]
)


@pytest.mark.parametrize("name", ["nam_dong.xlsx", "nam_dong_cap_nhat.xlsx", "loi.xlsx"])
def test_fixture_sheets_read_as_openpyxl_reads_them(name):
    data = fixture_bytes(name)
    assert read_sheet(data, Limits()).rows == openpyxl_rows(data)


@pytest.mark.parametrize("date1904", [False, True])
def test_hand_made_workbook_read_as_openpyxl_reads_it(date1904):
    book_pr = '<workbookPr date1904="1"/>' if date1904 else ""
    data = package(SHEET, shared=SHARED, styles=STYLES, book_pr=book_pr)
    mine = read_sheet(data, Limits()).rows
    # openpyxl reads a formula never calculated as empty; this reader says it is unknown.
    # (Text runs keep their spaces where the file says xml:space="preserve", as Excel writes.)
    assert [tuple(None if c is UNCALCULATED else c for c in r) for r in mine] == openpyxl_rows(data)
    assert mine[0] == ("Số hộ", None, "Hồ Văn  Nhờ", "A & B <x>")  # the empty string is trimmed
    assert mine[2] == (42, 4.5, 1000.0, True, "#N/A")
    assert mine[3][2] == 1234.5 and isinstance(mine[3][0], date)
    assert isinstance(mine[3][1], datetime)  # a time of day: a datetime
    assert mine[4] == ("ab", 2, "", "inline") and mine[4][2] is UNCALCULATED
    assert mine[5] == (7, 8)
    assert mine[8][27] == "rich inline"


FORMULAS = "".join(
    [
        f'<worksheet xmlns="{MAIN}"><sheetData><row r="1">',
        '<c r="A1"><f>1+1</f><v>2</v></c>',  # calculated
        '<c r="B1" t="str"><f>IF(1,"","x")</f><v></v></c>',  # calculated: an empty text
        '<c r="C1"><f>1+2</f><v/></c>',  # written by a program: an empty <v/>
        '<c r="D1"><f>1+3</f></c>',  # no <v> at all
        '<c r="E1" t="str"><f>A1&amp;"x"</f></c>',
        "</row></sheetData></worksheet>",
    ]
)


def test_formulas_never_calculated_read_as_uncalculated():
    data = package(FORMULAS)
    [row] = read_sheet(data, Limits()).rows
    assert row == (2, None, "", "", "")
    assert [cell is UNCALCULATED for cell in row] == [False, False, True, True, True]


def test_error_values_are_read_as_their_text():
    """calamine reads #N/A as empty; the scan puts the error back, so the row is refused."""
    data = package(
        f'<worksheet xmlns="{MAIN}"><sheetData><row r="1">'
        '<c r="A1" t="inlineStr"><is><t>x</t></is></c><c r="B1" t="e"><f>NA()</f><v>#N/A</v></c>'
        '<c r="C1" t="e"><v>#REF!</v></c></row></sheetData></worksheet>'
    )
    assert read_sheet(data, Limits()).rows == [("x", "#N/A", "#REF!")]


def test_far_away_cell_is_refused_before_reading():
    """calamine would build a grid down to the last cell named: a tiny file naming row
    1,000,000 (or column ZZ) is refused by the scan, before any grid exists."""
    far_row = package(
        f'<worksheet xmlns="{MAIN}"><sheetData><row r="1"><c r="A1"><v>1</v></c></row>'
        '<row r="1000000"><c r="A1000000"><v>2</v></c></row></sheetData></worksheet>'
    )
    with pytest.raises(files.FileRefused, match="quá nhiều dòng"):
        read_sheet(far_row, Limits())
    far_cell = package(
        f'<worksheet xmlns="{MAIN}"><sheetData><row r="1"><c r="A1"><v>1</v></c>'
        '<c r="A2000000"><v>2</v></c></row></sheetData></worksheet>'
    )
    with pytest.raises(files.FileRefused, match="quá nhiều dòng"):
        read_sheet(far_cell, Limits())
    wide = package(
        f'<worksheet xmlns="{MAIN}"><sheetData><row r="1"><c r="A1"><v>1</v></c>'
        '<c r="XFD1"><v>2</v></c></row></sheetData></worksheet>'
    )
    with pytest.raises(files.FileRefused, match="quá nhiều cột"):
        read_sheet(wide, Limits())
    # A styled empty cell far to the right holds nothing: not refused.
    styled = package(
        f'<worksheet xmlns="{MAIN}"><sheetData><row r="1"><c r="A1"><v>1</v></c>'
        '<c r="XFD1" s="0"/></row></sheetData></worksheet>'
    )
    assert read_sheet(styled, Limits()).rows == [(1,)]


def test_broken_sheet_xml_is_refused():
    data = package(SHEET.replace("</x:row>", "", 1), shared=SHARED, styles=STYLES)
    with pytest.raises(files.FileRefused, match="hỏng"):
        read_sheet(data, Limits())


def test_writer_output_opens_cleanly_in_openpyxl():
    workbook = Workbook()
    bold, bad = workbook.style(bold=True), workbook.style(bg_color="#FFC7CE")
    note = workbook.style(text_wrap=True, valign="top", bg_color="#FFF2CC")
    sheet = workbook.sheet("Báo cáo: [x]", widths={1: 30}, freeze=(1, 0))
    workbook.write(sheet, 0, ["Tên", "Ngày", "Số"], bold)
    workbook.write(sheet, 1, ["=1+1", date(2001, 9, 2)], bad)
    workbook.cell(sheet, 1, 2, 3.5, None)
    workbook.write(sheet, 2, ["a\x07b <&>"], note)
    workbook.write(sheet, 2, [datetime(1968, 3, 2, 8, 30), True, "046068000123"], col=1)
    workbook.write(workbook.sheet("Tổng hợp"), 0, ["một dòng"])
    data = workbook.save()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        book = load_workbook(io.BytesIO(data))
    sheet = book.worksheets[0]
    assert sheet.title == "Báo cáo   x"
    assert sheet.freeze_panes == "A2" and sheet.column_dimensions["A"].width == pytest.approx(
        30, 0.1
    )
    assert sheet["A2"].value == "=1+1" and sheet["A2"].data_type == "s"
    assert sheet["A2"].fill.fgColor.rgb == "FFFFC7CE" and sheet["B2"].fill.fgColor.rgb == "FFFFC7CE"
    assert sheet["B2"].value == datetime(2001, 9, 2) and sheet["B2"].number_format == "dd/mm/yyyy"
    assert sheet["A3"].value == "ab <&>" and sheet["A3"].alignment.wrap_text
    assert (sheet["C2"].value, sheet["C3"].value, sheet["D3"].value) == (3.5, True, "046068000123")
    assert sheet["A1"].font.b
    assert book.worksheets[1]["A1"].value == "một dòng"


def test_trailing_rows_of_uncalculated_formulas_only_are_kept():
    """Rows after the last value holding only formulas Excel never calculated are kept (and
    then refused by the import): calamine leaves them out, the scan puts them back."""
    from openpyxl import Workbook as OpenpyxlWorkbook

    book = OpenpyxlWorkbook()
    book.active.append(["Họ và tên", "Thôn"])
    book.active.append(["Hồ Văn A", "Thôn 1"])
    book.active.append(["=Sheet2!A1", "=Sheet2!B1"])
    buffer = io.BytesIO()
    book.save(buffer)
    rows = read_sheet(buffer.getvalue(), Limits()).rows
    assert len(rows) == 3
    assert all(cell is UNCALCULATED for cell in rows[2])
