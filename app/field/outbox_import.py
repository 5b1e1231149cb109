"""The outbox import: an officer's or village head's exported outbox, submitted on their behalf.

When a phone can never sync, its user saves the outbox to a file ("Lưu ra tệp",
forms/static/app/outbox.js `exportFile`) and an admin or commander imports it at
/admin/outbox-import. Each entry is submitted as its author did on the phone, through the services
the API routes use and with the same role and scope checks, in the phone's order (sync.js `push`):
new households first (a visit may name one by `household_client_id`), then visits, returnee
flags, card scans, and capture-session results grouped per session. Each entry stands alone: a
refused one is reported with its reasons and costs the others nothing. Every kind is idempotent
by its `client_id`, so the same file imported again answers `duplicate`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from flask_babel import gettext as _
from marshmallow import ValidationError
from sqlalchemy import select

from app.auth.access import STAFF  # POST /households, /residents/<id>/card-scan
from app.auth.audit import record
from app.auth.models import User
from app.auth.scope import unit_in_scope
from app.auth.service import user_named
from app.errors import ForbiddenError, ServiceError, flatten_errors
from app.extensions import db
from app.followups.returnees import flag_returnee
from app.followups.schemas import ReturneeIn
from app.labels import label
from app.people.card_scan_schemas import CardScanIn
from app.people.card_scans import scan_card
from app.people.fields import Id
from app.people.households import create_household_once
from app.people.schemas import HouseholdIn
from app.sessions.models import SessionInvitee, SessionMember, SessionResult
from app.sessions.plans import session_for
from app.sessions.results import check_recorder, submit_results
from app.sessions.schemas import MAX_RESULTS
from app.text import has_control_chars, without_controls
from app.visits.service import submit_batch

FILE_AUTHORS = ("officer", "village_head")  # who keeps an outbox on a phone
MAX_IMPORT_ENTRIES = 5000
BATCH = 500
# The kinds an outbox holds, in the order they are sent (as the phone's sync does).
KINDS = ("household", "visit", "returnee", "card_scan", "session_result")
RECORDERS = ("commander", "officer")  # POST /sessions/<id>/results


class ImportFileError(ValueError):
    """The uploaded file is not an outbox export this server can take."""


class CardScanEntry(CardScanIn):
    """A card scan as the phone keeps it: the resident's id (the URL's) inside the body."""

    resident_id = Id(required=True)


Entry = tuple[dict, dict, dict]  # the report's row, the entry's body, the entry


def _read_outbox_file(raw: bytes) -> tuple[str, list[dict]]:
    """Parse an exported outbox: its officer's username and its entries."""
    try:
        data = json.loads(raw.decode("utf-8-sig"))  # a BOM: the file saved again by Notepad
    except (ValueError, RecursionError) as exc:  # bad UTF-8 or JSON, too deep, too long a number
        raise ImportFileError(_("Tệp không phải JSON hợp lệ.")) from exc
    if not isinstance(data, dict) or not isinstance(data.get("entries"), list):
        raise ImportFileError(_("Tệp không phải tệp hộp thư đi của Gõ Cửa."))
    username = data.get("username")
    if not isinstance(username, str) or not username.strip():
        raise ImportFileError(_("Tệp không ghi tên đăng nhập của cán bộ."))
    entries = [e for e in data["entries"] if isinstance(e, dict)]
    if len(entries) > MAX_IMPORT_ENTRIES:
        raise ImportFileError(_("Tệp có quá nhiều mục (tối đa %(n)s).", n=MAX_IMPORT_ENTRIES))
    return username.strip(), entries


def _author_in_scope(username: str, actor: User) -> User:
    """Find the officer or village head named in the file, inside the actor's unit."""
    author = user_named(username)
    if author is None or author.role not in FILE_AUTHORS or not unit_in_scope(actor, author.unit):
        raise ImportFileError(
            _("Không tìm thấy cán bộ %(u)s trong đơn vị của bạn.", u=without_controls(username))
        )
    return author


def _refused(exc: ServiceError) -> dict:
    return {"status": "rejected", "message": str(exc.message or ""), "errors": exc.errors or {}}


def _check_role(author: User, roles: tuple[str, ...]) -> None:
    """Refuse an entry the author's role may not send (the route's @require)."""
    if author.role not in roles:
        raise ForbiddenError(
            _("Vai trò %(role)s không được gửi mục này.", role=label("role", author.role))
        )


def _alone(work: Callable[[], tuple[Any, bool]]) -> dict:
    """Submit one entry in its own savepoint: created or duplicate, or refused with nothing
    written. `work` answers the id made (or found) and whether it was made now."""
    try:
        with db.session.begin_nested():
            ident, created = work()
    except ValidationError as exc:
        errors = flatten_errors(exc.messages)
        return {"status": "rejected", "message": _("Dữ liệu không hợp lệ."), "errors": errors}
    except ServiceError as exc:
        return _refused(exc)
    return {"status": "created" if created else "duplicate", "id": ident}


def _submit_household(body: dict, author: User) -> dict:
    """Create a household made on the phone (POST /households, idempotent by client_id)."""

    def work() -> tuple[Any, bool]:
        _check_role(author, STAFF)
        shown, code = create_household_once(author, HouseholdIn().load(body))
        return shown.id, code == 201

    return _alone(work)


def _submit_returnee(body: dict, author: User) -> dict:
    """Flag a returnee as its author did on the phone (a flag sent before answers as the same
    one); a refusal is reported, nothing else is written."""

    def work() -> tuple[Any, bool]:
        flag, created = flag_returnee(author, ReturneeIn().load(body))
        return flag.id, created

    return _alone(work)


