"""The QR code printed on the chip-based citizen ID card (CCCD gắn chip), read as text.

The code holds pipe-separated fields (Circular 06/2021/TT-BCA; what VNeID and the ministry's
readers show):

    12-digit number | old 9-digit number | full name | date of birth ddmmyyyy | sex (Nam/Nữ)
    | permanent address | issue date ddmmyyyy

Read tolerantly, because scanners and card generations differ: the old number is often empty,
a few readers drop its slot altogether (six fields), the 2024 identity card ("thẻ căn cước",
Law 26/2023/QH15) may carry further fields after these, and scanners add a byte-order mark,
spaces or a line break around the text. The dates are found by their shape (eight digits, also
written dd/mm/yyyy). Names and addresses are composed (NFC). Anything else is refused with a
Vietnamese message that names what is wrong. Pure: no Flask, no database.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l

from app.people.idnumber import InvalidIdNumber, Sex, clean_id_number, parse_id_number
from app.text import ascii_digits, fold, has_control_chars, normalize_name

MAX_CHARS = 1000
NOT_TEXT = _l("Mã QR không đọc được: dữ liệu không phải văn bản.")
_DATE = re.compile(r"([0-9]{2})[/.\-]?([0-9]{2})[/.\-]?([0-9]{4})")
_DIGITS = re.compile(r"[0-9]+")
_SEX = {"nam": "male", "nu": "female", "male": "male", "female": "female"}
_STRIP = "\ufeff\u200b \t\r\n"


# The parts of a QR text a CardQrError may name: the text as a whole, or one of its fields.
QR_PARTS = ("qr", "id_number", "old_id_number", "full_name", "date_of_birth", "sex",
            "address", "card_issued_on")  # fmt: skip


class CardQrError(ValueError):
    """A text that is not the QR code of an ID card; `field` names the part that is wrong."""

    def __init__(self, field: str, message: object) -> None:
        super().__init__(str(message))
        self.field = field
        self.message = message


@dataclass(frozen=True, slots=True)
class CardReading:
    """What the card's QR code says."""

    id_number: str
    old_id_number: str | None
    full_name: str
    date_of_birth: date
    sex: Sex
    address: str | None
    card_issued_on: date | None

    def as_dict(self) -> dict[str, str | None]:
        """The reading as the API writes it (dates in ISO form)."""
        return {
            "id_number": self.id_number,
            "old_id_number": self.old_id_number,
            "full_name": self.full_name,
            "date_of_birth": self.date_of_birth.isoformat(),
            "sex": self.sex,
            "address": self.address,
            "card_issued_on": self.card_issued_on.isoformat() if self.card_issued_on else None,
        }


def _text_of(raw: object) -> str:
    """The scanned text, decoded and trimmed; refuses what no card prints."""
    if isinstance(raw, bytes | bytearray):
        try:
            raw = bytes(raw).decode("utf-8")
        except UnicodeDecodeError:
            raise CardQrError("qr", NOT_TEXT) from None
    if not isinstance(raw, str):
        raise CardQrError("qr", NOT_TEXT)
    text = unicodedata.normalize("NFC", raw.strip(_STRIP))
    if not text:
        raise CardQrError("qr", _l("Mã QR trống."))
    if len(text) > MAX_CHARS:
        raise CardQrError("qr", _l("Mã QR quá dài để là mã trên thẻ căn cước."))
    if has_control_chars(text) or "\ufffd" in text:
        raise CardQrError("qr", _l("Mã QR không đọc được: có ký tự lạ, không phải văn bản."))
    if "|" not in text:
        raise CardQrError(
            "qr",
            _l("Không thấy dấu | ngăn cách các trường: đây không phải mã QR trên thẻ căn cước."),
        )
    return text


