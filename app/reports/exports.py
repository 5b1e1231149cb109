"""Downloads for commanders: coverage as an Excel workbook, visits as a streamed CSV."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Select, select

from app.auth.audit import record
from app.auth.models import User
from app.auth.scope import rows_inside, scope_clause, scope_of, units_clause
from app.clock import to_vietnam
from app.common import utcnow
from app.extensions import db
from app.labels import label
from app.people.idnumber import mask_id_number
from app.people.models import Household, Resident
from app.reports.coverage import (
    Figures,
    pair_figures,
    resolve_unit,
    roll_up,
    rows_for,
)
from app.spreadsheet import Workbook
from app.units.models import Unit
from app.visits.models import Visit, VisitResident

CSV_CHUNK_ROWS = 500
YIELD_PER = 1000
HEADER = {"bold": True, "font_color": "#FFFFFF", "bg_color": "#0B5394"}
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
    ("sites_total", COUNT_FORMAT, 14),
    ("sites_visited", COUNT_FORMAT, 12),
    ("temporary_residents", COUNT_FORMAT, 14),
    ("cards_to_reissue", COUNT_FORMAT, 12),
    ("renewals_due", COUNT_FORMAT, 12),
)


def _columns() -> list[tuple[str, str, str | None, int]]:
    """(figure key, header, number format, width) of the coverage sheets."""
    return [(key, label("figure", key), fmt, width) for key, fmt, width in COLUMNS]


def _sheet(
    wb: Workbook, title: str, lead: list[tuple[str, int]], rows: list[tuple[list[Any], Figures]]
) -> None:
    """Write one level's sheet: leading identity columns, then the figures, formatted."""
    columns = _columns()
    widths = [w for _h, w in lead] + [c[3] for c in columns]
    ws = wb.sheet(
        title,
        widths=dict(enumerate(widths, start=1)),
        freeze=(1, min(len(lead), 2)),
    )
    header = wb.style(**HEADER, text_wrap=True, valign="vcenter", align="center")
    ws.set_row(0, 48)
    wb.write(ws, 0, [h for h, _w in lead] + [c[1] for c in columns], header)
    formats = [wb.style(num_format=number_format) for _k, _h, number_format, _w in columns]
    for number, (identity, figures) in enumerate(rows, start=1):
        values = figures.as_dict()
        values["last_visit_at"] = _local(figures.last_visit_at)
        wb.write(ws, number, [safe_cell(value) for value in identity])  # "=..." stays text
        for offset, (key, _h, _f, _w) in enumerate(columns):
            wb.cell(ws, number, len(lead) + offset, values[key], formats[offset])
    if rows:
        ws.autofilter(0, 0, len(rows), len(lead) + len(columns) - 1)


def _hamlets_with_commune(unit: Unit) -> list[tuple[Unit, str]]:
    """Return the hamlets inside a province, district or commune with their commune's name."""
    commune = Unit.__table__.alias("commune")
    stmt = (
        select(Unit, commune.c.name)
        .join(commune, commune.c.id == Unit.parent_id)
        .where(Unit.level == "hamlet", units_clause(scope_of(unit)))
        .order_by(Unit.code)
    )
    return [(hamlet, name) for hamlet, name in db.session.execute(stmt)]


def _level_title(level: str) -> str:
    return label("unit_level", level)


def coverage_workbook(user: User, code: str | None) -> tuple[str, bytes]:
    """Build the coverage workbook of a unit, one sheet per level, and audit the download."""
    unit = resolve_unit(user, code)
    wb = Workbook(title=f"{_('Báo cáo độ bao phủ')} {unit.code}", author="Gõ Cửa")
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
    info = wb.sheet(_("Thông tin"), widths={1: 24, 2: 60})
    now = utcnow()
    for number, row in enumerate(
        [
            [_("Báo cáo độ bao phủ"), f"{unit.name} ({unit.code})"],
            [_("Thời điểm lập"), _local(now)],
            [_("Người lập"), user.full_name or user.username],
            [_("Mẫu số tỷ lệ hộ"), _("Danh sách hộ (kể cả hộ phát hiện khi gõ cửa)")],
            [_("Hộ đã gõ cửa"), _("Có ít nhất một lượt gặp được hộ hoặc xác nhận hộ đã chuyển đi")],
        ]
    ):
        wb.write(info, number, row, wb.style(num_format=DATE_FORMAT) if number == 1 else None)
    content = wb.save()
    record(db.session, "export", "coverage", unit.code, {"format": "xlsx"})
    return f"bao-phu-{unit.code}.xlsx", content


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
        _("Loại hộ"),
        _("Tên cơ sở"),
        _("Diện cư trú"),
        _("Phòng"),
        _("Không thể đi lại"),
        _("Vấn đề thẻ"),
        _("Hạn đổi thẻ"),
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
            Household.kind,
            Household.site_name,
            Resident.residence,
            Resident.room,
            Resident.unable_to_travel,
            Resident.card_issue,
            Resident.card_renewal_due,
        )
        .select_from(Visit)
        .join(Household, Household.id == Visit.household_id)
        .join(User, User.id == Visit.officer_id)
        .outerjoin(VisitResident, VisitResident.visit_id == Visit.id)
        .outerjoin(Resident, Resident.id == VisitResident.resident_id)
        .where(rows_inside(Visit, unit), scope_clause(user, Visit))
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
        lat, lon, accuracy, distance, flags, name, id_number, presence, id_card, eid = row[8:18]
        kind, site_name, residence, room, unable, card_issue, renewal = row[18:]
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
                kind or "",
                safe_cell(site_name or ""),
                residence or "",
                safe_cell(room or ""),
                "" if unable is None else str(unable).lower(),
                card_issue or "",
                renewal.isoformat() if renewal else "",
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
        {
            "format": "csv",
            "since": since.isoformat() if since else None,
            "id_numbers": "masked",
        },
    )
    codes, stmt = _visits_query(user, unit, since)
    return f"luot-go-cua-{unit.code}.csv", _visit_rows(codes, stmt)
