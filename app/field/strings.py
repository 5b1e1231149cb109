"""What the phone app reads in a language: its own texts and the labels of machine values.

Both come from the server's one catalogue (app/translations, app/labels.py), so the phone uses
the same words as the web pages, the spreadsheets and the maps. The phone's texts are the
msgids its modules mark with t() or N_(), found with Babel's JavaScript extractor.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from babel.messages.extract import extract_from_dir
from flask_babel import force_locale, gettext
from sqlalchemy import select

from app.extensions import db
from app.labels import catalogue
from app.people.idnumber import PROVINCE_CODES
from app.units.models import Unit

ROOT = Path(__file__).resolve().parent.parent.parent
MODULES = ROOT / "forms" / "static" / "app"
LANGS = ("vi", "en")
# What decides the answer: a change to any of them must install a new service worker.
SOURCES = (
    ROOT / "app" / "labels.py",
    ROOT / "app" / "people" / "idnumber.py",
    ROOT / "app" / "translations" / "en" / "LC_MESSAGES" / "messages.mo",
)


@cache
def phone_msgids() -> tuple[str, ...]:
    """Return the msgids the phone's modules use, in order."""
    found = extract_from_dir(
        str(MODULES),
        [("**.js", "javascript")],
        {"**.js": {"parse_template_string": True}},  # t() inside `${...}` too
        keywords={"t": None, "N_": None},
    )
    return tuple(dict.fromkeys(message for _f, _l, message, _c, _x in found if message))


def phone_strings(lang: str) -> dict:
    """Return the phone's texts and value labels in a language (Vietnamese is the source)."""
    with force_locale(lang):
        strings = {}
        if lang != "vi":
            strings = {text: gettext(text) for text in phone_msgids()}
        # Shipped with the app so they work offline; names, not translated. `provinces`: the 63
        # birth-registration codes of ID numbers (app/people/idnumber.py, "038"), read out of a
        # typed number; `home_provinces`: the provinces on file today ("38"), the codes a
        # resident's `home_province_code` takes.
        return {
            "lang": lang,
            "strings": strings,
            "labels": catalogue(),
            "provinces": dict(PROVINCE_CODES),
            "home_provinces": home_provinces(),
        }


def home_provinces() -> dict[str, str]:
    """The provinces on file, code to name, in the order of their codes."""
    rows = db.session.execute(
        select(Unit.code, Unit.name).where(Unit.level == "province").order_by(Unit.code)
    )
    return dict(rows.all())
