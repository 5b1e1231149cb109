"""Every Vietnamese text of visits and people has its English translation."""

from __future__ import annotations

import json
import re
from pathlib import Path

from app.tools.translations import EN_DIR, MSGID

ROOT = Path(__file__).resolve().parents[2]
VISITS = ("service", "schemas", "routes", "geotag", "idempotency", "rejected", "lists")
PEOPLE = ("service", "schemas", "routes", "corrections", "fields", "rules", "review")
OWN = [ROOT / "app" / "visits" / f"{name}.py" for name in VISITS] + [
    ROOT / "app" / "people" / f"{name}.py" for name in PEOPLE
]


def test_every_msgid_has_english():
    english: dict[str, str] = {}
    for path in EN_DIR.glob("*.json"):
        english.update(json.loads(path.read_text(encoding="utf-8")))
    missing = set()
    for path in OWN:
        missing |= {
            m.group("text") for m in MSGID.finditer(path.read_text(encoding="utf-8"))
        } - set(english)
    assert not missing, sorted(missing)


def test_english_keeps_the_placeholders():
    ours = json.loads((EN_DIR / "visits.json").read_text(encoding="utf-8"))
    holder = re.compile(r"%\(\w+\)s")
    assert any(holder.search(vietnamese) for vietnamese in ours)  # there are some to keep
    for vietnamese, english in ours.items():
        assert sorted(holder.findall(vietnamese)) == sorted(holder.findall(english)), vietnamese
