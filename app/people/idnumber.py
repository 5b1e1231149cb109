"""Rules of the 12-digit personal ID number (số định danh cá nhân, printed on the CCCD card).

Layout (Circular 07/2016/TT-BCA, kept by Circular 59/2021/TT-BCA):
``PPP G YY RRRRRR`` where PPP is the province where the birth was registered (one of the 63
pre-2025 province codes below), G encodes sex and century, YY is the year of birth within that
century and RRRRRR are random digits.

Only a number that is not exactly 12 digits is refused. Everything else that does not fit the
recorded resident is a finding the caller may propose as a correction: old and
foreign-registered numbers exist, and the card is the better document more often than the list.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from app.labels import LABELS, english, in_sentence, vietnamese
from app.text import fold, masked_twelve

# The 63 pre-2025 provinces with the code used in personal ID numbers (the same codes as the
# statistics office's province codes, zero-padded to three digits). The 1 July 2025 merger did
# not renumber anyone: numbers issued before it keep these codes for life.
PROVINCE_CODES: dict[str, str] = {
    "001": "Hà Nội",
    "002": "Hà Giang",
    "004": "Cao Bằng",
    "006": "Bắc Kạn",
    "008": "Tuyên Quang",
    "010": "Lào Cai",
    "011": "Điện Biên",
    "012": "Lai Châu",
    "014": "Sơn La",
    "015": "Yên Bái",
    "017": "Hòa Bình",
    "019": "Thái Nguyên",
    "020": "Lạng Sơn",
    "022": "Quảng Ninh",
    "024": "Bắc Giang",
    "025": "Phú Thọ",
    "026": "Vĩnh Phúc",
    "027": "Bắc Ninh",
    "030": "Hải Dương",
    "031": "Hải Phòng",
    "033": "Hưng Yên",
    "034": "Thái Bình",
    "035": "Hà Nam",
    "036": "Nam Định",
    "037": "Ninh Bình",
    "038": "Thanh Hóa",
    "040": "Nghệ An",
    "042": "Hà Tĩnh",
    "044": "Quảng Bình",
    "045": "Quảng Trị",
    "046": "Thừa Thiên Huế",
    "048": "Đà Nẵng",
    "049": "Quảng Nam",
    "051": "Quảng Ngãi",
    "052": "Bình Định",
    "054": "Phú Yên",
    "056": "Khánh Hòa",
    "058": "Ninh Thuận",
    "060": "Bình Thuận",
    "062": "Kon Tum",
    "064": "Gia Lai",
    "066": "Đắk Lắk",
    "067": "Đắk Nông",
    "068": "Lâm Đồng",
    "070": "Bình Phước",
    "072": "Tây Ninh",
    "074": "Bình Dương",
    "075": "Đồng Nai",
    "077": "Bà Rịa - Vũng Tàu",
    "079": "TP Hồ Chí Minh",
    "080": "Long An",
    "082": "Tiền Giang",
    "083": "Bến Tre",
    "084": "Trà Vinh",
    "086": "Vĩnh Long",
    "087": "Đồng Tháp",
    "089": "An Giang",
    "091": "Kiên Giang",
    "092": "Cần Thơ",
    "093": "Hậu Giang",
    "094": "Sóc Trăng",
    "095": "Bạc Liêu",
    "096": "Cà Mau",
}

# Other spellings in common use, beyond what folding already equates (Hoà/Hòa, Đăk/Đắk).
_PROVINCE_ALIASES: dict[str, str] = {
    "Hồ Chí Minh": "079",
    "HCM": "079",
    "TPHCM": "079",
    "TP HCM": "079",
    "Sài Gòn": "079",
    "Huế": "046",
    "Thừa Thiên": "046",
    "Bà Rịa Vũng Tàu": "077",
    "BR-VT": "077",
    "Bắc Cạn": "006",
    "Kontum": "062",
}

# Administrative prefixes written before a province name: "Tỉnh", "Thành phố", "TP.".
_NAME_PREFIX = re.compile(r"^(?:tinh|thanh pho|tp)\s+")
_NON_ALNUM = re.compile(r"[^0-9a-z]+")
_SEPARATORS = re.compile(r"[\s.\-]+")
_TWELVE_DIGITS = re.compile(r"[0-9]{12}")

Sex = Literal["male", "female"]
FindingField = Literal["sex", "date_of_birth", "birthplace", "id_number"]


def _name_key(name: str) -> str:
    """Return the matching key of a province name: folded, no punctuation, no prefix."""
    key = " ".join(_NON_ALNUM.sub(" ", fold(name)).split())
    return _NAME_PREFIX.sub("", key)


_CODE_BY_KEY: dict[str, str] = {
    **{_name_key(alias): code for alias, code in _PROVINCE_ALIASES.items()},
    **{_name_key(name): code for code, name in PROVINCE_CODES.items()},
}


class InvalidIdNumber(ValueError):
    """A personal ID number that is not exactly 12 digits."""

    def __init__(self, raw: str) -> None:
        digits = sum(ch.isdigit() for ch in raw)
        self.message_en = f"A personal ID number has exactly 12 digits (got {digits} digits)."
        super().__init__(f"Số định danh cá nhân phải gồm đúng 12 chữ số (nhập {digits} chữ số).")


@dataclass(frozen=True, slots=True)
class ParsedId:
    """What a personal ID number says about its holder."""

    number: str
    province_code: str
    province_name: str | None
    sex: Sex
    birth_year: int


@dataclass(frozen=True, slots=True)
class IdFinding:
    """One disagreement between an ID number and the recorded resident."""

    field: FindingField
    current: str | None
    proposed: str | None
    message_vi: str
    message_en: str


def clean_id_number(raw: str) -> str:
    """Return raw without the spaces, dots and dashes people type inside ID numbers."""
    return _SEPARATORS.sub("", raw)


def parse_id_number(raw: str) -> ParsedId:
    """Parse a personal ID number, refusing it only when it is not exactly 12 digits."""
    number = clean_id_number(raw)
    if not _TWELVE_DIGITS.fullmatch(number):
        raise InvalidIdNumber(number)
    province_code, gender_century, yy = number[:3], int(number[3]), int(number[4:6])
    return ParsedId(
        number=number,
        province_code=province_code,
        province_name=PROVINCE_CODES.get(province_code),
        sex="male" if gender_century % 2 == 0 else "female",
        birth_year=1900 + 100 * (gender_century // 2) + yy,
    )


def build_id_number(province_code: str, sex: Sex, birth_year: int, serial: int = 0) -> str:
    """Compose the ID number a person of this province, sex and birth year would carry."""
    if not (1900 <= birth_year <= 2399):
        raise ValueError(f"birth year {birth_year} is outside 1900-2399")
    if not (len(province_code) == 3 and province_code.isdecimal() and 0 <= serial < 10**6):
        raise ValueError("province code must be 3 digits and serial 0-999999")
    century, yy = divmod(birth_year - 1900, 100)
    digit = 2 * century + (0 if sex == "male" else 1)
    return f"{province_code}{digit}{yy:02d}{serial:06d}"


def province_code_for_name(name: str) -> str | None:
    """Return the pre-2025 province code for a province name, ignoring diacritics and prefixes."""
    return _CODE_BY_KEY.get(_name_key(name))


def _province_label(code: str) -> str:
    """Return "046 Thừa Thiên Huế", or the bare code when it is not a province."""
    name = PROVINCE_CODES.get(code)
    return f"{code} {name}" if name else code


def _normalize_code(code: str) -> str:
    """Pad a province code written with fewer digits ("46") to the three-digit form."""
    code = code.strip()
    return code.zfill(3) if code.isdecimal() and len(code) < 3 else code


def _province_finding(parsed: ParsedId) -> IdFinding | None:
    """Report a province code that is not one of the 63."""
    if parsed.province_name is not None:
        return None
    return IdFinding(
        field="id_number",
        current=parsed.number,
        proposed=None,
        message_vi=(
            f"Mã tỉnh {parsed.province_code} trong số định danh không thuộc 63 mã tỉnh;"
            " cần đối chiếu với thẻ căn cước."
        ),
        message_en=(
            f"Province code {parsed.province_code} in the ID number is not one of the"
            " 63 province codes; check against the ID card."
        ),
    )


def _sex_finding(parsed: ParsedId, sex: str | None) -> IdFinding | None:
    """Report a recorded sex that the sex-and-century digit contradicts."""
    if sex not in LABELS["sex"] or sex == parsed.sex:
        return None
    return IdFinding(
        field="sex",
        current=sex,
        proposed=parsed.sex,
        message_vi=(
            f"Giới tính ghi nhận ({vietnamese('sex', sex)}) khác giới tính theo số định danh"
            f" ({vietnamese('sex', parsed.sex)})."
        ),
        message_en=(
            f"Recorded sex ({in_sentence(english('sex', sex))}) differs from the sex in the ID"
            f" number ({in_sentence(english('sex', parsed.sex))})."
        ),
    )


def _year_finding(parsed: ParsedId, birth_year: int | None) -> IdFinding | None:
    """Report a recorded birth year that the number contradicts."""
    if birth_year is None or birth_year == parsed.birth_year:
        return None
    return IdFinding(
        field="date_of_birth",
        current=str(birth_year),
        proposed=str(parsed.birth_year),
        message_vi=(
            f"Năm sinh ghi nhận ({birth_year}) khác năm sinh theo số định danh"
            f" ({parsed.birth_year})."
        ),
        message_en=(
            f"Recorded birth year ({birth_year}) differs from the year in the ID number"
            f" ({parsed.birth_year})."
        ),
    )


def _birthplace_finding(parsed: ParsedId, birthplace_code: str | None) -> IdFinding | None:
    """Report a recorded birthplace province other than the one in the number."""
    # An unknown code in the number is already a finding and is no value to propose.
    if birthplace_code is None or parsed.province_name is None:
        return None
    recorded = _normalize_code(birthplace_code)
    if recorded == parsed.province_code:
        return None
    return IdFinding(
        field="birthplace",
        current=recorded,
        proposed=parsed.province_code,
        message_vi=(
            f"Nơi đăng ký khai sinh ghi nhận ({_province_label(recorded)}) khác mã tỉnh"
            f" trong số định danh ({_province_label(parsed.province_code)})."
        ),
        message_en=(
            f"Recorded birthplace ({_province_label(recorded)}) differs from the province"
            f" in the ID number ({_province_label(parsed.province_code)})."
        ),
    )


def check_id_number(
    number: str,
    *,
    sex: str | None,
    birth_year: int | None,
    birthplace_code: str | None,
) -> list[IdFinding]:
    """List where an ID number disagrees with the recorded sex, birth year and birthplace.

    None means "not recorded" and is never a finding; a sex other than 'male' or 'female' is
    not compared; birthplace_code is a pre-2025 province code ("046"; "46" is padded).
    Raises InvalidIdNumber only when the number is not 12 digits.
    """
    parsed = parse_id_number(number)
    candidates = (
        _province_finding(parsed),
        _sex_finding(parsed, sex),
        _year_finding(parsed, birth_year),
        _birthplace_finding(parsed, birthplace_code),
    )
    return [finding for finding in candidates if finding is not None]


def mask_id_number(number: str) -> str:
    """Mask an ID number for display, keeping only its last 4 digits (********0123)."""
    cleaned = clean_id_number(number)
    if len(cleaned) != 12:
        # Not a valid number: reveal nothing but its length rather than guess what to keep.
        return "*" * len(cleaned)
    return masked_twelve(cleaned)
