"""Import a commune's household list (XLSX or CSV): check every row, then all or nothing.

`run_import` reads the file, checks each row and each household against the file and the
database, and writes only when the whole file is good (or, with `partial`, the households
whose rows are all good). It never commits: the caller commits when `summary.written`, and
rolls back otherwise. The report (`write_report`) is the input sheet with the result, the
errors and the notes of every row.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from flask_babel import gettext as _

from app.auth.audit import record
from app.extensions import db
from app.imports.apply import apply_plan
from app.imports.files import FileRefused, Limits, Sheet, read_sheet
from app.imports.plan import Plan, make_plan
from app.imports.rows import Layout, Row, find_layout, read_row, read_rows
from app.imports.xlsx import Uncalculated
from app.units.models import Unit

__all__ = ["FileRefused", "ImportResult", "Limits", "Summary", "run_import"]

Progress = Callable[[str, int], None]


@dataclass
class Counts:
    """How many were added, changed, left unchanged and refused."""

    added: int = 0
    changed: int = 0
    unchanged: int = 0
    refused: int = 0

    def add(self, status: str) -> None:
        """Count one item by its status."""
        name = status if status in ("added", "changed", "unchanged") else "refused"
        setattr(self, name, getattr(self, name) + 1)


@dataclass
class Summary:
    """What an import did (or would do), for the command line, the page and the audit trail."""

    file_name: str
    file_kind: str
    commune_code: str
    rows: int
    households: Counts
    residents: Counts
    rows_with_errors: int
    written: bool
    dry_run: bool
    partial: bool
    conversions: int = 0
    corrections_opened: int = 0
    hamlets_created: list[str] = field(default_factory=list)
    hamlets_planned: list[str] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    encoding: str | None = None
    seconds: float = 0.0
    timings: dict[str, float] = field(default_factory=dict)  # seconds per stage

    def as_dict(self) -> dict[str, Any]:
        """The summary as plain data (audit entry, JSON)."""
        return asdict(self)

    def verdict(self) -> str:
        """One sentence: written, dry run, or refused and why."""
        if self.dry_run:
            return _("Chạy thử: chưa ghi gì vào cơ sở dữ liệu.")
        if self.written and self.rows_with_errors:
            return _(
                "Đã nhập các hộ không có lỗi; %(n)s hộ có dòng lỗi không được nhập.",
                n=self.households.refused,
            )
        if self.written:
            return _("Đã nhập xong.")
        return _(
            "Không nhập gì vì có %(n)s dòng lỗi (cả tệp phải đúng). Sửa theo cột 'Lỗi' trong báo cáo rồi nhập lại, hoặc chọn chỉ nhập các hộ không lỗi (--partial).",  # noqa: E501
            n=self.rows_with_errors,
        )

    def lines(self) -> list[str]:
        """The summary as sentences for a person."""
        out = [
            _("Tệp %(name)s: %(rows)s dòng dữ liệu.", name=self.file_name, rows=self.rows),
            _(
                "Hộ: thêm %(added)s, cập nhật %(changed)s, không đổi %(unchanged)s, từ chối %(refused)s.",  # noqa: E501
                **asdict(self.households),
            ),
            _(
                "Công dân: thêm %(added)s, cập nhật %(changed)s, không đổi %(unchanged)s, từ chối %(refused)s.",  # noqa: E501
                **asdict(self.residents),
            ),
            _("Dòng có lỗi: %(n)s.", n=self.rows_with_errors),
        ]
        if self.conversions:
            out.append(_("Địa chỉ cũ đã quy đổi sang xã mới: %(n)s hộ.", n=self.conversions))
        if self.hamlets_created:
            out.append(_("Thôn mới đã tạo: %(codes)s.", codes=", ".join(self.hamlets_created)))
        elif self.hamlets_planned:
            out.append(_("Thôn sẽ tạo: %(names)s.", names=", ".join(self.hamlets_planned)))
        if self.corrections_opened:
            out.append(
                _(
                    "Số định danh không khớp giới tính/năm sinh/nơi sinh: mở %(n)s thông tin cần điều chỉnh.",  # noqa: E501
                    n=self.corrections_opened,
                )
            )
        if self.ignored_columns:
            out.append(_("Cột không dùng: %(cols)s.", cols=", ".join(self.ignored_columns)))
        out.append(self.verdict())
        return out


@dataclass
class ImportResult:
    """The summary with the rows, for the report."""

    summary: Summary
    sheet: Sheet
    layout: Layout
    rows: list[Row]
    plan: Plan


def _settle(plan: Plan, all_good: bool, partial: bool) -> None:
    """Give every row its final status, explaining those not taken."""
    for row in plan.orphans:
        row.status = "error"
    for household in plan.households:
        rows = household.group.rows
        if household.status == "refused":
            for row in rows:
                row.status = "error" if row.errors else "skipped"
                if not row.errors:
                    row.note(_("Không nhập vì hộ này có dòng lỗi."))
            continue
        for resident in household.residents:
            resident.row.status = resident.status
            if not all_good and not partial:
                resident.row.note(_("Không nhập vì tệp có dòng lỗi."))


def _count(plan: Plan) -> tuple[Counts, Counts]:
    households, residents = Counts(), Counts()
    for household in plan.households:
        households.add(household.status)
        if household.status == "refused":
            for _row in household.group.rows:
                residents.add("refused")
        for resident in household.residents:
            residents.add(resident.status)
    for _row in plan.orphans:
        residents.add("refused")
    return households, residents


def _with_uncalculated(sheet: Sheet, layout: Layout, rows: list[Row]) -> list[Row]:
    """Add the rows whose only filled cells are formulas Excel never calculated: they read as
    empty, but their values are unknown, not absent, so they are refused rather than skipped."""
    if sheet.kind != "xlsx":
        return rows
    taken = {row.index for row in rows}
    extra = [
        read_row(index, raw, layout)
        for index, raw in enumerate(sheet.rows)
        if index > layout.header_index
        and index not in taken
        and any(isinstance(cell, Uncalculated) for cell in raw)
    ]
    return sorted(rows + extra, key=lambda row: row.index) if extra else rows


class _Clock:
    """Seconds spent in each stage of an import, and in all."""

    def __init__(self) -> None:
        self.started = self.mark = time.perf_counter()
        self.timings: dict[str, float] = {}

    def lap(self, stage: str) -> None:
        """Note the time since the previous lap as this stage's."""
        now = time.perf_counter()
        self.timings[stage] = round(now - self.mark, 2)
        self.mark = now

    def total(self) -> float:
        """Seconds since the import began."""
        return round(time.perf_counter() - self.started, 2)


def _checked_rows(
    sheet: Sheet, layout: Layout, limits: Limits, tell: Callable[[int], None] | None
) -> list[Row]:
    """Read and check every data row; refuse a file with none, or with too many."""
    rows = _with_uncalculated(sheet, layout, read_rows(sheet, layout, tell))
    if not rows:
        raise FileRefused(_("Tệp không có dòng dữ liệu nào dưới dòng tiêu đề."))
    if len(rows) > limits.max_rows:
        raise FileRefused(
            _("Tệp có quá nhiều dòng (hơn %(max)s); hãy chia thành nhiều tệp.", max=limits.max_rows)
        )
    return rows


def run_import(
    data: bytes,
    file_name: str,
    commune: Unit,
    *,
    actor_id: int | None = None,
    dry_run: bool = False,
    partial: bool = False,
    create_hamlets: bool = False,
    limits: Limits | None = None,
    progress: Progress | None = None,
) -> ImportResult:
    """Check a household list and write it when it may be written; never commits."""
    clock = _Clock()
    limits = limits or Limits()

    def tell(stage: str) -> Callable[[int], None] | None:
        return (lambda n: progress(stage, n)) if progress else None

    sheet = read_sheet(data, limits, tell("read"))
    clock.lap("read")
    layout = find_layout(sheet)
    rows = _checked_rows(sheet, layout, limits, tell("check"))
    clock.lap("rows")
    plan = make_plan(rows, layout, commune, create_hamlets)
    clock.lap("plan")
    errors = plan.rows_with_errors
    _settle(plan, errors == 0, partial)
    households, residents = _count(plan)
    summary = Summary(
        file_name=file_name,
        file_kind=sheet.kind,
        commune_code=commune.code,
        rows=len(rows),
        households=households,
        residents=residents,
        rows_with_errors=errors,
        written=not dry_run and (errors == 0 or partial),
        dry_run=dry_run,
        partial=partial,
        conversions=plan.conversions,
        hamlets_planned=[name for name, _kind in plan.new_hamlets.values()],
        ignored_columns=layout.ignored,
        encoding=sheet.encoding,
        timings=clock.timings,
    )
    if summary.written:
        if progress:
            progress("write", 0)
        _write(plan, commune, actor_id, summary, clock)
    summary.seconds = clock.total()
    return ImportResult(summary, sheet, layout, rows, plan)


def _write(
    plan: Plan, commune: Unit, actor_id: int | None, summary: Summary, clock: _Clock
) -> None:
    """Write the plan and record one audit entry for the whole import."""
    done = apply_plan(plan, commune, actor_id)
    summary.hamlets_created = done["hamlets_created"]
    summary.corrections_opened = done["corrections_opened"]
    clock.lap("write")
    summary.seconds = clock.total()
    changes = summary.as_dict()
    changes.pop("ignored_columns")
    record(db.session, "import_households", "units", commune.id, changes)
    db.session.flush()
