"""Load the demo commune into the database; a second load adds nothing."""

from __future__ import annotations

from datetime import date, timedelta

from flask import current_app
from sqlalchemy import select, update

from app.auth import service as auth_service
from app.auth.models import User
from app.clock import start_of_day, today_in_vietnam
from app.demo.cards import mark_cards
from app.demo.data import DemoCommune, generate_demo
from app.demo.schedule import plan_demo_schedule
from app.demo.sessions import plan_demo_session
from app.demo.sites import found_in_the_field, generate_sites, load_sites
from app.demo.visits import seed_visits
from app.errors import ForbiddenError, NotFoundError
from app.extensions import db
from app.people.models import Household, Resident
from app.reports import campaigns
from app.reports.models import Campaign
from app.text import fold
from app.units import service as unit_service
from app.units.models import Unit


def _birth(value: str | None) -> tuple[date | None, int | None]:
    if not value:
        return None, None
    if len(value) == 4:
        return None, int(value)
    born = date.fromisoformat(value)
    return born, born.year


def _hamlets(demo: DemoCommune, commune: Unit) -> dict[str, Unit]:
    existing = {
        u.code: u for u in db.session.scalars(select(Unit).where(Unit.parent_id == commune.id))
    }
    for hamlet in demo.hamlets:
        if hamlet.code not in existing:
            existing[hamlet.code] = unit_service.create_hamlet(
                commune,
                name=hamlet.name,
                kind=hamlet.kind,
                geometry=hamlet.geometry,
                code=hamlet.code,
            )
    return existing


def _households(demo: DemoCommune, commune: Unit, hamlets: dict[str, Unit]) -> int:
    known = set(
        db.session.scalars(select(Household.code).where(Household.commune_id == commune.id))
    )
    added = 0
    for spec in demo.households:
        if spec.code in known:
            continue
        hamlet = hamlets[spec.hamlet_code]
        names = " ".join(r.full_name for r in spec.residents)
        household = Household(
            code=spec.code,
            address=spec.address,
            search_text=fold(f"{spec.address} {names}"),
            lat=spec.lat,
            lon=spec.lon,
            location_source="known" if spec.lat else None,
            source="list",
            hamlet_id=hamlet.id,
            commune_id=commune.id,
            province_id=commune.province_id,
        )
        db.session.add(household)
        db.session.flush()
        for person in spec.residents:
            birth_date, birth_year = _birth(person.date_of_birth)
            db.session.add(
                Resident(
                    household_id=household.id,
                    hamlet_id=hamlet.id,
                    commune_id=commune.id,
                    province_id=commune.province_id,
                    full_name=person.full_name,
                    name_folded=fold(person.full_name),
                    birth_date=birth_date,
                    birth_year=birth_year,
                    sex=person.sex,
                    id_number=person.id_number,
                    birthplace_code=person.birthplace_code,
                    ethnicity=person.ethnicity,
                    relationship_to_head=person.relationship,
                    presence=person.presence,
                    id_card=person.id_card,
                    eid=person.eid,
                    phone=person.phone,
                    has_smartphone=person.has_smartphone,
                    unable_to_travel=person.unable_to_travel,
                )
            )
        added += 1
    db.session.flush()
    return added


def _users(demo: DemoCommune) -> list[str]:
    created = []
    for spec in demo.users:
        user = db.session.scalar(select(User).where(User.username == spec.username))
        if user is None:
            user = auth_service.create_user(
                username=spec.username,
                password=spec.password,
                role=spec.role,
                unit_code=spec.unit_code,
                full_name=spec.full_name,
                mobile_team=spec.mobile_team,
            )
            created.append(spec.username)
        if spec.hamlet_codes:
            auth_service.assign_hamlets(user, spec.hamlet_codes)
        if spec.phone and not user.phone:
            user.phone = spec.phone
    return created


# The demo's list was imported the day before its campaign began, three weeks ago.
LISTED_DAYS_AGO = 22
DEMO_CAMPAIGN = "Cao điểm 30 ngày làm sạch dữ liệu dân cư"
# Share of the commune each target asks for: households visited, eligible people with the ID
# card collected, eligible people with e-ID level 2 active.
DEMO_TARGETS = (
    ("households_visited", "households", 0.8),
    ("id_collected", "eligible_residents", 0.3),
    ("eid_level2_active", "eligible_residents", 0.5),
)


def _campaign(commune: Unit) -> bool:
    """A 30-day campaign of the commune, started three weeks ago, with targets per hamlet."""
    exists = db.session.scalar(
        select(Campaign.id).where(Campaign.unit_id == commune.id, Campaign.name == DEMO_CAMPAIGN)
    )
    if exists is not None:
        return False
    commander = db.session.scalar(
        select(User).where(User.role == "commander", User.unit_id == commune.id).order_by(User.id)
    )
    started = today_in_vietnam() - timedelta(days=LISTED_DAYS_AGO - 1)
    campaign = campaigns.create_campaign(
        commander,
        name=DEMO_CAMPAIGN,
        starts_on=started,
        ends_on=started + timedelta(days=29),
        unit=commune.code,
        metrics=[metric for metric, _, _ in DEMO_TARGETS],
    )
    for metric, base, share in DEMO_TARGETS:
        total = round(share * sum(campaigns.population_of(commune, base).values()))
        spread = {"metric": metric, "total": total, "by": base}
        campaigns.set_targets(commander, campaign.id, spread=spread)
    return True


def _listed_before_the_campaign(commune: Unit, codes: set[str]) -> None:
    """Date the demo's household list the day before its campaign began, as if imported then:
    figures as of a past day (`reports.asof`) count only the households that existed by then."""
    listed = start_of_day(today_in_vietnam() - timedelta(days=LISTED_DAYS_AGO))
    homes = select(Household.id).where(
        Household.commune_id == commune.id, Household.code.in_(codes)
    )
    for model, mine in (
        (Household, Household.id.in_(homes)),
        (Resident, Resident.household_id.in_(homes)),
    ):
        db.session.execute(
            update(model).where(mine, model.created_at > listed).values(created_at=listed)
        )


def load_demo(seed: int = 6) -> dict[str, object]:
    """Create the demo commune's hamlets, households, residents and users where missing."""
    if current_app.config.get("ENV_NAME") == "production":
        raise ForbiddenError(
            "Không nạp dữ liệu mẫu khi GOCUA_ENV=production: tài khoản mẫu có mật khẩu công khai."
        )
    demo = generate_demo(seed)
    commune = unit_service.get_unit(demo.code)
    if commune is None:
        raise NotFoundError("Chưa có xã 20179: chạy `flask units load` trước.")
    hamlets = _hamlets(demo, commune)
    households = _households(demo, commune, hamlets)
    sites = generate_sites(seed)
    households += load_sites(commune, hamlets, sites)
    users = _users(demo)
    db.session.flush()
    listed = {h.code for h in demo.households} | {s.code for s in sites}
    _listed_before_the_campaign(commune, listed)
    visits = seed_visits(commune, seed, codes=listed)
    found = found_in_the_field(hamlets)
    cards = mark_cards(commune)
    campaign = _campaign(commune)
    schedule = plan_demo_schedule()
    session = plan_demo_session(commune)
    return {
        "demo": demo,
        "hamlets": len(hamlets),
        "households_added": households,
        "users_added": users,
        "visits": visits,
        "found_in_the_field": found,
        "cards": cards,
        "campaign": campaign,
        "schedule": schedule,
        "session": session,
    }
