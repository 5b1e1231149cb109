"""Match a sector list's rows to residents, and say for each what is wrong.

Pure: no Flask and no database. The caller loads the commune's residents once (`Person`s) and
hands them in with the rows (`Entry`s). An entry with a 12-digit number is first looked up by
that number; one without, or whose number fits nobody (or somebody else), is searched among
the residents born the same year, by a fuzzy score of the folded name (rapidfuzz, all of a
year's entries against all of that year's residents in one `cdist` call), the date of birth,
the sex and the hamlet. So the work grows with the rows times one year's residents, never the
whole population, and no query runs per row.

Score (0..100) of a candidate: 75 % of the name's similarity (0..100), plus 15 when the dates
of birth agree (10 when only the year is known on one side), 5 when the sex agrees (3 when
unknown) and 5 when the hamlet agrees (2 when unknown). A candidate is the person when it
scores at least CLEAR and the next one at least GAP below it; otherwise the row is ambiguous.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date

import numpy as np
from rapidfuzz import fuzz, process

NAME_MIN = 80  # a name less similar than this is nobody's spelling variant
NAME_CLOSE = 60  # with the right number: a name this close is the same person, misspelt
CLEAR = 88
GAP = 6
MAX_CANDIDATES = 5


@dataclass(slots=True)
class Person:
    """What the matcher needs of a resident."""

    id: int
    name: str  # folded
    birth_date: date | None
    birth_year: int | None
    sex: str | None
    id_number: str | None
    hamlet_id: int | None


@dataclass(slots=True)
class Entry:
    """What the matcher needs of a row."""

    name: str  # folded
    birth_date: date | None = None
    birth_year: int | None = None
    sex: str | None = None
    id_number: str | None = None
    old_id_number: str | None = None
    hamlet_id: int | None = None


@dataclass(slots=True)
class Outcome:
    """A row's class, the resident it matched, the candidates and what differs."""

    row_class: str
    resident_id: int | None = None
    score: int | None = None
    candidates: list[dict] = field(default_factory=list)
    differs: list[str] = field(default_factory=list)


class Index:
    """The commune's residents, by ID number, by birth year and by folded name."""

    def __init__(self, people: Iterable[Person]) -> None:
        self.by_id: dict[str, Person] = {}
        self.by_year: dict[int, list[Person]] = defaultdict(list)
        self.by_name: dict[str, list[Person]] = defaultdict(list)
        self.hamlet_of: dict[int, int | None] = {}
        for person in people:
            self.hamlet_of[person.id] = person.hamlet_id
            if person.id_number:
                self.by_id[person.id_number] = person
            if person.birth_year is not None:
                self.by_year[person.birth_year].append(person)
            self.by_name[person.name].append(person)
        self._names: dict[int, list[str]] = {}

    def year_names(self, year: int) -> list[str]:
        """The folded names of a year's residents, in the order of by_year[year]."""
        if year not in self._names:
            self._names[year] = [p.name for p in self.by_year.get(year, [])]
        return self._names[year]


def _dates_agree(entry: Entry, person: Person) -> bool | None:
    """True or False when both sides say something comparable; None when one says nothing."""
    if entry.birth_date and person.birth_date:
        return entry.birth_date == person.birth_date
    if entry.birth_year is not None and person.birth_year is not None:
        return entry.birth_year == person.birth_year
    return None


def score(entry: Entry, person: Person, name_score: float | None = None) -> int:
    """The candidate's score, 0..100 (see the module's docstring)."""
    if name_score is None:
        name_score = fuzz.ratio(entry.name, person.name)
    total = 0.75 * name_score
    if entry.birth_date and person.birth_date:
        total += 15 if entry.birth_date == person.birth_date else 0
    elif entry.birth_year is not None and entry.birth_year == person.birth_year:
        total += 10
    total += 3 if not (entry.sex and person.sex) else (5 if entry.sex == person.sex else 0)
    if entry.hamlet_id is None or person.hamlet_id is None:
        total += 2
    elif entry.hamlet_id == person.hamlet_id:
        total += 5
    return round(total)


def how_number_differs(written: str | None, old: str | None, right: str | None) -> str:
    """How a row's number differs from the resident's: one_digit, swapped_digits, old_number
    (only a 9-digit number), other_person (checked by the caller) or other."""
    if not written:
        return "old_number" if old else "other"
    if right and len(written) == len(right):
        diff = [i for i, (a, b) in enumerate(zip(written, right, strict=True)) if a != b]
        if len(diff) == 1:
            return "one_digit"
        if len(diff) == 2 and diff[1] == diff[0] + 1:
            a, b = diff
            if written[a] == right[b] and written[b] == right[a]:
                return "swapped_digits"
    return "other"


