"""The weekly report's counts: one GROUP BY query per family, per (commune, hamlet), as of a day.

Every query takes a `Span` (the report's days) and counts as of the end of its last day
(`AsOf(span.end)`): a visit counts only if it was made *and* received by then, a status only
as the history says it stood then, a correction or follow-up only as it stood then. So the
figures of a past period never move, whatever arrives later and whenever they are asked for.
`app.reports.summary` explains each figure; this module only counts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, not_, or_, select, true

from app.auth.models import User
from app.auth.scope import rows_inside, scope_clause
from app.clock import start_of_day
from app.extensions import db
from app.followups.models import Followup
from app.people.models import (
    RESIDENCE,
    SITE_KINDS,
    Correction,
    Household,
    Resident,
    StatusChange,
)
from app.reports.asof import AsOf
from app.reports.coverage import DONE_OUTCOMES, ID_DONE, Pair
from app.reports.summary_cards import card_counts
from app.units.models import Unit
from app.visits.models import Visit, VisitResident

# Kinds of corrections as the report groups them (labels: app.labels "correction_kind").
CORRECTION_KINDS = ("missing_information", "wrong_id_number", "duplicate_record", "wrong_details")
# Reasons a resident who must hold a card has not yet given an application.
NOT_COLLECTED_REASONS = ("away_working", "unable_to_travel", "refused", "other")
# Presence of a resident who lives in the unit, here or away (moved and deceased do not).
LIVING_HERE = ("present", "away_working", "away_other")

Counts = dict[Pair, dict[str, int]]
# Where residents stood at the end, per residence status (permanent, temporary, staying).
RESIDENCE_FIGURES = tuple(
    f"{figure}_{r}"
    for r in RESIDENCE
    for figure in ("residents_required", "id_collected_total", "eid_level2_active_total")
)


@dataclass(frozen=True)
class Span:
    """The report's days, inclusive, in Vietnam's calendar; counted as of the last one."""

    starts_on: date
    ends_on: date

    @property
    def asof(self) -> AsOf:
        return AsOf(self.ends_on)

    @property
    def start(self) -> datetime:
        """The first instant of the first day (UTC)."""
        return start_of_day(self.starts_on)

    @property
    def end(self) -> datetime:
        """The first instant after the last day (UTC): nothing known later counts."""
        return self.asof.end

    @property
    def days(self) -> int:
        return (self.ends_on - self.starts_on).days + 1


def inside(user: User | None, model: Any, unit: Unit) -> list[ColumnElement[bool]]:
    """Conditions keeping a unit-scoped model's rows inside a unit and the user's scope."""
    conditions = [rows_inside(model, unit)]
    if user is not None:
        conditions.append(scope_clause(user, model))
    return conditions


def _count_if(condition: ColumnElement[bool], column: Any) -> Any:
    """COUNT(DISTINCT column) over the rows meeting a condition."""
    return func.count(func.distinct(case((condition, column))))


def _collect(stmt: Any, names: tuple[str, ...]) -> Counts:
    """Run a statement selecting (commune_id, hamlet_id, *counts) into counts per pair."""
    out: Counts = {}
    for row in db.session.execute(stmt):
        values = zip(names, row[2:], strict=True)
        out[(row[0], row[1])] = {name: int(value or 0) for name, value in values}
    return out


def household_counts(unit: Unit, user: User | None, span: Span) -> Counts:
    """Households in the list by the end of the period."""
    stmt = (
        select(Household.commune_id, Household.hamlet_id, func.count(Household.id))
        .where(*inside(user, Household, unit), span.asof.existed(Household))
        .group_by(Household.commune_id, Household.hamlet_id)
    )
    return _collect(stmt, ("households_total",))


def visit_counts(unit: Unit, user: User | None, span: Span) -> Counts:
    """Households (and among them sites) checked — settled by a visit — in the period and ever,
    as known by its end."""
    settled = Visit.outcome.in_(DONE_OUTCOMES)
    in_period = and_(settled, Visit.visited_at >= span.start)
    site = Household.kind.in_(SITE_KINDS)
    stmt = (
        select(
            Visit.commune_id,
            Visit.hamlet_id,
            _count_if(in_period, Visit.household_id),
            _count_if(settled, Visit.household_id),
            func.count(case((Visit.visited_at >= span.start, Visit.id))),
            _count_if(and_(in_period, site), Visit.household_id),
            _count_if(and_(settled, site), Visit.household_id),
        )
        .join(Household, Household.id == Visit.household_id)
        .where(*inside(user, Visit, unit), *span.asof.visits())
        .group_by(Visit.commune_id, Visit.hamlet_id)
    )
    names = ("households_checked", "households_checked_total", "visits")
    return _collect(stmt, (*names, "sites_checked", "sites_checked_total"))


def _unresolved_correction(span: Span) -> ColumnElement[bool]:
    """A correction of the visited resident found by the end and not fixed or dismissed then."""
    resolved = and_(
        Correction.status.in_(("fixed", "dismissed")),
        Correction.resolved_at.is_not(None),
        span.asof.known(Correction.resolved_at),
    )
    return (
        select(Correction.id)
        .where(
            Correction.resident_id == VisitResident.resident_id,
            span.asof.existed(Correction),
            not_(resolved),
        )
        .exists()
    )


def resident_check_counts(unit: Unit, user: User | None, span: Span) -> Counts:
    """Residents seen in a visit (in the period and ever), and those whose record matched."""
    in_period = Visit.visited_at >= span.start
    stmt = (
        select(
            Visit.commune_id,
            Visit.hamlet_id,
            _count_if(in_period, VisitResident.resident_id),
            func.count(func.distinct(VisitResident.resident_id)),
            _count_if(
                and_(in_period, not_(_unresolved_correction(span))), VisitResident.resident_id
            ),
        )
        .select_from(VisitResident)
        .join(Visit, Visit.id == VisitResident.visit_id)
        .where(*inside(user, Visit, unit), *span.asof.visits())
        .group_by(Visit.commune_id, Visit.hamlet_id)
    )
    return _collect(stmt, ("residents_checked", "residents_checked_total", "records_matched"))


def status_change_counts(unit: Unit, user: User | None, span: Span) -> Counts:
    """Residents whose card or e-ID status moved up in the period (made and known by its end).

    A change made in a visit counts on the day of the visit, one made at the desk on the day
    the server recorded it; either way only if the server had it by the end of the period.
    """
    when = func.coalesce(Visit.visited_at, StatusChange.at)
    card = StatusChange.field == "id_card"
    eid = StatusChange.field == "eid"
    taken = and_(
        card,
        StatusChange.new_value.in_(ID_DONE),
        or_(StatusChange.old_value.is_(None), StatusChange.old_value.not_in(ID_DONE)),
    )
    who = StatusChange.resident_id
    stmt = (
        select(
            Resident.commune_id,
            Resident.hamlet_id,
            _count_if(taken, who),
            _count_if(and_(card, StatusChange.new_value == "issued"), who),
            _count_if(and_(eid, StatusChange.new_value == "level2_applied"), who),
            _count_if(and_(eid, StatusChange.new_value == "level2_active"), who),
        )
        .select_from(StatusChange)
        .join(Resident, Resident.id == StatusChange.resident_id)
        .outerjoin(Visit, Visit.id == StatusChange.visit_id)
        .where(
            *inside(user, Resident, unit),
            StatusChange.field.in_(("id_card", "eid")),
            when >= span.start,
            when < span.end,
            span.asof.known(StatusChange.at),
        )
        .group_by(Resident.commune_id, Resident.hamlet_id)
    )
    names = ("id_collected", "id_issued", "eid_level2_applied", "eid_level2_active")
    return _collect(stmt, names)


def _last_outcome(asof: AsOf) -> Any:
    """The outcome of the household's last visit made and received by the end of the day."""
    return (
        select(Visit.outcome)
        .where(Visit.household_id == Resident.household_id, *asof.visits())
        .order_by(Visit.visited_at.desc(), Visit.id.desc())
        .limit(1)
        .correlate(Resident)
        .scalar_subquery()
    )


