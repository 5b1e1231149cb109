"""English catalogue: compile app/translations/en/*.json into messages.mo, list missing msgids.

Source texts (msgids) are Vietnamese, written in the code; each area keeps its English
translations in a flat JSON file. `python -m app.tools.translations` rebuilds the catalogue;
`--check` lists texts that have no English yet.
"""

from __future__ import annotations

import json
import re
import sys
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo

APP = Path(__file__).resolve().parent.parent
ROOT = APP.parent
EN_DIR = APP / "translations" / "en"
MO_PATH = EN_DIR / "LC_MESSAGES" / "messages.mo"

# _("..."), _l("..."), gettext("...") with a plain string literal, in Python and Jinja files.
MSGID = re.compile(
    r"""\b(?:_|_l|gettext|lazy_gettext)\(\s*(?P<q>["'])(?P<text>(?:\\.|(?!(?P=q)).)*)(?P=q)"""
)


def english() -> dict[str, str]:
    """Merge every area's JSON file of Vietnamese -> English texts."""
    merged: dict[str, str] = {}
    for path in sorted(EN_DIR.glob("*.json")):
        merged.update(json.loads(path.read_text(encoding="utf-8")))
    return merged


def compiled_catalogue() -> bytes:
    """Build the .mo bytes from the JSON sources."""
    # Fixed dates: the same sources always give the same bytes, so a test can spot a stale .mo.
    fixed = datetime(2026, 1, 1, tzinfo=UTC)
    catalog = Catalog(
        locale="en", domain="messages", creation_date=fixed, revision_date=fixed, fuzzy=False
    )
    for msgid, text in sorted(english().items()):
        catalog.add(msgid, text)
    buffer = BytesIO()
    write_mo(buffer, catalog)
    return buffer.getvalue()


def used_msgids() -> set[str]:
    """Find the literal msgids used in the app's code and templates."""
    found: set[str] = set()
    files = list(APP.rglob("*.py")) + list((ROOT / "forms" / "templates").rglob("*.html"))
    for path in files:
        if "tools" in path.parts:
            continue
        for match in MSGID.finditer(path.read_text(encoding="utf-8")):
            text = match.group("text")
            found.add(
                text.encode("utf-8").decode("unicode_escape").encode("latin-1").decode("utf-8")
                if "\\" in text
                else text
            )
    return found


def main(argv: list[str]) -> int:
    """Compile the catalogue, or with --check list msgids without English."""
    if "--check" in argv:
        missing = sorted(used_msgids() - set(english()))
        for text in missing:
            print(text)
        return 1 if missing else 0
    MO_PATH.parent.mkdir(parents=True, exist_ok=True)
    MO_PATH.write_bytes(compiled_catalogue())
    print(f"{MO_PATH.relative_to(ROOT)}: {len(english())} texts")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
