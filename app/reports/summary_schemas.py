"""Schemas of the weekly report: `?unit=&from=&to=` in, the fixed-form figures out."""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from marshmallow import EXCLUDE, fields, validate

from app.reports.schemas import UnitCode
from app.schemas import BaseSchema, OutSchema

REPORT_DATES = validate.Range(
    min=date(2000, 1, 1),
    max=date(2100, 12, 31),
    error=_l("Ngày phải trong khoảng năm 2000 đến 2100."),
)


class ReportArgs(BaseSchema):
    """`?unit=<code>&from=<day>&to=<day>`: the last full week (Monday–Sunday) by default."""

    unit = UnitCode()
    start = fields.Date(data_key="from", validate=REPORT_DATES)
    end = fields.Date(data_key="to", validate=REPORT_DATES)


class ReportPageArgs(ReportArgs):
    """The report page's query string (other keys, such as a shortcut's, are ignored)."""

    class Meta:
        unknown = EXCLUDE


class ReportUnitOut(OutSchema):
    code = fields.String()
    name = fields.String()
    level = fields.String()
    parent_code = fields.String(allow_none=True)


class ReportPeriodOut(OutSchema):
    start = fields.Date(data_key="from", attribute="from")
    end = fields.Date(data_key="to", attribute="to")
    days = fields.Integer()


class ReportFigureOut(OutSchema):
    section = fields.String(metadata={"description": "machine name of the form's section"})
    section_label = fields.String()
    key = fields.String(metadata={"description": "machine name of the figure"})
    label = fields.String()
    value = fields.Integer(metadata={"description": "the figure for the period, as of its end"})
    previous = fields.Integer(metadata={"description": "the same for the previous period"})
    difference = fields.Integer(metadata={"description": "value minus previous"})


class ReportChildOut(OutSchema):
    code = fields.String(allow_none=True)
    name = fields.String()
    level = fields.String()
    figures = fields.Dict(keys=fields.String(), values=fields.Integer())
    previous = fields.Dict(keys=fields.String(), values=fields.Integer())


class ReportOfficerOut(OutSchema):
    """One officer's line (see `reports.performance.officer_performance`)."""

    id = fields.Integer(attribute="user_id")
    username = fields.String()
    full_name = fields.String(attribute="name")
    active = fields.Boolean()
    visits = fields.Integer()
    days = fields.Integer()
    visits_per_day = fields.Float()
    active_days = fields.Integer()
    households_completed = fields.Integer()
    corrections_found = fields.Integer()
    followups_done_on_time = fields.Integer()
    followups_done_late = fields.Integer()
    followups_overdue = fields.Integer()


class ReportSummaryOut(OutSchema):
    unit = fields.Nested(ReportUnitOut)
    period = fields.Nested(ReportPeriodOut)
    previous_period = fields.Nested(ReportPeriodOut)
    as_of = fields.Date(metadata={"description": "every figure is counted as of this day's end"})
    final = fields.Boolean(metadata={"description": "false while the period is not over"})
    generated_at = fields.DateTime()
    figures = fields.List(fields.Nested(ReportFigureOut))
    totals = fields.Dict(keys=fields.String(), values=fields.Integer())
    previous_totals = fields.Dict(keys=fields.String(), values=fields.Integer())
    child_level = fields.String(allow_none=True)
    children = fields.List(fields.Nested(ReportChildOut))
    officers = fields.List(fields.Nested(ReportOfficerOut))
