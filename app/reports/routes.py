"""Reports API: live coverage, campaigns with targets and progress, downloads."""

from __future__ import annotations

from flask import Response, stream_with_context

from app.auth.access import acting_user, require
from app.common import writes_on_get
from app.extensions import Blueprint, db
from app.reports import campaigns, coverage, exports, progress
from app.reports.schemas import (
    CampaignIn,
    CampaignListArgs,
    CampaignOut,
    CampaignPatchIn,
    CampaignProgressArgs,
    CampaignProgressOut,
    CampaignTargetsIn,
    CoverageArgs,
    CoverageExportArgs,
    CoverageOut,
    VisitsExportArgs,
)
from app.schemas import paged
from app.spreadsheet import XLSX_MIME

blp = Blueprint("reports", __name__, description="Độ bao phủ, chiến dịch, xuất dữ liệu / Reports")


def _attachment(filename: str) -> dict[str, str]:
    return {
        "Content-Disposition": f'attachment; filename="{filename}"',
        "Cache-Control": "no-store",
    }


@blp.route("/coverage")
@require("commander", "admin", "officer")
@blp.arguments(CoverageArgs, location="query")
@blp.response(200, CoverageOut)
def get_coverage(args: dict):
    """Show a unit's live coverage, in total and per child unit; sites (boarding houses,
    dormitories, companies) and temporary residents counted apart; `kind` keeps only the
    households of one kind."""
    return coverage.coverage_for(
        acting_user(), args.get("unit"), args.get("campaign"), args.get("kind")
    )


@blp.route("/campaigns")
@require("commander", "admin")
@blp.arguments(CampaignListArgs, location="query")
@blp.response(200, paged(CampaignOut))
def list_campaigns(args: dict):
    """List the campaigns of units in the caller's scope."""
    return campaigns.list_campaigns(acting_user(), args["page"], args["per_page"])


@blp.route("/campaigns", methods=["POST"])
@require("commander", "admin")
@blp.arguments(CampaignIn)
@blp.response(201, CampaignOut)
def create_campaign(args: dict):
    """Create a campaign for a unit in the caller's scope."""
    campaign = campaigns.create_campaign(acting_user(), **args)
    db.session.commit()
    return campaigns.shown_campaign(campaign)


@blp.route("/campaigns/<int:campaign_id>")
@require("commander", "admin")
@blp.response(200, CampaignOut)
def get_campaign(campaign_id: int):
    """Show a campaign with its targets."""
    return campaigns.shown_campaign(campaigns.get_campaign(acting_user(), campaign_id))


@blp.route("/campaigns/<int:campaign_id>", methods=["PATCH"])
@require("commander", "admin")
@blp.arguments(CampaignPatchIn)
@blp.response(200, CampaignOut)
def update_campaign(args: dict, campaign_id: int):
    """Change a campaign's name, dates, metrics or whether officers see the performance table."""
    campaign = campaigns.update_campaign(acting_user(), campaign_id, args)
    db.session.commit()
    return campaigns.shown_campaign(campaign)


@blp.route("/campaigns/<int:campaign_id>/targets", methods=["PUT"])
@require("commander", "admin")
@blp.arguments(CampaignTargetsIn)
@blp.response(200, CampaignOut)
def put_targets(args: dict, campaign_id: int):
    """Set a campaign's targets per child unit, explicitly or spread by population."""
    campaign = campaigns.set_targets(acting_user(), campaign_id, **args)
    db.session.commit()
    return campaigns.shown_campaign(campaign)


@blp.route("/campaigns/<int:campaign_id>/progress")
@require("commander", "admin")
@blp.arguments(CampaignProgressArgs, location="query")
@blp.response(200, CampaignProgressOut)
def get_progress(args: dict, campaign_id: int):
    """Show a campaign's progress per metric and per unit against the straight-line plan."""
    return progress.campaign_progress(acting_user(), campaign_id, args.get("on"))


@blp.route("/exports/coverage.xlsx")
@writes_on_get
@require("commander", "admin")
@blp.arguments(CoverageExportArgs, location="query")
@blp.response(200, content_type=XLSX_MIME, description="Excel workbook")
def export_coverage(args: dict):
    """Download a unit's coverage as an Excel workbook, one sheet per level."""
    filename, content = exports.coverage_workbook(acting_user(), args.get("unit"))
    db.session.commit()
    return Response(content, mimetype=XLSX_MIME, headers=_attachment(filename))


@blp.route("/exports/visits.csv")
@writes_on_get
@require("commander", "admin")
@blp.arguments(VisitsExportArgs, location="query")
@blp.response(200, content_type="text/csv", description="CSV, UTF-8 with BOM")
def export_visits(args: dict):
    """Download a unit's visits as CSV (streamed; ID numbers masked)."""
    filename, chunks = exports.visits_csv(acting_user(), args.get("unit"), args.get("since"))
    db.session.commit()
    return Response(
        stream_with_context(chunks),
        mimetype="text/csv",
        headers={**_attachment(filename), "X-Content-Type-Options": "nosniff"},
    )