def standing_counts(unit: Unit, user: User | None, span: Span) -> Counts:
    """Residents who must hold a card at the end of the period, and where they stood then."""
    asof = span.asof
    presence, card, eid = asof.value("presence"), asof.value("id_card"), asof.value("eid")
    waiting = card == "not_collected"
    reason = case(
        (presence == "away_working", "away_working"),
        (asof.flag("unable_to_travel"), "unable_to_travel"),
        (_last_outcome(asof) == "refused", "refused"),
        else_="other",
    )
    by_residence = [
        func.count(case((and_(Resident.residence == r, done), 1)))
        for r in RESIDENCE
        for done in (true(), card.in_(ID_DONE), eid == "level2_active")
    ]
    columns = [
        *by_residence,
        func.count(Resident.id),
        func.count(case((card.in_(ID_DONE), 1))),
        func.count(case((card == "issued", 1))),
        func.count(case((waiting, 1))),
        *(func.count(case((and_(waiting, reason == r), 1))) for r in NOT_COLLECTED_REASONS),
        func.count(case((eid == "level2_applied", 1))),
        func.count(case((eid == "level2_active", 1))),
    ]
    stmt = (
        select(Resident.commune_id, Resident.hamlet_id, *columns)
        .where(
            *inside(user, Resident, unit),
            asof.existed(Resident),
            presence.in_(LIVING_HERE),
            not_(asof.flag("pending")),
            asof.owed_a_card(),
        )
        .group_by(Resident.commune_id, Resident.hamlet_id)
    )
    names = (
        *RESIDENCE_FIGURES,
        "residents_required",
        "id_collected_total",
        "id_issued_total",
        "not_collected_total",
        *(f"not_collected_{r}" for r in NOT_COLLECTED_REASONS),
        "eid_level2_applied_total",
        "eid_level2_active_total",
    )
    return _collect(stmt, names)


