"""Deterministic demo data for xã Nam Đông (TP Huế): hamlets, households, residents, users.

Pure Python plus shapely: no Flask, no database. ``generate_demo(seed)`` always returns the same
commune for the same seed. The data is invented; the commune code, name, centroid and area are
the official ones (``vietnamadminunits``), the hamlets and people are not real.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any

import shapely
from shapely.geometry import Polygon, mapping, shape

from app.demo.names import family_name, nfc, person_name

COMMUNE_CODE = "20179"
COMMUNE_NAME = "Xã Nam Đông"
PROVINCE_CODE = "46"
PROVINCE_NAME = "Thành phố Huế"
CENTROID_LAT = 16.066
CENTROID_LON = 107.717
AREA_KM2 = 175.95
REFERENCE_DATE = date(2026, 11, 1)  # ages and statuses are as of this day
DEMO_PASSWORD = "gocua-demo"
HOME_PROVINCE_ID_CODE = "046"  # Thừa Thiên Huế in the pre-2025 list used by ID numbers
ADDRESS_SUFFIX = "xã Nam Đông, TP Huế"

KINH = "Kinh"
CO_TU = "Cơ Tu"

KM_PER_DEG_LAT = 110.574
KM_PER_DEG_LON = 111.320 * math.cos(math.radians(CENTROID_LAT))

# code suffix, name, kind, share of Cơ Tu households, base number of households
_HAMLETS: tuple[tuple[str, str, str, float, int], ...] = (
    ("001", "Thôn Phú Hòa", "thôn", 0.10, 58),
    ("002", "Thôn Xuân Phú", "thôn", 0.25, 52),
    ("003", "Thôn Dỗi", "thôn", 0.85, 50),
    ("004", "Thôn Cha Măng", "thôn", 0.90, 48),
    ("005", "Thôn Mụ Nằm", "thôn", 0.55, 52),
    ("006", "Bản Ka Zăng", "bản", 0.95, 40),
)

# Pre-2025 province codes of people born outside Thừa Thiên Huế.
_OTHER_BIRTHPLACES: tuple[tuple[str, int], ...] = (
    ("049", 5),  # Quảng Nam
    ("048", 3),  # Đà Nẵng
    ("045", 3),  # Quảng Trị
    ("044", 2),  # Quảng Bình
    ("042", 2),  # Hà Tĩnh
    ("040", 2),  # Nghệ An
    ("038", 1),  # Thanh Hóa
)

_PHONE_PREFIXES = (
    "090",
    "091",
    "093",
    "094",
    "096",
    "097",
    "098",
    "032",
    "033",
    "034",
    "035",
    "036",
    "037",
    "038",
    "039",
)


@dataclass
class DemoHamlet:
    """A hamlet (thôn or bản) of the demo commune with its GeoJSON polygon boundary."""

    code: str
    name: str
    kind: str
    geometry: dict[str, Any]


@dataclass
class DemoResident:
    """One resident as listed in a household's register."""

    key: str
    household_code: str
    full_name: str
    date_of_birth: str | None
    sex: str
    id_number: str | None
    relationship: str
    ethnicity: str
    birthplace_code: str | None
    presence: str
    id_card: str
    eid: str
    phone: str | None
    has_smartphone: bool | None
    unable_to_travel: bool


@dataclass
class DemoHousehold:
    """A household with its hamlet, address, optional location and members (head first)."""

    code: str
    hamlet_code: str
    address: str
    lat: float | None
    lon: float | None
    residents: list[DemoResident] = field(default_factory=list)


@dataclass
class DemoUser:
    """A demo login; hamlet_codes empty means the whole unit."""

    username: str
    password: str
    role: str
    unit_code: str
    full_name: str
    mobile_team: bool = False
    hamlet_codes: list[str] = field(default_factory=list)
    phone: str | None = None  # printed on the household notices of the officer's hamlets


@dataclass
class DemoError:
    """A deliberate data error planted in the demo register, for the system to find."""

    kind: str
    field: str
    resident_keys: list[str]
    description: str


