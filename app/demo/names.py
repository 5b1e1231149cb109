"""Name tables and pickers for the Kinh and Cơ Tu residents of the demo commune."""

from __future__ import annotations

import random
import unicodedata

# Kinh family names, weighted roughly as in Thừa Thiên Huế (Hồ, Võ, Phan are common there).
KINH_FAMILY: tuple[tuple[str, int], ...] = (
    ("Nguyễn", 30),
    ("Trần", 10),
    ("Lê", 10),
    ("Hồ", 8),
    ("Phan", 6),
    ("Võ", 6),
    ("Phạm", 5),
    ("Hoàng", 5),
    ("Huỳnh", 3),
    ("Trương", 3),
    ("Đặng", 3),
    ("Bùi", 3),
    ("Đỗ", 3),
    ("Ngô", 3),
    ("Dương", 2),
    ("Đinh", 2),
    ("Lý", 1),
    ("Mai", 1),
    ("Tôn Thất", 1),
)

# Cơ Tu family (clan) names; many Cơ Tu families in Nam Đông are registered as Hồ.
COTU_FAMILY: tuple[tuple[str, int], ...] = (
    ("Hồ", 40),
    ("Alăng", 6),
    ("A Lăng", 3),
    ("Bhling", 6),
    ("Pơloong", 5),
    ("Zơrâm", 5),
    ("Zơ Râm", 2),
    ("Ríah", 3),
    ("Coor", 4),
    ("Clâu", 4),
    ("Arất", 4),
    ("Tơngôl", 3),
    ("Bríu", 4),
    ("A Viết", 3),
)

# Given names by generation: born before 1960, 1960–1994, from 1995.
KINH_GIVEN: dict[str, dict[str, tuple[str, ...]]] = {
    "male": {
        "old": (
            "Sáu",
            "Bảy",
            "Tám",
            "Lự",
            "Cảnh",
            "Thìn",
            "Tý",
            "Ngọ",
            "Xuân",
            "Đông",
            "Hòa",
            "Bình",
            "Lộc",
            "Phúc",
            "Thọ",
            "Khiêm",
            "Đức",
            "Hiền",
            "Liêm",
            "Chắt",
            "Cư",
        ),
        "mid": (
            "Hùng",
            "Dũng",
            "Tuấn",
            "Minh",
            "Nam",
            "Hải",
            "Long",
            "Sơn",
            "Thắng",
            "Lợi",
            "Tài",
            "Cường",
            "Trung",
            "Hiếu",
            "Tâm",
            "Phong",
            "Vinh",
            "Lực",
            "Toàn",
            "Thành",
            "Quang",
            "Hưng",
            "Tú",
            "Sỹ",
            "Nhật",
            "Tuấn Anh",
            "Việt",
            "Hoàng",
            "Khánh",
        ),
        "young": (
            "Khoa",
            "Bảo",
            "Huy",
            "Hoàng",
            "Phúc",
            "Đạt",
            "Nhân",
            "Quý",
            "Khang",
            "Khôi",
            "Duy",
            "Đăng",
            "Kiên",
            "Thịnh",
            "Nguyên",
            "Trí",
            "An",
            "Vũ",
            "Gia Huy",
            "Minh Khang",
            "Bảo Long",
            "Nhật Minh",
            "Quốc Bảo",
            "Tiến",
        ),
    },
    "female": {
        "old": (
            "Lài",
            "Mận",
            "Cúc",
            "Sen",
            "Đào",
            "Lựu",
            "Gái",
            "Nở",
            "Thơm",
            "Hường",
            "Lý",
            "Tư",
            "Sương",
            "Hoa",
            "Lan",
            "Huệ",
            "Mến",
            "Thìn",
            "Cháu",
        ),
        "mid": (
            "Lan",
            "Hoa",
            "Hương",
            "Mai",
            "Nga",
            "Hạnh",
            "Hằng",
            "Thảo",
            "Trang",
            "Nhung",
            "Huyền",
            "Yến",
            "Thủy",
            "Loan",
            "Liên",
            "Tuyết",
            "Phượng",
            "Hiền",
            "Dung",
            "Thu",
            "Hà",
            "Oanh",
            "Ngọc",
            "Diễm",
            "Vân",
        ),
        "young": (
            "Linh",
            "Vy",
            "Anh",
            "Nhi",
            "Giang",
            "My",
            "Diệp",
            "Ngân",
            "Trâm",
            "Thư",
            "Hân",
            "Uyên",
            "Quỳnh",
            "Ngọc Hân",
            "Bảo Ngọc",
            "Khánh Linh",
            "Châu",
            "Như",
            "Thanh Tâm",
            "Hà My",
            "Phương Thảo",
            "Tường Vy",
        ),
    },
}

KINH_MIDDLE: dict[str, dict[str, tuple[tuple[str, int], ...]]] = {
    "male": {
        "old": (("Văn", 85), ("Đức", 5), ("Hữu", 4), ("Công", 3), ("Đình", 3)),
        "mid": (
            ("Văn", 55),
            ("Đức", 8),
            ("Minh", 8),
            ("Hữu", 6),
            ("Quang", 6),
            ("Công", 5),
            ("Đình", 4),
            ("Ngọc", 3),
            ("Xuân", 3),
            ("Thanh", 2),
        ),
        "young": (
            ("Văn", 20),
            ("Minh", 15),
            ("Gia", 10),
            ("Đức", 10),
            ("Quốc", 10),
            ("Anh", 8),
            ("Hoàng", 8),
            ("Nhật", 7),
            ("Bảo", 7),
            ("Đăng", 5),
        ),
    },
    "female": {
        "old": (("Thị", 95), ("Ngọc", 3), ("Thu", 2)),
        "mid": (
            ("Thị", 65),
            ("Ngọc", 8),
            ("Thu", 6),
            ("Thanh", 6),
            ("Kim", 5),
            ("Minh", 4),
            ("Phương", 3),
            ("Hoài", 3),
        ),
        "young": (
            ("Thị", 15),
            ("Ngọc", 15),
            ("Bảo", 12),
            ("Khánh", 12),
            ("Thảo", 10),
            ("Minh", 10),
            ("Phương", 10),
            ("Gia", 8),
            ("Hoài", 8),
        ),
    },
}

