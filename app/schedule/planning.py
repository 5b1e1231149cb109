"""A hamlet's visit plan: its households as a walking route, each given a day and a time window.

Planning takes the days the officers have, the hours of a day and the minutes a household takes.
The hamlet's households are ordered as one walking route (app.followups.walking) from the
hamlet's centre; those without a location come last, by code. The route is then cut into time
windows, filling the first day from `day_start` until the next window would end after
`day_end`, then the next day. When the days cannot hold every household nothing is planned:
the answer (422) says how many fit and how many days more are needed, so the plan always covers
the whole hamlet.

Planning again replaces the plan: every slot of the old one goes. Households visited since the
old plan was made are left out of the new one (their visit is done); the others are planned
anew. Rescheduling one household moves only its own slot (`moved` then marks it).

Who may plan, read the plan and print the notices: an officer assigned to the hamlet and a
commander whose unit holds it. Anyone else inside the scope gets 403, outsiders 404.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.auth.models import User
from app.auth.scope import hamlet_ids_of, rows_inside, unit_in_scope
from app.clock import today_in_vietnam
from app.common import utcnow
from app.errors import ForbiddenError, InvalidError, NotFoundError
from app.extensions import db
from app.followups.walking import order_route
from app.people.models import Household, ScheduledVisit, VisitSchedule
from app.people.service import household_for
from app.schemas import Shown
from app.units.models import Unit

MINUTES_MIN, MINUTES_MAX = 5, 240
DAYS_MAX = 31


@dataclass
class Plan:
    """A hamlet's plan as the API and the page show it."""

    hamlet: Unit
    schedule: VisitSchedule
    slots: list[ScheduledVisit]
    left_out: int = 0  # households visited since the previous plan, not planned again

    @property
    def slots_per_day(self) -> int:
        return slots_per_day(
            self.schedule.day_start, self.schedule.day_end, self.schedule.minutes_per_household
        )

    @property
    def capacity(self) -> int:
        return self.slots_per_day * len(self.schedule.days)

    def __getattr__(self, name: str) -> Any:
        if name in SCHEDULE_COLUMNS:  # what the answer shows of the schedule row itself
            return getattr(self.schedule, name)
        raise AttributeError(name)

    @property
    def hamlet_code(self) -> str:
        return self.hamlet.code

    @property
    def days(self) -> list[date]:
        return [date.fromisoformat(day) for day in self.schedule.days]

    @property
    def visits(self) -> list[Shown]:
        """The slots in visiting order, with what finds each household."""
        ordered = sorted(self.slots, key=lambda v: (v.date, v.starts_at, v.position))
        return [shown_visit(visit, self.schedule) for visit in ordered]


SCHEDULE_COLUMNS = ("day_start", "day_end", "minutes_per_household", "created_at", "created_by_id")


def head_of(household: Household) -> str | None:
    """The name of the head of the household, else of its first member."""
    for resident in household.residents:
        if resident.relationship_to_head == "head":
            return resident.full_name
    return household.residents[0].full_name if household.residents else None


def shown_visit(visit: ScheduledVisit, schedule: VisitSchedule) -> Shown:
    household = visit.household
    visited = household.last_visit_at is not None and household.last_visit_at >= schedule.created_at
    return Shown(
        visit,
        household_code=household.code,
        address=household.address,
        head_name=head_of(household),
        visited=visited,
    )


def may_plan(user: User, hamlet: Unit) -> bool:
    """Tell whether a user plans (and prints for) a hamlet: its officer or a commander over it."""
    if not unit_in_scope(user, hamlet):
        return False
    if user.role == "commander":
        return True
    return user.role == "officer" and hamlet.id in hamlet_ids_of(user)


def planner_hamlet(user: User, code: str) -> Unit:
    """Return the hamlet of a code if the user may plan it; 404 outside the scope, else 403."""
    hamlet = db.session.scalar(select(Unit).where(Unit.code == code))
    if hamlet is None or hamlet.level != "hamlet" or not unit_in_scope(user, hamlet):
        raise NotFoundError(_("Không tìm thấy thôn %(code)s.", code=code))
    if not may_plan(user, hamlet):
        raise ForbiddenError(
            _("Chỉ cán bộ phụ trách thôn và chỉ huy mới được lập lịch thăm và in giấy báo.")
        )
    return hamlet


