"""Time importing a synthetic household list of 100,000 residents, then importing it again.

Run (SQLite in a temporary folder):
    .venv/bin/python bench/bench_import.py [--residents 100000] [--format xlsx|csv]
Run on PostgreSQL (a database of its own; its schema is dropped and migrated again, so the
database name must contain "bench"):
    createdb -h 127.0.0.1 -U postgres gocua_bench_import
    .venv/bin/python bench/bench_import.py \
        --database-url postgresql+psycopg://postgres@127.0.0.1:5432/gocua_bench_import

The sheet is generated into a temporary folder (about 30,000 households in 20 hamlets of
xã Nam Đông, 1 to 6 people each, ID numbers for three in four, a tenth of the addresses
written with the pre-2025 units) and deleted afterwards. The target is 60 s for the first
import of 100,000 residents.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import sqlalchemy as sa
from figures import Figure, database_version, record, within
from openpyxl import Workbook

from app import create_app
from app.extensions import db
from app.imports import Limits, run_import
from app.imports.files import read_sheet
from app.imports.report import write_report
from app.people.idnumber import build_id_number
from app.units.models import Unit
from app.units.service import create_hamlet, load_units

MAX_RESIDENTS = 200_000
TARGET_SECONDS = 60.0
COMMUNE = "20179"
HAMLETS = 20
HEADERS = [
    "Số hộ", "Chủ hộ", "Quan hệ với chủ hộ", "Họ và tên", "Ngày sinh", "Giới tính",
    "Số định danh", "Dân tộc", "Nơi sinh", "Địa chỉ", "Thôn", "Vĩ độ", "Kinh độ",
    "Tình trạng CCCD", "VNeID",
]  # fmt: skip
FAMILY = ["Hồ", "Nguyễn", "Trần", "Lê", "A Viết", "Alăng", "Blúp", "Zơ Râm", "Phan", "Đinh"]
MIDDLE = {"male": ["Văn", "Đức", "Minh"], "female": ["Thị", "Ngọc", "Thu"]}
GIVEN = ["An", "Bình", "Cường", "Dũng", "Hoa", "Lan", "Mai", "Nam", "Sơn", "Tâm", "Xuân", "Yến"]
RELATIONSHIPS = ["Chủ hộ", "Vợ", "Con", "Con", "Cháu", "Mẹ"]


def generate_rows(residents: int, seed: int) -> list[list]:
    """Build the sheet's rows: households of 1-6 people until the resident count is reached."""
    rng = random.Random(seed)
    rows: list[list] = []
    serial = 0
    household = 0
    while len(rows) < residents:
        household += 1
        hamlet = 1 + household % HAMLETS
        address = f"Số {household}, Thôn {hamlet}, xã Nam Đông, thành phố Huế"
        if household % 10 == 0:
            address = (
                f"Số {household}, thôn {hamlet}, xã Hương Sơn, huyện Nam Đông, tỉnh Thừa Thiên Huế"
            )
        lat = round(16.05 + rng.random() * 0.05, 6) if household % 3 == 0 else None
        lon = round(107.65 + rng.random() * 0.1, 6) if lat is not None else None
        size = min(rng.randint(1, 6), residents - len(rows))
        family = rng.choice(FAMILY)
        head_name = None
        for member in range(size):
            sex = "male" if (member == 0) == (rng.random() < 0.8) else "female"
            name = f"{family} {rng.choice(MIDDLE[sex])} {rng.choice(GIVEN)} {member + 1}"
            born = date(rng.randint(1935, 2024), rng.randint(1, 12), rng.randint(1, 28))
            head_name = head_name or name
            serial += 1
            number = build_id_number("046", sex, born.year, serial) if rng.random() < 0.75 else None
            rows.append(
                [
                    f"NĐ-{household:06d}", head_name, RELATIONSHIPS[member], name,
                    born.strftime("%d/%m/%Y") if rng.random() < 0.8 else str(born.year),
                    "Nam" if sex == "male" else "Nữ", number,
                    "Cơ Tu" if family[0] in "ABZ" else "Kinh",
                    "Thừa Thiên Huế", address, f"Thôn {hamlet}", lat, lon,
                    rng.choice(["Chưa thu nhận", "Đã thu nhận hồ sơ", "Đã cấp thẻ"]),
                    rng.choice(["Chưa có", "Mức 1", "Đã kích hoạt mức 2"]),
                ]
            )  # fmt: skip
    return rows