@dataclass
class DemoCommune:
    """The whole demo commune: unit facts, hamlets, households, users and planted errors."""

    code: str
    name: str
    province_code: str
    province_name: str
    centroid_lat: float
    centroid_lon: float
    area_km2: float
    reference_date: str
    hamlets: list[DemoHamlet]
    households: list[DemoHousehold]
    users: list[DemoUser]
    errors: list[DemoError]

    @property
    def residents(self) -> list[DemoResident]:
        """All residents of all households, in household order."""
        return [r for h in self.households for r in h.residents]

    def boundary(self) -> dict[str, Any]:
        """The commune outline as GeoJSON: the union of the hamlet polygons."""
        union = shapely.union_all([shape(h.geometry) for h in self.hamlets])
        return dict(mapping(union))


@dataclass
class _Spec:
    """A person of a household before names and statuses are drawn."""

    relationship: str
    sex: str
    age: int
    ethnicity: str
    family: str


# ---------------------------------------------------------------- geometry


def _lonlat(x_km: float, y_km: float) -> tuple[float, float]:
    """Convert km east/north of the centroid to a rounded (lon, lat) pair."""
    return (
        round(CENTROID_LON + x_km / KM_PER_DEG_LON, 6),
        round(CENTROID_LAT + y_km / KM_PER_DEG_LAT, 6),
    )


@dataclass
class _Layout:
    """Sector angles and outline radius function used for hamlets and their roads."""

    angles: list[float]
    phases: list[float]

    def radius(self, theta: float) -> float:
        """Outline radius in km at the angle theta (at most about 5.7 km)."""
        p = self.phases
        return 4.6 * (
            1
            + 0.12 * math.sin(2 * theta + p[0])
            + 0.07 * math.sin(3 * theta + p[1])
            + 0.04 * math.sin(5 * theta + p[2])
        )


def _layout(rng: random.Random, n: int) -> _Layout:
    """Draw the sector boundary angles and the outline shape."""
    phases = [rng.uniform(0, 2 * math.pi) for _ in range(3)]
    gaps = [1 + rng.uniform(-0.16, 0.16) for _ in range(n)]
    total = sum(gaps)
    start = rng.uniform(0, 2 * math.pi)
    angles = [start]
    for gap in gaps:
        angles.append(angles[-1] + gap / total * 2 * math.pi)
    return _Layout(angles=angles, phases=phases)


def _hamlet_rings(rng: random.Random, layout: _Layout) -> list[list[tuple[float, float]]]:
    """Cut the outline into sectors whose shared edges are the same jittered polylines."""
    n = len(layout.angles) - 1
    hub = _lonlat(0.0, 0.0)
    rays: list[list[tuple[float, float]]] = []
    for a in layout.angles[:n]:
        r_end = layout.radius(a)
        points = []
        for f in (0.25, 0.5, 0.75):
            off = rng.uniform(-0.2, 0.2) * math.sin(math.pi * f)
            r = r_end * f
            points.append(
                _lonlat(r * math.cos(a) - off * math.sin(a), r * math.sin(a) + off * math.cos(a))
            )
        points.append(_lonlat(r_end * math.cos(a), r_end * math.sin(a)))
        rays.append(points)
    rings = []
    for k in range(n):
        a0, a1 = layout.angles[k], layout.angles[k + 1]
        steps = max(4, int(math.degrees(a1 - a0) / 3))
        arc = []
        for j in range(1, steps):
            a = a0 + (a1 - a0) * j / steps
            r = layout.radius(a) * (1 + rng.uniform(-0.015, 0.015))
            arc.append(_lonlat(r * math.cos(a), r * math.sin(a)))
        ring = [hub, *rays[k], *arc, *reversed(rays[(k + 1) % n]), hub]
        rings.append(ring)
    return rings


