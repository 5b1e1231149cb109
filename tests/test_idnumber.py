"""The 12-digit personal ID number: parsing, checks against the record, names, masking."""

from __future__ import annotations

import random
import sqlite3
from importlib.resources import files

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from app.people.idnumber import (
    PROVINCE_CODES,
    IdFinding,
    InvalidIdNumber,
    ParsedId,
    build_id_number,
    check_id_number,
    mask_id_number,
    parse_id_number,
    province_code_for_name,
)
from app.text import fold

province_codes = st.sampled_from(sorted(PROVINCE_CODES))
sexes = st.sampled_from(["male", "female"])
birth_years = st.integers(min_value=1900, max_value=2399)
serials = st.integers(min_value=0, max_value=999_999)
twelve_digits = st.text(alphabet="0123456789", min_size=12, max_size=12)


def test_table_has_the_63_pre_2025_provinces() -> None:
    assert len(PROVINCE_CODES) == 63
    assert len({fold(name) for name in PROVINCE_CODES.values()}) == 63
    assert PROVINCE_CODES["001"] == "Hà Nội"
    assert PROVINCE_CODES["046"] == "Thừa Thiên Huế"
    assert PROVINCE_CODES["079"] == "TP Hồ Chí Minh"
    assert PROVINCE_CODES["096"] == "Cà Mau"


def test_table_matches_the_legacy_units_of_vietnamadminunits() -> None:
    # The ID-number codes are the statistics office's province codes, zero-padded; the
    # admin-units package ships those for the pre-2025 units (Huế already under its 2025 name).
    path = files("vietnamadminunits") / "data" / "dataset.db"
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
        rows = conn.execute(
            "SELECT DISTINCT provinceCode, provinceShort FROM admin_units_legacy"
        ).fetchall()
    assert {code.zfill(3): short for code, short in rows}.keys() == PROVINCE_CODES.keys()
    assert len(rows) == len(PROVINCE_CODES) == 63
    for code, short in rows:
        assert province_code_for_name(short) == code.zfill(3)


def test_parse_example() -> None:
    assert parse_id_number("046 068.000-123") == ParsedId(
        number="046068000123",
        province_code="046",
        province_name="Thừa Thiên Huế",
        sex="male",
        birth_year=1968,
    )


@pytest.mark.parametrize(
    ("digit", "sex", "year"),
    [
        ("0", "male", 1905),
        ("1", "female", 1905),
        ("2", "male", 2005),
        ("3", "female", 2005),
        ("4", "male", 2105),
        ("5", "female", 2105),
        ("6", "male", 2205),
        ("7", "female", 2205),
        ("8", "male", 2305),
        ("9", "female", 2305),
    ],
)
def test_sex_and_century_digit(digit: str, sex: str, year: int) -> None:
    parsed = parse_id_number(f"079{digit}05123456")
    assert (parsed.sex, parsed.birth_year) == (sex, year)


def test_unknown_province_still_parses() -> None:
    parsed = parse_id_number("003090123456")
    assert parsed.province_code == "003"
    assert parsed.province_name is None


@pytest.mark.parametrize(
    "raw", ["", "04606800012", "0460680001234", "04606800012a", "٠٤٦٠٦٨٠٠٠١٢٣", "046/068/000/123"]
)
def test_refuses_what_is_not_twelve_digits(raw: str) -> None:
    with pytest.raises(InvalidIdNumber) as caught:
        parse_id_number(raw)
    assert "12 chữ số" in str(caught.value)
    assert "12 digits" in caught.value.message_en
    assert isinstance(caught.value, ValueError)


@given(twelve_digits)
def test_any_twelve_digits_parse(number: str) -> None:
    parsed = parse_id_number(number)
    assert parsed.number == number
    assert parsed.province_code == number[:3]
    assert 1900 <= parsed.birth_year <= 2399
    assert parsed.birth_year % 100 == int(number[4:6])


@given(twelve_digits, st.lists(st.sampled_from([" ", ".", "-"]), max_size=6), st.randoms())
def test_separators_are_ignored(number: str, separators: list[str], rnd: random.Random) -> None:
    chars = list(number)
    for sep in separators:
        chars.insert(rnd.randint(0, len(chars)), sep)
    assert parse_id_number("".join(chars)).number == number


@given(st.text(max_size=20))
def test_anything_else_is_refused(raw: str) -> None:
    cleaned = "".join(ch for ch in raw if not (ch.isspace() or ch in ".-"))
    assume(not (len(cleaned) == 12 and cleaned.isascii() and cleaned.isdigit()))
    with pytest.raises(InvalidIdNumber):
        parse_id_number(raw)


@given(province_codes, sexes, birth_years, serials)
def test_built_number_round_trips(code: str, sex: str, year: int, serial: int) -> None:
    parsed = parse_id_number(build_id_number(code, sex, year, serial))
    assert (parsed.province_code, parsed.sex, parsed.birth_year) == (code, sex, year)
    assert parsed.province_name == PROVINCE_CODES[code]