def write_sheet(rows: list[list], folder: Path, kind: str) -> Path:
    """Write the rows as XLSX (write-only, as big exports are) or UTF-8 CSV."""
    if kind == "csv":
        path = folder / "ds.csv"
        with path.open("w", encoding="utf-8-sig", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(HEADERS)
            writer.writerows(rows)
        return path
    path = folder / "ds.xlsx"
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Danh sách hộ")
    sheet.append(HEADERS)
    for row in rows:
        sheet.append(row)
    workbook.save(path)
    return path


def prepare_database(url: str) -> None:
    """Migrate an empty database and load the units with xã Nam Đông's hamlets."""
    from flask_migrate import upgrade

    if url.startswith("postgresql"):
        if "bench" not in sa.engine.make_url(url).database:
            sys.exit("refusing to reset a PostgreSQL database whose name lacks 'bench'")
        engine = sa.create_engine(url)
        with engine.begin() as conn:
            conn.execute(sa.text("DROP SCHEMA IF EXISTS public CASCADE"))
            conn.execute(sa.text("CREATE SCHEMA public"))
        engine.dispose()
    upgrade(directory=str(Path(__file__).resolve().parent.parent / "migrations"))
    load_units()
    commune = db.session.scalar(sa.select(Unit).where(Unit.code == COMMUNE))
    for number in range(1, HAMLETS + 1):
        create_hamlet(commune, name=f"Thôn {number}", kind="thôn")
    db.session.commit()


def timed_import(data: bytes, name: str) -> tuple[float, object]:
    """Import and commit; answer seconds and the result."""
    commune = db.session.scalar(sa.select(Unit).where(Unit.code == COMMUNE))
    started = time.perf_counter()
    result = run_import(data, name, commune, limits=Limits(max_bytes=200 * 1024 * 1024))
    if result.summary.written:
        db.session.commit()
    return time.perf_counter() - started, result


def peak_mb() -> float:
    """This process's own peak resident memory (VmHWM): unlike ru_maxrss, it does not start
    from the parent's size at fork (Linux keeps the larger of the two across exec)."""
    for row in Path("/proc/self/status").read_text().splitlines():
        if row.startswith("VmHWM:"):
            return int(row.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child_import(path: str, url: str) -> None:
    """In a process of its own: import the file once and print seconds, counts and peak RSS
    (so the sheet's generation in the parent does not count)."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "RATELIMIT_ENABLED": False})
    with app.app_context():
        data = Path(path).read_bytes()
        seconds, result = timed_import(data, Path(path).name)
        s = result.summary
        print(json.dumps({
            "seconds": seconds, "households": s.households.added, "residents": s.residents.added,
            "errors": s.rows_with_errors, "conversions": s.conversions, "timings": s.timings,
            "peak_mb": peak_mb(),
        }, default=str))  # fmt: skip
        db.session.remove()
        db.engine.dispose()


# The limit, in a process of its own that imports nothing else: read every row of the file
# with python-calamine (a CSV sheet: the standard library's reader).
CALAMINE = """
import csv, json, sys, time
path = sys.argv[1]
started = time.perf_counter()
rows = 0
if path.endswith(".csv"):
    with open(path, encoding="utf-8-sig", newline="") as handle:
        rows = sum(1 for _row in csv.reader(handle))
else:
    from python_calamine import CalamineWorkbook
    for _row in CalamineWorkbook.from_path(path).get_sheet_by_index(0).iter_rows():
        rows += 1
hwm = [r for r in open("/proc/self/status") if r.startswith("VmHWM:")][0].split()[1]
print(json.dumps({"seconds": time.perf_counter() - started, "rows": rows,
                  "peak_mb": int(hwm) / 1024}))
"""


def calamine_alone(path: Path) -> dict:
    """Run the limit's reader in a new process; answer its JSON line."""
    done = subprocess.run(
        [sys.executable, "-c", CALAMINE, str(path)], capture_output=True, text=True, check=True
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def in_child(*args: str) -> dict:
    """Run this script with a --child-* option in a new process; answer its JSON line."""
    done = subprocess.run(
        [sys.executable, __file__, *args], capture_output=True, text=True, check=True
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    """Generate, import twice, report the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--residents", type=int, default=100_000)
    parser.add_argument("--format", choices=("xlsx", "csv"), default="xlsx")
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--child-import", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child_import:
        return child_import(args.child_import, args.database_url)
    residents = min(max(args.residents, 1), MAX_RESIDENTS)
    with tempfile.TemporaryDirectory(prefix="gocua-bench-import-") as tmp:
        folder = Path(tmp)
        url = args.database_url or f"sqlite:///{folder / 'bench.db'}"
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "RATELIMIT_ENABLED": False})
        with app.app_context():
            prepare_database(url)
            started = time.perf_counter()
            path = write_sheet(generate_rows(residents, args.seed), folder, args.format)
            made = time.perf_counter() - started
            data = path.read_bytes()
            print(
                f"backend: {db.engine.dialect.name}; sheet: {args.format}, {residents:,}"
                f" residents, {len(data) / 1e6:.1f} MB (made in {made:.1f} s)"
            )
            limits = Limits(max_bytes=200 * 1024 * 1024)
            started = time.process_time()
            read_sheet(data, limits)  # the reader alone, in CPU time (steady on a busy machine)
            print(f"read alone:    {time.process_time() - started:6.1f} s CPU")
            limit = calamine_alone(path)
            first = in_child("--child-import", str(path), "--database-url", url)
            print(
                f"first import:  {first['seconds']:6.1f} s  households +{first['households']:,},"
                f" residents +{first['residents']:,}, errors {first['errors']},"
                f" old addresses converted {first['conversions']:,}"
                f" (own process, peak {first['peak_mb']:.0f} MB)"
            )
            print(f"               stages (s): {first['timings']}")
            print(
                f"calamine alone: {limit['seconds']:5.1f} s for {limit['rows']:,} rows"
                f" (own process, peak {limit['peak_mb']:.0f} MB)"
            )
            backend = "PostgreSQL" if url.startswith("postgresql") else "SQLite"
            what = "calamine reading every row" if args.format == "xlsx" else "csv.reader"
            record(
                [
                    Figure(
                        f"import of {residents:,} residents ({args.format})",
                        first["seconds"],
                        "s",
                        what,
                        limit["seconds"],
                        "<= 60 s",
                        within(first["seconds"], at_most=60),
                        backend,
                    ),
                    Figure(
                        "import peak memory (own process)",
                        first["peak_mb"],
                        "MB",
                        what,
                        limit["peak_mb"],
                        "<= 200 MB",
                        within(first["peak_mb"], at_most=200),
                        backend,
                    ),
                ],
                databases={db.engine.dialect.name: database_version(url)},
            )
            second, result = timed_import(data, path.name)
            started, cpu = time.perf_counter(), time.process_time()
            report = write_report(result)
            took = time.perf_counter() - started
            cpu = time.process_time() - cpu
            print(f"report XLSX:   {took:6.1f} s  ({cpu:.1f} s CPU, {len(report) / 1e6:.1f} MB)")
            s = result.summary
            print(
                f"same again:    {second:6.1f} s  households unchanged"
                f" {s.households.unchanged:,}, residents unchanged {s.residents.unchanged:,},"
                f" changed {s.residents.changed}"
            )
            print(f"               stages (s): {s.timings}")
            verdict = "OK" if first["seconds"] <= TARGET_SECONDS else "SLOW"
            print(f"target {TARGET_SECONDS:.0f} s for the first import: {verdict}")
            db.session.remove()
            db.engine.dispose()


if __name__ == "__main__":
    main()
