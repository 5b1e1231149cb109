"""Corrections review pages: the queue in scope, one correction with its evidence, and the
decisions (verified, fixed on a day, dismissed with a reason), one by one or in bulk.

Every form carries the version the reviewer saw; a stale one is answered with the current
record and what the reviewer typed kept in the form, never lost.
"""

from __future__ import annotations

from math import ceil
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required
from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate

from app.auth.access import acting_user, require
from app.clock import today_in_vietnam
from app.errors import ConflictError, ForbiddenError, InvalidError, ServiceError, flatten_errors
from app.extensions import db
from app.labels import choices
from app.people import correction_queue, review
from app.people.fields import Enum, QueryId
from app.people.models import CORRECTION_FIELDS, CORRECTION_STATUS, Correction
from app.schemas import BaseSchema
from app.text import ascii_digits
from app.visits.models import Visit

bp = Blueprint("correction_pages", __name__)

PAGE_ROLES = ("officer", "commander", "admin")
DECISIONS = ("verified", "fixed", "dismissed")
PER_PAGE = 50


class QueueArgs(BaseSchema):
    """`/corrections?hamlet=&field=&status=&found_by=&page=`; status `all` lists every one."""

    class Meta:
        unknown = EXCLUDE

    hamlet = fields.String(load_default=None, validate=validate.Length(max=32))
    field = Enum(CORRECTION_FIELDS, load_default=None)
    status = Enum((*CORRECTION_STATUS, "all"), load_default="open")
    found_by = QueryId(load_default=None)
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100000))


class DecisionForm(BaseSchema):
    """One decision from a page form (the CSRF token is checked before)."""

    class Meta:
        unknown = EXCLUDE

    action = Enum(DECISIONS, required=True)
    version = fields.Integer(required=True, validate=validate.Range(min=1, max=10**9))
    fixed_on = fields.Date(load_default=None)
    reason = fields.String(load_default=None, validate=validate.Length(max=1000))


def _load(schema: type[Schema], source: Any) -> dict[str, Any]:
    data = {k: v for k, v in source.items() if v != ""}
    if schema is DecisionForm and data.get("action") != "fixed":
        data.pop("fixed_on", None)  # the date box keeps its default; only `fixed` reads it
    try:
        return schema().load(data)
    except ValidationError as exc:
        raise InvalidError(_("Tham số không hợp lệ."), flatten_errors(exc.messages)) from exc


def _queue_filters(args: dict[str, Any]) -> dict[str, Any]:
    keys = ("hamlet", "field", "found_by")
    filters = {key: args[key] for key in keys if args.get(key) is not None}
    if args["status"] != "all":
        filters["status"] = args["status"]
    return filters


def _rows(user: Any, items: list[Any]) -> list[dict[str, Any]]:
    """The queue's rows: values masked, the finder named, whether the user may act."""
    names = correction_queue.user_names({c.created_by_id for c in items})
    hamlets = review.reviewer_hamlets(user)
    return [
        {
            "c": c,
            "current": correction_queue.shown_value(c.current_value, c.field),
            "proposed": correction_queue.shown_value(c.proposed_value, c.field),
            "finder": names.get(c.created_by_id),
            "can_review": c.status in review.NEXT_STATUS and review.may_review(user, c, hamlets),
        }
        for c in items
    ]


def _queue_page(form: dict[str, Any] | None = None, results: list | None = None, status=200):
    args = _load(QueueArgs, request.args)
    user = acting_user()
    filters = _queue_filters(args)
    listed = correction_queue.list_corrections(
        user, page=args["page"], per_page=PER_PAGE, **filters
    )
    return render_template(
        "corrections/list.html",
        args=args,
        listed=listed,
        rows=_rows(user, listed.items),
        pages=max(1, ceil(listed.total / PER_PAGE)),
        counts=correction_queue.status_counts(user, filters),
        options=correction_queue.filter_options(user),
        fields_=choices("correction_field"),
        statuses=choices("correction_status"),
        form=form or {"fixed_on": today_in_vietnam().isoformat()},
        results=results,
        today=today_in_vietnam().isoformat(),
    ), status


def visit_of(visit_id: int | None) -> dict[str, Any] | None:
    """What the correction page shows of the visit a correction came from."""
    visit = db.session.get(Visit, visit_id) if visit_id is not None else None
    if visit is None:
        return None
    keys = ("id", "officer_id", "visited_at", "flags", "distance_m", "location_missing_reason")
    return {key: getattr(visit, key) for key in keys}


@bp.route("/corrections")
@login_required
@require(*PAGE_ROLES)
def corrections():
    """The queue of corrections in scope, newest first, with counts per status."""
    return _queue_page()


