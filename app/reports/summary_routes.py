"""The weekly report's API: the fixed-form figures of a unit for a period, and its workbook."""

from __future__ import annotations

from flask import Response

from app.auth.access import acting_user, require
from app.common import writes_on_get
from app.extensions import Blueprint, db
from app.reports.summary import report_summary
from app.reports.summary_export import report_workbook
from app.reports.summary_schemas import ReportArgs, ReportSummaryOut
from app.spreadsheet import XLSX_MIME

blp = Blueprint(
    "report_summary", __name__, description="Báo cáo định kỳ lên cấp trên / Weekly report"
)


@blp.route("/reports/summary")
@require("commander", "admin")
@blp.arguments(ReportArgs, location="query")
@blp.response(200, ReportSummaryOut)
def get_summary(args: dict):
    """Show a unit's report for a period (default: last week, Monday–Sunday), counted as of
    the period's last day, beside the previous period of the same length."""
    return report_summary(acting_user(), args.get("unit"), args.get("start"), args.get("end"))


@blp.route("/exports/report.xlsx")
@writes_on_get
@require("commander", "admin")
@blp.arguments(ReportArgs, location="query")
@blp.response(200, content_type=XLSX_MIME, description="Excel workbook")
def export_report(args: dict):
    """Download the report as an Excel workbook in the fixed form (audited as an export)."""
    filename, content = report_workbook(
        acting_user(), args.get("unit"), args.get("start"), args.get("end")
    )
    db.session.commit()
    return Response(
        content,
        mimetype=XLSX_MIME,
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )
