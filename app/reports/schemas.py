"""Reports schemas: coverage, campaigns and targets, exports, page arguments."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from flask_babel import lazy_gettext as _l
from marshmallow import EXCLUDE, ValidationError, fields, validate, validates_schema

from app.clock import VIETNAM
from app.people.fields import QueryId
from app.people.models import HOUSEHOLD_KINDS
from app.reports.campaigns import CAMPAIGN_MAX_DAYS, SPREAD_BASES
from app.reports.models import METRICS
from app.schemas import DAY_RANGE, TIME_RANGE, BaseSchema, OutSchema, PageArgs

UNIT_CODE = validate.Regexp(r"^[0-9]{2}([0-9]{3}(-[0-9]{3})?)?$|^[0-9]{3}$")
MAP_METRICS = ("coverage", "id_rate", "eid_rate", "followups_overdue", "temporary_residents")
SORT_KEYS = (
    "code",
    "name",
    "households_total",
    "coverage",
    "id_rate",
    "eid_rate",
    "corrections_open",
    "followups_overdue",
    "last_visit_at",
)
MAX_TARGET = 100_000_000
# A campaign lies in these years and lasts at most this long (a plan, not an open-ended list).
CAMPAIGN_DATES = DAY_RANGE


def UnitCode(**kw: Any) -> fields.String:
    """A unit code field: "46", "20179", "20179-001" (or a district's three digits)."""
    return fields.String(validate=[validate.Length(max=32), UNIT_CODE], **kw)


# --- coverage ----------------------------------------------------------------------------------


class CoverageArgs(BaseSchema):
    """`?unit=<code>&campaign=<id>&kind=<household kind>`."""

    unit = UnitCode()
    campaign = QueryId()
    kind = fields.String(
        validate=validate.OneOf(HOUSEHOLD_KINDS),
        metadata={"description": "Only households of this kind: " + ", ".join(HOUSEHOLD_KINDS)},
    )


class CoverageUnitOut(OutSchema):
    code = fields.String()
    name = fields.String()
    level = fields.String()
    parent_code = fields.String(allow_none=True)


class CoverageFiguresOut(OutSchema):
    households_total = fields.Integer()
    households_visited = fields.Integer()
    households_attempted = fields.Integer()
    coverage = fields.Float(allow_none=True)
    residents_eligible = fields.Integer()
    id_collected = fields.Integer()
    id_rate = fields.Float(allow_none=True)
    eid_level2_active = fields.Integer()
    eid_rate = fields.Float(allow_none=True)
    corrections_open = fields.Integer()
    followups_open = fields.Integer()
    followups_overdue = fields.Integer()
    last_visit_at = fields.DateTime(allow_none=True)
    sites_total = fields.Integer()
    sites_visited = fields.Integer()
    temporary_residents = fields.Integer()
    cards_to_reissue = fields.Integer(
        metadata={"description": "residents present with an open card_issue (cards to re-issue)"}
    )
    renewals_due = fields.Integer(
        metadata={
            "description": "residents present whose card_renewal_due is within 90 days or passed"
        }
    )


class CoverageChildOut(CoverageFiguresOut):
    code = fields.String(allow_none=True)
    name = fields.String()
    level = fields.String()


class CoverageCampaignOut(OutSchema):
    id = fields.Integer()
    name = fields.String()
    starts_on = fields.Date()
    ends_on = fields.Date()


class CoverageOut(OutSchema):
    unit = fields.Nested(CoverageUnitOut)
    campaign = fields.Nested(CoverageCampaignOut, allow_none=True)
    kind = fields.String(allow_none=True)
    as_of = fields.DateTime()
    eligible_age = fields.Integer()
    totals = fields.Nested(CoverageFiguresOut)
    children = fields.List(fields.Nested(CoverageChildOut))


# --- campaigns ---------------------------------------------------------------------------------


class CampaignIn(BaseSchema):
    """A new campaign."""

    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    starts_on = fields.Date(required=True, validate=CAMPAIGN_DATES)
    ends_on = fields.Date(required=True, validate=CAMPAIGN_DATES)
    unit = UnitCode(required=True)
    metrics = fields.List(
        fields.String(validate=validate.OneOf(METRICS)),
        required=True,
        validate=validate.Length(min=1, max=len(METRICS)),
    )
    show_ranking_to_officers = fields.Boolean(load_default=False)

    @validates_schema
    def not_too_long(self, data: dict[str, Any], **_kwargs: Any) -> None:
        """Refuse a campaign of more than five years."""
        starts, ends = data.get("starts_on"), data.get("ends_on")
        if starts and ends and (ends - starts).days > CAMPAIGN_MAX_DAYS:
            raise ValidationError(str(_l("Chiến dịch dài quá 5 năm.")), "ends_on")


class CampaignPatchIn(BaseSchema):
    """The fields of a campaign to change (any of them; its unit never changes)."""

    name = fields.String(validate=validate.Length(min=1, max=200))
    starts_on = fields.Date(validate=CAMPAIGN_DATES)
    ends_on = fields.Date(validate=CAMPAIGN_DATES)
    metrics = fields.List(
        fields.String(validate=validate.OneOf(METRICS)),
        validate=validate.Length(min=1, max=len(METRICS)),
    )
    show_ranking_to_officers = fields.Boolean()

    @validates_schema
    def something(self, data: dict[str, Any], **_kwargs: Any) -> None:
        """Refuse an empty change and a name of spaces only."""
        if not data:
            raise ValidationError(str(_l("Không có gì để thay đổi.")))
        if "name" in data and not data["name"].strip():
            raise ValidationError(str(_l("Trường này là bắt buộc.")), "name")


class CampaignTargetIn(BaseSchema):
    unit = UnitCode(required=True)
    metric = fields.String(required=True, validate=validate.OneOf(METRICS))
    target = fields.Integer(required=True, validate=validate.Range(min=0, max=MAX_TARGET))


class CampaignSpreadIn(BaseSchema):
    metric = fields.String(required=True, validate=validate.OneOf(METRICS))
    total = fields.Integer(required=True, validate=validate.Range(min=0, max=MAX_TARGET))
    by = fields.String(load_default="households", validate=validate.OneOf(SPREAD_BASES))


class CampaignTargetsIn(BaseSchema):
    """Explicit targets per child unit, or one total spread by population."""

    targets = fields.List(
        fields.Nested(CampaignTargetIn), validate=validate.Length(min=1, max=5000)
    )
    spread = fields.Nested(CampaignSpreadIn)

    @validates_schema
    def one_way(self, data: dict[str, Any], **_kwargs: Any) -> None:
        """Refuse both or neither of `targets` and `spread`."""
        if ("targets" in data) == ("spread" in data):
            raise ValidationError(str(_l("Gửi `targets` hoặc `spread`, một trong hai.")))


class CampaignUnitOut(OutSchema):
    code = fields.String()
    name = fields.String()
    level = fields.String()


class CampaignTargetOut(OutSchema):
    unit = fields.String()
    unit_name = fields.String()
    metric = fields.String()
    target = fields.Integer()


class CampaignOut(OutSchema):
    """A campaign; its unit and targets come from its service (`Shown`)."""

    id = fields.Integer()
    name = fields.String()
    unit = fields.Nested(CampaignUnitOut)
    starts_on = fields.Date()
    ends_on = fields.Date()
    metrics = fields.List(fields.String())
    created_at = fields.DateTime()
    targets = fields.List(fields.Nested(CampaignTargetOut))
    show_ranking_to_officers = fields.Boolean()


class CampaignProgressArgs(BaseSchema):
    """`?on=<date>`: progress as of a day (today by default)."""

    on = fields.Date()


class CampaignUnitProgressOut(OutSchema):
    code = fields.String()
    name = fields.String()
    count = fields.Integer()
    target = fields.Integer(allow_none=True)
    percent = fields.String(allow_none=True)
    done = fields.Boolean()
    rank = fields.Integer()
    expected = fields.Float(allow_none=True)
    days_ahead = fields.Float(allow_none=True)


class CampaignMetricProgressOut(OutSchema):
    metric = fields.String()
    label = fields.String()
    count = fields.Integer()
    target = fields.Integer(allow_none=True)
    percent = fields.String(allow_none=True)
    expected = fields.Float(allow_none=True)
    days_ahead = fields.Float(allow_none=True)
    units_done = fields.Integer()
    units_with_target = fields.Integer()
    summary = fields.String()
    units = fields.List(fields.Nested(CampaignUnitProgressOut))


class CampaignProgressOut(OutSchema):
    campaign = fields.Nested(CampaignOut)
    as_of = fields.Date()
    status = fields.String()
    total_days = fields.Integer()
    elapsed_days = fields.Integer()
    metrics = fields.List(fields.Nested(CampaignMetricProgressOut))


# --- exports -----------------------------------------------------------------------------------


class CoverageExportArgs(BaseSchema):
    """`?unit=<code>`."""

    unit = UnitCode()


class Since(fields.Field):
    """A day (`2026-11-22`, from 00:00 in Vietnam) or a timestamp with its offset."""

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> datetime:
        text = str(value).strip() if value is not None else ""
        try:
            if len(text) == 10:
                moment = datetime.combine(date.fromisoformat(text), time(), VIETNAM)
            else:
                moment = datetime.fromisoformat(text)
        except ValueError as exc:
            raise ValidationError(str(_l("Ngày hoặc thời điểm không hợp lệ."))) from exc
        moment = moment if moment.tzinfo else moment.replace(tzinfo=VIETNAM)
        return TIME_RANGE(moment)


class VisitsExportArgs(BaseSchema):
    """`?unit=<code>&since=<date or timestamp>`."""

    unit = UnitCode()
    since = Since()


class CampaignListArgs(PageArgs):
    """`?page=&per_page=`."""


# --- pages -------------------------------------------------------------------------------------


class MapArgs(BaseSchema):
    """`/maps/coverage?unit=&metric=&campaign=&download=1`."""

    class Meta:
        unknown = EXCLUDE

    unit = UnitCode()
    metric = fields.String(load_default="coverage", validate=validate.OneOf(MAP_METRICS))
    campaign = QueryId()
    download = fields.Boolean(load_default=False)


class DashboardArgs(BaseSchema):
    """`/dashboard?unit=&sort=&dir=`."""

    class Meta:
        unknown = EXCLUDE

    unit = UnitCode()
    sort = fields.String(load_default="code", validate=validate.OneOf(SORT_KEYS))
    dir = fields.String(load_default="asc", validate=validate.OneOf(("asc", "desc")))