def _household_points(
    rng: random.Random, layout: _Layout, k: int, polygon: Polygon, count: int
) -> list[tuple[float, float]]:
    """Place households of sector k in village clusters and along the road through it."""
    inner = polygon.buffer(-0.0004)  # about 40 m inside the boundary
    shapely.prepare(inner)
    a0, a1 = layout.angles[k], layout.angles[k + 1]
    mid = (a0 + a1) / 2
    bend = rng.uniform(-0.25, 0.25) * (a1 - a0)
    reach = layout.radius(mid) * 0.9

    def road(t: float, perp: float = 0.0) -> tuple[float, float]:
        a = mid + bend * math.sin(math.pi * t)
        r = reach * t
        return (r * math.cos(a) - perp * math.sin(a), r * math.sin(a) + perp * math.cos(a))

    def inside(xy: tuple[float, float]) -> bool:
        lon, lat = _lonlat(*xy)
        return bool(shapely.contains_xy(inner, lon, lat))

    clusters: list[tuple[tuple[float, float], float]] = []
    for _ in range(rng.randint(2, 3)):
        center = road(rng.uniform(0.3, 0.8), rng.uniform(-0.3, 0.3))
        if not inside(center):
            center = road(0.5)
        clusters.append((center, rng.uniform(0.12, 0.25)))
    weights = [rng.uniform(1, 3) for _ in clusters]

    points = []
    for _ in range(count):
        for _attempt in range(200):
            if rng.random() < 0.2:
                xy = road(rng.uniform(0.12, 0.95), rng.gauss(0, 0.05))
            else:
                (cx, cy), sd = rng.choices(clusters, weights=weights, k=1)[0]
                xy = (rng.gauss(cx, sd), rng.gauss(cy, sd))
            if inside(xy):
                break
        else:
            xy = clusters[0][0]
        points.append(xy)
    points.sort(key=lambda p: math.hypot(*p))  # number the houses along the way in
    return [_lonlat(*p) for p in points]


# ---------------------------------------------------------------- people


class _Kin:
    """Draws the people of one household of a given ethnicity, in `rng` order."""

    def __init__(self, rng: random.Random, ethnicity: str) -> None:
        self.rng = rng
        self.ethnicity = ethnicity
        self.other = CO_TU if ethnicity == KINH else KINH

    def eth(self) -> str:
        """Mostly the household's ethnicity, sometimes the other one (mixed marriages)."""
        return self.ethnicity if self.rng.random() < 0.93 else self.other

    def spec(self, rel: str, sex: str, age: int, e: str, family: str | None = None) -> _Spec:
        """One person; a family name is drawn unless given."""
        return _Spec(rel, sex, max(0, min(age, 97)), e, family or family_name(self.rng, e))

    def head(self, sex: str, low: int, high: int) -> _Spec:
        """The head of the household, aged between `low` and `high`."""
        return self.spec("head", sex, self.rng.randint(low, high), self.ethnicity)

    def wife(self, rel: str, husband: _Spec, age: int) -> _Spec:
        """A wife of another family than her husband's (Cơ Tu clans marry out)."""
        e = self.eth()
        fam = family_name(self.rng, e)
        for _ in range(3):
            if fam != husband.family or fam == "Hồ":
                break
            fam = family_name(self.rng, e)
        return self.spec(rel, "female", max(age, 18), e, fam)

    def spouse_of(self, head: _Spec, gap: int = 6) -> _Spec:
        """The head's wife, up to `gap` years younger."""
        return self.wife("spouse", head, head.age - self.rng.randint(0, gap))

    def children(self, rel: str, father: _Spec, mother_age: int, n: int) -> list[_Spec]:
        """Up to `n` children of the father's family, the eldest born when the mother was 19-27."""
        kids = []
        age = mother_age - self.rng.randint(19, 27)
        for _ in range(n):
            if age < 0:
                break
            sex = self.rng.choice(("male", "female"))
            kids.append(self.spec(rel, sex, age, father.ethnicity, father.family))
            age -= self.rng.randint(2, 5)
        return kids


_HOUSEHOLD_KINDS = (
    ("single_elder", 7),
    ("single_adult", 4),
    ("elder_couple", 10),
    ("young_couple", 8),
    ("nuclear", 45),
    ("three_gen", 21),
    ("with_sibling", 4),
)


