"""The English catalogue is whole and compiled from its sources; every machine value has labels.

`make translations` (python -m app.tools.translations) extracts the msgids with Babel, updates
app/translations/en/LC_MESSAGES/messages.po and compiles messages.mo.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from app.labels import LABELS
from app.tools.translations import MO_PATH, compiled, extract, missing, read_english

ROOT = Path(__file__).resolve().parents[2]


def repository_roots(root: Path) -> list[Path]:
    """Return the checkout's root and, in a git worktree, the main checkout's root."""
    roots = [root]
    dot_git = root / ".git"
    if dot_git.is_file():  # a worktree: "gitdir: <main>/.git/worktrees/<name>"
        gitdir = Path(dot_git.read_text(encoding="utf-8").split(":", 1)[1].strip())
        common = gitdir / "commondir"
        if common.is_file():
            main_git = (gitdir / common.read_text(encoding="utf-8").strip()).resolve()
            roots.append(main_git.parent)
    return roots


def api_md() -> Path:
    """Find the shared API contract, ../shared/API.md from the repository's root."""
    candidates = [root.parent / "shared" / "API.md" for root in repository_roots(ROOT)]
    for path in candidates:
        if path.is_file():
            return path
    raise AssertionError(f"the API contract is missing: expected it at {candidates[0]}")


# API.md's field names -> the catalogue's fields.
API_FIELDS = {
    "role": "role",
    "unit level": "unit_level",
    "presence": "presence",
    "id_card": "id_card",
    "eid": "eid",
    "outcome": "outcome",
    "correction field": "correction_field",
    "follow-up kind": "followup_kind",
    "follow-up status": "followup_status",
    "household `kind`": "household_kind",
    "resident `residence`": "residence",
    "resident `card_issue`": "card_issue",
    "session `kind`": "session_kind",
    "audit `action`": "audit_action",
    "reconciliation `sector`": "reconciliation_sector",
    "reconciliation row `class`": "reconciliation_class",
}


@pytest.fixture(scope="module")
def english():
    return read_english()


def test_every_text_in_the_code_has_english(english):
    assert missing(extract(), english) == []


def test_compiled_catalogue_matches_its_sources(english):
    # Run `make translations` after changing texts or messages.po.
    assert MO_PATH.read_bytes() == compiled(english)


def api_machine_values() -> dict[str, list[str]]:
    """Read both machine-value tables of API.md: {field: [values]}."""
    path = api_md()
    text = path.read_text(encoding="utf-8")
    values: dict[str, list[str]] = {}
    for title in ("## Machine values", "Machine values added:"):
        assert title in text, f"{path} has no table after {title!r}"
        table = text.split(title, 1)[1].split("\n", 1)[1].lstrip().split("\n\n", 1)[0]
        for row in table.splitlines():
            cells = [cell.strip() for cell in row.strip().strip("|").split("|")]
            if len(cells) == 2 and cells[0] not in ("field", "---"):
                values.setdefault(cells[0], []).extend(re.findall(r"`([^`]+)`", cells[1]))
    return values


def test_every_machine_value_of_the_api_has_labels(english):
    tables = api_machine_values()
    assert len(tables) == len(API_FIELDS)
    unknown = sorted(set(tables) - set(API_FIELDS))
    assert unknown == [], f"API.md fields without a catalogue field in this test: {unknown}"
    gaps = []
    for api_field, values in tables.items():
        field = API_FIELDS[api_field]
        for value in values:
            msgid = LABELS.get(field, {}).get(value)
            found = english.get(msgid) if msgid else None
            if msgid is None or found is None or not found.string or found.fuzzy:
                gaps.append(f"{api_field}: {value}")
    assert gaps == []  # machine values without a Vietnamese label and its English