def correction_kind() -> ColumnElement[str]:
    """The report's kind of a correction (see CORRECTION_KINDS and `summary`'s docstring)."""
    return case(
        (Correction.field == "duplicate_record", "duplicate_record"),
        (Correction.problem == "missing", "missing_information"),
        (Correction.field == "id_number", "wrong_id_number"),
        else_="wrong_details",
    )


def correction_counts(unit: Unit, user: User | None, span: Span) -> Counts:
    """Corrections found and fixed, in the period and by its end, in total and by kind."""
    asof = span.asof
    found_now = Correction.created_at >= span.start
    fixed = and_(
        Correction.status == "fixed",
        Correction.resolved_at.is_not(None),
        asof.known(Correction.resolved_at),
    )
    fixed_now = and_(fixed, Correction.resolved_at >= span.start)
    kind = correction_kind().label("kind")
    stmt = (
        select(
            Correction.commune_id,
            Correction.hamlet_id,
            kind,
            func.count(case((found_now, 1))),
            func.count(case((fixed_now, 1))),
            func.count(Correction.id),
            func.count(case((fixed, 1))),
        )
        .where(*inside(user, Correction, unit), asof.existed(Correction))
        .group_by(Correction.commune_id, Correction.hamlet_id, kind)
    )
    out: Counts = {}
    for (
        commune_id,
        hamlet_id,
        kind_value,
        found,
        fixed_in,
        found_all,
        fixed_all,
    ) in db.session.execute(stmt):
        counts = out.setdefault((commune_id, hamlet_id), {})
        for name, value in (
            ("corrections_found", found),
            ("corrections_fixed", fixed_in),
            ("corrections_found_total", found_all),
            ("corrections_fixed_total", fixed_all),
        ):
            counts[name] = counts.get(name, 0) + int(value or 0)
            if not name.endswith("_total"):
                counts[f"{name}_{kind_value}"] = int(value or 0)
    return out


def followup_counts(unit: Unit, user: User | None, span: Span) -> Counts:
    """Follow-ups opened and done in the period; open and overdue at its end."""
    asof = span.asof
    closed = and_(Followup.closed_at.is_not(None), asof.known(Followup.closed_at))
    still_open = not_(closed)
    stmt = (
        select(
            Followup.commune_id,
            Followup.hamlet_id,
            func.count(case((Followup.created_at >= span.start, 1))),
            func.count(
                case((and_(closed, Followup.status == "done", Followup.closed_at >= span.start), 1))
            ),
            func.count(case((still_open, 1))),
            func.count(case((and_(still_open, Followup.due_date < span.ends_on), 1))),
        )
        .where(*inside(user, Followup, unit), asof.existed(Followup))
        .group_by(Followup.commune_id, Followup.hamlet_id)
    )
    names = ("followups_opened", "followups_done", "followups_open", "followups_overdue")
    return _collect(stmt, names)


FAMILIES = (
    household_counts,
    visit_counts,
    resident_check_counts,
    status_change_counts,
    standing_counts,
    correction_counts,
    followup_counts,
    card_counts,
)


def pair_counts(unit: Unit, user: User | None, span: Span) -> Counts:
    """Every count of the report per (commune, hamlet) with any row, as of the period's end."""
    out: Counts = {}
    for family in FAMILIES:
        for pair, values in family(unit, user, span).items():
            out.setdefault(pair, {}).update(values)
    return out
