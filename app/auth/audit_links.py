"""Where an audit entry's object can be opened on the web, when a page for it exists.

Pages built by other packages are named by endpoint and linked only when the application
serves them (`current_app.view_functions`): a user (`user_pages.user`), a correction
(`correction_pages.correction`), a campaign (`campaign_pages.progress`). A row of a hamlet
(household, resident, visit, follow-up, returnee, a correction without its page) opens the
hamlet's printable visit list; a hamlet too; a commune or a province its dashboard.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from flask import current_app, url_for
from sqlalchemy import select
from werkzeug.routing import BuildError

from app.extensions import db
from app.text import ascii_digits
from app.units.models import Unit

OWN_PAGES = {
    "users": "user_pages.user",
    "corrections": "correction_pages.correction",
    "campaigns": "campaign_pages.progress",
}
VISIT_LIST = "imports.visit_list"
DASHBOARD = "reports_pages.dashboard"


def page_url(endpoint: str, value: Any) -> str | None:
    """Build the URL of a served page taking one argument (whatever its name), else None."""
    if endpoint not in current_app.view_functions:
        return None
    for rule in current_app.url_map.iter_rules(endpoint):
        if len(rule.arguments) == 1:
            try:
                return url_for(endpoint, **{next(iter(rule.arguments)): value})
            except (BuildError, ValueError):
                return None
    return None


def _int(value: str | None) -> int | None:
    return int(value) if value and ascii_digits(value) and len(value) < 10 else None


def _hamlets_of(entries: Iterable[Any]) -> dict[tuple[str, int], int]:
    """The hamlet of each object held in a table with a `hamlet_id`, one query per table."""
    wanted: dict[str, set[int]] = defaultdict(set)
    tables = db.metadata.tables
    for entry in entries:
        key = _int(entry.object_id)
        table = tables.get(entry.object_type or "")
        if key is not None and table is not None and "hamlet_id" in table.c:
            wanted[entry.object_type].add(key)
    found: dict[tuple[str, int], int] = {}
    for name, ids in wanted.items():
        table = tables[name]
        rows = db.session.execute(select(table.c.id, table.c.hamlet_id).where(table.c.id.in_(ids)))
        found.update({(name, row_id): hamlet for row_id, hamlet in rows if hamlet is not None})
    return found


def _units(ids: set[int], codes: set[str]) -> tuple[dict[int, Unit], dict[str, Unit]]:
    units = list(
        db.session.scalars(select(Unit).where(Unit.id.in_(ids) | Unit.code.in_(codes)))
        if ids or codes
        else []
    )
    return {u.id: u for u in units}, {u.code: u for u in units}


def _unit_url(unit: Unit | None) -> str | None:
    if unit is None:
        return None
    if unit.level == "hamlet":
        return page_url(VISIT_LIST, unit.code)
    if DASHBOARD in current_app.view_functions:
        return url_for(DASHBOARD, unit=unit.code)
    return None


def object_links(entries: list[Any]) -> dict[int, str]:
    """Return, by entry id, the URL of the page showing each entry's object (where one does)."""
    hamlets = _hamlets_of(entries)
    unit_ids = set(hamlets.values()) | {
        key for e in entries if e.object_type == "units" and (key := _int(e.object_id))
    }
    codes = {e.object_id for e in entries if e.object_id and not ascii_digits(e.object_id)}
    codes |= {e.object_id for e in entries if e.action in ("export", "print") and e.object_id}
    by_id, by_code = _units(unit_ids, codes)
    links: dict[int, str] = {}
    for entry in entries:
        key = _int(entry.object_id)
        url = None
        if entry.object_type in OWN_PAGES and key is not None:
            url = page_url(OWN_PAGES[entry.object_type], key)
        if url is None and (entry.object_type, key) in hamlets:
            url = _unit_url(by_id.get(hamlets[(entry.object_type, key)]))
        if url is None and entry.object_type == "units" and key is not None:
            url = _unit_url(by_id.get(key))
        if url is None and entry.action in ("export", "print") and entry.object_id in by_code:
            url = _unit_url(by_code[entry.object_id])
        if url is not None:
            links[entry.id] = url
    return links
