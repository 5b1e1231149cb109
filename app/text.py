"""Vietnamese text helpers: folding for search, name normalization, control-character checks,
ID numbers masked wherever they appear in a text.

Pure functions, no Flask and no database, so every domain can use the same rules.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

# đ/Đ is a letter of its own in Unicode (no decomposition), so NFD alone keeps it.
_D_MAP = str.maketrans({"đ": "d", "Đ": "d"})

# Characters after which a name part starts again with a capital: H'Hen Niê, Ksor H'Mưng,
# double-barrelled names with a hyphen.
_NAME_PART_BREAK = re.compile(r"([-'’ʼ])")

# Control characters (Unicode category Cc: C0, DEL, C1) but tab, line feed and carriage
# return, which are ordinary text; and the surrogates (Cs).
_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")

# A 12-digit run standing alone: an ID number (căn cước) wherever it appears in a text.
TWELVE_DIGITS = re.compile(r"(?<!\d)\d{12}(?!\d)")


def _strip_marks(s: str) -> str:
    """Return s decomposed (NFD) without its combining marks."""
    return "".join(ch for ch in unicodedata.normalize("NFD", s) if not unicodedata.combining(ch))


def fold(s: str) -> str:
    """Fold s for diacritic-insensitive matching: lowercase, no marks, đ -> d, single spaces."""
    # Lowercase on both sides of mark removal: lowercasing can add marks (İ -> i + U+0307) and
    # removing marks can expose a base letter that still has a lowercase form.
    folded = _strip_marks(s.lower().translate(_D_MAP)).lower().translate(_D_MAP)
    folded = _strip_marks(folded)
    return " ".join(folded.split())


def _capitalize_part(part: str) -> str:
    """Return one name part with its first letter capital and the rest lowercase."""
    first = part[:1]
    upper = first.upper()
    # A letter whose capital is two letters (ß -> SS) keeps its form, so the result is stable.
    return (upper if len(upper) == 1 else first) + part[1:].lower()


def _capitalize_word(word: str) -> str:
    """Capitalize every hyphen- or apostrophe-separated part of one word."""
    return "".join(_capitalize_part(p) for p in _NAME_PART_BREAK.split(word))


def normalize_name(s: str) -> str:
    """Normalize a person's name: NFC, single spaces, each word capitalized (Hồ Văn Nhờ)."""
    words = unicodedata.normalize("NFC", s).split()
    # Case mapping can leave a decomposed sequence (e.g. for a few non-Vietnamese letters),
    # so compose once more at the end.
    return unicodedata.normalize("NFC", " ".join(_capitalize_word(w) for w in words))


def has_control_chars(s: str) -> bool:
    """Tell whether s holds a control character (C0, DEL or C1) other than tab, LF or CR, or
    a lone surrogate (JSON allows "\\ud800"; no UTF-8 text, nor the database, can hold it)."""
    return _CONTROLS.search(s) is not None


def without_controls(s: str) -> str:
    """s with each control character (as `has_control_chars` finds them) replaced by U+FFFD:
    a hostile value kept for the record (an attempted username) that no database refuses."""
    return _CONTROLS.sub("\ufffd", s)


def ascii_digits(s: str) -> bool:
    """Tell whether s is a non-empty run of the digits 0-9 only: `str.isdigit` is true of
    "²" and other digits `int()` refuses."""
    return s.isascii() and s.isdigit()


def masked_twelve(digits: str) -> str:
    """A 12-digit ID number as every answer shows it: its last 4 digits (********0123)."""
    return "*" * 8 + digits[-4:]


def masked_id_numbers(value: Any) -> Any:
    """A value (text, or JSON: dicts and lists of them) with every 12-digit ID number in it
    masked to its last 4 digits (`masked_twelve`)."""
    if isinstance(value, str):
        return TWELVE_DIGITS.sub(lambda m: masked_twelve(m.group(0)), value)
    if isinstance(value, dict):
        return {k: masked_id_numbers(v) for k, v in value.items()}
    if isinstance(value, list):
        return [masked_id_numbers(v) for v in value]
    return value
