"""Downloads for commanders: coverage as an Excel workbook, visits as a streamed CSV."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet
from sqlalchemy import Select, select

from app.auth.audit import record
from app.auth.models import User
from app.auth.scope import scope_clause
from app.clock import to_vietnam
from app.common import utcnow
from app.extensions import db
from app.labels import label
from app.people.idnumber import mask_id_number
from app.people.models import Household, Resident
from app.reports.coverage import (
    Figures,
    inside,
    pair_figures,
    resolve_unit,
    roll_up,
    rows_for,
)
from app.units.models import Unit
from app.visits.models import Visit, VisitResident

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_CHUNK_ROWS = 500
YIELD_PER = 1000
HEADER_FILL = PatternFill("solid", fgColor="0B5394")
HEADER_FONT = Font(bold=True, color="FFFFFF")
PERCENT_FORMAT = "0.00%"
COUNT_FORMAT = "#,##0"
DATE_FORMAT = "dd/mm/yyyy hh:mm"
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _local(moment: datetime | None) -> datetime | None:
    """Return a timestamp in Vietnam time without its offset (Excel has no time zones)."""
    return to_vietnam(moment).replace(tzinfo=None) if moment else None


# (figure key, number format, width) of the coverage sheets; headers are the figures' labels.
COLUMNS: tuple[tuple[str, str, int], ...] = (
    ("households_total", COUNT_FORMAT, 12),
    ("households_visited", COUNT_FORMAT, 12),
    ("coverage", PERCENT_FORMAT, 12),
    ("households_attempted", COUNT_FORMAT, 14),
    ("residents_eligible", COUNT_FORMAT, 16),
    ("id_collected", COUNT_FORMAT, 14),
    ("id_rate", PERCENT_FORMAT, 12),
    ("eid_level2_active", COUNT_FORMAT, 14),
    ("eid_rate", PERCENT_FORMAT, 12),
    ("corrections_open", COUNT_FORMAT, 13),
    ("followups_open", COUNT_FORMAT, 12),
    ("followups_overdue", COUNT_FORMAT, 12),
    ("last_visit_at", DATE_FORMAT, 17),
)


def _columns() -> list[tuple[str, str, str | None, int]]:
    """(figure key, header, number format, width) of the coverage sheets."""
    return [(key, label("figure", key), fmt, width) for key, fmt, width in COLUMNS]


def _sheet(
    wb: Workbook, title: str, lead: list[tuple[str, int]], rows: list[tuple[list[Any], Figures]]
) -> Worksheet:
    """Write one level's sheet: leading identity columns, then the figures, formatted."""
    ws = wb.create_sheet(title)
    columns = _columns()
    headers = [h for h, _w in lead] + [c[1] for c in columns]
    ws.append(headers)
    for cell in ws[1]:
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
    ws.row_dimensions[1].height = 48
    for identity, figures in rows:
        values = figures.as_dict()
        values["last_visit_at"] = _local(figures.last_visit_at)
        names = [safe_cell(value) for value in identity]  # a unit named "=..." stays text
        ws.append([*names, *(values[key] for key, _h, _f, _w in columns)])
    for index, (_h, width) in enumerate(lead, start=1):
        ws.column_dimensions[get_column_letter(index)].width = width
    for offset, (_key, _h, number_format, width) in enumerate(columns, start=len(lead) + 1):
        letter = get_column_letter(offset)
        ws.column_dimensions[letter].width = width
        for (cell,) in ws.iter_rows(min_row=2, min_col=offset, max_col=offset):
            cell.number_format = number_format
    ws.freeze_panes = ws.cell(row=2, column=min(len(lead), 2) + 1)
    if rows:
        ws.auto_filter.ref = f"A1:{get_column_letter(len(headers))}{len(rows) + 1}"
    return ws


def _hamlets_with_commune(unit: Unit) -> list[tuple[Unit, str]]:
    """Return the hamlets inside a province, district or commune with their commune's name."""
    commune = Unit.__table__.alias("commune")
    stmt = (
        select(Unit, commune.c.name)
        .join(commune, commune.c.id == Unit.parent_id)
        .where(Unit.level == "hamlet")
        .order_by(Unit.code)
    )
    if unit.level == "province":
        stmt = stmt.where(commune.c.province_id == unit.id)
    elif unit.level == "district":
        stmt = stmt.where(commune.c.parent_id == unit.id)
    else:
        stmt = stmt.where(commune.c.id == unit.id)
    return [(hamlet, name) for hamlet, name in db.session.execute(stmt)]


def _level_title(level: str) -> str:
    return label("unit_level", level)


