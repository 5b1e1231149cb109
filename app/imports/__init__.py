"""Import a commune's household list (XLSX or CSV): check every row, then all or nothing.

`run_import` reads the file, checks each row and each household against the file and the
database, and writes only when the whole file is good (or, with `partial`, the households
whose rows are all good). It never commits: the caller commits when `summary.written`, and
rolls back otherwise. The report (`write_report`) is the input sheet with the result, the
errors and the notes of every row.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from flask_babel import gettext as _

from app.auth.audit import record
from app.extensions import db
from app.imports.apply import (
    analyze_after,
    analyze_while_growing,
    apply_households,
    create_hamlets,
)
from app.imports.files import FileRefused, Limits, Sheet, open_sheet
from app.imports.outcomes import LET_GO, RowOutcomes
from app.imports.plan import PLAN_CHUNK, HouseholdPlan, Planner
from app.imports.rows import Layout, Row
from app.imports.stream import FileIndex, household_chunks, index_file
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
    """The summary with what became of every row, for the report (which reads the sheet's
    cells again)."""

    summary: Summary
    sheet: Sheet  # its rows are read again at each pass
    layout: Layout
    rows: Sequence[Row]  # a RowOutcomes, read back from a temporary file: go over it in order
    width: int  # the widest row of the sheet, in cells


@dataclass
class _Outcome:
    """What the check of every chunk found, kept while the chunks' plans are let go."""

    households: Counts = field(default_factory=Counts)
    residents: Counts = field(default_factory=Counts)
    conversions: int = 0
    used_hamlets: set[str | None] = field(default_factory=set)
    to_write: list[int] = field(default_factory=list)  # chunks with something to write

    def take(self, number: int, households: list[HouseholdPlan], conversions: int) -> None:
        """Settle and count one chunk's households."""
        _settle(households)
        self.conversions += conversions
        for household in households:
            self.households.add(household.status)
            if household.status == "refused":
                for _row in household.group.rows:
                    self.residents.add("refused")
                continue
            self.used_hamlets.add(household.group.new_hamlet)
            for resident in household.residents:
                self.residents.add(resident.status)
        if any(h.status in ("added", "changed") for h in households):
            self.to_write.append(number)


def _settle(households: list[HouseholdPlan]) -> None:
    """Give every row of these households its status, explaining those not taken."""
    for household in households:
        if household.status == "refused":
            for row in household.group.rows:
                row.status = "error" if row.errors else "skipped"
                if not row.errors:
                    row.note(_("Không nhập vì hộ này có dòng lỗi."))
            continue
        for resident in household.residents:
            resident.row.status = resident.status


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


def _check_count(rows: int, limits: Limits) -> None:
    """Refuse a file with no data row, or with too many."""
    if not rows:
        raise FileRefused(_("Tệp không có dòng dữ liệu nào dưới dòng tiêu đề."))
    if rows > limits.max_rows:
        raise FileRefused(
            _("Tệp có quá nhiều dòng (hơn %(max)s); hãy chia thành nhiều tệp.", max=limits.max_rows)
        )


def _check_chunks(
    sheet: Sheet, index: FileIndex, planner: Planner, progress: Callable[[int], None] | None
) -> tuple[RowOutcomes, _Outcome]:
    """Check and plan every chunk of households without writing; keep of each row only what
    became of it (its values are let go once its household is planned), in a temporary file
    as soon as it and every row above it are settled."""
    outcome = _Outcome()
    rows = RowOutcomes()
    unsettled: deque[Row] = deque()  # in the sheet's order; a scattered household's wait
    for number, chunk in enumerate(household_chunks(sheet, index, PLAN_CHUNK, progress)):
        unsettled += chunk.rows
        for row in chunk.rows:
            if not row.values.get("household_code"):
                row.status = "error"
                row.values = LET_GO
                outcome.residents.add("refused")
        households, conversions = planner.plan_chunk(chunk.groups)
        outcome.take(number, households, conversions)
        for group in chunk.groups:
            for row in group.rows:
                row.values = LET_GO
        while unsettled and unsettled[0].status:
            rows.add(unsettled.popleft())
    for row in unsettled:
        rows.add(row)
    rows.close()
    return rows, outcome


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
    """Check a household list and write it when it may be written; never commits. The rows
    are read in passes, never all kept (`stream.py`): to index the file, to check and plan the
    households a chunk at a time, and to write the chunks that change something."""
    clock = _Clock()
    limits = limits or Limits()

    def tell(stage: str) -> Callable[[int], None] | None:
        return (lambda n: progress(stage, n)) if progress else None

    sheet = open_sheet(data, limits, tell("read"))
    index = index_file(sheet)
    _check_count(index.rows, limits)
    clock.lap("read")
    planner = Planner.start(index.layout, commune, create_hamlets)
    rows, outcome = _check_chunks(sheet, index, planner, tell("check"))
    clock.lap("check")
    errors = rows.with_errors
    if errors and not partial:
        # Each row that was good says, when read back, why a file with bad rows wrote nothing.
        rows.not_taken = _("Không nhập vì tệp có dòng lỗi.")
    summary = Summary(
        file_name=file_name,
        file_kind=sheet.kind,
        commune_code=commune.code,
        rows=len(rows),
        households=outcome.households,
        residents=outcome.residents,
        rows_with_errors=errors,
        written=not dry_run and (errors == 0 or partial),
        dry_run=dry_run,
        partial=partial,
        conversions=outcome.conversions,
        hamlets_planned=[
            name for name, _kind in planner.new_hamlets(outcome.used_hamlets).values()
        ],
        ignored_columns=index.layout.ignored,
        encoding=sheet.encoding,
        timings=clock.timings,
    )
    if summary.written:
        if progress:
            progress("write", 0)
        _write(sheet, index, planner, outcome, actor_id, summary)
        clock.lap("write")
    summary.seconds = clock.total()
    _audit(summary, commune, actor_id)
    return ImportResult(summary, sheet, index.layout, rows, index.width)


def _write(
    sheet: Sheet,
    index: FileIndex,
    planner: Planner,
    outcome: _Outcome,
    actor_id: int | None,
    summary: Summary,
) -> None:
    """Read the rows again and write, planned again, the chunks that change something."""
    commune = planner.commune
    made = create_hamlets(planner.new_hamlets(outcome.used_hamlets), commune)
    wanted = set(outcome.to_write)
    written = opened = analyzed = 0
    chunks = household_chunks(sheet, index, PLAN_CHUNK) if wanted else iter(())
    for number, chunk in enumerate(chunks):
        if number not in wanted:
            continue
        households, _conversions = planner.plan_chunk(chunk.groups)
        residents, corrections = apply_households(households, commune, made, actor_id)
        written += residents
        opened += corrections
        analyzed = analyze_while_growing(written, analyzed)
    analyze_after(written)
    summary.hamlets_created = [u.code for u in made.values()]
    summary.corrections_opened = opened


def _audit(summary: Summary, commune: Unit, actor_id: int | None) -> None:
    """One audit entry for the whole import, when it wrote."""
    if not summary.written:
        return
    changes = summary.as_dict()
    changes.pop("ignored_columns")
    record(db.session, "import_households", "units", commune.id, changes)
    db.session.flush()
