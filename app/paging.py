"""One page of a list: the rows of the page and how many there are in all."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, select

from app.extensions import db

MAX_PER_PAGE = 200


@dataclass
class Page:
    """Items of one page with the list's total, as the paged answers (`paged()`) show it."""

    items: list[Any]
    total: int
    page: int
    per_page: int

    @classmethod
    def empty(cls, page: int, per_page: int) -> Page:
        """Return a page of a list that selects nothing."""
        return cls([], 0, page, per_page)

    @classmethod
    def of_list(cls, items: list[Any], page: int, per_page: int) -> Page:
        """Return one page of a list already in memory."""
        start = (page - 1) * per_page
        return cls(items[start : start + per_page], len(items), page, per_page)


def paginate(query: Select, page: int, per_page: int, *, rows: bool = False) -> Page:
    """Run one page of an ordered query and count every row it selects.

    Rows of several columns come back whole with `rows=True`; otherwise the first column.
    """
    per_page = min(per_page, MAX_PER_PAGE)
    counted = query.order_by(None).subquery()
    total = db.session.scalar(select(func.count()).select_from(counted)) or 0
    result = db.session.execute(query.limit(per_page).offset((page - 1) * per_page))
    items = list(result.all() if rows else result.scalars())
    return Page(items, total, page, per_page)
