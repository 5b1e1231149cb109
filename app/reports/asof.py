"""As of a day: the figures the server could have given at the end of that day, and no others.

A figure for day D counts only what was done by the end of D (Vietnam's calendar) *and* had
reached the server by then: a visit made on D but synced on D+2 counts from D+2's figures on.
So a figure for a past day never moves, whatever arrives later and whatever day it is asked on:
a weekly report generated on Monday or a month later says the same thing.

A resident's status as of D is read back from the status history (`people.rules.set_field`
writes a row for every change of a resident field): the new value of the last change the server
knew by the end of D; before any known change, the old value of the first change; with no change
at all, the value on file. Asked about today or a later day, the value on file is the answer
(every change so far is known), so today's figures cost no history lookups.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, select

from app.clock import end_of_day, today_in_vietnam
from app.people.models import Resident, StatusChange
from app.reports.eligibility import must_hold_card
from app.visits.models import Visit

# The resident fields whose value as of a day figures read (never null on file).
STATUS_FIELDS = ("presence", "id_card", "eid")


@dataclass(frozen=True)
class AsOf:
    """The end of one day in Vietnam, as the moment a figure is counted at."""

    day: date

    @classmethod
    def of(cls, day: date | None = None) -> AsOf:
        """The end of a day (today when none is given)."""
        return cls(day or today_in_vietnam())

    @property
    def end(self) -> datetime:
        """The first instant (UTC) after the day: only what the server knew before it counts."""
        return end_of_day(self.day)

    @property
    def is_past(self) -> bool:
        """Whether the day is over, so that later changes must be read out of the history."""
        return self.day < today_in_vietnam()

    def visits(self) -> list[ColumnElement[bool]]:
        """Conditions for visits made by the end of the day and received by then."""
        return [Visit.visited_at < self.end, Visit.received_at < self.end]

    def existed(self, model: Any) -> ColumnElement[bool]:
        """Condition for rows (households, residents, corrections…) created by then."""
        return model.created_at < self.end

    def known(self, moment: Any) -> ColumnElement[bool]:
        """Condition for a server timestamp column (a change, a resolution) before the end."""
        return moment < self.end

    def owed_a_card(self) -> ColumnElement[bool]:
        """Condition for residents a card is owed to on the day (old enough then, and a
        temporary stay not ended before it): the day counted, never today."""
        return must_hold_card(self.day)

    def from_history(self, field: str) -> ColumnElement[Any]:
        """What the status history says a resident field was at the end of the day, per row of
        `residents`: the new value of the last change known by then, else the old value of the
        first change, else NULL (never changed). Values are the history's texts."""
        mine = and_(StatusChange.resident_id == Resident.id, StatusChange.field == field)
        last_known = (
            select(StatusChange.new_value)
            .where(mine, StatusChange.at < self.end)
            .order_by(StatusChange.id.desc())
            .limit(1)
            .correlate(Resident)
            .scalar_subquery()
        )
        return func.coalesce(last_known, self.before_any(field))

    @staticmethod
    def before_any(field: str) -> ColumnElement[Any]:
        """A resident field's value before its first change in the status history (NULL when
        it never changed, or was empty then), per row of `residents`."""
        return (
            select(StatusChange.old_value)
            .where(StatusChange.resident_id == Resident.id, StatusChange.field == field)
            .order_by(StatusChange.id)
            .limit(1)
            .correlate(Resident)
            .scalar_subquery()
        )

    def value(self, field: str) -> ColumnElement[Any]:
        """A resident's status field as of the end of the day, per row of `residents`."""
        if field not in STATUS_FIELDS:
            raise ValueError(f"no history-backed value for {field!r}")
        on_file = getattr(Resident, field)
        if not self.is_past:
            return on_file
        return func.coalesce(self.from_history(field), on_file)

    def flag(self, field: str) -> ColumnElement[bool]:
        """A resident's yes/no field (unable_to_travel, pending) as of the end of the day; the
        history keeps booleans as the texts "true"/"false" (`people.rules.record_change`)."""
        on_file = getattr(Resident, field)
        if not self.is_past:
            return on_file.is_(True)
        text_on_file = case((on_file.is_(True), "true"), else_="false")
        return func.coalesce(self.from_history(field), text_on_file) == "true"
