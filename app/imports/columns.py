"""The household list's columns: Vietnamese headers, folding, names (cells are in cells.py).

The same headers are written by the visit-list export, so an exported sheet imports unchanged.
Headers are matched folded (no diacritics, any case, `đ` = `d`), in any order; a note in
brackets or a trailing `*` / `:` is ignored ("Ngày sinh (dd/mm/yyyy)").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from app.text import fold, normalize_name
from app.units.models import HAMLET_KINDS


@dataclass(frozen=True)
class Column:
    """One column of the household list: its field, its header and the headers it also takes."""

    key: str
    header: str
    aliases: tuple[str, ...] = ()


COLUMNS: tuple[Column, ...] = (
    Column("household_code", "Số hộ", ("ma ho", "so ho khau", "ma ho gia dinh", "ma so ho")),
    Column("head_name", "Chủ hộ", ("ho ten chu ho", "ten chu ho", "ho va ten chu ho")),
    Column("relationship", "Quan hệ với chủ hộ", ("quan he", "quan he chu ho", "qh voi chu ho")),
    Column("full_name", "Họ và tên", ("ho ten", "ho va ten cong dan", "ten cong dan")),
    Column(
        "date_of_birth", "Ngày sinh", ("ngay thang nam sinh", "nam sinh", "ngay, thang, nam sinh")
    ),
    Column("sex", "Giới tính", ("gioi",)),
    Column(
        "id_number",
        "Số định danh",
        (
            "so dinh danh ca nhan",
            "so cccd",
            "cccd",
            "so can cuoc",
            "so the can cuoc",
            "ma dinh danh",
        ),
    ),
    Column("ethnicity", "Dân tộc", ()),
    Column("birthplace", "Nơi sinh", ("noi dang ky khai sinh", "que quan")),
    Column("address", "Địa chỉ", ("dia chi thuong tru", "noi o hien tai")),
    Column("hamlet", "Thôn", ()),  # any hamlet kind, see hamlet_kind_of_header
    Column("lat", "Vĩ độ", ("lat", "latitude")),
    Column("lon", "Kinh độ", ("lon", "lng", "longitude")),
    Column("phone", "Số điện thoại", ("dien thoai", "sdt", "so dt")),
    Column("presence", "Hiện trạng", ("tinh trang cu tru", "hien trang cu tru")),
    Column(
        "id_card",
        "Tình trạng CCCD",
        ("tinh trang the can cuoc", "the can cuoc", "the cccd", "tinh trang can cuoc"),
    ),
    Column(
        "eid",
        "VNeID",
        ("tai khoan vneid", "tinh trang vneid", "muc vneid", "dinh danh dien tu"),
    ),
    Column("kind", "Loại hộ", ("loai co so", "loai noi o")),
    Column("site_name", "Tên cơ sở", ("ten nha tro", "ten khu tro", "ten cong ty", "co so")),
    Column("residence", "Diện cư trú", ("tinh trang dang ky cu tru", "loai cu tru", "cu tru")),
    Column("home_address", "Nơi thường trú", ("que thuong tru", "dia chi que")),
    Column(
        "residence_until", "Tạm trú đến", ("thoi han tam tru", "tam tru den ngay", "han tam tru")
    ),
    Column("room", "Phòng", ("so phong", "phong tro")),
    Column(
        "unable_to_travel",
        "Không thể đi lại",
        ("khong di lai duoc", "khong the di chuyen", "khong tu di lai", "thu nhan tai nha"),
    ),
    Column(
        "card_issued_on", "Ngày cấp thẻ", ("ngay cap", "ngay cap cccd", "ngay cap the can cuoc")
    ),
)
REQUIRED = ("household_code", "full_name", "hamlet")
HEADERS: dict[str, str] = {c.key: c.header for c in COLUMNS}
# Precomposed Latin letters (Vietnamese included) folded one by one: folding a string of them
# letter by letter gives what app.text.fold gives, many times faster; anything else (another
# script, a combining mark) falls back to app.text.fold.
_FOLD_TABLE = {
    cp: fold(chr(cp))
    for cp in (*range(0x41, 0x5B), *range(0xC0, 0x250), *range(0x1E00, 0x1F00))
    if fold(chr(cp)) != chr(cp)
}


def fast_fold(text: str) -> str:
    """Fold like app.text.fold (the same result), fast for Vietnamese text."""
    folded = text.translate(_FOLD_TABLE)
    if folded.isascii():
        return " ".join(folded.split())
    return fold(text)


@lru_cache(maxsize=65536)
def _name_word(word: str) -> str:
    return normalize_name(word)


def person_name(text: str) -> str:
    """Normalize a name like app.text.normalize_name, word by word from a cache (NFC input)."""
    return " ".join(_name_word(word) for word in text.split())


@lru_cache(maxsize=4096)
def fold_word(text: str) -> str:
    """Fold a short, often repeated value (a status, a sex, a place), remembered."""
    return fast_fold(text)


_BY_HEADER: dict[str, str] = {}
for _column in COLUMNS:
    _BY_HEADER[fold(_column.header)] = _column.key
    for _alias in _column.aliases:
        _BY_HEADER[_alias] = _column.key

# Folded hamlet kinds, with the short forms people write ("Tổ", "TDP", "KP").
KIND_BY_FOLD: dict[str, str] = {
    **{fold(kind): kind for kind in HAMLET_KINDS},
    "to": "tổ dân phố",
    "tdp": "tổ dân phố",
    "kp": "khu phố",
}
_NOTE = re.compile(r"\(.*?\)|\[.*?\]")
_HEADER_SPLIT = re.compile(r"\s*[/,;]\s*|\s+-\s+|\s+hoac\s+")


def normalize_header(value: Any) -> str:
    """Fold a header cell for matching: no notes in brackets, no trailing marks."""
    if value is None:
        return ""
    text = fold(_NOTE.sub(" ", str(value)))
    return text.strip(" *:.#")


def hamlet_kind_of_header(folded: str) -> str | None:
    """Return the hamlet kind a header names ("Tổ dân phố" -> "tổ dân phố"), "" for a mix."""
    parts = [p for p in _HEADER_SPLIT.split(folded) if p]
    kinds = [KIND_BY_FOLD.get(p) for p in parts]
    if not parts or any(k is None for k in kinds):
        return None
    return kinds[0] if len(kinds) == 1 else ""


def column_key(value: Any) -> tuple[str | None, str | None]:
    """Return (field key, hamlet kind) of a header cell, or (None, None) when unknown."""
    folded = normalize_header(value)
    if not folded:
        return None, None
    kind = hamlet_kind_of_header(folded)
    if kind is not None:
        return "hamlet", kind
    return _BY_HEADER.get(folded), None
