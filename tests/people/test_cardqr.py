"""Reading the text of the ID card's QR code: real-format strings, tolerant, clear refusals."""

from __future__ import annotations

import unicodedata
from datetime import date

import pytest

from app.people.cardqr import CardQrError, parse_card_qr

ADDRESS = "Thôn 1, Xã Nam Đông, Huyện Nam Đông, Thừa Thiên Huế"
STANDARD = f"046068000123|183456789|Hồ Văn Nhờ|02031968|Nam|{ADDRESS}|15042021"


def test_the_standard_seven_fields():
    card = parse_card_qr(STANDARD)
    assert card.as_dict() == {
        "id_number": "046068000123",
        "old_id_number": "183456789",
        "full_name": "Hồ Văn Nhờ",
        "date_of_birth": "1968-03-02",
        "sex": "male",
        "address": ADDRESS,
        "card_issued_on": "2021-04-15",
    }


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # No old number: its slot is empty.
        (
            "079301004321||Nguyễn Thị Ngọc Ánh|17112001|Nữ|12 Lê Lợi, Phường Bến Nghé, Quận 1,"
            " TP Hồ Chí Minh|10052022",
            {"old_id_number": None, "sex": "female", "date_of_birth": date(2001, 11, 17)},
        ),
        # A reader that drops the old number's slot: six fields.
        (
            "001095012345|Trần Minh Quân|05061995|Nam|Số 5 ngõ 12 Phố Huế, Hà Nội|20082021",
            {"old_id_number": None, "full_name": "Trần Minh Quân"},
        ),
        # The byte-order mark, spaces and line break a scanner adds around the text.
        (
            f"\ufeff  {STANDARD}\r\n",
            {"id_number": "046068000123", "card_issued_on": date(2021, 4, 15)},
        ),
        # Extra trailing fields (a later card) and a trailing separator.
        (
            f"{STANDARD}|01072034|Kinh||",
            {"card_issued_on": date(2021, 4, 15), "address": ADDRESS},
        ),
        # Names in capitals or decomposed (NFD) come out composed and capitalised.
        (
            unicodedata.normalize(
                "NFD", "046168000777||HỒ THỊ   MAI|01011968|NỮ|Thôn 2, Nam Đông|01022022"
            ),
            {"full_name": "Hồ Thị Mai", "sex": "female", "address": "Thôn 2, Nam Đông"},
        ),
        # A 12-digit old number (an earlier 12-digit card) and dates with slashes.
        (
            "046068000123|046068000111|Hồ Văn Nhờ|02/03/1968|Nam|Nam Đông|15/04/2021",
            {"old_id_number": "046068000111", "date_of_birth": date(1968, 3, 2)},
        ),
        # No issue date at all.
        (
            "046068000123||Hồ Văn Nhờ|02031968|Nam|Nam Đông",
            {"card_issued_on": None},
        ),
    ],
)
def test_tolerated_layouts(text, expected):
    card = parse_card_qr(text)
    for name, value in expected.items():
        assert getattr(card, name) == value, name
    assert unicodedata.is_normalized("NFC", card.full_name)
    assert unicodedata.is_normalized("NFC", card.address)


@pytest.mark.parametrize(
    ("text", "field", "words"),
    [
        ("", "qr", "trống"),
        ("   \n", "qr", "trống"),
        ("046068000123;183456789;Hồ Văn Nhờ;02031968;Nam;Nam Đông;15042021", "qr", "dấu |"),
        ("04606800012|183456789|Hồ Văn Nhờ|02031968|Nam|Nam Đông|15042021", "id_number", "11"),
        ("046068000123||Hồ Văn Nhờ|31022000|Nam|Nam Đông|15042021", "date_of_birth", "31022000"),
        ("046068000123||Hồ Văn Nhờ|2000|Nam|Nam Đông|15042021", "date_of_birth", "ddmmyyyy"),
        ("046068000123||Hồ Văn Nhờ|02031968", "sex", "giới tính"),
        ("046068000123||Hồ Văn Nhờ|02031968|Nam", "address", "nơi thường trú"),
        ("046068000123|", "full_name", "họ và tên"),
        ("046068000123||Hồ Văn Nhờ|02031968|Khác|Nam Đông|15042021", "sex", "Nam hoặc Nữ"),
        ("046068000123|1234|Hồ Văn Nhờ|02031968|Nam|Nam Đông|15042021", "old_id_number", "9"),
        ("046068000123||Hồ Văn Nhờ|02031968|Nam|Nam Đông|30022021", "card_issued_on", "Ngày cấp"),
        ("046068000123||Hồ Văn Nhờ|02031968|Nam|Nam Đông|01011960", "card_issued_on", "trước"),
        ("\x00\x01\x02\x89PNG|\x1a", "qr", "ký tự lạ"),
        (b"\xff\xfe\x00garbage", "qr", "không phải văn bản"),
        ("https://example.com/?q=1", "qr", "dấu |"),
        ("x" * 2000, "qr", "quá dài"),
        (None, "qr", "không phải văn bản"),
    ],
)
def test_malformed_texts_name_what_is_wrong(text, field, words):
    with pytest.raises(CardQrError) as caught:
        parse_card_qr(text)
    assert caught.value.field == field
    assert words in str(caught.value)


def test_bytes_in_utf8_are_read():
    assert parse_card_qr(STANDARD.encode("utf-8")).full_name == "Hồ Văn Nhờ"
