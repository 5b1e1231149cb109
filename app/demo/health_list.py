"""The demo's health-station list: a vaccination list of xã Nam Đông as the commune health
station might hand it to the police, drawn from the demo residents with problems of every
class planted in it (docs/RECONCILE.md).

Deterministic: the same seed gives the same rows. Each row carries the class it must land in
(`expected`); tests/test_demo_health_list.py uploads the list and checks every one. The people
planted are chosen so that the answer does not hang on chance: nobody else of the same birth
year and sex has a name close to theirs (checked with the matcher's own scorer).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date

from rapidfuzz import fuzz

from app.demo.data import DemoCommune, DemoResident, generate_demo
from app.reconcile.matcher import NAME_MIN
from app.spreadsheet import Workbook
from app.text import fold

HEADERS = (
    "STT",
    "Họ và tên",
    "Ngày sinh",
    "Giới tính",
    "Số CCCD",
    "Số CMND",
    "Thôn",
    "Số điện thoại",
    "Vắc xin",
    "Ngày tiêm",
)
TITLE = ("TRẠM Y TẾ XÃ NAM ĐÔNG", "DANH SÁCH TIÊM CHỦNG MỞ RỘNG NĂM 2026")
VACCINES = ("Uốn ván", "Cúm mùa", "Viêm gan B", "Sởi - Rubella")
NOT_IN_COMMUNE = (
    ("Trịnh Thị Mộng Tuyền", "1994-05-17", "female"),
    ("Lâm Quốc Khánh", "1987-11-02", "male"),
    ("Châu Ngọc Diễm", "2001-02-28", "female"),
    ("Quách Văn Lộc", "1979-08-09", "male"),
)
# How many rows of each kind; (class, how).
PLAN: tuple[tuple[str, str, int], ...] = (
    ("matched", "as_on_file", 10),
    ("matched", "no_diacritics", 2),
    ("wrong_id_number", "one_digit", 2),
    ("wrong_id_number", "swapped_digits", 2),
    ("wrong_id_number", "old_number", 2),
    ("wrong_id_number", "other_person", 2),
    ("no_id_number", "blank", 4),
    ("no_id_number", "spelling", 2),
    ("wrong_details", "date_of_birth", 2),
    ("wrong_details", "full_name", 2),
    ("ambiguous", "listed_twice", 1),
    ("not_found", "stranger", 4),
)


@dataclass
class HealthRow:
    """One row of the list and the class it must land in."""

    cells: list
    expected: str
    how: str
    resident_key: str | None = None
    id_number: str | None = None  # the resident's number on file (the correct one)


@dataclass
class HealthList:
    """The list: title rows, headers, rows."""

    rows: list[HealthRow] = field(default_factory=list)

    def xlsx(self) -> bytes:
        """The list as the health station's XLSX (title rows, then the header row)."""
        wb = Workbook(title="Danh sách tiêm chủng")
        sheet = wb.sheet("Danh sách", widths={2: 26, 3: 12, 5: 16, 6: 12, 7: 18})
        for number, title in enumerate(TITLE):
            wb.write(sheet, number, [title])
        wb.write(sheet, 3, HEADERS, wb.style(bold=True))
        for offset, row in enumerate(self.rows):
            wb.write(sheet, 4 + offset, row.cells)
        return wb.save()


def _lonely(people: list[DemoResident]) -> list[DemoResident]:
    """Residents whose name no one else of the same birth year and sex comes close to."""
    by_year: dict[tuple[str, str], list[DemoResident]] = {}
    for person in people:
        if person.date_of_birth:
            by_year.setdefault((person.date_of_birth[:4], person.sex), []).append(person)
    lonely = []
    for person in people:
        if not person.date_of_birth or len(person.date_of_birth) != 10 or not person.id_number:
            continue
        near = [
            other
            for other in by_year[(person.date_of_birth[:4], person.sex)]
            if other is not person
            and fuzz.ratio(fold(other.full_name), fold(person.full_name)) >= NAME_MIN - 10
        ]
        if not near:
            lonely.append(person)
    return lonely


def _day(value: str) -> str:
    return date.fromisoformat(value).strftime("%d/%m/%Y")


def _sex(value: str) -> str:
    return "Nam" if value == "male" else "Nữ"


def _misspelt(name: str) -> str:
    """The given name's ending misheard the way a clerk writes it (nh/n, ng/n, i/y, c/t)."""
    words = name.split()
    last = words[-1]
    for a, b in (("nh", "n"), ("ng", "n"), ("n", "ng"), ("y", "i"), ("i", "y"), ("c", "t"),
                 ("t", "c"), ("u", "o")):  # fmt: skip
        if last.endswith(a):
            words[-1] = last[: -len(a)] + b
            return " ".join(words)
    words[-1] = last + "n"
    return " ".join(words)


