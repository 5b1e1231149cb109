"""Small pieces shared by every domain: time, the unit-scope columns."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import DateTime, ForeignKey, TypeDecorator
from sqlalchemy.orm import Mapped, declared_attr, mapped_column


def utcnow() -> datetime:
    """Return the current time, timezone-aware, in UTC."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """A timestamp stored as UTC on every database and always read back timezone-aware."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is not UTC:  # most values are made by utcnow() or read back: UTC
            value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class UnitScoped:
    """Columns that place a row in the unit tree, for scope filters and aggregation.

    Every row that belongs to a household carries the hamlet, commune and province it lies in,
    so scope checks and coverage roll-ups are single indexed comparisons, never joins per row.
    """

    # The unit columns an index of the model's own leads with (a composite index or unique
    # key): an index of the column alone would only double it, at every write.
    led_unit_columns: ClassVar[tuple[str, ...]] = ()

    @declared_attr
    def hamlet_id(cls) -> Mapped[int | None]:
        return mapped_column(ForeignKey("units.id"), index=_alone(cls, "hamlet_id"), nullable=True)

    @declared_attr
    def commune_id(cls) -> Mapped[int]:
        return mapped_column(ForeignKey("units.id"), index=_alone(cls, "commune_id"))

    @declared_attr
    def province_id(cls) -> Mapped[int]:
        return mapped_column(ForeignKey("units.id"), index=_alone(cls, "province_id"))


def _alone(model: type, column: str) -> bool:
    """Whether a unit column gets an index of its own: when no index of the model leads with it."""
    return column not in model.led_unit_columns


def writes_on_get(
    view: Callable[..., Any] | None = None, *, when: Callable[[], bool] | None = None
) -> Any:
    """Mark a GET view that writes (an audit entry), so that on SQLite its transaction takes
    the write lock at once (see app._sqlite_begin); `when` limits that to the requests that
    write (a download, not a view). The mark survives decorators made with functools.wraps,
    which copy the function's attributes."""

    def mark(function: Callable[..., Any]) -> Callable[..., Any]:
        function.writes_on_get = when or True  # type: ignore[attr-defined]
        return function

    return mark(view) if view is not None else mark