def _date(value: str, field: str, label: object) -> date:
    """A date written ddmmyyyy (or dd/mm/yyyy) on the card."""
    match = _DATE.fullmatch(value)
    if not match:
        raise CardQrError(field, _l("%(label)s phải có dạng ngàythángnăm (ddmmyyyy).", label=label))
    day, month, year = (int(part) for part in match.groups())
    try:
        found = date(year, month, day)
    except ValueError:
        found = None
    if found is None or year < 1900:
        message = _l("%(label)s không phải ngày có thật: %(v)s.", label=label, v=value)
        raise CardQrError(field, message)
    return found


def _is_date(value: str) -> bool:
    return _DATE.fullmatch(value) is not None


def _id_number(value: str) -> str:
    try:
        return parse_id_number(value).number
    except InvalidIdNumber:
        digits = sum(ch.isdigit() for ch in value)
        raise CardQrError(
            "id_number",
            _l(
                "Số định danh trên thẻ phải gồm đúng 12 chữ số (đọc được %(n)s chữ số).",
                n=digits,
            ),
        ) from None


def _old_number(parts: list[str]) -> tuple[str | None, int]:
    """The old ID number's slot (empty, or 9 or 12 digits) and where the name starts."""
    if len(parts) < 2:
        return None, 1
    slot = clean_id_number(parts[1])
    if slot == "":
        return None, 2
    if ascii_digits(slot):
        if len(slot) not in (9, 12):
            raise CardQrError(
                "old_id_number",
                _l("Số CMND cũ phải gồm 9 hoặc 12 chữ số (đọc được %(n)s).", n=len(slot)),
            )
        return slot, 2
    return None, 1  # no slot for it: the name follows the number


def _take(parts: list[str], index: int, field: str, label: object) -> str:
    if index >= len(parts) or not parts[index]:
        raise CardQrError(field, _l("Mã QR thiếu trường %(label)s.", label=label))
    return parts[index]


def _name(value: str) -> str:
    if _DIGITS.fullmatch(value) or not any(ch.isalpha() for ch in value):
        raise CardQrError("full_name", _l("Họ và tên trên mã QR không phải chữ: %(v)s.", v=value))
    return normalize_name(value)


def _sex(value: str) -> Sex:
    sex = _SEX.get(fold(value))
    if sex is None:
        raise CardQrError("sex", _l("Giới tính trên mã QR phải là Nam hoặc Nữ: %(v)s.", v=value))
    return sex  # type: ignore[return-value]


def _issued_on(parts: list[str], start: int) -> date | None:
    """The issue date: the first date-shaped field after the address (a later card may add
    fields around it); none at all on a few readers."""
    for value in parts[start:]:
        if _is_date(value):
            return _date(value, "card_issued_on", _l("Ngày cấp"))
    return None


def parse_card_qr(raw: object) -> CardReading:
    """Read the text of an ID card's QR code; raises CardQrError naming what is wrong."""
    text = _text_of(raw)
    parts = [" ".join(part.split()) for part in text.split("|")]
    while parts and not parts[-1]:
        parts.pop()
    id_number = _id_number(_take(parts, 0, "id_number", _l("số định danh")))
    old, at = _old_number(parts)
    full_name = _name(_take(parts, at, "full_name", _l("họ và tên")))
    born = _date(
        _take(parts, at + 1, "date_of_birth", _l("ngày sinh")), "date_of_birth", _l("Ngày sinh")
    )
    sex = _sex(_take(parts, at + 2, "sex", _l("giới tính")))
    address = _take(parts, at + 3, "address", _l("nơi thường trú"))
    if _is_date(address):
        _take([], 0, "address", _l("nơi thường trú"))
    issued = _issued_on(parts, at + 4)
    if issued is not None and issued < born:
        raise CardQrError("card_issued_on", _l("Ngày cấp trên mã QR trước ngày sinh."))
    return CardReading(
        id_number=id_number,
        old_id_number=old,
        full_name=full_name,
        date_of_birth=born,
        sex=sex,
        address=address,
        card_issued_on=issued,
    )