def _compose(rng: random.Random, ethnicity: str) -> list[_Spec]:
    """Draw the members of one household (head first) with realistic ages."""
    kin = _Kin(rng, ethnicity)
    n_kids = rng.choices(
        (1, 2, 3, 4, 5),
        weights=(25, 45, 22, 6, 2) if ethnicity == KINH else (15, 35, 30, 14, 6),
        k=1,
    )[0]
    kind = _pick(rng, _HOUSEHOLD_KINDS)
    if kind == "single_elder":
        return [kin.head("female" if rng.random() < 0.65 else "male", 65, 92)]
    if kind == "single_adult":
        return [kin.head("male" if rng.random() < 0.75 else "female", 24, 60)]
    if kind == "elder_couple":
        head = kin.head("male", 62, 88)
        return [head, kin.spouse_of(head)]
    if kind == "young_couple":
        return _young_couple(kin)
    if kind in ("nuclear", "with_sibling"):
        return _nuclear(kin, n_kids, with_sibling=kind == "with_sibling")
    if rng.random() < 0.6:  # the son heads the household, his parents live with him
        return _with_parents(kin)
    return _with_grandchildren(kin)


def _young_couple(kin: _Kin) -> list[_Spec]:
    """A young couple, half of them with a baby."""
    rng = kin.rng
    head = kin.head("male", 22, 33)
    w = kin.spouse_of(head, gap=5)
    if rng.random() >= 0.5:
        return [head, w]
    sex = rng.choice(("male", "female"))
    return [head, w, kin.spec("child", sex, rng.randint(0, 2), kin.ethnicity, head.family)]


def _nuclear(kin: _Kin, n_kids: int, with_sibling: bool) -> list[_Spec]:
    """Parents and children, sometimes a mother alone, sometimes with the head's sibling."""
    rng = kin.rng
    if not with_sibling and rng.random() < 0.08:  # mother bringing up children alone
        head = kin.head("female", 28, 50)
        return [head, *kin.children("child", head, head.age, min(n_kids, 3))]
    head = kin.head("male", 27, 58)
    w = kin.spouse_of(head)
    members = [head, w, *kin.children("child", head, w.age, n_kids)]
    if with_sibling:
        sex = rng.choice(("male", "female"))
        age = max(18, head.age + rng.randint(-8, 8))
        members.append(kin.spec("sibling", sex, age, kin.ethnicity, head.family))
    return members[:7]


def _with_parents(kin: _Kin) -> list[_Spec]:
    """Three generations headed by the son, his parents living with him."""
    rng = kin.rng
    head = kin.head("male", 28, 48)
    w = kin.spouse_of(head)
    kids = kin.children("child", head, w.age, rng.choices((1, 2, 3), weights=(40, 45, 15))[0])
    father_age = head.age + rng.randint(22, 32)
    parents = []
    if rng.random() < 0.55:
        parents.append(kin.spec("parent", "male", father_age, kin.ethnicity, head.family))
    if not parents or rng.random() < 0.85:
        e = kin.eth()
        parents.append(kin.spec("parent", "female", father_age - rng.randint(0, 5), e))
    return [head, w, *kids, *parents][:7]


def _with_grandchildren(kin: _Kin) -> list[_Spec]:
    """Three generations headed by the grandfather, a married son living with him."""
    rng = kin.rng
    head = kin.head("male", 55, 75)
    w = kin.spouse_of(head)
    son_age = max(22, w.age - rng.randint(20, 30))
    son = kin.spec("child", "male", son_age, kin.ethnicity, head.family)
    dil = kin.wife("other", son, son.age - rng.randint(0, 5))  # daughter-in-law (con dâu)
    n_grandkids = rng.choices((1, 2, 3), weights=(40, 45, 15))[0]
    return [head, w, son, dil, *kin.children("grandchild", son, dil.age, n_grandkids)][:7]


def _date_of_birth(rng: random.Random, age: int) -> date:
    """Draw a birth date for someone who is `age` years old on the reference date."""
    latest = date(REFERENCE_DATE.year - age, REFERENCE_DATE.month, REFERENCE_DATE.day)
    latest -= timedelta(days=7)
    return latest - timedelta(days=rng.randrange(365))


def _age(born: date) -> int:
    """Age in whole years on the reference date."""
    before = (REFERENCE_DATE.month, REFERENCE_DATE.day) < (born.month, born.day)
    return REFERENCE_DATE.year - born.year - before