def _details(entry: Entry, person: Person) -> list[str]:
    """The fields of a row with the right number that do not agree with the resident."""
    differs = []
    if entry.name and entry.name != person.name:
        differs.append("full_name")
    if _dates_agree(entry, person) is False:
        differs.append("date_of_birth")
    if entry.sex and person.sex and entry.sex != person.sex:
        differs.append("sex")
    return differs


def _ranked(entry: Entry, found: list[tuple[Person, float]]) -> list[tuple[int, Person]]:
    scored = [(score(entry, person, name_score), person) for person, name_score in found]
    scored.sort(key=lambda item: (-item[0], item[1].id))
    return scored[:MAX_CANDIDATES]


def _from_search(entry: Entry, ranked: list[tuple[int, Person]], owner: Person | None) -> Outcome:
    """Class a row from its candidates (owner: whose number the row carries, if anybody's)."""
    candidates = [{"resident_id": p.id, "score": s} for s, p in ranked]
    if not ranked:
        return Outcome("not_found", differs=["other_person"] if owner else [])
    top_score, top = ranked[0]
    clear = top_score >= CLEAR and (len(ranked) == 1 or top_score - ranked[1][0] >= GAP)
    if not clear:
        return Outcome("ambiguous", candidates=candidates, score=top_score)
    if entry.id_number is None and entry.old_id_number is None:
        return Outcome("no_id_number", top.id, top_score, candidates)
    if owner is not None:
        how = "other_person"
    else:
        how = how_number_differs(entry.id_number, entry.old_id_number, top.id_number)
    return Outcome("wrong_id_number", top.id, top_score, candidates, [how])


def _by_number(entry: Entry, person: Person) -> Outcome | None:
    """A row whose number is on file: matched, wrong details, or None (somebody else's)."""
    differs = _details(entry, person)
    if not differs:
        return Outcome("matched", person.id, 100, [{"resident_id": person.id, "score": 100}])
    close = fuzz.ratio(entry.name, person.name) >= NAME_CLOSE
    if close or "date_of_birth" not in differs:
        found = score(entry, person)
        return Outcome(
            "wrong_details", person.id, found, [{"resident_id": person.id, "score": found}], differs
        )
    return None


def _search_year(index: Index, year: int, entries: list[tuple[int, Entry]]) -> dict[int, list]:
    """Candidates (person, name score) of each entry born that year, in one cdist call."""
    people = index.by_year.get(year, [])
    if not people:
        return {}
    names = index.year_names(year)
    matrix = process.cdist(
        [entry.name for _i, entry in entries],
        names,
        scorer=fuzz.ratio,
        score_cutoff=NAME_MIN,
        dtype=np.uint8,
        workers=-1,
    )
    found: dict[int, list] = {}
    for row, (position, entry) in enumerate(entries):
        hits = np.flatnonzero(matrix[row])
        keep = []
        for hit in hits.tolist():
            person = people[hit]
            if entry.sex and person.sex and entry.sex != person.sex:
                continue
            keep.append((person, float(matrix[row, hit])))
        found[position] = keep
    return found


def _search_name(index: Index, entry: Entry) -> list:
    """Without a birth year: only residents of the same folded name."""
    return [
        (person, 100.0)
        for person in index.by_name.get(entry.name, [])
        if not (entry.sex and person.sex and entry.sex != person.sex)
    ]


def match(
    entries: list[Entry], index: Index, progress: Callable[[int], None] | None = None
) -> list[Outcome]:
    """Class every entry; progress is told how many entries are done, now and then."""
    outcomes: list[Outcome | None] = [None] * len(entries)
    owners: dict[int, Person] = {}
    by_year: dict[int, list[tuple[int, Entry]]] = defaultdict(list)
    for position, entry in enumerate(entries):
        person = index.by_id.get(entry.id_number) if entry.id_number else None
        if person is not None:
            outcomes[position] = _by_number(entry, person)
            if outcomes[position] is not None:
                continue
            owners[position] = person
        if not entry.name:
            outcomes[position] = Outcome("not_found")
        elif entry.birth_year is not None:
            by_year[entry.birth_year].append((position, entry))
        else:
            outcomes[position] = _from_search(
                entry, _ranked(entry, _search_name(index, entry)), owners.get(position)
            )
    done = len(entries) - sum(len(v) for v in by_year.values())
    for year in sorted(by_year):
        found = _search_year(index, year, by_year[year])
        for position, entry in by_year[year]:
            ranked = _ranked(entry, found.get(position, []))
            outcomes[position] = _from_search(entry, ranked, owners.get(position))
        done += len(by_year[year])
        if progress:
            progress(done)
    return [o if o is not None else Outcome("not_found") for o in outcomes]