@given(province_codes, sexes, birth_years, serials)
def test_matching_record_has_no_findings(code: str, sex: str, year: int, serial: int) -> None:
    number = build_id_number(code, sex, year, serial)
    assert check_id_number(number, sex=sex, birth_year=year, birthplace_code=code) == []
    assert check_id_number(number, sex=None, birth_year=None, birthplace_code=None) == []


@given(province_codes, sexes, birth_years, serials, st.data())
def test_each_difference_is_one_finding(
    code: str, sex: str, year: int, serial: int, data: st.DataObject
) -> None:
    number = build_id_number(code, sex, year, serial)
    other_sex = "female" if sex == "male" else "male"
    other_year = data.draw(birth_years.filter(lambda y: y != year))
    other_code = data.draw(province_codes.filter(lambda c: c != code))

    [finding] = check_id_number(number, sex=other_sex, birth_year=year, birthplace_code=code)
    assert (finding.field, finding.current, finding.proposed) == ("sex", other_sex, sex)

    [finding] = check_id_number(number, sex=sex, birth_year=other_year, birthplace_code=code)
    assert (finding.field, finding.current, finding.proposed) == (
        "date_of_birth",
        str(other_year),
        str(year),
    )

    [finding] = check_id_number(number, sex=sex, birth_year=year, birthplace_code=other_code)
    assert (finding.field, finding.current, finding.proposed) == ("birthplace", other_code, code)

    findings = check_id_number(
        number, sex=other_sex, birth_year=other_year, birthplace_code=other_code
    )
    assert [f.field for f in findings] == ["sex", "date_of_birth", "birthplace"]
    assert all(f.message_vi and f.message_en for f in findings)


def test_finding_messages() -> None:
    findings = check_id_number("046068000123", sex="female", birth_year=1970, birthplace_code="79")
    assert findings == [
        IdFinding(
            field="sex",
            current="female",
            proposed="male",
            message_vi="Giới tính ghi nhận (Nữ) khác giới tính theo số định danh (Nam).",
            message_en="Recorded sex (female) differs from the sex in the ID number (male).",
        ),
        IdFinding(
            field="date_of_birth",
            current="1970",
            proposed="1968",
            message_vi="Năm sinh ghi nhận (1970) khác năm sinh theo số định danh (1968).",
            message_en="Recorded birth year (1970) differs from the year in the ID number (1968).",
        ),
        IdFinding(
            field="birthplace",
            current="079",
            proposed="046",
            message_vi=(
                "Nơi đăng ký khai sinh ghi nhận (079 TP Hồ Chí Minh) khác mã tỉnh trong số"
                " định danh (046 Thừa Thiên Huế)."
            ),
            message_en=(
                "Recorded birthplace (079 TP Hồ Chí Minh) differs from the province in the ID"
                " number (046 Thừa Thiên Huế)."
            ),
        ),
    ]


def test_unknown_province_is_a_finding_not_a_refusal() -> None:
    findings = check_id_number("003068000123", sex="male", birth_year=1968, birthplace_code="001")
    assert [(f.field, f.current, f.proposed) for f in findings] == [
        ("id_number", "003068000123", None)
    ]


def test_sex_outside_male_female_is_not_compared() -> None:
    assert check_id_number("046068000123", sex="", birth_year=None, birthplace_code=None) == []


def test_check_refuses_only_bad_length() -> None:
    with pytest.raises(InvalidIdNumber):
        check_id_number("12345", sex="male", birth_year=1968, birthplace_code="046")


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("Hà Nội", "001"),
        ("ha noi", "001"),
        ("Thành phố Hà Nội", "001"),
        ("Thừa Thiên Huế", "046"),
        ("Thừa Thiên - Huế", "046"),
        ("Huế", "046"),
        ("Hue", "046"),
        ("TP Hồ Chí Minh", "079"),
        ("TP. Hồ Chí Minh", "079"),
        ("Thành phố Hồ Chí Minh", "079"),
        ("Hồ Chí Minh", "079"),
        ("TPHCM", "079"),
        ("Tỉnh Thanh Hoá", "038"),
        ("Đăk Lăk", "066"),
        ("DAK NONG", "067"),
        ("Bà Rịa–Vũng Tàu", "077"),
        ("Cà Mau", "096"),
        ("Atlantis", None),
        ("", None),
    ],
)
def test_province_code_for_name(name: str, code: str | None) -> None:
    assert province_code_for_name(name) == code


def test_every_official_name_finds_its_code() -> None:
    assert len(PROVINCE_CODES) == 63
    for code, name in PROVINCE_CODES.items():
        assert province_code_for_name(name) == code
        assert province_code_for_name(fold(name).upper()) == code


@pytest.mark.parametrize(
    ("raw", "masked"),
    [
        ("046068000123", "********0123"),
        ("046 068 000 123", "********0123"),
        ("12345", "*****"),
        ("", ""),
    ],
)
def test_mask_id_number(raw: str, masked: str) -> None:
    assert mask_id_number(raw) == masked


@given(twelve_digits)
def test_mask_keeps_the_last_four(number: str) -> None:
    masked = mask_id_number(number)
    assert len(masked) == 12
    assert masked[-4:] == number[-4:]
    assert masked[:8] == "********"
