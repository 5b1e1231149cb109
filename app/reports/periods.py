"""A campaign's period, and the campaign whose period may limit a unit's figures (coverage and
maps ask for it)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import gettext as _

from app.auth.models import User
from app.auth.scope import holds_unit, scope_of, unit_in_scope
from app.clock import end_of_day, start_of_day
from app.errors import NotFoundError
from app.extensions import db
from app.reports.models import Campaign
from app.units.models import Unit


@dataclass(frozen=True)
class Period:
    """A campaign's days, inclusive, in Vietnam's calendar; with `known_by`, only what the
    server had received before that moment counts (figures as of a day, see `asof`)."""

    starts_on: date
    ends_on: date
    known_by: datetime | None = None

    @property
    def start(self) -> datetime:
        """The first instant of the period, in UTC."""
        return start_of_day(self.starts_on)

    @property
    def end(self) -> datetime:
        """The first instant after the period, in UTC."""
        return end_of_day(self.ends_on)


def campaign_for_period(user: User, campaign_id: int, unit: Unit) -> Campaign:
    """Return a campaign whose period may limit a unit's figures: one of the user's scope or
    of a unit above the one asked for (a province's campaign seen from a commune)."""
    campaign = db.session.get(Campaign, campaign_id)
    if campaign is not None:
        owner = db.session.get(Unit, campaign.unit_id)
        if owner is not None and (unit_in_scope(user, owner) or holds_unit(scope_of(owner), unit)):
            return campaign
    raise NotFoundError(_("Không tìm thấy chiến dịch."))
