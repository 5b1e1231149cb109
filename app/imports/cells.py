"""Reading the cells of a household list: text, dates, ID numbers, words for statuses.

Every reader answers a typed value or raises CellError with a short Vietnamese message that
follows the column's header ("Ngày sinh: không có ngày này ..."). The labels are the words
the visit-list export writes, so each one reads back to the same value.
"""

from __future__ import annotations

import re
import time
import unicodedata
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

from flask_babel import gettext as _

from app.clock import today_in_vietnam
from app.imports.columns import fold_word
from app.imports.xlsx import Uncalculated
from app.labels import LABELS, vietnamese
from app.people.idnumber import PROVINCE_CODES, clean_id_number

OLDEST_BIRTH_YEAR = 1880
MAX_CELL_CHARS = 1000
EXCEL_ERRORS = frozenset(
    ("#N/A", "#REF!", "#VALUE!", "#DIV/0!", "#NAME?", "#NUM!", "#NULL!", "#SPILL!", "#CALC!")
)


class CellError(ValueError):
    """A cell whose value cannot be taken; the message is for the person fixing the sheet."""


# C0 controls but tab, LF, CR; DEL; C1 controls (as app.text.has_control_chars).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def cell_text(value: Any, *, limit: int = MAX_CELL_CHARS) -> str | None:
    """Return a cell as one line of NFC text, or None when empty."""
    if value is None:
        return None
    if type(value) is str:
        text = value
    elif isinstance(value, bool):
        text = "x" if value else ""
    elif isinstance(value, float) and value.is_integer():
        text = str(int(value))
    elif isinstance(value, datetime | date):
        text = value.strftime("%d/%m/%Y")
    else:
        text = str(value)
    if not text.isascii() and not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    text = " ".join(text.split())
    if not text:
        return None
    if _CONTROL.search(text):
        raise CellError(_("có ký tự điều khiển không hợp lệ."))
    if len(text) > limit:
        raise CellError(_("dài quá %(n)s ký tự.", n=limit))
    return text


def check_cell(value: Any) -> None:
    """Refuse a formula (CSV injection), a formula Excel never calculated (its value is
    unknown) or an Excel error value in any cell of a row."""
    if isinstance(value, Uncalculated):
        raise CellError(_("ô có công thức chưa được tính; mở tệp bằng Excel, lưu lại rồi nhập."))
    if not isinstance(value, str) or not value:
        return
    first = value[0] if value[0] not in " \t" else value.lstrip()[:1]
    if first == "=":
        raise CellError(_("ô có công thức (bắt đầu bằng '='); hãy nhập giá trị."))
    if first == "#" and value.strip().upper() in EXCEL_ERRORS:
        raise CellError(_("ô có lỗi Excel (%(value)s).", value=value.strip()))


_DMY = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})$")
_YMD = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_MONTH_YEAR = re.compile(r"^(\d{1,2})[/.\-](\d{4})$")
_YEAR = re.compile(r"^\d{4}$")


_TODAY: list = [None, 0.0]


def _today() -> date:
    """Today in Vietnam, looked up at most once a minute (it is asked once per row)."""
    if time.monotonic() - _TODAY[1] > 60:
        _TODAY[:] = [today_in_vietnam(), time.monotonic()]
    return _TODAY[0]


def _checked_birth(born: date | None, year: int) -> tuple[date | None, int]:
    now = _today()
    if year < OLDEST_BIRTH_YEAR or year > now.year or (born is not None and born > now):
        raise CellError(_("không hợp lý (sau hôm nay hoặc trước năm 1880)."))
    return born, year


def _date_or_error(year: int, month: int, day: int) -> date:
    try:
        return date(year, month, day)
    except ValueError as exc:
        raise CellError(_("không có ngày này (ngày hoặc tháng sai).")) from exc


