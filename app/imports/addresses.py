"""Addresses still written with the pre-2025 units, converted to today's commune, offline.

An address is "old" when it names a district (huyện, quận, thị xã, a district-level city
before its province) or a township (thị trấn): those levels went away on 1 July 2025. Its
administrative tail ("xã Hương Sơn, huyện Nam Đông, tỉnh Thừa Thiên Huế") is parsed by
vietnamadminunits' offline parser and mapped with its bundled conversion tables; the rest
("Thôn 2") is kept. vietnamadminunits' own `convert_address` is NOT used: when an old ward was
split between several new ones it asks ArcGIS over the network. Here a split ward goes to the
importing commune when it is one of the candidates, else to the package's default new ward.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from app.imports.columns import fast_fold

# Administrative words that start the tail of an address, folded.
_ADMIN = re.compile(
    r"^(xa|phuong|thi tran|tt|huyen|quan|thi xa|tx|tinh|thanh pho|tp|h|q|p|x)(\s|\.|$)"
)
_DISTRICT = re.compile(r"^(huyen|quan|thi xa|tx|thi tran|tt|h\.|q\.)(\s|\.|$)")
_CITY = re.compile(r"^(thanh pho|tp)(\s|\.|$)")
_PROVINCE = re.compile(r"^(tinh|thanh pho|tp)(\s|\.|$)")


@dataclass(frozen=True)
class Conversion:
    """An old address and what it is now."""

    old: str
    new: str
    commune_code: str | None
    commune_name: str | None
    province_name: str | None


def _tail_start(parts: list[str]) -> int | None:
    """Return where the administrative tail of comma-separated parts starts."""
    for index, part in enumerate(parts):
        if _ADMIN.match(fast_fold(part)):
            return index
    return None


def is_old_address(address: str) -> bool:
    """Tell whether an address names a district or township (units gone since 2025)."""
    folded = [fast_fold(p) for p in address.split(",") if p.strip()]
    for index, part in enumerate(folded):
        if _DISTRICT.match(part):
            return True
        if _CITY.match(part) and any(_PROVINCE.match(p) for p in folded[index + 1 :]):
            return True
    return False


@lru_cache(maxsize=1)
def _tables():
    # Imported late: the package reads several MB of JSON on import.
    from vietnamadminunits.converter import converter_2025
    from vietnamadminunits.parser.parser_from_2025 import parse_address_from_2025
    from vietnamadminunits.parser.parser_legacy import parse_address_legacy

    return converter_2025, parse_address_legacy, parse_address_from_2025


@lru_cache(maxsize=4096)
def _convert_tail(tail: str, commune_code: str) -> tuple[str, str, str] | None:
    """Map an old administrative tail to (new commune name, code, province name)."""
    tables, parse_legacy, parse_new = _tables()
    old = parse_legacy(tail, keep_street=False, level=3)
    if not old.province_key or not old.ward_key:
        return None
    province_key = next(
        (key for key, olds in tables.DICT_PROVINCE.items() if old.province_key in olds), None
    )
    if province_key is None:
        return None
    key = f"{old.province_key}_{old.district_key}_{old.ward_key}"
    wards = tables.DICT_PROVINCE_WARD_NO_DIVIDED.get(province_key, {})
    ward_key = next((new for new, olds in wards.items() if key in olds), None)
    if ward_key is None:
        candidates = tables.DICT_PROVINCE_WARD_DIVIDED.get(province_key, {}).get(key, [])
        default = None
        for candidate in candidates:
            unit = parse_new(f"{candidate['newWardKey']},{province_key}", keep_street=False)
            if unit.ward_code == commune_code:
                ward_key = candidate["newWardKey"]
                break
            if candidate.get("isDefaultNewWard"):
                default = candidate["newWardKey"]
        ward_key = ward_key or default
    if ward_key is None:
        return None
    new = parse_new(f"{ward_key},{province_key}", keep_street=False, level=2)
    if not new.ward:
        return None
    return new.ward, new.ward_code, new.province


def convert_old_address(address: str, commune_code: str) -> Conversion | None:
    """Rewrite an old address with today's commune and province; None when it is not old.

    A tail that cannot be mapped answers a Conversion with no commune (the address is kept).
    """
    if not is_old_address(address):
        return None
    parts = [p.strip() for p in address.split(",") if p.strip()]
    start = _tail_start(parts)
    if start is None:
        return Conversion(address, address, None, None, None)
    tail = ", ".join(parts[start:])
    mapped = _convert_tail(tail, commune_code)
    if mapped is None:
        return Conversion(address, address, None, None, None)
    name, code, province = mapped
    new = ", ".join([*parts[:start], name, province])
    return Conversion(address, new, code, name, province)
