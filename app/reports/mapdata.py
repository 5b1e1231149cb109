"""Coverage maps from live aggregates: the figures of `coverage`, geometry and gap layers.

The map itself is drawn by `maps/` (pure, no database); this module gathers its inputs in a
few set-based queries and never loads more points than a browser can hold.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import and_, case, exists, func, select

from app.auth.models import User
from app.auth.scope import rows_inside, scope_clause
from app.clock import to_vietnam, today_in_vietnam
from app.extensions import db
from app.followups.models import Followup
from app.labels import LABELS, choices, in_sentence, label
from app.people.models import SITE_KINDS, Household, Resident
from app.reports.coverage import (
    DONE_OUTCOMES,
    EID_DONE,
    ID_DONE,
    Figures,
    Period,
    UnitRow,
    resolve_unit,
    rows_for,
)
from app.reports.eligibility import eligible_clause, present_clause
from app.reports.periods import campaign_for_period
from app.security import with_nonce
from app.units.models import Unit
from app.visits.models import Visit
from maps import FollowupPoint, MapLayers, MapWords, SitePoint, UnitFigures, coverage_map
from maps.offline import OfflineMap

MAX_UNVISITED = 20_000
MAX_FOLLOWUPS = 5_000
MAX_FLAGGED = 2_000
MAX_SITES = 2_000
MAX_OUTLINE_POINTS = 2_000  # per hamlet without a boundary


def map_words() -> MapWords:
    """Gather every text a map shows, in the current language, from the catalogue."""
    return MapWords(
        figures=choices("figure"),
        metrics=choices("map_metric"),
        links={
            level: _("Xem bản đồ %(level)s", level=in_sentence(label("unit_level", level)))
            for level in LABELS["unit_level"]
        },
        name=_("Đơn vị"),
        link=_("Chi tiết"),
        estimated_suffix=" " + _("(ước tính)"),
        base_layer=_("Bản đồ nền"),
        layer_units=_("Đơn vị hành chính"),
        layer_unvisited=_("Hộ chưa gõ cửa"),
        layer_heat=_("Mật độ hộ chưa gõ cửa"),
        layer_followups=_("Việc quay lại (đỏ: quá hạn)"),
        layer_flagged=_("Lượt gõ cửa ngoài địa bàn thôn"),
        followup=_("Việc cần làm"),
        followup_status=_("Trạng thái"),
        followup_overdue=_("Quá hạn"),
        followup_open=label("followup_status", "open"),
        flagged=_("Lượt gõ cửa"),
        legend_no_data=_("Chưa có số liệu"),
        legend_estimated=_("Ranh giới ước tính từ vị trí các hộ"),
        legend_circle=_("Chưa có ranh giới (cỡ vòng theo số hộ)"),
        legend_unplaced=_("%(count)s đơn vị chưa có vị trí, không vẽ được", count="{count}"),
        legend_at_least=_("từ %(count)s trở lên", count="{count}"),
        layer_sites=_("Nhà trọ, ký túc xá, công ty"),
        site_kinds=choices("household_kind"),
        site_badges={  # the short texts of the site markers
            "boarding_house": _("Trọ"),
            "dormitory": _("KTX"),
            "company": _("Cty"),
            "other_site": _("Khác"),
        },
        site_people=_("Số người đang ở"),
        site_id_share=_("Có căn cước (đã thu nhận)"),
        site_eid_share=_("VNeID mức 2"),
    )


def _unit_figures(row: UnitRow, unit: Unit, points: list[tuple[float, float]] | None):
    centroid = None
    if unit.centroid_lat is not None and unit.centroid_lon is not None:
        centroid = (unit.centroid_lat, unit.centroid_lon)
    return UnitFigures(
        code=unit.code,
        name=unit.name,
        level=unit.level,
        geometry=unit.geometry,
        centroid=centroid,
        figures=row.figures.as_dict(),
        household_points=points,
    )


def outline_points(hamlet_ids: list[int]) -> dict[int, list[tuple[float, float]]]:
    """Return known household locations of hamlets that have no boundary (for a hull)."""
    if not hamlet_ids:
        return {}
    out: dict[int, list[tuple[float, float]]] = defaultdict(list)
    rows = db.session.execute(
        select(Household.hamlet_id, Household.lat, Household.lon).where(
            Household.hamlet_id.in_(hamlet_ids),
            Household.lat.is_not(None),
            Household.lon.is_not(None),
        )
    )
    for hamlet_id, lat, lon in rows:
        if len(out[hamlet_id]) < MAX_OUTLINE_POINTS:
            out[hamlet_id].append((lat, lon))
    return out


def unvisited_points(user: User, unit: Unit, period: Period | None) -> list[tuple[float, float]]:
    """Return the locations of households no visit has settled yet (in the period)."""
    done = select(Visit.id).where(
        Visit.household_id == Household.id, Visit.outcome.in_(DONE_OUTCOMES)
    )
    if period is not None:
        done = done.where(Visit.visited_at >= period.start, Visit.visited_at < period.end)
    rows = db.session.execute(
        select(Household.lat, Household.lon)
        .where(
            rows_inside(Household, unit),
            scope_clause(user, Household),
            Household.lat.is_not(None),
            Household.lon.is_not(None),
            ~exists(done),
        )
        .limit(MAX_UNVISITED)
    )
    return [(lat, lon) for lat, lon in rows]


def followup_points(user: User, unit: Unit) -> list[FollowupPoint]:
    """Return open follow-ups with a location, the overdue ones flagged."""
    lat = func.coalesce(Followup.lat, Household.lat)
    lon = func.coalesce(Followup.lon, Household.lon)
    rows = db.session.execute(
        select(Followup.kind, Followup.due_date, lat, lon, Household.code)
        .outerjoin(Household, Household.id == Followup.household_id)
        .where(
            rows_inside(Followup, unit),
            scope_clause(user, Followup),
            Followup.status == "open",
            lat.is_not(None),
            lon.is_not(None),
        )
        .order_by(Followup.due_date)
        .limit(MAX_FOLLOWUPS)
    )
    now = today_in_vietnam()
    return [
        FollowupPoint(
            lat=y,
            lon=x,
            label=f"{label('followup_kind', kind)} · {code or ''} · {due:%d/%m/%Y}",
            overdue=due < now,
        )
        for kind, due, y, x, code in rows
    ]


def flagged_points(user: User, unit: Unit, period: Period | None) -> list[tuple[float, float, str]]:
    """Return visits the geotag found outside their household's hamlet, newest first."""
    stmt = (
        select(Visit.visited_at, Visit.lat, Visit.lon, Visit.flags, Household.code)
        .join(Household, Household.id == Visit.household_id)
        .where(
            rows_inside(Visit, unit),
            scope_clause(user, Visit),
            Visit.flagged.is_(True),
            Visit.lat.is_not(None),
            Visit.lon.is_not(None),
        )
        .order_by(Visit.visited_at.desc())
        .limit(MAX_FLAGGED * 3)
    )
    if period is not None:
        stmt = stmt.where(Visit.visited_at >= period.start, Visit.visited_at < period.end)
    out = []
    for at, lat, lon, flags, code in db.session.execute(stmt):
        if "outside_hamlet" in (flags or []) and len(out) < MAX_FLAGGED:
            when = to_vietnam(at).strftime("%d/%m/%Y %H:%M")
            out.append((lat, lon, f"{when} · {code or ''}"))
    return out


