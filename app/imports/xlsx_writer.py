"""A small, fast XLSX writer for the import report (openpyxl needs a minute for 100,000 rows).

It writes what the report needs and nothing more: sheets of values (text always as inline
text, never a formula), a few fixed styles (a red or yellow fill, bold, wrapped text, a date
format), column widths and a frozen header. The sheets stream row by row into the zip.
"""

from __future__ import annotations

import io
import math
import re
import zipfile
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import to_excel

# Style indexes of styles.xml below.
PLAIN, BAD, NOTE, BOLD, WRAP, WRAP_BAD, WRAP_NOTE, DATE, DATE_BAD = range(9)
DATED = {PLAIN: DATE, BAD: DATE_BAD}
MAX_CELL = 32767
_BAD_TITLE = re.compile(r"[\[\]:*?/\\]")
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")

STYLES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">
<numFmts count="1"><numFmt numFmtId="164" formatCode="dd/mm/yyyy"/></numFmts>
<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>
<font><b/><sz val="11"/><name val="Calibri"/></font></fonts>
<fills count="4"><fill><patternFill patternType="none"/></fill>
<fill><patternFill patternType="gray125"/></fill>
<fill><patternFill patternType="solid"><fgColor rgb="FFFFC7CE"/></patternFill></fill>
<fill><patternFill patternType="solid"><fgColor rgb="FFFFF2CC"/></patternFill></fill></fills>
<borders count="1"><border/></borders>
<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>
<cellXfs count="9">
<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>
<xf numFmtId="0" fontId="0" fillId="2" borderId="0" xfId="0" applyFill="1"/>
<xf numFmtId="0" fontId="0" fillId="3" borderId="0" xfId="0" applyFill="1"/>
<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>
<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0" applyAlignment="1"><alignment wrapText="1" vertical="top"/></xf>
<xf numFmtId="0" fontId="0" fillId="2" borderId="0" xfId="0" applyFill="1" applyAlignment="1"><alignment wrapText="1" vertical="top"/></xf>
<xf numFmtId="0" fontId="0" fillId="3" borderId="0" xfId="0" applyFill="1" applyAlignment="1"><alignment wrapText="1" vertical="top"/></xf>
<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>
<xf numFmtId="164" fontId="0" fillId="2" borderId="0" xfId="0" applyNumberFormat="1" applyFill="1"/>
</cellXfs>
<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>
</styleSheet>"""  # noqa: E501

NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
RNS = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
DOC_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
CT = "application/vnd.openxmlformats-officedocument.spreadsheetml"
TYPES = "http://schemas.openxmlformats.org/package/2006/content-types"
RELS_CT = "application/vnd.openxmlformats-package.relationships+xml"

Cell = tuple[Any, int]  # (value, style)


def _cell(ref: str, value: Any, style: int) -> str:
    s = f' s="{style}"' if style else ""
    if value is None:
        return f'<c r="{ref}"{s}/>' if style else ""
    if isinstance(value, bool):
        return f'<c r="{ref}"{s} t="b"><v>{int(value)}</v></c>'
    if isinstance(value, int | float) and not (
        isinstance(value, float) and not math.isfinite(value)
    ):
        return f'<c r="{ref}"{s}><v>{value!r}</v></c>'
    if isinstance(value, datetime | date) and not isinstance(value, time):
        style = DATED.get(style, style)
        return f'<c r="{ref}" s="{style}"><v>{to_excel(value)!r}</v></c>'
    if isinstance(value, time | timedelta):
        value = str(value)
    text = _ILLEGAL.sub("", str(value))[:MAX_CELL]
    return f'<c r="{ref}"{s} t="inlineStr"><is><t xml:space="preserve">{escape(text)}</t></is></c>'


class Workbook:
    """Sheets written one after the other into an in-memory zip."""

    def __init__(self) -> None:
        self._buffer = io.BytesIO()
        self._zip = zipfile.ZipFile(self._buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=6)
        self._titles: list[str] = []

    def add_sheet(
        self,
        title: str,
        rows: Iterable[list[Cell]],
        *,
        widths: dict[int, float] | None = None,
        freeze_rows: int = 0,
    ) -> None:
        """Write a sheet from rows of (value, style) cells."""
        self._titles.append(
            _BAD_TITLE.sub(" ", title)[:31].strip() or f"Sheet{len(self._titles) + 1}"
        )
        letters: list[str] = []
        with self._zip.open(f"xl/worksheets/sheet{len(self._titles)}.xml", "w") as out:
            head = [f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet {NS}>']
            if freeze_rows:
                head.append(
                    f'<sheetViews><sheetView workbookViewId="0"><pane ySplit="{freeze_rows}"'
                    f' topLeftCell="A{freeze_rows + 1}" activePane="bottomLeft" state="frozen"/>'
                    "</sheetView></sheetViews>"
                )
            if widths:
                head.append("<cols>")
                for column, width in sorted(widths.items()):
                    head.append(
                        f'<col min="{column}" max="{column}" width="{width}" customWidth="1"/>'
                    )
                head.append("</cols>")
            head.append("<sheetData>")
            out.write("".join(head).encode())
            for number, row in enumerate(rows, start=1):
                while len(letters) < len(row):
                    letters.append(get_column_letter(len(letters) + 1))
                cells = "".join(
                    _cell(f"{letters[i]}{number}", value, style)
                    for i, (value, style) in enumerate(row)
                )
                out.write(f'<row r="{number}">{cells}</row>'.encode())
            out.write(b"</sheetData></worksheet>")

    def save(self) -> bytes:
        """Finish the package and answer its bytes."""
        numbers = range(1, len(self._titles) + 1)
        xml = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        sheets = "".join(
            f'<sheet name={quoteattr(title)} sheetId="{i}" r:id="rId{i}"/>'
            for i, title in zip(numbers, self._titles, strict=True)
        )
        links = [(f"rId{i}", "worksheet", f"worksheets/sheet{i}.xml") for i in numbers]
        links.append((f"rId{len(links) + 1}", "styles", "styles.xml"))
        overrides = [("/xl/workbook.xml", "sheet.main"), ("/xl/styles.xml", "styles")]
        overrides += [(f"/xl/worksheets/sheet{i}.xml", "worksheet") for i in numbers]
        parts = {
            "xl/workbook.xml": f"{xml}<workbook {NS} {RNS}><sheets>{sheets}</sheets></workbook>",
            "xl/_rels/workbook.xml.rels": _relationships(links),
            "xl/styles.xml": STYLES,
            "_rels/.rels": _relationships([("rId1", "officeDocument", "xl/workbook.xml")]),
            "[Content_Types].xml": (
                f'{xml}<Types xmlns="{TYPES}"><Default Extension="rels" ContentType="{RELS_CT}"/>'
                '<Default Extension="xml" ContentType="application/xml"/>'
                + "".join(
                    f'<Override PartName="{name}" ContentType="{CT}.{kind}+xml"/>'
                    for name, kind in overrides
                )
                + "</Types>"
            ),
        }
        for name, text in parts.items():
            self._zip.writestr(name, text)
        self._zip.close()
        return self._buffer.getvalue()


def _relationships(links: list[tuple[str, str, str]]) -> str:
    body = "".join(
        f'<Relationship Id="{rid}" Type="{REL}/{kind}" Target="{target}"/>'
        for rid, kind, target in links
    )
    head = '<?xml version="1.0" encoding="UTF-8"?>'
    return f'{head}<Relationships xmlns="{DOC_REL}">{body}</Relationships>'