def _birthplace(rng: random.Random, ethnicity: str, birth_year: int) -> str:
    """Pre-2025 province code of birth: mostly Thừa Thiên Huế."""
    away = 0.04 if ethnicity == CO_TU else (0.15 if birth_year < 1985 else 0.05)
    if rng.random() < away:
        if ethnicity == CO_TU:
            return "049"  # Cơ Tu of Quảng Nam (Đông Giang, Tây Giang, Nam Giang)
        names = [c for c, _ in _OTHER_BIRTHPLACES]
        return rng.choices(names, weights=[w for _, w in _OTHER_BIRTHPLACES], k=1)[0]
    return HOME_PROVINCE_ID_CODE


def _sex_century_digit(sex: str, birth_year: int) -> str:
    """The 4th ID digit: century of birth and sex (0/1 1900s, 2/3 2000s, ...)."""
    century = (birth_year - 1900) // 100
    return str(2 * century + (0 if sex == "male" else 1))


def _pick(rng: random.Random, options: tuple[tuple[str, float], ...]) -> str:
    """Pick a value from (value, weight) pairs."""
    return rng.choices([v for v, _ in options], weights=[w for _, w in options], k=1)[0]


def _statuses(rng: random.Random, p: _Spec, age: int) -> dict[str, Any]:
    """Draw presence, ID-card, e-ID, phone and mobility for one person."""
    presence = _presence(rng, p, age)
    unable = (age >= 80 and rng.random() < 0.45) or (70 <= age < 80 and rng.random() < 0.15)
    if presence == "deceased":
        unable = False
    has_phone, smartphone = _phones(rng, p, age)
    if presence == "deceased":
        has_phone, smartphone = False, None
    id_card = _id_card(rng, p, age, presence, unable)
    eid = _eid(rng, age, presence, id_card, smartphone)
    if id_card in ("collected", "issued") or eid != "none":
        known_id = True
    else:
        known_id = rng.random() < (0.45 if age < 14 else 0.55)
    return {
        "presence": presence,
        "id_card": id_card,
        "eid": eid,
        "has_phone": has_phone,
        "has_smartphone": smartphone,
        "unable_to_travel": unable,
        "known_id": known_id,
    }


def _presence(rng: random.Random, p: _Spec, age: int) -> str:
    """Draw whether one person is at home, away, moved out or deceased."""
    roll = rng.random()
    if p.relationship != "head" and age >= 70 and roll < 0.15:
        return "deceased"
    if p.relationship in ("child", "sibling") and 18 <= age <= 40 and roll < 0.04:
        return "moved"
    if 18 <= age <= 55 and rng.random() < 0.13:
        return "away_working"
    if (18 <= age <= 24 and rng.random() < 0.10) or (age > 24 and rng.random() < 0.01):
        return "away_other"
    return "present"


def _phones(rng: random.Random, p: _Spec, age: int) -> tuple[bool, bool | None]:
    """Draw whether one person has a phone, and whether it is a smartphone."""
    if age < 15:
        return False, None if age < 10 else rng.random() < 0.5
    phone_share = 0.3 if age >= 70 else (0.9 if p.ethnicity == KINH else 0.72)
    if rng.random() < phone_share:
        smart_share = 0.8 if age < 50 else (0.55 if age < 70 else 0.2)
        return True, rng.random() < smart_share
    return False, False if rng.random() < 0.6 else None


def _id_card(rng: random.Random, p: _Spec, age: int, presence: str, unable: bool) -> str:
    """Draw the chip ID card status of one person."""
    if age < 14:
        return _pick(rng, (("not_collected", 94), ("collected", 3), ("issued", 3)))
    if unable or age >= 80:
        return _pick(rng, (("issued", 45), ("collected", 10), ("not_collected", 45)))
    if presence == "away_working":
        return _pick(rng, (("issued", 55), ("collected", 5), ("not_collected", 40)))
    if age < 18:
        return _pick(rng, (("issued", 60), ("collected", 20), ("not_collected", 20)))
    if p.ethnicity == CO_TU:
        return _pick(rng, (("issued", 64), ("collected", 14), ("not_collected", 22)))
    return _pick(rng, (("issued", 74), ("collected", 12), ("not_collected", 14)))