def site_points(user: User, unit: Unit) -> list[SitePoint]:
    """Return the sites with a location and their people: present, owed a card (the coverage
    rule), with the ID card collected and with e-ID level 2, one grouped query."""
    eligible = eligible_clause()
    people = (
        select(
            Resident.household_id.label("household_id"),
            func.sum(case((present_clause(), 1), else_=0)).label("people"),
            func.sum(case((eligible, 1), else_=0)).label("eligible"),
            func.sum(case((and_(eligible, Resident.id_card.in_(ID_DONE)), 1), else_=0)).label(
                "ids"
            ),
            func.sum(case((and_(eligible, Resident.eid == EID_DONE), 1), else_=0)).label("eids"),
        )
        .where(rows_inside(Resident, unit), scope_clause(user, Resident))
        .group_by(Resident.household_id)
        .subquery()
    )
    rows = db.session.execute(
        select(
            Household.lat,
            Household.lon,
            func.coalesce(Household.site_name, Household.address),
            Household.kind,
            people.c.people,
            people.c.eligible,
            people.c.ids,
            people.c.eids,
        )
        .outerjoin(people, people.c.household_id == Household.id)
        .where(
            rows_inside(Household, unit),
            scope_clause(user, Household),
            Household.kind.in_(SITE_KINDS),
            Household.lat.is_not(None),
            Household.lon.is_not(None),
        )
        .order_by(Household.id)
        .limit(MAX_SITES)
    )
    return [
        SitePoint(lat, lon, name or "", kind, *(int(n or 0) for n in counts))
        for lat, lon, name, kind, *counts in rows
    ]


def map_inputs(
    user: User, code: str | None, campaign_id: int | None = None
) -> tuple[Unit, Figures, list[UnitFigures], MapLayers]:
    """Gather what a unit's coverage map shows: units with figures and the gap layers."""
    unit = resolve_unit(user, code)
    campaign = campaign_for_period(user, campaign_id, unit) if campaign_id else None
    period = Period(campaign.starts_on, campaign.ends_on) if campaign else None
    totals, rows = rows_for(unit, period, user)
    if unit.level == "hamlet":
        rows = [
            UnitRow(code=unit.code, name=unit.name, level=unit.level, figures=totals, unit=unit)
        ]
    drawn = [row for row in rows if row.unit is not None]
    layers = MapLayers()
    points: dict[int, list[tuple[float, float]]] = {}
    if unit.level in ("commune", "hamlet"):
        points = outline_points([r.unit.id for r in drawn if r.unit and not r.unit.geometry])
        layers = MapLayers(
            unvisited_households=unvisited_points(user, unit, period),
            followups=followup_points(user, unit),
            flagged_visits=flagged_points(user, unit, period),
            sites=site_points(user, unit),
        )
    units = [_unit_figures(row, row.unit, points.get(row.unit.id)) for row in drawn if row.unit]
    return unit, totals, units, layers


def build_map(
    user: User,
    code: str | None,
    *,
    metric: str,
    campaign_id: int | None,
    static_base: str,
    tiles_url: str,
    attribution: str,
    link_template: str | None,
    inline: bool = False,
    title: str | None = None,
) -> tuple[Unit, Figures, OfflineMap]:
    """Build the folium coverage map of a unit in the user's scope."""
    unit, totals, units, layers = map_inputs(user, code, campaign_id)
    fmap = coverage_map(
        units,
        metric=metric,
        static_base=static_base,
        tiles_url=tiles_url,
        attribution=attribution,
        layers=layers,
        link_template=link_template if unit.level in ("province", "district") else None,
        inline=inline,
        title=title,
        words=map_words(),
    )
    return unit, totals, fmap


def map_page_parts(fmap: OfflineMap) -> dict[str, Any]:
    """Split a rendered map into what a page frame embeds: head, body and script.

    folium's own <script> tags in the head get this request's CSP nonce; the page wraps the
    script part in a <script> with the same nonce.
    """
    root = fmap.get_root()
    return {
        "head": with_nonce(root.header.render()),
        "body": root.html.render(),
        "script": root.script.render(),
    }
