"""The demo commune generator: deterministic, plausible, and with its planted errors."""

from __future__ import annotations

import itertools
import math
import re
import time
import unicodedata
from collections import Counter

import pytest
import shapely
from shapely.geometry import Point, shape

from app.demo.data import (
    CENTROID_LAT,
    CENTROID_LON,
    DEMO_PASSWORD,
    REFERENCE_DATE,
    DemoCommune,
    DemoResident,
    generate_demo,
)

PRESENCE = {"present", "away_working", "away_other", "moved", "deceased"}
ID_CARD = {"not_collected", "collected", "issued"}
EID = {"none", "level1", "level2_applied", "level2_active"}
RELATIONSHIPS = {"head", "spouse", "child", "parent", "grandchild", "sibling", "other"}
ROLES = {"admin", "commander", "officer", "village_head"}
VIETNAMESE_LETTERS = set("ăâđêôơưàáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ")


@pytest.fixture(scope="module")
def demo() -> DemoCommune:
    return generate_demo()


def decode(number: str) -> tuple[str, str, int]:
    """(province code, sex, birth year) encoded in a 12-digit personal ID number."""
    digit = int(number[3])
    return number[:3], ("male", "female")[digit % 2], 1900 + 100 * (digit // 2) + int(number[4:6])


def birth_year(r: DemoResident) -> int | None:
    return int(r.date_of_birth[:4]) if r.date_of_birth else None


def age(r: DemoResident) -> int | None:
    year = birth_year(r)
    return None if year is None else REFERENCE_DATE.year - year


def planted(demo: DemoCommune, kind: str) -> set[str]:
    return {key for e in demo.errors if e.kind == kind for key in e.resident_keys}


def km_from_centroid(lon: float, lat: float) -> float:
    dx = (lon - CENTROID_LON) * 111.32 * math.cos(math.radians(CENTROID_LAT))
    dy = (lat - CENTROID_LAT) * 110.574
    return math.hypot(dx, dy)


def test_deterministic_for_a_seed(demo):
    assert generate_demo() == demo
    assert generate_demo(6) == demo
    assert generate_demo(7) != demo


def test_fast():
    start = time.perf_counter()
    generate_demo(11)
    assert time.perf_counter() - start < 1.0


@pytest.mark.parametrize("seed", [6, 0, 1, 2025])
def test_counts_in_range(seed):
    c = generate_demo(seed)
    assert len(c.hamlets) == 6
    assert 280 <= len(c.households) <= 320
    assert 1000 <= len(c.residents) <= 1200


def test_commune_facts(demo):
    assert (demo.code, demo.province_code) == ("20179", "46")
    assert demo.name == "Xã Nam Đông"
    assert (demo.centroid_lat, demo.centroid_lon) == (16.066, 107.717)
    assert 170 < demo.area_km2 < 180
    assert [h.code for h in demo.hamlets] == [f"20179-00{i}" for i in range(1, 7)]
    assert {h.kind for h in demo.hamlets} <= {"thôn", "bản"}
    assert len({h.name for h in demo.hamlets}) == 6


def test_hamlet_polygons_valid_and_disjoint(demo):
    polygons = []
    for h in demo.hamlets:
        g = h.geometry
        assert g["type"] == "Polygon"
        ring = g["coordinates"][0]
        assert ring[0] == ring[-1]
        assert all(107 < lon < 108.5 and 15.5 < lat < 16.6 for lon, lat in ring)  # lon, lat
        assert max(km_from_centroid(lon, lat) for lon, lat in ring) < 6.0
        poly = shape(g)
        assert poly.is_valid
        assert poly.exterior.is_ccw  # RFC 7946: exterior rings counterclockwise
        assert poly.area > 0
        polygons.append(poly)
    assert len(polygons) == 6
    for a, b in itertools.combinations(polygons, 2):
        assert a.intersection(b).area < 1e-12
    assert demo.boundary()["type"] == "Polygon"


def test_households_located_inside_their_hamlet(demo):
    polygons = {h.code: shape(h.geometry) for h in demo.hamlets}
    located = [h for h in demo.households if h.lat is not None]
    assert len(located) >= 0.9 * len(demo.households) > 0
    for h in located:
        assert h.lon is not None
        assert polygons[h.hamlet_code].contains(Point(h.lon, h.lat)), h.code
    missing = [h for h in demo.households if h.lat is None]
    assert all(h.lon is None for h in missing)
    assert 0.02 <= len(missing) / len(demo.households) <= 0.08


def test_households_are_clustered_not_uniform(demo):
    # Clark-Evans ratio: mean nearest-neighbour distance over its value for a uniform spread
    kx = 111.32 * math.cos(math.radians(CENTROID_LAT))
    ky = 110.574
    assert len(demo.hamlets) == 6
    for hamlet in demo.hamlets:
        area = shapely.transform(
            shape(hamlet.geometry), lambda c: (c - [CENTROID_LON, CENTROID_LAT]) * [kx, ky]
        ).area
        points = [
            ((h.lon - CENTROID_LON) * kx, (h.lat - CENTROID_LAT) * ky)
            for h in demo.households
            if h.hamlet_code == hamlet.code and h.lat is not None
        ]
        nearest = [min(math.dist(a, b) for b in points if b is not a) for a in points]
        ratio = (sum(nearest) / len(nearest)) / (0.5 / math.sqrt(len(points) / area))
        assert ratio < 0.7, hamlet.code


def test_household_codes_addresses_and_heads(demo):
    codes = [h.code for h in demo.households]
    assert len(set(codes)) == len(codes)
    assert all(re.fullmatch(r"HO-\d{4}", c) for c in codes)
    names = {h.code: h.name for h in demo.hamlets}
    assert len(demo.households) > 250
    for h in demo.households:
        assert 1 <= len(h.residents) <= 7
        assert [r.relationship for r in h.residents].count("head") == 1
        assert h.residents[0].relationship == "head"
        assert h.address == f"{names[h.hamlet_code]}, xã Nam Đông, TP Huế"
        assert all(r.household_code == h.code for r in h.residents)
    keys = [r.key for r in demo.residents]
    assert len(set(keys)) == len(keys)


def test_machine_values_and_consistency(demo):
    assert len(demo.residents) > 1000
    for r in demo.residents:
        assert r.sex in {"male", "female"}
        assert r.presence in PRESENCE
        assert r.id_card in ID_CARD
        assert r.eid in EID
        assert r.relationship in RELATIONSHIPS
        assert r.ethnicity in {"Kinh", "Cơ Tu"}
        assert r.birthplace_code is None or re.fullmatch(r"0\d\d", r.birthplace_code)
        if r.eid == "level2_active":
            assert r.id_card == "issued"
        if r.date_of_birth is not None:
            assert re.fullmatch(r"\d{4}(-\d\d-\d\d)?", r.date_of_birth)
            assert r.date_of_birth[:10] <= REFERENCE_DATE.isoformat()
        if r.phone is not None:
            assert re.fullmatch(r"0[39]\d{8}", r.phone)
        if r.unable_to_travel:
            assert age(r) is None or age(r) >= 70
    phones = [r.phone for r in demo.residents if r.phone]
    assert len(set(phones)) == len(phones)


def test_realistic_people(demo):
    residents = demo.residents
    ethnicities = Counter(r.ethnicity for r in residents)
    assert ethnicities["Cơ Tu"] > 200 and ethnicities["Kinh"] > 200
    children = [r for r in residents if age(r) is not None and age(r) < 14]
    assert len(children) > 150
    assert all(r.eid == "none" for r in children)
    assert sum(r.id_card == "not_collected" for r in children) / len(children) > 0.85
    elderly = [r for r in residents if age(r) is not None and age(r) >= 65]
    assert len(elderly) > 60
    assert any(r.presence == "present" for r in elderly)
    assert any(r.unable_to_travel for r in elderly)
    year_only = [r for r in residents if r.date_of_birth and len(r.date_of_birth) == 4]
    assert year_only and all(age(r) >= 65 for r in year_only)
    assert 0.04 <= len(year_only) / len(elderly) <= 0.2
    working = [r for r in residents if age(r) is not None and 18 <= age(r) <= 55]
    share = sum(r.presence == "away_working" for r in working) / len(working)
    assert 0.07 <= share <= 0.18
    assert Counter(r.birthplace_code for r in residents).most_common(1)[0][0] == "046"
    relationships = Counter(r.relationship for r in residents)
    assert {"spouse", "child", "parent", "grandchild"} <= set(relationships)
    # three generations under one roof exist
    assert any(
        {"parent", "child"} <= {r.relationship for r in h.residents}
        or "grandchild" in {r.relationship for r in h.residents}
        for h in demo.households
    )


def test_names_have_vietnamese_diacritics(demo):
    names = [r.full_name for r in demo.residents]
    assert all(unicodedata.is_normalized("NFC", n) for n in names)
    assert all(n == n.strip() and "  " not in n and len(n.split()) >= 2 for n in names)
    with_marks = [n for n in names if any(ch in VIETNAMESE_LETTERS for ch in n.lower())]
    assert len(with_marks) / len(names) > 0.8
    text = " ".join(names)
    for word in ("Nguyễn", "Trần", "Hồ", "Thị", "Văn"):
        assert word in text
    families = {n.split()[0] for n in names}
    assert families & {"Alăng", "Bhling", "Pơloong", "Zơrâm", "Ríah", "Coor", "Clâu", "Arất"}
    assert all(unicodedata.is_normalized("NFC", u.full_name) for u in demo.users)


def test_id_numbers_unique_and_twelve_digits(demo):
    numbers = [r.id_number for r in demo.residents if r.id_number is not None]
    assert len(numbers) > 0.6 * len(demo.residents)
    assert all(re.fullmatch(r"\d{12}", n) for n in numbers)
    assert len(set(numbers)) == len(numbers)


def test_id_numbers_agree_with_records_except_planted(demo):
    year_bad = planted(demo, "id_birth_year_mismatch")
    sex_bad = planted(demo, "id_sex_mismatch")
    place_bad = planted(demo, "id_birthplace_mismatch")
    assert len(year_bad) >= 3 and len(sex_bad) >= 2 and len(place_bad) >= 1
    found_year, found_sex, found_place = set(), set(), set()
    for r in demo.residents:
        if r.id_number is None:
            continue
        province, sex, year = decode(r.id_number)
        if birth_year(r) is not None and year != birth_year(r):
            found_year.add(r.key)
        if sex != r.sex:
            found_sex.add(r.key)
        if province != r.birthplace_code:
            found_place.add(r.key)
    assert found_year == year_bad
    assert found_sex == sex_bad
    assert found_place == place_bad
    by_key = {r.key: r for r in demo.residents}
    for key in year_bad | sex_bad:
        assert by_key[key].date_of_birth is not None


def test_id_numbers_mostly_from_thua_thien_hue(demo):
    numbers = [r.id_number for r in demo.residents if r.id_number]
    assert sum(n.startswith("046") for n in numbers) / len(numbers) > 0.85


def test_missing_dates_of_birth_planted(demo):
    missing = {r.key for r in demo.residents if r.date_of_birth is None}
    assert len(missing) >= 5
    assert missing == planted(demo, "missing_date_of_birth")


def test_one_person_entered_twice(demo):
    errors = [e for e in demo.errors if e.kind == "duplicate_person"]
    assert len(errors) == 1
    by_key = {r.key: r for r in demo.residents}
    a, b = (by_key[k] for k in errors[0].resident_keys)
    assert (a.full_name, a.date_of_birth) == (b.full_name, b.date_of_birth)
    assert a.household_code != b.household_code
    assert (a.id_number is None) != (b.id_number is None)
    # and no other accidental namesake born the same day
    pairs = Counter((r.full_name, r.date_of_birth) for r in demo.residents if r.date_of_birth)
    assert [p for p, n in pairs.items() if n > 1] == [(a.full_name, a.date_of_birth)]


def test_errors_name_their_residents(demo):
    keys = {r.key for r in demo.residents}
    assert {
        "id_birth_year_mismatch",
        "id_sex_mismatch",
        "missing_date_of_birth",
        "duplicate_person",
    } <= {e.kind for e in demo.errors}
    for e in demo.errors:
        assert e.resident_keys and set(e.resident_keys) <= keys
        assert all(k in e.description for k in e.resident_keys)


def test_users(demo):
    users = {u.username: u for u in demo.users}
    assert {"admin", "chihuy", "canbo1", "canbo2", "canbo3", "truongthon1"} <= set(users)
    assert {u.role for u in demo.users} == ROLES
    assert all(u.password == DEMO_PASSWORD for u in demo.users)
    assert (users["admin"].role, users["admin"].unit_code) == ("admin", "46")
    assert (users["chihuy"].role, users["chihuy"].unit_code) == ("commander", "20179")
    assert users["canbo1"].hamlet_codes == ["20179-001", "20179-002", "20179-003"]
    assert users["canbo2"].hamlet_codes == ["20179-004", "20179-005", "20179-006"]
    assert users["canbo3"].mobile_team and users["canbo3"].unit_code == "20179"
    assert not users["canbo1"].mobile_team
    head = users["truongthon1"]
    assert (head.role, head.unit_code) == ("village_head", "20179-001")
    hamlet_codes = {h.code for h in demo.hamlets}
    assert all(set(u.hamlet_codes) <= hamlet_codes for u in demo.users)


def test_shared_id_rules_find_exactly_the_planted_errors(demo):
    idnumber = pytest.importorskip("app.people.idnumber")
    flagged = set()
    for r in demo.residents:
        if r.id_number is None:
            continue
        parsed = idnumber.parse_id_number(r.id_number)
        assert (parsed.province_code, parsed.sex) == decode(r.id_number)[:2]
        assert parsed.birth_year == decode(r.id_number)[2]
        findings = idnumber.check_id_number(
            r.id_number, sex=r.sex, birth_year=birth_year(r), birthplace_code=r.birthplace_code
        )
        if findings:
            flagged.add(r.key)
    expected = (
        planted(demo, "id_birth_year_mismatch")
        | planted(demo, "id_sex_mismatch")
        | planted(demo, "id_birthplace_mismatch")
    )
    assert flagged == expected