def _eid(rng: random.Random, age: int, presence: str, id_card: str, smartphone: bool | None) -> str:
    """Draw the e-ID (VNeID) level of one person."""
    if age < 14 or presence == "deceased":
        return "none"
    if id_card == "issued":
        if smartphone:
            return _pick(
                rng, (("level2_active", 62), ("level2_applied", 12), ("level1", 12), ("none", 14))
            )
        return _pick(rng, (("level2_active", 10), ("level2_applied", 25), ("none", 65)))
    if id_card == "collected":
        eid = _pick(rng, (("level2_applied", 50), ("level1", 20), ("none", 30)))
        return "none" if eid == "level1" and not smartphone else eid
    return "level1" if smartphone and rng.random() < 0.15 else "none"


class _Registry:
    """Keeps ID numbers, phones and (name, date of birth) pairs unique while generating."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.ids: set[str] = set()
        self.phones: set[str] = set()
        self.people: set[tuple[str, str]] = set()

    def id_number(self, prefix: str, sex: str, birth_year: int) -> str:
        """A new, unused 12-digit personal ID number."""
        head = f"{prefix}{_sex_century_digit(sex, birth_year)}{birth_year % 100:02d}"
        while True:
            number = f"{head}{self.rng.randrange(1_000_000):06d}"
            if number not in self.ids:
                self.ids.add(number)
                return number

    def phone(self) -> str:
        """A new, unused Vietnamese mobile number."""
        while True:
            number = self.rng.choice(_PHONE_PREFIXES) + f"{self.rng.randrange(10_000_000):07d}"
            if number not in self.phones:
                self.phones.add(number)
                return number


def _residents(
    rng: random.Random, reg: _Registry, household_code: str, ethnicity: str
) -> list[DemoResident]:
    """Draw the members of one household as residents."""
    out: list[DemoResident] = []
    names_here: set[str] = set()
    for i, p in enumerate(_compose(rng, ethnicity), start=1):
        born = _date_of_birth(rng, p.age)
        age = _age(born)
        year_only = age >= 65 and rng.random() < 0.12
        dob = str(born.year) if year_only else born.isoformat()
        for _ in range(30):  # no accidental namesakes born the same day
            name = person_name(rng, p.ethnicity, p.family, p.sex, born.year)
            if name not in names_here and (name, dob) not in reg.people:
                break
        names_here.add(name)
        reg.people.add((name, dob))
        st = _statuses(rng, p, age)
        birthplace = _birthplace(rng, p.ethnicity, born.year)
        out.append(
            DemoResident(
                key=f"{household_code}-{i:02d}",
                household_code=household_code,
                full_name=name,
                date_of_birth=dob,
                sex=p.sex,
                id_number=reg.id_number(birthplace, p.sex, born.year) if st["known_id"] else None,
                relationship=p.relationship,
                ethnicity=p.ethnicity,
                birthplace_code=birthplace,
                presence=st["presence"],
                id_card=st["id_card"],
                eid=st["eid"],
                phone=reg.phone() if st["has_phone"] else None,
                has_smartphone=st["has_smartphone"],
                unable_to_travel=st["unable_to_travel"],
            )
        )
    return out


# ---------------------------------------------------------------- planted errors


def _plant_errors(
    rng: random.Random, reg: _Registry, households: list[DemoHousehold]
) -> list[DemoError]:
    """Plant the deliberate errors the system should find, and describe them."""
    residents = [r for h in households for r in h.residents]
    checkable = [
        r
        for r in residents
        if r.id_number
        and r.date_of_birth
        and len(r.date_of_birth) == 10
        and int(r.date_of_birth[:4]) <= REFERENCE_DATE.year - 14
        and r.presence != "deceased"
    ]
    picked = rng.sample(checkable, 6)
    used: set[str] = {r.key for r in picked}
    errors = [_wrong_birth_year(rng, reg, r) for r in picked[:3]]
    errors += [_wrong_sex_digit(reg, r) for r in picked[3:5]]
    errors.append(_wrong_birthplace(picked[5]))
    errors.append(_duplicate_person(rng, checkable, households, used))
    pool = [r for r in residents if r.key not in used and r.presence != "deceased"]
    errors += [_missing_date_of_birth(r) for r in rng.sample(pool, 6)]
    return errors


def _renumber(reg: _Registry, r: DemoResident, number: str) -> None:
    """Give a resident another ID number, keeping the registry's set of numbers true."""
    reg.ids.discard(r.id_number or "")
    reg.ids.add(number)
    r.id_number = number


