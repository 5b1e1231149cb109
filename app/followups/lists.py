"""Reading follow-ups: the list (paged, or as today's walking route), overdue counts, the away list.

With `near`, the follow-ups the filters select are ordered by priority class (urgent or
overdue first, then the rest), each class as a short walking route (app.followups.walking)
starting where the officer stands, the second class from the last stop of the first; those
without a location come last, by hamlet. Every item says how far it is from the stop before.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import ColumnElement, Select, and_, case, false, func, select

from app.auth.models import User
from app.auth.scope import rows_inside, scope_clause, unit_in_scope
from app.clock import today_in_vietnam
from app.errors import InvalidError, NotFoundError
from app.extensions import db
from app.followups.models import Followup, Returnee
from app.followups.rules import AWAY, URGENT
from app.followups.walking import distance_m, order_route
from app.paging import Page, paginate
from app.people.models import Household, Resident
from app.schemas import Shown
from app.units.models import Unit

# The most stops one route is computed for; a wider filter must be narrowed.
ROUTE_MAX = 500


def unit_for(user: User, code: str | None, *, levels: tuple[str, ...] | None = None) -> Unit:
    """Return the unit of a code inside the user's scope (default: the user's own), or 404."""
    if not code:
        return user.unit
    unit = db.session.scalar(select(Unit).where(Unit.code == code))
    if unit is None or not unit_in_scope(user, unit) or (levels and unit.level not in levels):
        raise NotFoundError(_("Không tìm thấy đơn vị %(code)s.", code=code))
    return unit


def _hamlet_clause(user: User, code: str | None) -> ColumnElement[bool] | None:
    if not code:
        return None
    hamlet = db.session.scalar(select(Unit).where(Unit.code == code, Unit.level == "hamlet"))
    if hamlet is None or not unit_in_scope(user, hamlet):
        return false()  # a list leaves out what is not yours
    return rows_inside(Followup, hamlet)


def _conditions(user: User, args: dict[str, Any], on: date) -> list[ColumnElement[bool]]:
    conditions = [scope_clause(user, Followup)]
    if user.role == "village_head":
        conditions.append(Followup.needs_village_head.is_(True))
    if args.get("mine"):
        conditions.append(Followup.assignee_id == user.id)
    for column, name in (
        (Followup.status, "status"),
        (Followup.kind, "kind"),
        (Followup.assignee_id, "assignee"),
        (Followup.needs_village_head, "needs_village_head"),
    ):
        if args.get(name) is not None:
            conditions.append(column == args[name])
    if args.get("overdue") is not None:
        late = and_(Followup.status == "open", Followup.due_date < on)
        conditions.append(late if args["overdue"] else ~late)
    hamlet = _hamlet_clause(user, args.get("hamlet"))
    if hamlet is not None:
        conditions.append(hamlet)
    return conditions


def _items() -> Select:
    """Follow-ups with what a list shows of their household, resident, hamlet and assignee."""
    return (
        select(
            Followup,
            Household.code,
            Household.address,
            func.coalesce(Followup.lat, Household.lat),
            func.coalesce(Followup.lon, Household.lon),
            Resident.full_name,
            Unit.code,
            User.full_name,
        )
        .outerjoin(Household, Household.id == Followup.household_id)
        .outerjoin(Resident, Resident.id == Followup.resident_id)
        .outerjoin(Unit, Unit.id == Followup.hamlet_id)
        .outerjoin(User, User.id == Followup.assignee_id)
    )


def _flags_of(followup_ids: list[int]) -> dict[int, Returnee]:
    """Map returnee_visit follow-ups to their latest flag (one query)."""
    if not followup_ids:
        return {}
    rows = db.session.scalars(
        select(Returnee)
        .where(Returnee.followup_id.in_(followup_ids))
        .order_by(Returnee.created_at, Returnee.id)
    )
    return {row.followup_id: row for row in rows}


def _shown(rows: list[Any], on: date) -> list[Shown]:
    """Follow-ups of `_items()` rows with their list's values and returnee flags."""
    flags = _flags_of([row[0].id for row in rows if row[0].kind == "returnee_visit"])
    shown = []
    for followup, hh_code, address, lat, lon, resident_name, hamlet_code, assignee_name in rows:
        flag = flags.get(followup.id)
        shown.append(
            Shown(
                followup,
                overdue=followup.status == "open" and followup.due_date < on,
                household_code=hh_code,
                household_address=address,
                resident_name=resident_name or (flag.full_name if flag else None),
                hamlet_code=hamlet_code,
                lat=lat,
                lon=lon,
                distance_m=None,
                assignee_name=assignee_name,
                returnee=flag,
            )
        )
    return shown


def _first(item: Shown) -> bool:
    return item.priority == URGENT or item.overdue


def walking_order(items: list[Shown], near: tuple[float, float]) -> list[Shown]:
    """Order items: urgent or overdue first, each class as a walking route; unplaced last."""
    placed = [i for i in items if i.lat is not None and i.lon is not None]
    unplaced = [i for i in items if i.lat is None or i.lon is None]
    ordered: list[Shown] = []
    here = near
    for group in ([i for i in placed if _first(i)], [i for i in placed if not _first(i)]):
        points = [(i.lat, i.lon) for i in group]
        for index in order_route(here, points):
            item = group[index]
            item.distance_m = round(distance_m(here, points[index]), 1)
            here = points[index]
            ordered.append(item)
    unplaced.sort(key=lambda i: (i.hamlet_code or "", not _first(i), i.due_date, i.id))
    return ordered + unplaced