def _bulk_items(values: list[str]) -> tuple[list[int], list[int]]:
    """`<id>:<version>` of each ticked row, or refuse the form."""
    ids, versions = [], []
    for value in values[:200]:
        head, _sep, tail = value.partition(":")
        if not (ascii_digits(head) and ascii_digits(tail) and len(head) < 10 and len(tail) < 10):
            raise InvalidError(_("Lựa chọn không hợp lệ."), {"ids": [_("Lựa chọn không hợp lệ.")]})
        if int(head) not in ids:
            ids.append(int(head))
            versions.append(int(tail))
    return ids, versions


@bp.route("/corrections/review", methods=["POST"])
@login_required
@require(*PAGE_ROLES)
def review_many():
    """One decision for the ticked corrections; stale ones are listed with their current state."""
    typed = {k: request.form.get(k, "") for k in ("action", "fixed_on", "reason")}
    ids, versions = _bulk_items(request.form.getlist("ids"))
    if not ids:
        flash(_("Hãy chọn ít nhất một sai sót."), "error")
        return _queue_page(typed, status=422)
    try:
        form = _load(DecisionForm, {**typed, "version": "1"})
    except InvalidError as exc:
        flash(_error_text(exc), "error")
        return _queue_page(typed, status=422)
    decision = {"status": form["action"], "reason": form["reason"], "fixed_on": form["fixed_on"]}
    results = review.review_many(acting_user(), ids, versions, decision)
    db.session.commit()
    done = sum(1 for r in results if r["result"] == "ok")
    if done == len(results):
        flash(_("Đã cập nhật %(n)s sai sót.", n=done), "ok")
        return redirect(url_for(".corrections", **request.args.to_dict()), 303)
    flash(
        _("Đã cập nhật %(n)s/%(t)s sai sót; các mục còn lại xem bên dưới.", n=done, t=len(results)),
        "error",
    )
    return _queue_page(typed, _explained(results), status=_status_of(results))


def _status_of(results: list[dict[str, Any]]) -> int:
    """409 when some item changed meanwhile; else the first refusal's (404, 403, 422)."""
    codes = [r["code"] for r in results if r["result"] != "ok"]
    return 409 if 409 in codes else codes[0]


def _explained(results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The results that were not done, each with its current record for the page."""
    user = acting_user()
    out = []
    for result in results:
        if result["result"] == "ok":
            continue
        row = db.session.get(Correction, result["id"]) if result["code"] != 404 else None
        retry = (
            row is not None and row.status in review.NEXT_STATUS and review.may_review(user, row)
        )
        out.append({**result, "row": row, "retry": retry})
    return out


def _error_text(exc: ServiceError) -> str:
    details = [m for messages in (exc.errors or {}).values() for m in messages]
    return " ".join([str(exc.message), *details]) if details else str(exc.message)


def _detail_page(correction: Correction, *, form=None, error=None, stale=None, status=200):
    user = acting_user()
    view = correction_queue.correction_view(correction, visit_of(correction.visit_id), user)
    return render_template(
        "corrections/detail.html",
        **view,
        can_review=correction.status in review.NEXT_STATUS and review.may_review(user, correction),
        next_status=review.NEXT_STATUS.get(correction.status, ()),
        form=form or {"fixed_on": today_in_vietnam().isoformat()},
        error=error,
        stale=stale,
        today=today_in_vietnam().isoformat(),
        found_on=review.found_on(correction).isoformat(),
    ), status


@bp.route("/corrections/<int:correction_id>")
@login_required
@require(*PAGE_ROLES)
def correction(correction_id: int):
    """One correction: the resident, the values, the visit, who found it and the evidence."""
    return _detail_page(review.correction_for(acting_user(), correction_id))


@bp.route("/corrections/<int:correction_id>", methods=["POST"])
@login_required
@require(*PAGE_ROLES)
def decide(correction_id: int):
    """Mark one correction verified, fixed or dismissed; a stale form shows the current one."""
    user = acting_user()
    found = review.correction_for(user, correction_id)
    typed = {k: request.form.get(k, "") for k in ("action", "version", "fixed_on", "reason")}
    seen = {"status": request.form.get("seen_status", ""), "version": typed["version"]}
    try:
        form = _load(DecisionForm, typed)
        review.resolve_correction(
            user,
            correction_id,
            status=form["action"],
            version=form["version"],
            reason=form["reason"],
            fixed_on=form["fixed_on"],
        )
    except ConflictError as exc:
        db.session.rollback()
        return _detail_page(found, form=typed, error=_error_text(exc), stale=seen, status=409)
    except (InvalidError, ForbiddenError) as exc:
        db.session.rollback()
        return _detail_page(found, form=typed, error=_error_text(exc), status=exc.status)
    db.session.commit()
    flash(_("Đã cập nhật sai sót số %(id)s.", id=correction_id), "ok")
    return redirect(url_for(".correction", correction_id=correction_id), 303)
