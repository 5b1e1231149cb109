"""Inputs of the dashboard's overdue pages: the list's query string and the reassign form."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask_babel import lazy_gettext as _l
from marshmallow import EXCLUDE, ValidationError, fields, validate

from app.people.fields import QueryId
from app.reports.schemas import UnitCode
from app.schemas import BaseSchema


def local_path(value: str) -> None:
    """Refuse a return address off this site (an open redirect)."""
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or value[:2] in ("//", "/\\") or not value.startswith("/"):
        raise ValidationError(str(_l("Địa chỉ quay lại không hợp lệ.")))


class OverdueListArgs(BaseSchema):
    """`/dashboard/overdue?unit=&page=`."""

    class Meta:
        unknown = EXCLUDE

    unit = UnitCode()
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100000))


class ReassignForm(BaseSchema):
    """The reassign form of one overdue follow-up (the CSRF token is checked before)."""

    class Meta:
        unknown = EXCLUDE

    assignee_id = QueryId(required=True)
    next = fields.String(load_default=None, validate=[validate.Length(max=500), local_path])
