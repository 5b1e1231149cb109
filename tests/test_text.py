"""Vietnamese text helpers: folding, name normalization, control characters."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.text import fold, has_control_chars, normalize_name

# Every Vietnamese letter, lower and upper case, with every tone mark.
_BASES = "aăâeêioôơuưy"
_TONES = ("", "\u0300", "\u0301", "\u0303", "\u0309", "\u0323")
VIETNAMESE_VOWELS = "".join(
    unicodedata.normalize("NFC", base + tone) for base in _BASES for tone in _TONES
)
VIETNAMESE_LETTERS = (
    VIETNAMESE_VOWELS + VIETNAMESE_VOWELS.upper() + "bcdđghklmnpqrstvx" + "BCDĐGHKLMNPQRSTVX"
)
vietnamese_text = st.text(alphabet=VIETNAMESE_LETTERS + " \t\n", max_size=60)
vietnamese_words = st.lists(
    st.text(alphabet=VIETNAMESE_LETTERS, min_size=1, max_size=8), min_size=1, max_size=5
)


@pytest.mark.parametrize(
    ("raw", "folded"),
    [
        ("Nguyễn Văn", "nguyen van"),
        ("ĐẶNG thị  Đào", "dang thi dao"),
        ("  Hồ\tVăn\nNhờ ", "ho van nho"),
        ("Thừa Thiên Huế", "thua thien hue"),
        ("Đắk Lắk", "dak lak"),
        ("Hòa", "hoa"),
        ("Hoà", "hoa"),  # old-style tone placement folds the same
        ("Nguye\u0302\u0303n", "nguyen"),  # decomposed input (NFD keyboards)
        ("", ""),
        ("123 Lê Lợi", "123 le loi"),
    ],
)
def test_fold_examples(raw: str, folded: str) -> None:
    assert fold(raw) == folded


def test_fold_finds_a_name_by_its_plain_prefix() -> None:
    assert fold("Nguyễn Văn An").startswith(fold("nguyen van"))
    assert fold("nguyen van") in fold("Trần Nguyễn Văn Bình")


@given(st.text())
def test_fold_is_idempotent(s: str) -> None:
    assert fold(fold(s)) == fold(s)


@given(st.text())
def test_fold_has_single_spaces_and_no_upper_case(s: str) -> None:
    folded = fold(s)
    assert folded == folded.strip()
    assert "  " not in folded
    assert not any(ch.isspace() and ch != " " for ch in folded)
    assert folded == folded.lower()


@given(vietnamese_text)
def test_fold_of_vietnamese_is_ascii(s: str) -> None:
    folded = fold(s)
    assert folded.isascii()
    assert len(folded.replace(" ", "")) == len("".join(s.split()))


@given(vietnamese_text)
def test_fold_ignores_case_and_normal_form(s: str) -> None:
    expected = fold(s)
    assert fold(s.upper()) == expected
    assert fold(unicodedata.normalize("NFD", s)) == expected
    assert fold(unicodedata.normalize("NFC", s)) == expected


@pytest.mark.parametrize(
    ("raw", "normalized"),
    [
        ("hồ văn nhờ", "Hồ Văn Nhờ"),
        ("  NGUYỄN   THỊ  ĐÀO ", "Nguyễn Thị Đào"),
        ("đặng văn đức", "Đặng Văn Đức"),
        ("h'hen niê", "H'Hen Niê"),
        ("KSOR H’MƯNG", "Ksor H’Mưng"),
        ("lê-trần anh", "Lê-Trần Anh"),
        ("Nguye\u0302\u0303n văn a", "Nguyễn Văn A"),
        ("", ""),
    ],
)
def test_normalize_name_examples(raw: str, normalized: str) -> None:
    assert normalize_name(raw) == normalized


@given(st.text())
def test_normalize_name_is_idempotent_and_nfc(s: str) -> None:
    once = normalize_name(s)
    assert normalize_name(once) == once
    assert unicodedata.is_normalized("NFC", once)
    assert once == once.strip()
    assert "  " not in once


@given(vietnamese_words)
def test_normalize_name_capitalizes_each_word_and_keeps_letters(words: list[str]) -> None:
    name = normalize_name(" ".join(words))
    parts = name.split(" ")
    assert len(parts) == len(words)
    assert all(part[0].isupper() and part[1:] == part[1:].lower() for part in parts)
    assert fold(name) == fold(" ".join(words))


@pytest.mark.parametrize("ch", ["\x00", "\x07", "\x1b", "\x7f", "\x85", "\x9f", "\ud800", "\udfff"])
def test_control_chars_are_found(ch: str) -> None:
    assert has_control_chars(f"Nguyễn{ch}Văn")


@pytest.mark.parametrize("s", ["", "Nguyễn Văn A", "dòng 1\ndòng 2\r\n\tthụt lề", "Đ ơ ư ₫ 😀"])
def test_ordinary_text_has_no_control_chars(s: str) -> None:
    assert not has_control_chars(s)


@given(st.text())
def test_has_control_chars_matches_unicode_category(s: str) -> None:
    expected = any(
        unicodedata.category(ch) == "Cs"
        or (unicodedata.category(ch) == "Cc" and ch not in "\t\n\r")
        for ch in s
    )
    assert has_control_chars(s) is expected


def test_has_control_chars_agrees_with_unicode_on_every_code_point() -> None:
    """The pattern names the characters it refuses; Unicode's categories say which they are."""
    disagree = [
        point
        for point in range(0x110000)
        if has_control_chars(chr(point))
        is not (
            unicodedata.category(chr(point)) == "Cs"
            or (unicodedata.category(chr(point)) == "Cc" and chr(point) not in "\t\n\r")
        )
    ]
    assert disagree == []