def _swap(number: str) -> str:
    for i in range(len(number) - 2, 5, -1):
        if number[i] != number[i + 1]:
            return number[:i] + number[i + 1] + number[i] + number[i + 2 :]
    return number


def _one_digit(number: str) -> str:
    last = number[-3]
    return number[:-3] + str((int(last) + 3) % 10) + number[-2:]


def _other_day(value: str) -> str:
    born = date.fromisoformat(value)
    return born.replace(day=born.day % 27 + 1).isoformat()


def _cells(person: DemoResident, hamlets: dict[str, str], **overrides) -> dict:
    return {
        "name": person.full_name,
        "born": _day(person.date_of_birth or "") if person.date_of_birth else None,
        "sex": _sex(person.sex),
        "cccd": person.id_number,
        "cmnd": None,
        "hamlet": hamlets[person.household_code],
        "phone": person.phone,
    } | overrides


def _row(kind: str, person: DemoResident, hamlets: dict[str, str], rng: random.Random) -> dict:
    """The cells of one planted row of a kind, for a resident."""
    number = person.id_number or ""
    born = person.date_of_birth or ""
    variants = {
        "as_on_file": {},
        "no_diacritics": {"name": fold(person.full_name).title()},
        "one_digit": {"cccd": _one_digit(number)},
        "swapped_digits": {"cccd": _swap(number)},
        "old_number": {"cccd": None, "cmnd": f"{rng.randrange(10**8, 10**9)}"},
        "blank": {"cccd": None},
        "spelling": {"cccd": None, "name": _misspelt(person.full_name)},
        "date_of_birth": {"born": _day(_other_day(born))},
        "full_name": {"name": _misspelt(person.full_name)},
    }
    return _cells(person, hamlets, **variants[kind])


def _as_list(index: int, cells: dict, rng: random.Random) -> list:
    return [
        index,
        cells["name"],
        cells["born"],
        cells["sex"],
        cells["cccd"],
        cells["cmnd"],
        cells["hamlet"],
        cells["phone"],
        rng.choice(VACCINES),
        f"{rng.randint(1, 28):02d}/{rng.randint(1, 10):02d}/2026",
    ]


def _planted(
    demo: DemoCommune, rng: random.Random
) -> list[tuple[str, str, dict, DemoResident | None]]:
    hamlet_names = {h.code: h.name for h in demo.hamlets}
    hamlets = {h.code: hamlet_names[h.hamlet_code] for h in demo.households}
    in_errors = {key for error in demo.errors for key in error.resident_keys}
    pool = [p for p in _lonely(demo.residents) if p.key not in in_errors]
    pool = rng.sample(pool, len(pool))
    out = []
    for row_class, how, count in PLAN:
        for _n in range(count):
            if how == "stranger":
                name, born, sex = NOT_IN_COMMUNE[_n]
                cells = {"name": name, "born": _day(born), "sex": _sex(sex), "cccd": None,
                         "cmnd": None, "hamlet": demo.hamlets[_n].name, "phone": None}  # fmt: skip
                out.append((row_class, how, cells, None))
                continue
            if how == "listed_twice":
                twice = next(e for e in demo.errors if e.kind == "duplicate_person")
                person = next(p for p in demo.residents if p.key == twice.resident_keys[0])
                cells = _cells(person, hamlets, cccd=None, hamlet=None)
                out.append((row_class, how, cells, person))
                continue
            person = pool.pop()
            if how == "other_person":
                somebody = pool.pop()
                cells = _cells(person, hamlets, cccd=somebody.id_number)
            else:
                cells = _row(how, person, hamlets, rng)
            out.append((row_class, how, cells, person))
    return out


def generate_health_list(seed: int = 6, demo: DemoCommune | None = None) -> HealthList:
    """The demo health-station list, its rows shuffled as a real list would be."""
    demo = demo or generate_demo(seed)
    rng = random.Random(f"{seed}:health-list")
    planted = _planted(demo, rng)
    rng.shuffle(planted)
    result = HealthList()
    for index, (row_class, how, cells, person) in enumerate(planted, start=1):
        result.rows.append(
            HealthRow(
                cells=_as_list(index, cells, rng),
                expected=row_class,
                how=how,
                resident_key=person.key if person else None,
                id_number=person.id_number if person else None,
            )
        )
    return result
