"""Factory fixtures: units, users with tokens, households with residents."""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient

from app.auth import service as auth_service
from app.auth.models import User
from app.extensions import db
from app.people.models import Household, Resident
from app.text import fold
from app.units.models import Unit

# Real codes from the official list: two communes of Huế, one of Hà Nội.
PROVINCE, COMMUNE, OTHER_COMMUNE = "46", "20179", "19777"
FAR_PROVINCE, FAR_COMMUNE = "01", "00004"
CENTROID = (16.066, 107.717)


def square(lat: float, lon: float, half: float = 0.01) -> dict:
    """A square GeoJSON polygon around a point."""
    ring = [
        [lon - half, lat - half],
        [lon + half, lat - half],
        [lon + half, lat + half],
        [lon - half, lat + half],
        [lon - half, lat - half],
    ]
    return {"type": "Polygon", "coordinates": [ring]}


def _unit(code: str, name: str, level: str, parent: Unit | None, **kw: Any) -> Unit:
    unit = Unit(
        code=code,
        name=name,
        name_folded=fold(name),
        level=level,
        parent_id=parent.id if parent else None,
        **kw,
    )
    db.session.add(unit)
    db.session.flush()
    unit.province_id = parent.province_id if parent else unit.id
    return unit


@dataclass
class World:
    """A small unit tree: two provinces, three communes, three hamlets in the demo commune."""

    units: dict[str, Unit] = field(default_factory=dict)

    def __getitem__(self, code: str) -> Unit:
        return self.units[code]

    def hamlet_point(self, code: str) -> tuple[float, float]:
        """The centre of a test hamlet."""
        unit = self.units[code]
        return unit.centroid_lat, unit.centroid_lon


@pytest.fixture
def world(app) -> World:
    """Build the small unit tree and commit it."""
    w = World()
    p = _unit(
        PROVINCE,
        "Thành phố Huế",
        "province",
        None,
        kind="Thành phố",
        centroid_lat=16.33,
        centroid_lon=107.52,
    )
    c = _unit(
        COMMUNE,
        "Xã Nam Đông",
        "commune",
        p,
        kind="Xã",
        centroid_lat=CENTROID[0],
        centroid_lon=CENTROID[1],
        area_km2=175.95,
    )
    o = _unit(
        OTHER_COMMUNE,
        "Phường Vỹ Dạ",
        "commune",
        p,
        kind="Phường",
        centroid_lat=16.4779,
        centroid_lon=107.611,
    )
    fp = _unit(
        FAR_PROVINCE,
        "Thành phố Hà Nội",
        "province",
        None,
        kind="Thành phố",
        centroid_lat=21.03,
        centroid_lon=105.85,
    )
    fc = _unit(
        FAR_COMMUNE,
        "Phường Ba Đình",
        "commune",
        fp,
        kind="Phường",
        centroid_lat=21.0386,
        centroid_lon=105.838,
    )
    w.units.update({u.code: u for u in (p, c, o, fp, fc)})
    offsets = [(0.0, -0.03), (0.0, 0.0), (0.0, 0.03)]
    for i, (dlat, dlon) in enumerate(offsets, start=1):
        lat, lon = CENTROID[0] + dlat, CENTROID[1] + dlon
        h = _unit(
            f"{COMMUNE}-{i:03d}",
            f"Thôn {i}",
            "hamlet",
            c,
            kind="thôn",
            geometry=square(lat, lon, 0.0149),
            centroid_lat=lat,
            centroid_lon=lon,
        )
        w.units[h.code] = h
    oh = _unit(
        f"{OTHER_COMMUNE}-001",
        "Tổ dân phố 1",
        "hamlet",
        o,
        kind="tổ dân phố",
        geometry=square(16.4779, 107.611, 0.005),
        centroid_lat=16.4779,
        centroid_lon=107.611,
    )
    fh = _unit(
        f"{FAR_COMMUNE}-001",
        "Tổ dân phố 1",
        "hamlet",
        fc,
        kind="tổ dân phố",
        centroid_lat=21.0386,
        centroid_lon=105.838,
    )
    w.units.update({oh.code: oh, fh.code: fh})
    db.session.commit()
    return w


_counter = itertools.count(1)