def _wrong_birth_year(rng: random.Random, reg: _Registry, r: DemoResident) -> DemoError:
    """Make the birth year digits of the ID number contradict the date of birth."""
    old = r.id_number or ""
    year = int(old[4:6])
    for delta in rng.sample((1, -1, 9, -9, 10, -10), 6):
        wrong = f"{old[:4]}{(year + delta) % 100:02d}{old[6:]}"
        if wrong not in reg.ids:
            break
    _renumber(reg, r, wrong)
    return DemoError(
        kind="id_birth_year_mismatch",
        field="id_number",
        resident_keys=[r.key],
        description=(
            f"{r.key} {r.full_name}: ID number {wrong} encodes birth year "
            f"..{wrong[4:6]} but the date of birth is {r.date_of_birth}"
        ),
    )


def _wrong_sex_digit(reg: _Registry, r: DemoResident) -> DemoError:
    """Make the sex digit of the ID number contradict the recorded sex."""
    old = r.id_number or ""
    digit = int(old[3])
    wrong = f"{old[:3]}{digit + 1 if digit % 2 == 0 else digit - 1}{old[4:]}"
    _renumber(reg, r, wrong)
    sex_in_id = "female" if int(wrong[3]) % 2 else "male"
    return DemoError(
        kind="id_sex_mismatch",
        field="id_number",
        resident_keys=[r.key],
        description=(
            f"{r.key} {r.full_name}: ID number {wrong} encodes sex {sex_in_id} "
            f"but the recorded sex is {r.sex}"
        ),
    )


def _wrong_birthplace(r: DemoResident) -> DemoError:
    """Record a birthplace elsewhere while the ID number says Huế."""
    r.birthplace_code = "049" if r.birthplace_code != "049" else "048"
    return DemoError(
        kind="id_birthplace_mismatch",
        field="birthplace",
        resident_keys=[r.key],
        description=(
            f"{r.key} {r.full_name}: ID number {r.id_number} encodes birthplace "
            f"{(r.id_number or '')[:3]} but the recorded birthplace is "
            f"{r.birthplace_code}"
        ),
    )


def _duplicate_person(
    rng: random.Random,
    checkable: list[DemoResident],
    households: list[DemoHousehold],
    used: set[str],
) -> DemoError:
    """List a daughter who married into another household in both households."""
    source = next(
        (
            r
            for r in rng.sample(checkable, len(checkable))
            if r.key not in used
            and r.relationship == "child"
            and r.sex == "female"
            and r.presence == "present"
            and 1991 <= int((r.date_of_birth or "0")[:4]) <= 2006
        ),
        None,
    )
    if source is None:
        raise RuntimeError("no candidate for the duplicate person")
    used.add(source.key)
    target = rng.choice(_in_laws(households, source))
    twin = replace(
        source,
        key=f"{target.code}-{len(target.residents) + 1:02d}",
        household_code=target.code,
        id_number=None,
        relationship="other",
        presence="present",
        id_card="not_collected",
        eid="none",
        phone=None,
        has_smartphone=None,
        unable_to_travel=False,
    )
    target.residents.append(twin)
    used.add(twin.key)
    return DemoError(
        kind="duplicate_person",
        field="duplicate_record",
        resident_keys=[source.key, twin.key],
        description=(
            f"{source.full_name}, born {source.date_of_birth}, is listed twice: "
            f"{source.key} (ID {source.id_number}) and {twin.key} (no ID number, "
            f"married into household {target.code})"
        ),
    )


def _in_laws(households: list[DemoHousehold], bride: DemoResident) -> list[DemoHousehold]:
    """Households of another hamlet a bride could have married into: a son, a father 45-75."""
    home = next(h for h in households if h.code == bride.household_code)
    return [
        h
        for h in households
        if h.hamlet_code != home.hamlet_code
        and len(h.residents) <= 5
        and h.residents[0].sex == "male"
        and h.residents[0].date_of_birth
        and 45 <= REFERENCE_DATE.year - int(h.residents[0].date_of_birth[:4]) <= 75
        and any(m.relationship == "child" and m.sex == "male" for m in h.residents)
    ]


