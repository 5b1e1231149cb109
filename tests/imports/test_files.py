"""Bad files: a clear refusal for each, never a crash, never a half-done import."""

from __future__ import annotations

import io
import zipfile

import pytest
from openpyxl import Workbook
from sqlalchemy import select

from app.extensions import db
from app.imports import FileRefused, Limits
from app.imports import apply as apply_module
from app.people.models import Resident
from tests.imports.conftest import counts, fixture_bytes

HEADER = ["Số hộ", "Họ và tên", "Quan hệ với chủ hộ", "Thôn"]
EMPTY = {"households": 0, "residents": 0, "status_changes": 0, "corrections": 0}


def xlsx(rows: list[list]) -> bytes:
    """A workbook with one sheet of rows."""
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def rezip(data: bytes, change) -> bytes:
    """Copy a zip, letting change(name, bytes) alter or add entries."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = change(info.filename, source.read(info.filename))
            if content is not None:
                target.writestr(info.filename, content)
        extra = change(None, None)
        for name, content in extra or []:
            target.writestr(name, content)
    return out.getvalue()


def refused(importer, data: bytes, text: str, **kw) -> None:
    with pytest.raises(FileRefused) as caught:
        importer(data, **kw)
    assert text in str(caught.value), str(caught.value)
    assert counts() == EMPTY


GOOD = xlsx([HEADER, ["A-1", "Hồ Văn A", "Chủ hộ", "Thôn 1"]])


@pytest.mark.parametrize(
    ("data", "text"),
    [
        (b"", "Tệp rỗng."),
        (b"  \r\n \n", "Tệp rỗng."),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10", "không phải bảng tính"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\x00\x01", "không phải"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512, "Excel cũ (.xls)"),
        (b"<html><body><table><tr><td>So ho</td></tr></table>", "HTML/XML"),
        (b"So ho,Ho va ten,Thon\n\x81\x8d\x8e,x,y\n", "Không đọc được mã ký tự"),
        (GOOD[: len(GOOD) // 2], "bị hỏng"),
        (b"Ten;Tuoi\nA;1\n", "Không tìm thấy dòng tiêu đề"),
    ],
    ids=["empty", "blank", "png", "pdf", "xls", "html", "encoding", "truncated", "no-header"],
)
def test_not_a_household_list(importer, data, text):
    refused(importer, data, text)


def test_other_zip_files(importer):
    docx = io.BytesIO()
    with zipfile.ZipFile(docx, "w") as z:
        z.writestr("word/document.xml", "<w:document/>")
    refused(importer, docx.getvalue(), "không phải bảng tính XLSX")
    ods = io.BytesIO()
    with zipfile.ZipFile(ods, "w") as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        z.writestr("content.xml", "<office:document-content/>")
    refused(importer, ods.getvalue(), "OpenDocument (.ods)")


def test_too_large_file(importer):
    data = ("Số hộ,Họ và tên,Thôn\n" + "A-1,Hồ Văn A,Thôn 1\n" * 80_000).encode()
    assert len(data) > 1024 * 1024
    refused(importer, data, "Tệp quá lớn", limits=Limits(max_bytes=1024 * 1024))


def test_zip_bomb_refused_before_it_is_expanded(importer):
    """400 MB of zeros compressed to well under 1 MB: refused from the zip's directory."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as target:
        source = zipfile.ZipFile(io.BytesIO(GOOD))
        for info in source.infolist():
            target.writestr(info.filename, source.read(info.filename))
        chunk = b"\x00" * (4 * 1024 * 1024)
        with target.open("xl/media/image1.bin", "w", force_zip64=True) as handle:
            for _ in range(101):
                handle.write(chunk)
    data = out.getvalue()
    assert len(data) < 2 * 1024 * 1024
    refused(importer, data, "bom zip")


def test_zip_with_too_many_entries(importer):
    def add(name, content):
        if name is None:
            return [(f"xl/media/p{i}.bin", b"x") for i in range(1001)]
        return content

    refused(importer, rezip(GOOD, add), "quá nhiều thành phần")


def test_xml_entities_refused(importer):
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
    )

    def poison(name, content):
        if name == "xl/worksheets/sheet1.xml":
            body = content.split(b"?>", 1)[1] if content.startswith(b"<?xml") else content
            return bomb + body
        return content

    refused(importer, rezip(GOOD, poison), "DOCTYPE/ENTITY")


@pytest.mark.parametrize("kind", ["xlsx", "csv"])
def test_thousand_columns(importer, kind):
    header = HEADER + [f"Cột {i}" for i in range(996)]
    row = ["A-1", "Hồ Văn A", "Chủ hộ", "Thôn 1"] + ["x"] * 996
    if kind == "xlsx":
        data = xlsx([header, row])
    else:
        data = "\n".join(",".join(r) for r in (header, row)).encode()
    refused(importer, data, "quá nhiều cột")


