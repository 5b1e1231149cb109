"""Demo sites: a boarding house, a company dormitory and an informal lot found in the field.

The family register of `data` is left as it is; these places are added beside it, drawn from
their own seeded generator so a load is deterministic and a second load adds nothing:

- "Nhà trọ Hoa Sen" (boarding house, hamlet 001): rooms P101…P112 and 20 workers registered
  as temporary residents (tạm trú) from other provinces; two whose stay ended a few days ago
  have moved on and no longer count (coverage's eligibility clause).
- "Ký túc xá Công ty May Nam Đông" (dormitory, hamlet 004): 8 workers on a short stay
  (lưu trú).
- An informal lot by the river (hamlet 002), on no list: created as the phone creates a place
  it finds (source "field", a client id, by the officer), with its people added by the visit.

Both sites on the list are dated with the household list and may get a demo visit like any
listed household (`visits.seed_visits`); the lot's visit is the one that found it.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import select, update

from app.auth.models import User
from app.clock import VIETNAM, today_in_vietnam
from app.demo.data import ADDRESS_SUFFIX, _sex_century_digit
from app.demo.names import family_name, nfc, person_name
from app.demo.visits import NAMESPACE, synced_when_made
from app.extensions import db
from app.people.models import Household, Resident
from app.text import fold
from app.units.models import Unit
from app.visits.models import Visit
from app.visits.service import submit_batch

# Where workers come from: (new province code, pre-2025 ID-number code, province name).
HOME_PROVINCES = (
    ("38", "038", "Thanh Hóa"),
    ("40", "040", "Nghệ An"),
    ("42", "042", "Hà Tĩnh"),
    ("44", "044", "Quảng Trị"),
    ("48", "049", "Đà Nẵng"),
    ("51", "051", "Quảng Ngãi"),
    ("66", "066", "Đắk Lắk"),
)
HOME_VILLAGES = ("thôn Đông", "thôn Trung", "xóm 3", "xóm 5", "thôn Bắc", "bản Làng")
ROOMS = tuple(f"P1{n:02d}" for n in range(1, 13))
LOT_CLIENT_ID = str(uuid.uuid5(NAMESPACE, "demo-field-household:lot-7"))
LOT_VISIT_ID = str(uuid.uuid5(NAMESPACE, "demo-visit:field-lot-7"))
LOT_OFFICER = "canbo1"
LOT_DAYS_AGO = 9


@dataclass
class SitePerson:
    """A worker living at a site."""

    full_name: str
    date_of_birth: str
    sex: str
    id_number: str | None
    residence: str
    home_address: str
    home_province_code: str
    residence_until: date | None
    room: str | None
    id_card: str
    eid: str


@dataclass
class DemoSite:
    """A place where many unrelated people live, with its manager and people."""

    code: str
    kind: str
    hamlet_code: str
    site_name: str
    contact_name: str
    contact_phone: str
    offset: tuple[float, float]  # from the hamlet's centroid, degrees (lat, lon)
    rooms: list[str] | None = None
    people: list[SitePerson] = field(default_factory=list)

    @property
    def address(self) -> str:
        return nfc(f"{self.site_name}, {ADDRESS_SUFFIX}")


def _person(
    rng: random.Random, today: date, residence: str, room: str | None, until_days: int | None
) -> SitePerson:
    new_code, id_code, province = rng.choice(HOME_PROVINCES)
    sex = rng.choice(("male", "female"))
    year = today.year - rng.randint(18, 45)
    born = date(year, rng.randint(1, 12), rng.randint(1, 28))
    name = person_name(rng, "Kinh", family_name(rng, "Kinh"), sex, year)
    number = None
    if rng.random() < 0.85:  # serials from 900000: never one of the register's
        head = f"{id_code}{_sex_century_digit(sex, year)}{year % 100:02d}"
        number = f"{head}9{rng.randrange(10**5):05d}"
    card = rng.choices(("issued", "collected", "not_collected"), weights=(55, 15, 30))[0]
    eid = "none"
    if card == "issued":
        levels = ("level2_active", "level2_applied", "level1", "none")
        eid = rng.choices(levels, weights=(45, 15, 20, 20))[0]
    return SitePerson(
        full_name=nfc(name),
        date_of_birth=born.isoformat(),
        sex=sex,
        id_number=number,
        residence=residence,
        home_address=nfc(f"{rng.choice(HOME_VILLAGES)}, tỉnh {province}"),
        home_province_code=new_code,
        residence_until=today + timedelta(days=until_days) if until_days is not None else None,
        room=room,
        id_card=card,
        eid=eid,
    )


def generate_sites(seed: int = 6, today: date | None = None) -> list[DemoSite]:
    """The demo's two sites on the list, drawn deterministically (dates relative to today)."""
    rng = random.Random(f"{seed}:sites")
    today = today or today_in_vietnam()
    boarding = DemoSite(
        code="CS-0001",
        kind="boarding_house",
        hamlet_code="20179-001",
        site_name="Nhà trọ Hoa Sen",
        contact_name="Lê Thị Hoa",
        contact_phone="0905112233",
        offset=(0.008, -0.006),
        rooms=list(ROOMS),
    )
    for i in range(20):
        room = ROOMS[i % len(ROOMS)]
        until = -rng.randint(2, 6) if i in (7, 15) else rng.randint(40, 300)
        boarding.people.append(_person(rng, today, "temporary", room, until))
    dorm = DemoSite(
        code="CS-0002",
        kind="dormitory",
        hamlet_code="20179-004",
        site_name="Ký túc xá Công ty May Nam Đông",
        contact_name="Trần Văn Quản",
        contact_phone="0914556677",
        offset=(-0.008, 0.006),
    )
    for i in range(8):
        dorm.people.append(_person(rng, today, "staying", f"Phòng {1 + i // 4}", 60 + 15 * i))
    return [boarding, dorm]


