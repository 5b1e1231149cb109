"""The fast XLSX reader answers what openpyxl answers; the report writer writes valid XLSX."""

from __future__ import annotations

import io
import warnings
import zipfile
from datetime import date, datetime

import pytest
from openpyxl import load_workbook

from app.imports import files
from app.imports import xlsx_writer as xw
from app.imports.files import Limits, read_sheet
from app.imports.xlsx import UNCALCULATED
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
        rows = [files._trimmed(r) for r in sheet.iter_rows(values_only=True)]
        workbook.close()
    while rows and not rows[-1]:
        rows.pop()
    return rows


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
    '<si><r><rPr><b/></rPr><t>Hồ </t></r><r><t xml:space="preserve">Văn  Nhờ</t></r>'
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
        '<x:row r="9"><x:c r="AB9" t="inlineStr"><x:is><x:r><x:t>rich </x:t></x:r>',
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
    assert [tuple(None if c is UNCALCULATED else c for c in r) for r in mine] == openpyxl_rows(data)
    assert mine[0] == ("Số hộ", None, "Hồ Văn  Nhờ", "A & B <x>")  # the empty string is trimmed
    assert mine[2] == (42, 4.5, 1000.0, True, "#N/A")
    assert mine[3][2] == 1234.5 and isinstance(mine[3][0], datetime)
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


def test_formulas_never_calculated_read_as_uncalculated(monkeypatch):
    from app.imports import xlsx

    data = package(FORMULAS)
    [row] = read_sheet(data, Limits()).rows
    assert row == (2, None, "", "", "")
    assert [cell is UNCALCULATED for cell in row] == [False, False, True, True, True]

    # The openpyxl fallback marks them too (it reads the formulas in a second pass).
    def unsupported(*args, **kwargs):
        raise xlsx.Unsupported("test")

    monkeypatch.setattr(xlsx, "iter_first_sheet", unsupported)
    [again] = read_sheet(data, Limits()).rows
    assert again[0] == 2 and [c is UNCALCULATED for c in again[2:]] == [True, True, True]


def test_unsupported_layout_falls_back_to_openpyxl(monkeypatch):
    from app.imports import xlsx

    def unsupported(*args, **kwargs):
        raise xlsx.Unsupported("test")

    monkeypatch.setattr(xlsx, "iter_first_sheet", unsupported)
    data = fixture_bytes("nam_dong.xlsx")
    assert read_sheet(data, Limits()).rows == openpyxl_rows(data)


def test_broken_sheet_xml_is_refused():
    data = package(SHEET.replace("</x:row>", "", 1), shared=SHARED, styles=STYLES)
    with pytest.raises(files.FileRefused, match="hỏng"):
        read_sheet(data, Limits())


def test_report_writer_output_opens_cleanly_in_openpyxl():
    workbook = xw.Workbook()
    rows = [
        [("Tên", xw.BOLD), ("Ngày", xw.BOLD), ("Số", xw.BOLD)],
        [("=1+1", xw.BAD), (date(2001, 9, 2), xw.BAD), (3.5, xw.PLAIN)],
        [("a\x07b <&>", xw.WRAP_NOTE), (datetime(1968, 3, 2, 8, 30), xw.PLAIN), (True, xw.PLAIN)],
    ]
    workbook.add_sheet("Báo cáo: [x]", rows, widths={1: 30}, freeze_rows=1)
    workbook.add_sheet("Tổng hợp", [[("một dòng", xw.PLAIN)]])
    data = workbook.save()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        book = load_workbook(io.BytesIO(data))
    sheet = book.worksheets[0]
    assert sheet.freeze_panes == "A2" and sheet.column_dimensions["A"].width == 30
    assert sheet["A2"].value == "=1+1" and sheet["A2"].data_type == "s"
    assert sheet["A2"].fill.fgColor.rgb == "FFFFC7CE" and sheet["B2"].fill.fgColor.rgb == "FFFFC7CE"
    assert sheet["B2"].value == datetime(2001, 9, 2) and sheet["B2"].number_format == "dd/mm/yyyy"
    assert sheet["A3"].value == "ab <&>" and sheet["A3"].alignment.wrap_text
    assert (sheet["C2"].value, sheet["C3"].value) == (3.5, True)
    assert sheet["A1"].font.b
    assert book.worksheets[1]["A1"].value == "một dòng"


def test_fallback_keeps_trailing_rows_of_uncalculated_formulas_only(monkeypatch):
    """Rows after the last value holding only formulas Excel never calculated are kept (and
    then refused by the import), on the openpyxl fallback as on the fast reader."""
    from openpyxl import Workbook

    from app.imports import xlsx

    book = Workbook()
    book.active.append(["Họ và tên", "Thôn"])
    book.active.append(["Hồ Văn A", "Thôn 1"])
    book.active.append(["=Sheet2!A1", "=Sheet2!B1"])
    buffer = io.BytesIO()
    book.save(buffer)
    fast = read_sheet(buffer.getvalue(), Limits()).rows

    def unsupported(*args, **kwargs):
        raise xlsx.Unsupported("test")

    monkeypatch.setattr(xlsx, "iter_first_sheet", unsupported)
    slow = read_sheet(buffer.getvalue(), Limits()).rows
    assert len(slow) == len(fast) == 3
    assert all(cell is UNCALCULATED for cell in slow[2])