def parse_birth(value: Any) -> tuple[date | None, int | None]:
    """Read a date of birth: dd/mm/yyyy, d/m/yyyy, yyyy, yyyy-mm-dd or an Excel date."""
    if value is None or value == "":
        return None, None
    if isinstance(value, datetime):
        return _checked_birth(value.date(), value.year)
    if isinstance(value, date):
        return _checked_birth(value, value.year)
    if isinstance(value, int | float) and not isinstance(value, bool):
        if not float(value).is_integer():
            raise CellError(_("phải là dd/mm/yyyy hoặc năm yyyy."))
        number = int(value)
        if 1000 <= number <= 9999:
            return _checked_birth(None, number)
        if 1 <= number <= 2958465:  # an Excel date serial written without a date format
            # Excel counts 29 February 1900, a day that never was.
            born = date(1899, 12, 30 if number >= 61 else 31) + timedelta(days=number)
            return _checked_birth(born, born.year)
        raise CellError(_("phải là dd/mm/yyyy hoặc năm yyyy."))
    text = cell_text(value, limit=40) or ""
    if not text:
        return None, None
    if _YEAR.match(text):
        return _checked_birth(None, int(text))
    match = _DMY.match(text)
    if match:
        day, month, year = (int(g) for g in match.groups())
        if day == 0 or month == 0:  # "00/00/1968": only the year is known
            return _checked_birth(None, year)
        return _checked_birth(_date_or_error(year, month, day), year)
    match = _YMD.match(text)
    if match:
        year, month, day = (int(g) for g in match.groups())
        return _checked_birth(_date_or_error(year, month, day), year)
    match = _MONTH_YEAR.match(text)
    if match:
        return _checked_birth(None, int(match.group(2)))
    raise CellError(_("phải là dd/mm/yyyy hoặc năm yyyy."))


def format_birth(born: date | None, year: int | None) -> str | None:
    """Write a date of birth the way the import reads it back."""
    if born is not None:
        return born.strftime("%d/%m/%Y")
    return str(year) if year is not None else None


_SCIENTIFIC = re.compile(r"^\d+([.,]\d+)?E\+?\d+$", re.IGNORECASE)


def parse_id_number(value: Any) -> tuple[str | None, str | None]:
    """Read a 12-digit ID number; answer (number, note). Excel's lost leading zeros come back."""
    if value is None or value == "":
        return None, None
    if isinstance(value, int | float) and not isinstance(value, bool):
        if not float(value).is_integer():
            raise CellError(_("phải gồm đúng 12 chữ số."))
        digits = str(int(value))
    else:
        text = cell_text(value, limit=40) or ""
        if _SCIENTIFIC.match(text):
            raise CellError(
                _(
                    "bị Excel đổi sang dạng số mũ (%(value)s); hãy định dạng cột là Văn bản rồi nhập lại số.",  # noqa: E501
                    value=text,
                )
            )
        digits = clean_id_number(text)
    if (
        len(digits) in (10, 11)
        and digits.isascii()
        and digits.isdigit()
        and not digits.startswith("0")
        and digits.zfill(12)[:3] in PROVINCE_CODES
    ):
        # Every number starts with a 0 province code; Excel drops it from a number cell.
        return digits.zfill(12), _("Đã thêm số 0 đầu của số định danh (Excel đã bỏ mất).")
    if len(digits) != 12 or not digits.isascii() or not digits.isdigit():
        count = sum(ch.isdigit() for ch in digits)
        raise CellError(_("phải gồm đúng 12 chữ số (ô có %(n)s chữ số).", n=count))
    return digits, None


SEX_WORDS = {
    "nam": "male", "m": "male", "male": "male", "trai": "male",
    "nu": "female", "f": "female", "female": "female", "gai": "female",
}  # fmt: skip


def parse_sex(value: Any) -> str | None:
    """Read Nam / Nữ."""
    text = cell_text(value, limit=20)
    if text is None:
        return None
    sex = SEX_WORDS.get(fold_word(text))
    if sex is None:
        raise CellError(_("phải là Nam hoặc Nữ."))
    return sex


def _words(table: dict[str, tuple[str, ...]], field: str | None = None) -> dict[str, str]:
    """Map each folded word to its value; a field's labels (what exports write) read back too."""
    found = {word: value for value, words in table.items() for word in (value, *words)}
    for value, text in LABELS.get(field or "", {}).items():
        found.setdefault(fold_word(text), value)
    return found