def _at(hamlet: Unit, offset: tuple[float, float]) -> tuple[float | None, float | None]:
    if hamlet.centroid_lat is None or hamlet.centroid_lon is None:
        return None, None
    return round(hamlet.centroid_lat + offset[0], 6), round(hamlet.centroid_lon + offset[1], 6)


def _resident(household: Household, person: SitePerson) -> Resident:
    born = date.fromisoformat(person.date_of_birth)
    return Resident(
        household_id=household.id,
        hamlet_id=household.hamlet_id,
        commune_id=household.commune_id,
        province_id=household.province_id,
        full_name=person.full_name,
        name_folded=fold(person.full_name),
        birth_date=born,
        birth_year=born.year,
        sex=person.sex,
        id_number=person.id_number,
        ethnicity="Kinh",
        relationship_to_head="other",
        id_card=person.id_card,
        eid=person.eid,
        residence=person.residence,
        home_address=person.home_address,
        home_province_code=person.home_province_code,
        residence_until=person.residence_until,
        room=person.room,
    )


def load_sites(commune: Unit, hamlets: dict[str, Unit], sites: list[DemoSite]) -> int:
    """Create the demo sites that are not in the database yet; answer how many were added."""
    known = set(
        db.session.scalars(select(Household.code).where(Household.commune_id == commune.id))
    )
    added = 0
    for site in sites:
        if site.code in known:
            continue
        hamlet = hamlets[site.hamlet_code]
        lat, lon = _at(hamlet, site.offset)
        names = " ".join(p.full_name for p in site.people)
        household = Household(
            code=site.code,
            address=site.address,
            search_text=fold(f"{site.site_name} {site.address} {names}"),
            lat=lat,
            lon=lon,
            location_source="known" if lat is not None else None,
            source="list",
            kind=site.kind,
            site_name=site.site_name,
            contact_name=site.contact_name,
            contact_phone=site.contact_phone,
            rooms=site.rooms,
            hamlet_id=hamlet.id,
            commune_id=commune.id,
            province_id=commune.province_id,
        )
        db.session.add(household)
        db.session.flush()
        db.session.add_all(_resident(household, person) for person in site.people)
        added += 1
    db.session.flush()
    return added