def coverage_workbook(user: User, code: str | None) -> tuple[str, bytes]:
    """Build the coverage workbook of a unit, one sheet per level, and audit the download."""
    unit = resolve_unit(user, code)
    wb = Workbook()
    wb.remove(wb.active)
    code_h, name_h = (_("Mã"), 12), (_("Tên đơn vị"), 28)
    pairs = pair_figures(unit, user=user)
    totals, children = rows_for(unit, user=user, pairs=pairs)
    _sheet(wb, _level_title(unit.level), [code_h, name_h], [([unit.code, unit.name], totals)])
    if unit.level in ("province", "district"):
        _sheet(
            wb,
            _level_title(children[0].level if children else "commune"),
            [code_h, name_h],
            [([row.code, row.name], row.figures) for row in children],
        )
    if unit.level != "hamlet":
        figures = roll_up(pairs, "hamlet")
        hamlet_rows = [
            ([hamlet.code, hamlet.name, commune_name], figures.get(hamlet.id, Figures()))
            for hamlet, commune_name in _hamlets_with_commune(unit)
        ]
        stray = figures.get(None)
        if stray is not None:
            hamlet_rows.append(([None, _("Chưa xác định thôn"), unit.name], stray))
        _sheet(wb, _("Thôn"), [code_h, name_h, (_("Thuộc xã"), 24)], hamlet_rows)
    info = wb.create_sheet(_("Thông tin"))
    now = utcnow()
    for row in (
        [_("Báo cáo độ bao phủ"), f"{unit.name} ({unit.code})"],
        [_("Thời điểm lập"), _local(now)],
        [_("Người lập"), user.full_name or user.username],
        [_("Mẫu số tỷ lệ hộ"), _("Danh sách hộ (kể cả hộ phát hiện khi gõ cửa)")],
        [_("Hộ đã gõ cửa"), _("Có ít nhất một lượt gặp được hộ hoặc xác nhận hộ đã chuyển đi")],
    ):
        info.append(row)
    info["B2"].number_format = DATE_FORMAT
    info.column_dimensions["A"].width = 24
    info.column_dimensions["B"].width = 60
    wb.properties.title = f"{_('Báo cáo độ bao phủ')} {unit.code}"
    wb.properties.creator = "Gõ Cửa"
    buffer = io.BytesIO()
    wb.save(buffer)
    record(db.session, "export", "coverage", unit.code, {"format": "xlsx"})
    return f"bao-phu-{unit.code}.xlsx", buffer.getvalue()


# --- visits CSV --------------------------------------------------------------------------------


def _csv_headers() -> list[str]:
    return [
        _("Mã lượt"),
        _("Thời điểm"),
        _("Mã xã"),
        _("Mã thôn"),
        _("Mã hộ"),
        _("Địa chỉ"),
        _("Kết quả"),
        _("Cán bộ"),
        _("Vĩ độ"),
        _("Kinh độ"),
        _("Độ chính xác (m)"),
        _("Cách nhà (m)"),
        _("Cảnh báo"),
        _("Công dân"),
        _("Số định danh (che)"),
        _("Hiện diện"),
        _("Căn cước"),
        _("VNeID"),
    ]


def safe_cell(value: Any) -> Any:
    """Keep a text cell from being read as a formula by a spreadsheet."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def _visits_query(user: User, unit: Unit, since: datetime | None) -> tuple[dict[int, str], Select]:
    """The unit codes and the statement of the visits CSV, built while the request's objects
    are live (the stream runs after the request has committed and let them go)."""
    codes = dict(
        db.session.execute(
            select(Unit.id, Unit.code).where(
                Unit.level.in_(("commune", "hamlet")),
                (Unit.province_id == unit.province_id)
                if unit.province_id
                else (Unit.id == unit.id),
            )
        ).all()
    )
    stmt = (
        select(
            Visit.id,
            Visit.visited_at,
            Visit.commune_id,
            Visit.hamlet_id,
            Household.code,
            Household.address,
            Visit.outcome,
            User.username,
            Visit.lat,
            Visit.lon,
            Visit.accuracy_m,
            Visit.distance_m,
            Visit.flags,
            Resident.full_name,
            Resident.id_number,
            VisitResident.presence,
            VisitResident.id_card,
            VisitResident.eid,
        )
        .select_from(Visit)
        .join(Household, Household.id == Visit.household_id)
        .join(User, User.id == Visit.officer_id)
        .outerjoin(VisitResident, VisitResident.visit_id == Visit.id)
        .outerjoin(Resident, Resident.id == VisitResident.resident_id)
        .where(inside(Visit, unit), scope_clause(user, Visit))
        .order_by(Visit.visited_at, Visit.id, VisitResident.id)
        .execution_options(yield_per=YIELD_PER)
    )
    if since is not None:
        stmt = stmt.where(Visit.visited_at >= since)
    return codes, stmt


def _visit_rows(codes: dict[int, str], stmt: Select) -> Iterator[str]:
    """Yield the CSV in chunks, reading visits through a server-side cursor."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write("\ufeff")
    writer.writerow(_csv_headers())
    for count, row in enumerate(db.session.execute(stmt), start=1):
        (vid, at, commune_id, hamlet_id, hh_code, address, outcome, officer) = row[:8]
        lat, lon, accuracy, distance, flags, name, id_number, presence, id_card, eid = row[8:]
        writer.writerow(
            [
                vid,
                to_vietnam(at).isoformat(timespec="seconds") if at else "",
                codes.get(commune_id, ""),
                codes.get(hamlet_id, ""),
                safe_cell(hh_code or ""),
                safe_cell(address or ""),
                outcome,
                safe_cell(officer),
                lat,
                lon,
                accuracy,
                None if distance is None else round(distance),
                "|".join(flags or []),
                safe_cell(name or ""),
                mask_id_number(id_number) if id_number else "",
                presence or "",
                id_card or "",
                eid or "",
            ]
        )
        if count % CSV_CHUNK_ROWS == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def visits_csv(user: User, code: str | None, since: datetime | None) -> tuple[str, Iterator[str]]:
    """Check scope, audit the download and return the visits CSV as a lazy stream."""
    unit = resolve_unit(user, code)
    record(
        db.session,
        "export",
        "visits",
        unit.code,
        {"format": "csv", "since": since.isoformat() if since else None},
    )
    codes, stmt = _visits_query(user, unit, since)
    return f"luot-go-cua-{unit.code}.csv", _visit_rows(codes, stmt)