# Cơ Tu given names: traditional ones for older people, mixed with Vietnamese ones for younger.
COTU_GIVEN: dict[str, tuple[str, ...]] = {
    "male": (
        "Plênh",
        "Blao",
        "Ngước",
        "Liếc",
        "Pố",
        "Bốc",
        "Hiên",
        "Zoai",
        "Prao",
        "Lượt",
        "Bhơ",
        "Mang",
        "Rất",
        "Chiên",
        "Nhờ",
        "Pướt",
        "Ken",
        "Dầm",
        "Bloóc",
        "Thiết",
        "Crơ",
        "Nhâm",
        "Din",
        "Đhí",
        "A Viết",
        "A Lự",
        "Bhríu",
        "Kơr",
        "Tơ Ram",
        "Ating",
    ),
    "female": (
        "Mia",
        "Nhứa",
        "Nga",
        "Bhnướch",
        "Ngọt",
        "Pin",
        "Blúi",
        "Thưa",
        "Bông",
        "Dúi",
        "Ring",
        "Lin",
        "Pi",
        "Bhrít",
        "Zé",
        "Rơ",
        "Cơi",
        "Plâu",
        "Nhím",
        "Hợi",
        "Bhnóc",
        "Chơm",
        "Tơ Lia",
        "Zên",
    ),
}
COTU_MODERN_GIVEN: dict[str, tuple[str, ...]] = {
    "male": (
        "Minh",
        "Hùng",
        "Dũng",
        "Lợi",
        "Đông",
        "Tuấn",
        "Hải",
        "Thắng",
        "Nam",
        "Sơn",
        "Phúc",
        "Quang",
        "Bình",
        "Hiếu",
        "Trung",
        "Khánh",
        "Huy",
        "Tài",
    ),
    "female": (
        "Hoa",
        "Mai",
        "Nga",
        "Lan",
        "Hương",
        "Thủy",
        "Xuân",
        "Hằng",
        "Linh",
        "Ngân",
        "Vy",
        "Nhung",
        "Trang",
        "Thảo",
        "Yến",
        "Hạnh",
    ),
}


def nfc(text: str) -> str:
    """Return the text in Unicode NFC, the form Vietnamese names are stored in."""
    return unicodedata.normalize("NFC", text)


def weighted(rng: random.Random, table: tuple[tuple[str, int], ...]) -> str:
    """Pick one name from a table of (name, weight) pairs."""
    names = [name for name, _ in table]
    weights = [weight for _, weight in table]
    return rng.choices(names, weights=weights, k=1)[0]


def generation(birth_year: int) -> str:
    """Return the naming generation ('old', 'mid', 'young') for a birth year."""
    if birth_year < 1960:
        return "old"
    if birth_year < 1995:
        return "mid"
    return "young"


def family_name(rng: random.Random, ethnicity: str) -> str:
    """Pick a family name for a person of the given ethnicity ('Kinh' or 'Cơ Tu')."""
    return weighted(rng, KINH_FAMILY if ethnicity == "Kinh" else COTU_FAMILY)


def kinh_name(rng: random.Random, family: str, sex: str, birth_year: int) -> str:
    """Compose a Kinh full name: family, middle and given name."""
    gen = generation(birth_year)
    given = rng.choice(KINH_GIVEN[sex][gen])
    if " " in given:  # a two-syllable given name carries its own middle part
        return nfc(f"{family} {given}")
    middle = weighted(rng, KINH_MIDDLE[sex][gen])
    return nfc(f"{family} {middle} {given}")


def cotu_name(rng: random.Random, family: str, sex: str, birth_year: int) -> str:
    """Compose a Cơ Tu full name in one of the forms used in Nam Đông's registers."""
    modern_share = {"old": 0.1, "mid": 0.35, "young": 0.7}[generation(birth_year)]
    pool = COTU_MODERN_GIVEN if rng.random() < modern_share else COTU_GIVEN
    given = rng.choice(pool[sex])
    marker = "Văn" if sex == "male" else "Thị"
    if family == "Hồ":  # Vietnamised register form: Hồ Văn Nhờ, Hồ Thị Bông
        return nfc(f"{family} {marker} {given}")
    with_marker = 0.35 if sex == "male" else 0.6
    if rng.random() < with_marker:  # Alăng Thị Ngọt, Zơ Râm Thị Nga
        return nfc(f"{family} {marker} {given}")
    return nfc(f"{family} {given}")  # Bhling Mia, Pơloong Plênh


def person_name(rng: random.Random, ethnicity: str, family: str, sex: str, birth_year: int) -> str:
    """Compose a full name for a person of the given ethnicity, family, sex and birth year."""
    if ethnicity == "Kinh":
        return kinh_name(rng, family, sex, birth_year)
    return cotu_name(rng, family, sex, birth_year)