# The informal lot's people, as the officer recorded them on the phone.
LOT_PEOPLE = (
    ("Hồ Văn Lâm", "1988-04-12", "male", "head", "issued", "level1"),
    ("Nguyễn Thị Mận", "1991-09-03", "female", "spouse", "not_collected", "none"),
    ("Hồ Thị Na", "2016-06-20", "female", "child", "not_collected", "none"),
)


def _lot_household(hamlet: Unit, officer: User, made: datetime) -> Household:
    lat, lon = _at(hamlet, (0.008, 0.007))
    household = Household(
        address=nfc(f"Lô đất ven sông, {hamlet.name}, {ADDRESS_SUFFIX}"),
        lat=lat,
        lon=lon,
        location_source="known" if lat is not None else None,
        source="field",
        kind="other_site",
        site_name=nfc("Lô đất chưa cấp số nhà ven sông"),
        client_id=LOT_CLIENT_ID,
        created_by_id=officer.id,
        created_at=made,
        hamlet_id=hamlet.id,
        commune_id=hamlet.parent_id,
        province_id=hamlet.province_id,
    )
    db.session.add(household)
    db.session.flush()
    household.code = f"F-{household.id}"
    for name, born, sex, relationship, card, eid in LOT_PEOPLE:
        birth = date.fromisoformat(born)
        db.session.add(
            Resident(
                household_id=household.id,
                hamlet_id=household.hamlet_id,
                commune_id=household.commune_id,
                province_id=household.province_id,
                full_name=nfc(name),
                name_folded=fold(name),
                birth_date=birth,
                birth_year=birth.year,
                sex=sex,
                relationship_to_head=relationship,
                id_card=card,
                eid=eid,
                residence="temporary",
                home_address=nfc("thôn Trung, tỉnh Quảng Trị"),
                home_province_code="44",
                created_at=made,
            )
        )
    db.session.flush()
    household.search_text = fold(
        " ".join([household.site_name or "", household.address, *(p[0] for p in LOT_PEOPLE)])
    )
    return household


def found_in_the_field(hamlets: dict[str, Unit]) -> bool:
    """Add the informal lot the officer found in the field, and the visit that found it, once.

    Created the way the phone creates a household it finds (source "field", its client id, by
    the officer, at the moment of the visit), then visited through the real visit pipeline.
    """
    exists = db.session.scalar(select(Household.id).where(Household.client_id == LOT_CLIENT_ID))
    officer = db.session.scalar(select(User).where(User.username == LOT_OFFICER))
    if exists is not None or officer is None:
        return False
    local = datetime.combine(today_in_vietnam() - timedelta(days=LOT_DAYS_AGO), datetime.min.time())
    made = local.replace(hour=15, minute=20, tzinfo=VIETNAM)
    household = _lot_household(hamlets["20179-002"], officer, made)
    seen = [
        {"resident_id": r.id, "presence": "present", "id_card": r.id_card, "eid": r.eid}
        for r in household.residents
    ]
    location = None
    if household.lat is not None:
        location = {"lat": household.lat, "lon": household.lon, "accuracy_m": 9}
    body = {
        "client_id": LOT_VISIT_ID,
        "household_id": household.id,
        "visited_at": made.isoformat(),
        "location": location,
        "location_missing_reason": None if location else "unavailable",
        "outcome": "met",
        "residents": seen,
        "new_residents": [],
        "note": nfc("Hộ ở lô đất chưa có trong danh sách, phát hiện khi đi gõ cửa."),
    }
    submit_batch([body], officer)
    synced_when_made([LOT_VISIT_ID])
    db.session.execute(
        update(Household).where(Household.id == household.id).values(created_at=made)
    )
    return db.session.scalar(select(Visit.id).where(Visit.client_id == LOT_VISIT_ID)) is not None
