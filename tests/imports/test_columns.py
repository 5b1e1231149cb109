"""Reading cells and headers; old addresses converted offline (never the network)."""

from __future__ import annotations

import socket
from datetime import date, datetime

import pytest

from app.imports import addresses, cells
from app.imports import columns as col
from app.labels import LABELS


@pytest.mark.parametrize(
    ("header", "key"),
    [
        ("Số hộ", "household_code"),
        ("MÃ HỘ", "household_code"),
        ("so ho", "household_code"),
        ("Họ và tên (*)", "full_name"),
        ("Ngày sinh (dd/mm/yyyy)", "date_of_birth"),
        ("Số CCCD:", "id_number"),
        ("So dinh danh", "id_number"),
        ("Quan hệ với chủ hộ", "relationship"),
        ("Tổ dân phố", "hamlet"),
        ("Ấp", "hamlet"),
        ("Bản", "hamlet"),
        ("Thôn/Tổ", "hamlet"),
        ("Vĩ độ", "lat"),
        ("Tình trạng CCCD", "id_card"),
        ("vneid", "eid"),
        ("STT", None),
        ("Ghi chú", None),
    ],
)
def test_headers_with_or_without_diacritics(header, key):
    assert col.column_key(header)[0] == key


def test_hamlet_header_gives_the_kind():
    assert col.column_key("Tổ dân phố") == ("hamlet", "tổ dân phố")
    assert col.column_key("Thôn, bản") == ("hamlet", "")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("02/03/1968", (date(1968, 3, 2), 1968)),
        ("2/3/1968", (date(1968, 3, 2), 1968)),
        ("02-03-1968", (date(1968, 3, 2), 1968)),
        ("1968-03-02", (date(1968, 3, 2), 1968)),
        ("1968", (None, 1968)),
        (1968, (None, 1968)),
        ("00/00/1968", (None, 1968)),
        ("03/1968", (None, 1968)),
        (datetime(1968, 3, 2), (date(1968, 3, 2), 1968)),
        (25000, (date(1968, 6, 11), 1968)),  # an Excel serial without a date format
        (None, (None, None)),
        ("", (None, None)),
    ],
)
def test_dates_of_birth(value, expected):
    assert cells.parse_birth(value) == expected


@pytest.mark.parametrize("value", ["30/02/1990", "1879", "2099", "01/01/2999", "ngày 2", 12.5])
def test_bad_dates(value):
    with pytest.raises(cells.CellError):
        cells.parse_birth(value)


def test_id_numbers():
    assert cells.parse_id_number("046 068 000 123") == ("046068000123", None)
    assert cells.parse_id_number("046.068.000.123")[0] == "046068000123"
    number, note = cells.parse_id_number(46068000123)
    assert number == "046068000123" and "số 0" in note
    assert cells.parse_id_number(1068000123)[0] == "001068000123"
    for bad in ("04606800012", "0460680001234", "046O68000123", "123456789", 99068000123):
        with pytest.raises(cells.CellError):
            cells.parse_id_number(bad)
    with pytest.raises(cells.CellError, match="số mũ"):
        cells.parse_id_number("4,6068E+10")


def test_sex_relationship_statuses_phone():
    assert cells.parse_sex("NỮ") == "female" and cells.parse_sex("nam") == "male"
    assert cells.parse_relationship("Vợ") == ("spouse", None)
    assert cells.parse_relationship("con gái") == ("child", None)
    assert cells.parse_relationship("Cháu nội") == ("grandchild", None)
    assert cells.parse_relationship("Con dâu")[0] == "other"
    assert cells.parse_status("eid", "Đã kích hoạt mức 2") == "level2_active"
    assert cells.parse_status("id_card", "đã cấp thẻ") == "issued"
    assert cells.parse_status("presence", "Đi làm ăn xa") == "away_working"
    assert cells.parse_phone("0912.345.678") == ("0912345678", None)
    assert cells.parse_phone(912345678)[0] == "0912345678"
    with pytest.raises(cells.CellError):
        cells.parse_phone("12ab")


def test_labels_read_back():
    for field in ("presence", "id_card", "eid"):
        for value in LABELS[field]:
            assert cells.parse_status(field, cells.status_label(field, value)) == value
    for value in LABELS["sex"]:
        assert cells.parse_sex(cells.status_label("sex", value)) == value
    for relationship in ("head", "spouse", "child", "parent", "grandchild", "sibling", "other"):
        for sex in ("male", "female", None):
            label = cells.relationship_label(relationship, sex)
            assert cells.parse_relationship(label) == (relationship, None)
    assert cells.parse_birth(cells.format_birth(date(2001, 9, 2), 2001)) == (date(2001, 9, 2), 2001)


def test_cells_refuse_formulas_and_excel_errors():
    with pytest.raises(cells.CellError):
        cells.check_cell("=1+1")
    with pytest.raises(cells.CellError):
        cells.check_cell(" =cmd|'/C calc'!A0")
    with pytest.raises(cells.CellError):
        cells.check_cell("#N/A")
    cells.check_cell("+84 912 345 678")
    with pytest.raises(cells.CellError):
        cells.cell_text("a\x07b")


@pytest.fixture
def offline(monkeypatch):
    """Fail any network use, and the package's geocoder in particular."""

    def refuse(*args, **kwargs):
        raise AssertionError("network used")

    from vietnamadminunits.converter import converter_2025
    from vietnamadminunits.parser import utils

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(utils, "get_geo_location", refuse)
    monkeypatch.setattr(converter_2025, "get_geo_location", refuse)
    addresses._convert_tail.cache_clear()


def test_old_addresses_become_todays_commune(offline):
    done = addresses.convert_old_address(
        "Thôn 2, xã Hương Sơn, huyện Nam Đông, tỉnh Thừa Thiên Huế", "20179"
    )
    assert done.new == "Thôn 2, Xã Nam Đông, Thành phố Huế" and done.commune_code == "20179"
    lower = addresses.convert_old_address(
        "thon 4, xa thuong nhat, huyen nam dong, thua thien hue", "20179"
    )
    assert lower.commune_code == "20179"
    township = addresses.convert_old_address(
        "Tổ 3, thị trấn Khe Tre, huyện Nam Đông, Thừa Thiên Huế", "20179"
    )
    assert township.commune_code == "20161"  # xã Khe Tre, not the importing commune
    assert addresses.convert_old_address("Thôn 3, xã Nam Đông, thành phố Huế", "20179") is None
    unknown = addresses.convert_old_address("xóm 1, huyện Không Có", "20179")
    assert unknown.commune_code is None and unknown.new == "xóm 1, huyện Không Có"


def test_split_ward_goes_to_the_importing_commune_without_geocoding(offline):
    """Old xã Tân Thạnh (Thới Lai, Cần Thơ) was split; with a street the package would geocode."""
    old = "Ấp Thới Thạnh, xã Tân Thạnh, huyện Thới Lai, thành phố Cần Thơ"
    assert addresses.convert_old_address(old, "31666").commune_code == "31666"
    assert addresses.convert_old_address(old, "20179").commune_code == "31288"  # the default