@pytest.fixture
def make_user(world: World) -> Callable[..., User]:
    """Create a user of a role bound to a unit (hamlets assigned for officers)."""

    def make(
        role: str,
        unit_code: str,
        *,
        hamlets: list[str] | None = None,
        username: str | None = None,
        mobile_team: bool = False,
    ) -> User:
        user = auth_service.create_user(
            username=username or f"{role}{next(_counter)}",
            password="secret-pass",
            role=role,
            unit_code=unit_code,
            full_name=f"Người dùng {role}",
            mobile_team=mobile_team,
        )
        if hamlets:
            auth_service.assign_hamlets(user, hamlets)
        db.session.commit()
        return user

    return make


@pytest.fixture
def token_for(app) -> Callable[[User], dict[str, str]]:
    """Bearer-token headers for a user."""

    def headers(user: User, lang: str | None = None) -> dict[str, str]:
        raw, _ = auth_service.issue_token(user)
        db.session.commit()
        out = {"Authorization": f"Bearer {raw}"}
        if lang:
            out["Accept-Language"] = lang
        return out

    return headers


@pytest.fixture
def make_household(world: World) -> Callable[..., Household]:
    """Create a household with residents in a hamlet."""

    def make(
        hamlet_code: str = f"{COMMUNE}-001",
        *,
        residents: list[dict] | None = None,
        location: tuple[float, float] | bool | None = True,
        code: str | None = None,
        address: str | None = None,
    ) -> Household:
        hamlet = world[hamlet_code]
        if location is True:
            location = (hamlet.centroid_lat, hamlet.centroid_lon)
        household = Household(
            code=code or f"HO-{next(_counter):05d}",
            address=address or f"{hamlet.name}, {world.units[hamlet_code.split('-')[0]].name}",
            hamlet_id=hamlet.id,
            commune_id=hamlet.parent_id,
            province_id=hamlet.province_id,
            lat=location[0] if location else None,
            lon=location[1] if location else None,
            location_source="known" if location else None,
        )
        household.search_text = fold(household.address)
        db.session.add(household)
        db.session.flush()
        for spec in residents if residents is not None else [{"full_name": "Hồ Văn Nhờ"}]:
            spec = dict(spec)
            born = spec.pop("date_of_birth", "1968-03-02")
            birth_date = date.fromisoformat(born) if born and len(born) == 10 else None
            birth_year = int(born[:4]) if born else None
            resident = Resident(
                household_id=household.id,
                hamlet_id=household.hamlet_id,
                commune_id=household.commune_id,
                province_id=household.province_id,
                name_folded=fold(spec["full_name"]),
                birth_date=birth_date,
                birth_year=birth_year,
                **{"sex": "male", "relationship_to_head": "head", **spec},
            )
            db.session.add(resident)
        db.session.commit()
        return household

    return make


def api_get(client: FlaskClient, url: str, headers: dict) -> tuple[int, Any]:
    """GET a JSON endpoint and return (status, body)."""
    response = client.get(url, headers=headers)
    return response.status_code, response.get_json(silent=True)


def api_post(client: FlaskClient, url: str, headers: dict, body: Any) -> tuple[int, Any]:
    """POST JSON and return (status, body)."""
    response = client.post(url, headers=headers, json=body)
    return response.status_code, response.get_json(silent=True)


def page_client(app, user: User) -> FlaskClient:
    """A client of the web pages signed in as the user (its own cookies)."""
    client = app.test_client()
    answer = client.post("/login", data={"username": user.username, "password": "secret-pass"})
    assert answer.status_code in (302, 303), answer.status_code
    return client


def visit_without_gps(household_id: int, **extra) -> dict:
    """A visit body made five minutes ago whose GPS timed out (no location); nobody home
    unless `extra` says otherwise."""
    return {
        "client_id": str(uuid.uuid4()),
        "household_id": household_id,
        "visited_at": (datetime.now(UTC) - timedelta(minutes=5)).isoformat(),
        "location": None,
        "location_missing_reason": "timeout",
        "outcome": "nobody_home",
        **extra,
    }


def correcting_visit(household_id: int, resident_id: int, correction: dict) -> dict:
    """A visit that meets the resident and proposes one correction (no location)."""
    seen = {"resident_id": resident_id, "presence": "present", "corrections": [correction]}
    return visit_without_gps(household_id, outcome="met", residents=[seen])