RELATIONSHIP_WORDS = _words(
    {
        "head": ("chu ho",),
        "spouse": ("vo", "chong", "vo/chong", "vo chong", "vo hoac chong"),
        "child": ("con", "con de", "con ruot", "con trai", "con gai", "con nuoi"),
        "parent": ("bo", "me", "cha", "bo de", "me de", "cha de", "bo/me", "cha/me", "bo me"),
        "grandchild": ("chau", "chau noi", "chau ngoai"),
        "sibling": (
            "anh", "chi", "em", "anh trai", "chi gai", "em trai", "em gai", "anh ruot",
            "chi ruot", "em ruot", "anh/chi/em", "anh chi em",
        ),
        "other": ("khac", "quan he khac"),
    },
    "relationship",
)  # fmt: skip


def parse_relationship(value: Any) -> tuple[str | None, str | None]:
    """Read the relationship to the head; answer (value, note). Other words become 'other'."""
    text = cell_text(value, limit=60)
    if text is None:
        return None, None
    found = RELATIONSHIP_WORDS.get(fold_word(text))
    if found is not None:
        return found, None
    return "other", _("Quan hệ '%(value)s' được ghi là Khác.", value=text)


def relationship_label(
    relationship: str | None, sex: str | None, name: Callable[[str, str], str] = vietnamese
) -> str | None:
    """Write a relationship the way the import reads it back (a spouse or parent by sex)."""
    if relationship is None:
        return None
    if relationship in ("spouse", "parent") and sex in ("male", "female"):
        return name("relationship_by_sex", f"{relationship}_{sex}")
    if relationship not in LABELS["relationship"]:
        relationship = "other"
    return name("relationship", relationship)


def status_label(field: str, value: str | None) -> str | None:
    """Write a presence, ID-card or e-ID status (or a sex) in the words the import reads."""
    return vietnamese(field, value) if value else None


STATUS_WORDS: dict[str, dict[str, str]] = {
    "presence": _words(
        {
            "present": ("co mat", "thuong tru", "dang o"),
            "away_working": ("di lam an xa", "di lam xa", "lam an xa", "di lam an"),
            "away_other": ("vang mat khac", "vang mat", "di vang", "vang", "tam vang"),
            "moved": ("da chuyen di", "chuyen di", "chuyen khau"),
            "deceased": ("da mat", "chet", "da chet", "tu vong", "da tu vong"),
        },
        "presence",
    ),
    "id_card": _words(
        {
            "not_collected": ("chua thu nhan", "chua", "chua co", "chua lam", "chua cap"),
            "collected": ("da thu nhan", "da thu nhan ho so", "da nop ho so", "cho cap"),
            "issued": ("da cap", "da cap the", "da co the", "da co", "co"),
        },
        "id_card",
    ),
    "eid": _words(
        {
            "none": ("chua co", "chua", "khong", "chua dang ky", "chua co tai khoan"),
            "level1": ("muc 1", "muc do 1", "da co muc 1", "da kich hoat muc 1"),
            "level2_applied": ("da nop muc 2", "da dang ky muc 2", "cho duyet muc 2"),
            "level2_active": ("da kich hoat muc 2", "muc 2", "muc do 2", "da co muc 2"),
        },
        "eid",
    ),
}


# Residence status (labels "Thường trú", "Tạm trú", "Lưu trú" and machine values read too).
STATUS_WORDS["residence"] = _words(
    {
        "permanent": ("thuong tru", "dang ky thuong tru"),
        "temporary": ("tam tru", "dang ky tam tru"),
        "staying": ("luu tru", "o tam", "o ngan ngay"),
    },
    "residence",
)
# A household's kind: a family or a site ("Nhà trọ", "Ký túc xá"…; machine values read too).
STATUS_WORDS["household_kind"] = _words(
    {
        "family": ("ho gia dinh", "gia dinh", "ho"),
        "boarding_house": ("nha tro", "khu tro", "day tro", "phong tro"),
        "dormitory": ("ky tuc xa", "ktx"),
        "company": ("cong ty", "nha may", "doanh nghiep", "xi nghiep"),
        "other_site": ("khac", "noi o khac", "co so khac"),
    },
    "household_kind",
)
# Yes/no cells ("Không thể đi lại"): words, an "x" mark, 1/0, or a spreadsheet's TRUE/FALSE.
YES_WORDS = ("co", "x", "1", "dung", "yes", "true", "khong the di lai", "khong di lai duoc")
NO_WORDS = ("khong", "0", "sai", "no", "false", "di lai duoc", "binh thuong")


