"""The message catalogue: extract Vietnamese msgids, update the English .po, compile the .mo.

Source texts (msgids) are Vietnamese, written in the code: `_()`, `_l()`, `gettext()` in
Python and templates, `N_()` marks (app/labels.py), `t()` and `N_()` in the phone's modules.
`python -m app.tools.translations` (`make translations`) runs the three Babel steps with the
mapping in babel.cfg; dates in the headers are fixed so that the same sources always give the
same files (the .mo is committed and a test spots a stale one). The pybabel equivalent:

    pybabel extract -F babel.cfg -k _l -k N_ -k t -o app/translations/messages.pot .
    pybabel update -i app/translations/messages.pot -d app/translations -l en --ignore-obsolete
    pybabel compile -d app/translations
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent.parent
MAPPING = ROOT / "babel.cfg"
TRANSLATIONS = ROOT / "app" / "translations"
POT_PATH = TRANSLATIONS / "messages.pot"
PO_PATH = TRANSLATIONS / "en" / "LC_MESSAGES" / "messages.po"
MO_PATH = TRANSLATIONS / "en" / "LC_MESSAGES" / "messages.mo"
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None, "N_": None, "t": None}
FIXED_DATE = datetime(2026, 1, 1, tzinfo=UTC)
PROJECT = {"project": "Gõ Cửa", "version": "1", "copyright_holder": "Gõ Cửa"}


def extract() -> Catalog:
    """Extract every msgid the code uses, as a template catalogue."""
    with MAPPING.open(encoding="utf-8") as config:
        method_map, options_map = parse_mapping_cfg(config)
    template = Catalog(
        **PROJECT, creation_date=FIXED_DATE, revision_date=FIXED_DATE, charset="utf-8"
    )
    messages = extract_from_dir(
        str(ROOT), method_map, options_map, keywords=KEYWORDS, strip_comment_tags=True
    )
    for filename, lineno, message, comments, context in messages:
        template.add(
            message,
            None,
            [(Path(filename).as_posix(), lineno)],
            auto_comments=comments,
            context=context,
        )
    return template


def read_english(path: Path = PO_PATH) -> Catalog:
    """Read the English catalogue."""
    with path.open("rb") as source:
        return read_po(source, locale="en")


def _po_bytes(catalog: Catalog, *, sort: bool = True) -> bytes:
    buffer = BytesIO()
    write_po(buffer, catalog, width=100, sort_output=sort, ignore_obsolete=True)
    return buffer.getvalue()


def update(template: Catalog, english: Catalog) -> Catalog:
    """Bring the English catalogue in line with the template (new msgids come untranslated)."""
    english.update(template, no_fuzzy_matching=True, update_creation_date=False)
    english.creation_date = english.revision_date = FIXED_DATE
    english.fuzzy = False
    return english


def compiled(english: Catalog) -> bytes:
    """Compile the English catalogue to .mo bytes."""
    buffer = BytesIO()
    write_mo(buffer, english, use_fuzzy=False)
    return buffer.getvalue()


def missing(template: Catalog, english: Catalog) -> list[str]:
    """List the msgids the code uses that have no (non-fuzzy) English."""
    gaps = []
    for message in template:
        if not message.id:
            continue
        found = english.get(message.id, message.context)
        if found is None or found.fuzzy or not found.string or not all(_texts(found.string)):
            gaps.append(message.id if isinstance(message.id, str) else message.id[0])
    return sorted(gaps)


def _texts(string: str | tuple[str, ...]) -> tuple[str, ...]:
    return (string,) if isinstance(string, str) else tuple(string)


def main(argv: list[str]) -> int:
    """Extract, update and compile; with --check only list msgids without English."""
    template = extract()
    english = update(template, read_english())
    gaps = missing(template, english)
    if "--check" in argv:
        print("\n".join(gaps))
        return 1 if gaps else 0
    POT_PATH.write_bytes(_po_bytes(template))
    PO_PATH.write_bytes(_po_bytes(english))
    MO_PATH.write_bytes(compiled(read_english()))
    print(f"{PO_PATH.relative_to(ROOT)}: {len(english)} texts, {len(gaps)} without English")
    for text in gaps:
        print(f"  {text}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
