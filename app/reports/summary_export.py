"""The weekly report as an Excel workbook in the fixed form, audited as an export."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_babel import gettext as _

from app.auth.audit import record
from app.auth.models import User
from app.clock import to_vietnam
from app.extensions import db
from app.labels import label
from app.reports.exports import COUNT_FORMAT, HEADER, safe_cell
from app.reports.performance import FIELDS as OFFICER_FIGURES
from app.reports.summary import CHILD_FIGURES, report_summary
from app.spreadsheet import Workbook

DATE_TIME = "dd/mm/yyyy hh:mm"
SIGNED = "+#,##0;-#,##0;0"


def report_title() -> str:
    """The form's title line."""
    return _("BÁO CÁO KẾT QUẢ RÀ SOÁT DÂN CƯ, THU NHẬN CĂN CƯỚC VÀ ĐỊNH DANH ĐIỆN TỬ")


def _day(day: date) -> str:
    return day.strftime("%d/%m/%Y")


def period_text(period: dict[str, Any]) -> str:
    """ "dd/mm/yyyy – dd/mm/yyyy (n ngày)"."""
    return _(
        "%(start)s – %(end)s (%(days)s ngày)",
        start=_day(period["from"]),
        end=_day(period["to"]),
        days=period["days"],
    )


def _title_block(wb: Workbook, ws: Any, data: dict[str, Any], user: User) -> int:
    """Write the title and what the figures are; answer the next free row."""
    unit = data["unit"]
    wb.write(ws, 0, [report_title()], wb.style(bold=True, font_size=14))
    lines = [
        [_("Đơn vị"), f"{unit['name']} ({unit['code']})"],
        [_("Kỳ báo cáo"), period_text(data["period"])],
        [_("Kỳ trước"), period_text(data["previous_period"])],
        [_("Số liệu tính đến"), _("hết ngày %(day)s", day=_day(data["as_of"]))],
        [_("Người lập"), user.full_name or user.username],
        [_("Thời điểm lập"), to_vietnam(data["generated_at"]).replace(tzinfo=None)],
    ]
    if not data["final"]:
        lines.append([_("Lưu ý"), _("Kỳ báo cáo chưa kết thúc: số liệu còn thay đổi.")])
    bold = wb.style(bold=True)
    for number, (name, value) in enumerate(lines, start=1):
        wb.cell(ws, number, 0, name, bold)
        wb.cell(ws, number, 1, value, wb.style(num_format=DATE_TIME) if number == 6 else None)
    return len(lines) + 2


def _figures_sheet(wb: Workbook, data: dict[str, Any], user: User) -> None:
    """The form itself: title block, then every figure with the previous period's."""
    ws = wb.sheet(_("Báo cáo"), widths={1: 8, 2: 46, 3: 14, 4: 14, 5: 14})
    row = _title_block(wb, ws, data, user)
    header = wb.style(**HEADER, text_wrap=True, align="center", valign="vcenter")
    wb.write(
        ws, row, [_("STT"), _("Chỉ tiêu"), _("Kỳ này"), _("Kỳ trước"), _("Chênh lệch")], header
    )
    count, signed = wb.style(num_format=COUNT_FORMAT), wb.style(num_format=SIGNED)
    section_style = wb.style(bold=True, bg_color="#EEF3F9")
    section = None
    for number, figure in enumerate(data["figures"], start=1):
        if figure["section"] != section:
            section = figure["section"]
            row += 1
            wb.write(ws, row, [None, figure["section_label"], None, None, None], section_style)
        row += 1
        wb.cell(ws, row, 0, number, None)
        wb.cell(ws, row, 1, figure["label"], None)
        wb.cell(ws, row, 2, figure["value"], count)
        wb.cell(ws, row, 3, figure["previous"], count)
        wb.cell(ws, row, 4, figure["difference"], signed)


def _children_sheet(wb: Workbook, data: dict[str, Any]) -> None:
    """One row per hamlet (or commune): the period's figures."""
    level = data["child_level"] or "hamlet"
    title = _("Theo thôn") if level == "hamlet" else _("Theo xã")
    widths = {1: 12, 2: 28, **{n: 14 for n in range(3, 3 + len(CHILD_FIGURES))}}
    ws = wb.sheet(title, widths=widths, freeze=(1, 2))
    header = wb.style(**HEADER, text_wrap=True, align="center", valign="vcenter")
    ws.set_row(0, 60)
    names = [label("report_figure", key) for key in CHILD_FIGURES]
    wb.write(ws, 0, [_("Mã"), label("unit_level", level), *names], header)
    count = wb.style(num_format=COUNT_FORMAT)
    for number, child in enumerate(data["children"], start=1):
        wb.write(ws, number, [safe_cell(child["code"]), safe_cell(child["name"])])
        wb.write(ws, number, [child["figures"][k] for k in CHILD_FIGURES], count, col=2)


def _officers_sheet(wb: Workbook, data: dict[str, Any]) -> None:
    """One row per officer: what they did in the period."""
    widths = {1: 28, 2: 16, **{n: 14 for n in range(3, 3 + len(OFFICER_FIGURES))}}
    ws = wb.sheet(_("Theo cán bộ"), widths=widths, freeze=(1, 1))
    header = wb.style(**HEADER, text_wrap=True, align="center", valign="vcenter")
    ws.set_row(0, 48)
    names = [label("performance", key) for key in OFFICER_FIGURES]
    wb.write(ws, 0, [_("Cán bộ"), _("Tên đăng nhập"), *names], header)
    count = wb.style(num_format=COUNT_FORMAT)
    for number, officer in enumerate(data["officers"], start=1):
        wb.write(ws, number, [safe_cell(officer["name"]), safe_cell(officer["username"])])
        wb.write(ws, number, [officer[k] for k in OFFICER_FIGURES], count, col=2)


def report_workbook(
    user: User, code: str | None, start: date | None, end: date | None
) -> tuple[str, bytes]:
    """Build the report's workbook (the form, per hamlet, per officer) and audit the download."""
    data = report_summary(user, code, start, end)
    unit, period = data["unit"], data["period"]
    wb = Workbook(title=f"{report_title()} {unit['code']}", author="Gõ Cửa")
    _figures_sheet(wb, data, user)
    _children_sheet(wb, data)
    _officers_sheet(wb, data)
    content = wb.save()
    detail = {"format": "xlsx", "from": period["from"].isoformat(), "to": period["to"].isoformat()}
    record(db.session, "export", "report", unit["code"], detail)
    return f"bao-cao-{unit['code']}-{period['from']}-{period['to']}.xlsx", content