def list_followups(
    user: User,
    *,
    near: tuple[float, float] | None = None,
    page: int = 1,
    per_page: int = 50,
    **args: Any,
) -> Page:
    """List follow-ups in scope; with `near`, in walking order from that point."""
    on = today_in_vietnam()
    query = _items().where(*_conditions(user, args, on))
    if near is None:
        order = (Followup.priority, Followup.due_date, Followup.id)
        result = paginate(query.order_by(*order), page, per_page, rows=True)
        result.items = _shown(result.items, on)
        return result
    rows = db.session.execute(
        query.order_by(Followup.due_date, Followup.id).limit(ROUTE_MAX + 1)
    ).all()
    if len(rows) > ROUTE_MAX:
        raise InvalidError(
            _("Quá nhiều việc để xếp lộ trình (hơn %(n)s); hãy lọc thêm.", n=ROUTE_MAX),
            {"near": [_("Dùng cùng mine=1, status=open hoặc hamlet=.")]},
        )
    return Page.of_list(walking_order(_shown(list(rows), on), near), page, per_page)


def shown_followup(followup_id: int) -> Shown:
    """Return one follow-up with the values its list shows."""
    row = db.session.execute(_items().where(Followup.id == followup_id)).one()
    return _shown([row], today_in_vietnam())[0]


def _late(on: date) -> Any:
    return func.sum(case((Followup.due_date < on, 1), else_=0))


def overdue_summary(user: User, unit_code: str | None = None) -> dict[str, Any]:
    """Count open and overdue follow-ups by hamlet and assignee, where any is overdue."""
    unit = unit_for(user, unit_code)
    on = today_in_vietnam()
    late = _late(on)
    rows = db.session.execute(
        select(
            Followup.hamlet_id,
            Followup.assignee_id,
            func.count(Followup.id),
            late,
            func.min(Followup.due_date),
        )
        .where(scope_clause(user, Followup), rows_inside(Followup, unit), Followup.status == "open")
        .group_by(Followup.hamlet_id, Followup.assignee_id)
        .having(late > 0)
    ).all()
    hamlet_ids = {r[0] for r in rows if r[0] is not None}
    user_ids = {r[1] for r in rows if r[1] is not None}
    hamlets = {
        h.id: h for h in db.session.scalars(select(Unit).where(Unit.id.in_(hamlet_ids)))
    } if hamlet_ids else {}  # fmt: skip
    names = dict(
        db.session.execute(select(User.id, User.full_name).where(User.id.in_(user_ids))).all()
    ) if user_ids else {}  # fmt: skip
    items = [
        {
            "hamlet_code": hamlets[h].code if h in hamlets else None,
            "hamlet_name": hamlets[h].name if h in hamlets else None,
            "assignee_id": a,
            "assignee_name": names.get(a),
            "open": int(n),
            "overdue": int(k),
            "oldest_due_date": oldest,
        }
        for h, a, n, k, oldest in rows
    ]
    items.sort(key=lambda i: (-i["overdue"], i["hamlet_code"] or "", i["assignee_id"] or 0))
    return {
        "unit": {"code": unit.code, "name": unit.name, "level": unit.level},
        "today": on,
        "overdue": sum(i["overdue"] for i in items),
        "items": items,
    }


def followup_counts_by_hamlet(
    hamlet_ids: list[int] | None = None, commune_ids: list[int] | None = None
) -> dict[int, tuple[int, int]]:
    """Map hamlets to (open, overdue) follow-up counts in one aggregate query."""
    query = select(Followup.hamlet_id, func.count(Followup.id), _late(today_in_vietnam())).where(
        Followup.status == "open", Followup.hamlet_id.is_not(None)
    )
    if hamlet_ids is not None:
        query = query.where(Followup.hamlet_id.in_(hamlet_ids))
    if commune_ids is not None:
        query = query.where(Followup.commune_id.in_(commune_ids))
    rows = db.session.execute(query.group_by(Followup.hamlet_id)).all()
    return {h: (int(n), int(k or 0)) for h, n, k in rows}


def away_list(user: User, *, hamlet: str | None = None, page: int = 1, per_page: int = 50) -> Page:
    """List residents away from home in scope: "away; tell us when they are back"."""
    query = (
        select(
            Resident.id.label("resident_id"),
            Resident.full_name,
            Resident.presence,
            Resident.away_until,
            Resident.household_id,
            Household.code.label("household_code"),
            Household.address.label("household_address"),
            Unit.code.label("hamlet_code"),
        )
        .join(Household, Household.id == Resident.household_id)
        .outerjoin(Unit, Unit.id == Resident.hamlet_id)
        .where(scope_clause(user, Resident), Resident.presence.in_(AWAY))
    )
    if hamlet:
        unit = db.session.scalar(select(Unit).where(Unit.code == hamlet, Unit.level == "hamlet"))
        if unit is None or not unit_in_scope(user, unit):
            return Page.empty(page, per_page)
        query = query.where(rows_inside(Resident, unit))
    order = (Unit.code, Household.code, Resident.name_folded, Resident.id)
    return paginate(query.order_by(*order), page, per_page, rows=True)