def parse_yes_no(value: Any) -> bool | None:
    """Read a yes/no cell; an empty cell says nothing (None)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    text = cell_text(value, limit=40)
    if text is None:
        return None
    folded = fold_word(text)
    if folded in YES_WORDS:
        return True
    if folded in NO_WORDS:
        return False
    raise CellError(_("'%(value)s' không hợp lệ; dùng: có, không.", value=text))


def parse_issue_day(value: Any) -> date | None:
    """Read the day an ID card was issued: a day, not in the future, not before 1990."""
    day = parse_day(value)
    if day is not None and (day.year < 1990 or day > _today()):
        raise CellError(_("ngày cấp thẻ không hợp lý."))
    return day


_DAY_ONLY = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$|^(\d{4})-(\d{1,2})-(\d{1,2})$")


def parse_day(value: Any) -> date | None:
    """Read a day (dd/mm/yyyy, yyyy-mm-dd or an Excel date), e.g. the end of a temporary stay."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = cell_text(value, limit=20) or ""
    match = _DAY_ONLY.match(text)
    if not text:
        return None
    if match is None:
        raise CellError(_("phải là ngày dd/mm/yyyy."))
    day, month, year, y2, m2, d2 = match.groups()
    if y2:
        return _date_or_error(int(y2), int(m2), int(d2))
    return _date_or_error(int(year), int(month), int(day))


def parse_status(field: str, value: Any) -> str | None:
    """Read a presence, ID-card or e-ID status written in words."""
    text = cell_text(value, limit=60)
    if text is None:
        return None
    found = STATUS_WORDS[field].get(fold_word(text))
    if found is None:
        choices = ", ".join(LABELS[field].values())
        raise CellError(
            _("'%(value)s' không hợp lệ; dùng: %(choices)s.", value=text, choices=choices)
        )
    return found


_PHONE_SEPARATORS = re.compile(r"[\s.\-()]")
_PHONE = re.compile(r"^\+?\d{8,15}$")
# A Vietnamese mobile number is 0 and 9 digits starting 3, 5, 7, 8 or 9.
_LOST_ZERO_MOBILE = re.compile(r"^[35789]\d{8}$")


def parse_phone(value: Any) -> tuple[str | None, str | None]:
    """Read a phone number; a mobile number Excel stripped of its leading 0 gets it back."""
    if value is None or value == "":
        return None, None
    if isinstance(value, int | float) and not isinstance(value, bool):
        text = str(int(value)) if float(value).is_integer() else str(value)
    else:
        text = _PHONE_SEPARATORS.sub("", cell_text(value, limit=40) or "")
    if not text:
        return None, None
    if not _PHONE.match(text) or not text.isascii():
        raise CellError(_("không hợp lệ."))
    if _LOST_ZERO_MOBILE.match(text):
        return "0" + text, _("Đã thêm số 0 đầu của số điện thoại.")
    return text, None


def parse_coordinate(value: Any, low: float, high: float) -> float | None:
    """Read a latitude or longitude in decimal degrees (a decimal comma is taken)."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise CellError(_("phải là số thập phân."))
    if isinstance(value, int | float):
        number = float(value)
    else:
        text = (cell_text(value, limit=40) or "").replace(",", ".")
        if not text:
            return None
        try:
            number = float(text)
        except ValueError as exc:
            raise CellError(_("phải là số thập phân.")) from exc
    if not (low <= number <= high):
        raise CellError(_("nằm ngoài Việt Nam (kiểm tra thứ tự vĩ độ, kinh độ)."))
    return number


# Vietnam with its islands, generously.
LAT_RANGE = (6.0, 24.0)
LON_RANGE = (102.0, 118.0)