def _missing_date_of_birth(r: DemoResident) -> DemoError:
    """Blank a resident's date of birth."""
    error = DemoError(
        kind="missing_date_of_birth",
        field="date_of_birth",
        resident_keys=[r.key],
        description=f"{r.key} {r.full_name}: date of birth missing (was {r.date_of_birth})",
    )
    r.date_of_birth = None
    return error


# ---------------------------------------------------------------- users


def _users() -> list[DemoUser]:
    """One demo login per role; all share the demo password."""
    hamlets = [f"{COMMUNE_CODE}-{suffix}" for suffix, *_ in _HAMLETS]
    return [
        DemoUser("admin", DEMO_PASSWORD, "admin", PROVINCE_CODE, nfc("Trần Quốc Bảo")),
        DemoUser("chihuy", DEMO_PASSWORD, "commander", COMMUNE_CODE, nfc("Lê Văn Hùng")),
        DemoUser(
            "canbo1",
            DEMO_PASSWORD,
            "officer",
            COMMUNE_CODE,
            nfc("Nguyễn Đức Thắng"),
            hamlet_codes=hamlets[:3],
            phone="0905000101",
        ),
        DemoUser(
            "canbo2",
            DEMO_PASSWORD,
            "officer",
            COMMUNE_CODE,
            nfc("Hồ Văn Lợi"),
            hamlet_codes=hamlets[3:],
            phone="0905000102",
        ),
        DemoUser(
            "canbo3",
            DEMO_PASSWORD,
            "officer",
            COMMUNE_CODE,
            nfc("Phan Thị Thu Hà"),
            mobile_team=True,
        ),
        DemoUser(
            "truongthon1",
            DEMO_PASSWORD,
            "village_head",
            hamlets[0],
            nfc("Trần Văn Lộc"),
            hamlet_codes=[hamlets[0]],
        ),
    ]


# ---------------------------------------------------------------- entry point


def generate_demo(seed: int = 6) -> DemoCommune:
    """Generate the demo commune xã Nam Đông deterministically from a seed."""
    rng = random.Random(seed)
    layout = _layout(rng, len(_HAMLETS))
    rings = _hamlet_rings(rng, layout)
    reg = _Registry(rng)

    hamlets: list[DemoHamlet] = []
    households: list[DemoHousehold] = []
    for k, ((suffix, name, kind, cotu_share, base), ring) in enumerate(
        zip(_HAMLETS, rings, strict=True)
    ):
        code = f"{COMMUNE_CODE}-{suffix}"
        geometry = {"type": "Polygon", "coordinates": [[[lon, lat] for lon, lat in ring]]}
        hamlets.append(DemoHamlet(code=code, name=nfc(name), kind=nfc(kind), geometry=geometry))
        count = base + rng.randint(-3, 3)
        for lon, lat in _household_points(rng, layout, k, Polygon(ring), count):
            hh_code = f"HO-{len(households) + 1:04d}"
            ethnicity = CO_TU if rng.random() < cotu_share else KINH
            households.append(
                DemoHousehold(
                    code=hh_code,
                    hamlet_code=code,
                    address=nfc(f"{name}, {ADDRESS_SUFFIX}"),
                    lat=lat,
                    lon=lon,
                    residents=_residents(rng, reg, hh_code, ethnicity),
                )
            )

    for i in rng.sample(range(len(households)), round(len(households) * 0.05)):
        households[i].lat = households[i].lon = None  # location never recorded

    errors = _plant_errors(rng, reg, households)
    return DemoCommune(
        code=COMMUNE_CODE,
        name=nfc(COMMUNE_NAME),
        province_code=PROVINCE_CODE,
        province_name=nfc(PROVINCE_NAME),
        centroid_lat=CENTROID_LAT,
        centroid_lon=CENTROID_LON,
        area_km2=AREA_KM2,
        reference_date=REFERENCE_DATE.isoformat(),
        hamlets=hamlets,
        households=households,
        users=_users(),
        errors=errors,
    )