def slots_per_day(start: time, end: time, minutes: int) -> int:
    """How many windows of `minutes` fit between start and end of one day."""
    span = (datetime.combine(date.min, end) - datetime.combine(date.min, start)).total_seconds()
    return max(0, int(span // 60) // minutes)


def schedule_of(hamlet: Unit) -> VisitSchedule | None:
    return db.session.scalar(select(VisitSchedule).where(VisitSchedule.hamlet_id == hamlet.id))


def read_plan(user: User, code: str) -> Plan:
    """Return a hamlet's plan, or 404 when it has none."""
    hamlet = planner_hamlet(user, code)
    schedule = schedule_of(hamlet)
    if schedule is None:
        raise NotFoundError(_("Thôn %(name)s chưa có lịch thăm.", name=hamlet.name))
    return Plan(hamlet, schedule, slots_of(schedule))


def slots_of(schedule: VisitSchedule) -> list[ScheduledVisit]:
    """The plan's slots with their households and members, in three queries."""
    return list(
        db.session.scalars(
            select(ScheduledVisit)
            .where(ScheduledVisit.schedule_id == schedule.id)
            .options(selectinload(ScheduledVisit.household).selectinload(Household.residents))
        )
    )


def _check(days: list[date], start: time, end: time, minutes: int) -> None:
    errors: dict[str, list[str]] = {}
    if not days:
        errors["days"] = [_("Chọn ít nhất một ngày.")]
    elif len(days) > DAYS_MAX:
        errors["days"] = [_("Một lịch có nhiều nhất %(n)d ngày.", n=DAYS_MAX)]
    elif days[0] < today_in_vietnam():
        errors["days"] = [_("Ngày %(day)s đã qua.", day=days[0].strftime("%d/%m/%Y"))]
    if end <= start:
        errors["day_end"] = [_("Giờ kết thúc phải sau giờ bắt đầu.")]
    if not MINUTES_MIN <= minutes <= MINUTES_MAX:
        errors["minutes_per_household"] = [
            _("Số phút mỗi hộ từ %(a)d đến %(b)d.", a=MINUTES_MIN, b=MINUTES_MAX)
        ]
    elif end > start and slots_per_day(start, end, minutes) == 0:
        errors["minutes_per_household"] = [_("Một ngày không đủ thời gian cho một hộ.")]
    if errors:
        raise InvalidError(_("Lịch thăm chưa hợp lệ."), errors)


def _route(hamlet: Unit, households: list[Household]) -> list[Household]:
    """Order households as a walking route from the hamlet's centre; unplaced ones last."""
    placed = [h for h in households if h.lat is not None and h.lon is not None]
    unplaced = sorted(
        (h for h in households if h.lat is None or h.lon is None),
        key=lambda h: (h.code or "", h.id),
    )
    if not placed:
        return unplaced
    placed.sort(key=lambda h: (h.code or "", h.id))  # a stable input gives a stable route
    points = [(h.lat, h.lon) for h in placed]
    centre = (hamlet.centroid_lat, hamlet.centroid_lon)
    start = centre if None not in centre else points[0]
    return [placed[i] for i in order_route(start, points)] + unplaced


def _refuse_overflow(count: int, capacity: int, per_day: int, days: int) -> None:
    more = math.ceil((count - capacity) / per_day)
    raise InvalidError(
        _(
            "%(days)d ngày đã chọn chỉ đủ thăm %(fit)d hộ, thôn có %(count)d hộ cần thăm: hãy "
            "thêm ít nhất %(more)d ngày, kéo dài giờ hoặc giảm số phút mỗi hộ.",
            days=days,
            fit=capacity,
            count=count,
            more=more,
        ),
        {"days": [_("Thiếu %(n)d ngày.", n=more)]},
        capacity=capacity,
        households=count,
    )


def windows(days: list[date], start: time, end: time, minutes: int, count: int):
    """Yield (day, from, to) for `count` consecutive windows filling the days in order."""
    per_day = slots_per_day(start, end, minutes)
    for index in range(count):
        day = days[index // per_day]
        begin = datetime.combine(day, start) + timedelta(minutes=minutes * (index % per_day))
        yield day, begin.time(), (begin + timedelta(minutes=minutes)).time()


def _households_to_plan(hamlet: Unit, old: VisitSchedule | None) -> tuple[list[Household], int]:
    query = select(Household).where(rows_inside(Household, hamlet))
    households = list(db.session.scalars(query.options(selectinload(Household.residents))))
    if old is None:
        return households, 0
    # Done: visited since the old plan, or left out of it already (on file before it, without
    # a slot: its check was done before; planning again for new hours must not bring it back).
    # A household added since, or moved by hand out of the plan, is planned.
    slotted = set(
        db.session.scalars(
            select(ScheduledVisit.household_id).where(ScheduledVisit.schedule_id == old.id)
        )
    )
    done = [
        h for h in households
        if (h.last_visit_at and h.last_visit_at >= old.created_at)
        or (h.id not in slotted and h.created_at < old.created_at and h.last_visit_at is not None)
    ]  # fmt: skip
    return [h for h in households if h not in done], len(done)


def plan_hamlet(user: User, code: str, args: dict) -> Plan:
    """Plan (or plan again) a hamlet's visits; the caller commits."""
    hamlet = planner_hamlet(user, code)
    days = sorted(set(args["days"]))
    start, end, minutes = args["day_start"], args["day_end"], args["minutes_per_household"]
    _check(days, start, end, minutes)
    schedule = schedule_of(hamlet)
    households, left_out = _households_to_plan(hamlet, schedule)
    per_day = slots_per_day(start, end, minutes)
    if len(households) > per_day * len(days):
        _refuse_overflow(len(households), per_day * len(days), per_day, len(days))
    if schedule is None:
        schedule = VisitSchedule(
            hamlet_id=hamlet.id, commune_id=hamlet.parent_id, province_id=hamlet.province_id
        )
    else:
        for old in list(schedule.visits):
            db.session.delete(old)
        db.session.flush()  # the old slots go before the new ones take their households
        db.session.expire(schedule, ["visits"])
    schedule.days = [day.isoformat() for day in days]
    schedule.day_start, schedule.day_end, schedule.minutes_per_household = start, end, minutes
    schedule.created_by_id, schedule.created_at = user.id, utcnow()
    db.session.add(schedule)
    route = _route(hamlet, households)
    visits = []
    for position, (household, (day, begin, finish)) in enumerate(
        zip(route, windows(days, start, end, minutes, len(route)), strict=True), start=1
    ):
        visits.append(
            ScheduledVisit(
                schedule=schedule,
                household_id=household.id,
                hamlet_id=hamlet.id,
                commune_id=hamlet.parent_id,
                province_id=hamlet.province_id,
                date=day,
                starts_at=begin,
                ends_at=finish,
                position=position,
            )
        )
    db.session.add_all(visits)
    db.session.flush()
    return Plan(hamlet, schedule, visits, left_out)


def reschedule(user: User, household_id: int, args: dict) -> ScheduledVisit:
    """Move one household's visit to another day or window; the others keep theirs."""
    household = household_for(user, household_id)
    hamlet = db.session.get(Unit, household.hamlet_id) if household.hamlet_id else None
    if hamlet is None:
        raise InvalidError(_("Hộ chưa thuộc thôn nào nên chưa có lịch thăm."))
    planner_hamlet(user, hamlet.code)
    errors: dict[str, list[str]] = {}
    if args["date"] < today_in_vietnam():
        errors["date"] = [_("Ngày %(day)s đã qua.", day=args["date"].strftime("%d/%m/%Y"))]
    if args["to"] <= args["from"]:
        errors["to"] = [_("Giờ kết thúc phải sau giờ bắt đầu.")]
    if errors:
        raise InvalidError(_("Lịch thăm chưa hợp lệ."), errors)
    visit = household.scheduled_visit
    if visit is None:
        schedule = schedule_of(hamlet)
        if schedule is None:
            raise InvalidError(_("Thôn %(name)s chưa có lịch thăm.", name=hamlet.name))
        last = max((v.position for v in schedule.visits), default=0)
        visit = ScheduledVisit(
            schedule=schedule,
            household_id=household.id,
            hamlet_id=hamlet.id,
            commune_id=hamlet.parent_id,
            province_id=hamlet.province_id,
            position=last + 1,
        )
        db.session.add(visit)
    visit.date, visit.starts_at, visit.ends_at = args["date"], args["from"], args["to"]
    visit.moved = True
    db.session.flush()
    return visit