@pytest.mark.parametrize("kind", ["xlsx", "csv"])
def test_too_many_rows_with_a_configured_limit(importer, kind):
    rows = [HEADER] + [[f"A-{i}", f"Hồ Văn {i}", "Chủ hộ", "Thôn 1"] for i in range(80)]
    data = xlsx(rows) if kind == "xlsx" else "\n".join(",".join(r) for r in rows).encode()
    refused(importer, data, "quá nhiều dòng (hơn 50)", limits=Limits(max_rows=50))


def test_more_than_200000_rows_refused(importer):
    data = ("Số hộ,Họ và tên,Thôn\n" + "A-1,Hồ Văn A,Thôn 1\n" * 200_020).encode()
    refused(importer, data, "quá nhiều dòng (hơn 200.000)")


def test_header_problems(importer):
    refused(
        importer,
        xlsx([["Số hộ", "Họ và tên", "Giới tính"], ["A", "B", "Nam"]]),
        "Thiếu cột bắt buộc: Thôn",
    )
    refused(
        importer,
        xlsx([["Số hộ", "Họ và tên", "Họ tên", "Thôn"], ["A", "B", "C", "Thôn 1"]]),
        "Cột 'Họ và tên' có hai lần (cột B và C)",
    )
    refused(importer, xlsx([HEADER]), "không có dòng dữ liệu")


def test_csv_formula_cells_refused_as_injection(importer):
    data = "Số hộ,Họ và tên,Quan hệ với chủ hộ,Thôn\nA-1,Hồ Văn A,Chủ hộ,=cmd|' /C calc'!A0\n"
    result = importer(data.encode(), name="x.csv")
    assert not result.summary.written
    assert "Cột D: ô có công thức" in result.rows[0].errors[0]
    assert counts() == EMPTY


def test_xlsx_formula_takes_the_value_excel_calculated(importer):
    def formula(name, content):
        if name == "xl/worksheets/sheet1.xml":
            return content.replace(
                b'<c r="B2" t="inlineStr"><is><t>H\xe1\xbb\x93 V\xc4\x83n A</t></is></c>',
                b'<c r="B2" t="str"><f>CONCATENATE("H\xe1\xbb\x93"," V\xc4\x83n A")</f>'
                b"<v>H\xe1\xbb\x93 V\xc4\x83n A</v></c>",
            )
        return content

    plain = xlsx([HEADER, ["A-1", "Hồ Văn A", "Chủ hộ", "Thôn 1"]])
    data = rezip(plain, formula)
    assert b"<f>CONCATENATE" in zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml")
    result = importer(data)
    assert result.summary.written
    assert db.session.scalar(select(Resident.full_name)) == "Hồ Văn A"


def test_utf16_csv_from_excel_unicode_text(importer):
    text = "Số hộ\tHọ và tên\tQuan hệ với chủ hộ\tThôn\r\nA-1\tHồ Văn A\tChủ hộ\tThôn 1\r\n"
    result = importer(text.encode("utf-16"), name="u.txt")
    assert result.summary.written and result.summary.encoding == "utf-16"


def test_failure_while_writing_leaves_nothing(importer, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(apply_module, "_open_corrections", broken)
    with pytest.raises(RuntimeError):
        importer("nam_dong.xlsx")
    db.session.rollback()
    assert counts() == EMPTY


def test_fixture_sheets_are_small():
    for name in ("nam_dong.xlsx", "nam_dong_cp1258.csv", "loi.xlsx"):
        assert len(fixture_bytes(name)) < 20_000


UNCALCULATED_MESSAGE = "ô có công thức chưa được tính; mở tệp bằng Excel, lưu lại rồi nhập."


def test_xlsx_formula_never_calculated_refuses_its_row(importer):
    """A generated sheet whose ID numbers are formulas Excel never calculated: not "no ID"."""
    header = [*HEADER, "Số định danh"]
    data = xlsx(
        [
            header,
            ["A-1", "Hồ Văn A", "Chủ hộ", "Thôn 1", '=TEXT(46068000123,"000000000000")'],
            ["A-2", "Hồ Văn B", "Chủ hộ", "Thôn 1", "046068000124"],
        ]
    )
    assert b"<f>TEXT(" in zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml")
    result = importer(data)
    assert not result.summary.written
    assert result.rows[0].errors == [f"Cột E: {UNCALCULATED_MESSAGE}"]
    assert result.rows[1].errors == []
    assert counts() == EMPTY
    # With --partial the good household goes in, the one with the unknown number does not.
    result = importer(data, partial=True)
    assert result.summary.written and result.summary.households.added == 1
    assert result.summary.households.refused == 1


def test_xlsx_row_of_uncalculated_formulas_only_is_refused_not_skipped(importer):
    data = xlsx(
        [
            HEADER,
            ["A-1", "Hồ Văn A", "Chủ hộ", "Thôn 1"],
            ["=Sheet2!A1", "=Sheet2!B1", None, "=Sheet2!D1"],
        ]
    )
    result = importer(data)
    assert not result.summary.written and result.summary.rows == 2
    assert f"Cột A: {UNCALCULATED_MESSAGE}" in result.rows[1].errors
    assert f"Cột D: {UNCALCULATED_MESSAGE}" in result.rows[1].errors