def _submit_card_scan(body: dict, author: User) -> dict:
    """Read a card as the phone sends it: POST /residents/<body.resident_id>/card-scan with
    the rest of the body."""

    def work() -> tuple[Any, bool]:
        _check_role(author, STAFF)
        data = CardScanEntry().load(body)
        answer, code = scan_card(author, data.pop("resident_id"), data)
        return answer["id"], code == 201

    return _alone(work)


def _submit_visits(items: list[Entry], author: User) -> None:
    """Submit visits in batches, as the officer's phone does (officers only)."""
    if author.role != "officer":
        for row, _body, _entry in items:
            row.update(status="skipped", message=_("Chỉ cán bộ ghi lượt thăm; nhập tay."))
        return
    for start in range(0, len(items), BATCH):
        chunk = items[start : start + BATCH]
        results = submit_batch([body for _row, body, _entry in chunk], author)
        for (row, _body, _entry), result in zip(chunk, results, strict=True):
            row.update(_answered(result))


def _answered(result: dict) -> dict:
    """A batch endpoint's answer for one item, as a row of the report."""
    return {
        "status": result.get("status"),
        "id": result.get("id"),
        "message": result.get("message") or "",
        "errors": result.get("errors") or {},
    }


def _plain_id(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None


def _session_of(entry: dict, body: dict, author: User) -> int | None:
    """The session a result belongs to: the entry's `session_id` (the phone keeps it beside
    the body); else the session a result under this client_id went to; else the one session
    whose team has the author and whose invitees have the resident (the only results the
    phone records); None when that is not one session."""
    given = _plain_id(entry.get("session_id"))
    if given is not None:
        return given
    client_id = body.get("client_id")
    if isinstance(client_id, str) and 0 < len(client_id) <= 64 and not has_control_chars(client_id):
        find = select(SessionResult.session_id).where(SessionResult.client_id == client_id)
        known = db.session.scalar(find)
        if known is not None:
            return known
    resident_id = _plain_id(body.get("resident_id"))
    if resident_id is None:
        return None
    query = (
        select(SessionInvitee.session_id)
        .join(SessionMember, SessionMember.session_id == SessionInvitee.session_id)
        .where(SessionInvitee.resident_id == resident_id, SessionMember.user_id == author.id)
        .distinct()
        .limit(2)
    )
    found = db.session.scalars(query).all()
    return found[0] if len(found) == 1 else None


def _submit_session_results(items: list[Entry], author: User) -> None:
    """Record capture-session results per session, in the file's order, in batches; a session
    the author may not record in (or cannot see) refuses its results, not the others."""
    groups: dict[int, list[tuple[dict, dict]]] = {}
    for row, body, entry in items:
        session_id = _session_of(entry, body, author)
        if session_id is None:
            message = _("Tệp không ghi buổi thu nhận của kết quả này; nhập tay.")
            row.update(status="skipped", message=message)
        else:
            groups.setdefault(session_id, []).append((row, body))
    for session_id, group in groups.items():
        try:
            _check_role(author, RECORDERS)
            session = session_for(author, session_id)
            check_recorder(author, session)
        except ServiceError as exc:
            for row, _body in group:
                row.update(_refused(exc))
            continue
        for start in range(0, len(group), MAX_RESULTS):
            chunk = group[start : start + MAX_RESULTS]
            answers = submit_results([body for _row, body in chunk], author, session)
            for (row, _body), answer in zip(chunk, answers, strict=True):
                row.update(_answered(answer))


ONE_BY_ONE = {
    "household": _submit_household,
    "returnee": _submit_returnee,
    "card_scan": _submit_card_scan,
}


def _sorted_entries(entries: list[dict]) -> tuple[list[dict], dict[str, list[Entry]]]:
    """One report row per entry (in the file's order), and the entries to submit by kind."""
    rows: list[dict] = []
    by_kind: dict[str, list[Entry]] = {kind: [] for kind in KINDS}
    for entry in entries:
        kind, body = entry.get("kind", "visit"), entry.get("body")
        shown = kind if isinstance(kind, str) else ""
        row = {"client_id": str(entry.get("client_id") or "")[:64], "kind": shown[:32]}
        row.update(message="", errors={})
        rows.append(row)
        if not isinstance(body, dict) or kind not in by_kind:
            row.update(status="skipped", message=_("Mục không đọc được; nhập tay."))
        else:
            by_kind[kind].append((row, body, entry))
    return rows, by_kind


def import_outbox(raw: bytes, actor: User) -> dict:
    """Submit every entry of an exported outbox as the officer or village head who made it,
    kind by kind in the phone's order; report one row per entry, in the file's order."""
    username, entries = _read_outbox_file(raw)
    author = _author_in_scope(username, actor)
    rows, by_kind = _sorted_entries(entries)
    for kind in KINDS:
        if kind == "visit":
            _submit_visits(by_kind[kind], author)
        elif kind == "session_result":
            _submit_session_results(by_kind[kind], author)
        else:
            for row, body, _entry in by_kind[kind]:
                row.update(ONE_BY_ONE[kind](body, author))
    counts: dict[str, int] = {}
    for row in rows:
        counts[str(row.get("status"))] = counts.get(str(row.get("status")), 0) + 1
    record(
        db.session,
        "outbox_import",
        "users",
        author.id,
        {"username": author.username, "entries": len(rows), "results": counts},
    )
    db.session.commit()
    return {"officer": author, "rows": rows, "counts": counts}
