"""Time matching a sector list against a commune's residents, beside a plain exact-number join.

A synthetic commune of M residents (10 hamlets, about four people a household, random Kinh
names, dates of birth over 90 years, a unique 12-digit number each) and a sector list of N
rows drawn from it with the problems a real list has: 60 % as on file, 10 % without a
number, 10 % with one wrong digit, 5 % misspelt without a number, 5 % with a wrong date of
birth, 10 % people who do not live there. The list is read, matched and stored through the
same code the upload runs (app/reconcile: read_list, run), then the same rows are joined to
the residents by their exact number alone, in SQL and in Python, in the same run; the figures
are the matching time, the join times and their ratio.

Run (SQLite in a temporary folder):
    .venv/bin/python bench/bench_reconcile.py [--rows 5000] [--residents 50000]
On PostgreSQL (its schema is dropped and migrated again, so the name must contain "bench"):
    .venv/bin/python bench/bench_reconcile.py --rows 100000 --residents 1000000 \\
        --database-url postgresql+psycopg://postgres@127.0.0.1:5432/gocua_bench
The target is 100,000 rows against 1,000,000 residents in at most 60 s on PostgreSQL.
"""

from __future__ import annotations

import argparse
import csv
import io
import random
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import sqlalchemy as sa  # noqa: E402
from figures import Figure, database_version, record, within  # noqa: E402

from app import create_app  # noqa: E402
from app.extensions import db  # noqa: E402
from app.people.models import Household, Resident  # noqa: E402
from app.reconcile import matcher, service  # noqa: E402
from app.reconcile.models import Reconciliation, ReconciliationRow  # noqa: E402
from app.reconcile.reading import read_list  # noqa: E402
from app.text import fold  # noqa: E402
from app.units.models import Unit  # noqa: E402

FAMILY = ("Nguyễn", "Trần", "Lê", "Hồ", "Phan", "Võ", "Phạm", "Hoàng", "Huỳnh", "Trương",
          "Đặng", "Bùi", "Đỗ", "Ngô", "Dương", "Đinh", "Lý", "Mai")  # fmt: skip
MIDDLE = ("Văn", "Thị", "Hữu", "Đức", "Minh", "Ngọc", "Thanh", "Quốc", "Xuân", "Hoài",
          "Công", "Đình", "Kim", "Thu", "Bảo", "Gia")  # fmt: skip
GIVEN = ("An", "Bình", "Cường", "Dũng", "Hà", "Hải", "Hạnh", "Hiếu", "Hoa", "Hùng", "Hương",
         "Khánh", "Lan", "Linh", "Long", "Mai", "Minh", "Nam", "Nga", "Ngọc", "Nhung", "Phong",
         "Phúc", "Phương", "Quang", "Quỳnh", "Sơn", "Tâm", "Thảo", "Thắng", "Thủy", "Trang",
         "Trung", "Tú", "Tuấn", "Vân", "Việt", "Vinh", "Yến", "Xuân")  # fmt: skip
HAMLETS = 10
CHUNK = 20_000
HEADERS = ("STT", "Họ và tên", "Ngày sinh", "Giới tính", "Số CCCD", "Thôn", "Mã thẻ BHYT")


def _name(rng: random.Random) -> str:
    return f"{rng.choice(FAMILY)} {rng.choice(MIDDLE)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"


def _prepare(url: str) -> None:
    from flask_migrate import upgrade

    if url.startswith("postgresql"):
        if "bench" not in (sa.engine.make_url(url).database or ""):
            sys.exit("refusing to reset a PostgreSQL database whose name lacks 'bench'")
        engine = sa.create_engine(url)
        with engine.begin() as conn:
            conn.execute(sa.text("DROP SCHEMA IF EXISTS public CASCADE"))
            conn.execute(sa.text("CREATE SCHEMA public"))
        engine.dispose()
    upgrade(directory=str(ROOT / "migrations"))


def _units() -> tuple[Unit, list[Unit]]:
    province = Unit(code="99", name="Tỉnh Thử", name_folded="tinh thu", level="province")
    db.session.add(province)
    db.session.flush()
    commune = Unit(code="99001", name="Xã Thử", name_folded="xa thu", level="commune",
                   parent_id=province.id, province_id=province.id)  # fmt: skip
    db.session.add(commune)
    db.session.flush()
    hamlets = []
    for number in range(1, HAMLETS + 1):
        hamlet = Unit(code=f"99001-{number:03d}", name=f"Thôn {number}",
                      name_folded=f"thon {number}", level="hamlet", kind="thôn",
                      parent_id=commune.id, province_id=province.id)  # fmt: skip
        db.session.add(hamlet)
        hamlets.append(hamlet)
    db.session.flush()
    return commune, hamlets


def _people(count: int, rng: random.Random) -> list[tuple]:
    """(name, born, sex, number, hamlet index) for each resident; numbers unique."""
    people = []
    start = date(1935, 1, 1)
    for index in range(count):
        born = start + timedelta(days=rng.randrange(90 * 365))
        sex = rng.choice(("male", "female"))
        number = f"046{rng.randrange(4)}{born.year % 100:02d}{index:06d}"
        people.append((_name(rng), born, sex, number, rng.randrange(HAMLETS)))
    return people


def _insert(conn: sa.Connection, model: type, rows: list[dict]) -> None:
    """Insert rows: COPY on PostgreSQL (a million residents in seconds), else in chunks."""
    if not rows:
        return
    if conn.dialect.name == "postgresql":
        columns = list(rows[0])
        raw = conn.connection.driver_connection
        with (
            raw.cursor() as cursor,
            cursor.copy(f"COPY {model.__tablename__} ({', '.join(columns)}) FROM STDIN") as copy,
        ):
            for row in rows:
                copy.write_row([row[c] for c in columns])
        return
    for begin in range(0, len(rows), CHUNK):
        conn.execute(sa.insert(model), rows[begin : begin + CHUNK])


def _load(commune: Unit, hamlets: list[Unit], people: list[tuple]) -> None:
    """Households of about four and their residents."""
    conn = db.session.connection()
    per_household = 4
    households = [
        {
            "code": f"HO-{h:07d}",
            "address": hamlets[people[i][4]].name,
            "search_text": "",
            "source": "list",
            "kind": "family",
            "hamlet_id": hamlets[people[i][4]].id,
            "commune_id": commune.id,
            "province_id": commune.province_id,
            "created_at": datetime.now(UTC),
            "updated_at": datetime.now(UTC),
        }
        for h, i in enumerate(range(0, len(people), per_household))
    ]
    _insert(conn, Household, households)
    ids = list(conn.scalars(sa.select(Household.id).order_by(Household.id)))
    now = datetime.now(UTC)
    rows = [
        {
            "household_id": ids[i // per_household],
            "full_name": name,
            "name_folded": fold(name),
            "birth_date": born,
            "birth_year": born.year,
            "sex": sex,
            "id_number": number,
            "hamlet_id": households[i // per_household]["hamlet_id"],
            "commune_id": commune.id,
            "province_id": commune.province_id,
            "presence": "present",
            "id_card": "not_collected",
            "eid": "none",
            "unable_to_travel": False,
            "pending": False,
            "residence": "permanent",
            "version": 1,
            "created_at": now,
            "updated_at": now,
        }
        for i, (name, born, sex, number, _hamlet) in enumerate(people)
    ]
    _insert(conn, Resident, rows)
    db.session.commit()


def _loaded(url: str, args: argparse.Namespace) -> Unit | None:
    """The commune of a previous run with as many residents, its lists emptied; else None."""
    try:
        commune = db.session.scalar(sa.select(Unit).where(Unit.code == "99001"))
    except sa.exc.DBAPIError:
        db.session.rollback()
        return None
    if commune is None:
        return None
    count = db.session.scalar(
        sa.select(sa.func.count()).select_from(Resident).where(Resident.commune_id == commune.id)
    )
    if count != args.residents:
        return None
    db.session.execute(sa.delete(ReconciliationRow))
    db.session.execute(sa.delete(Reconciliation))
    db.session.commit()
    return commune


def _misspelt(name: str) -> str:
    return name[:-1] if len(name) > 4 else name + "h"


def _sector_list(people: list[tuple], count: int, rng: random.Random) -> bytes:
    """The sector's CSV: rows drawn from the residents with planted problems."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADERS)
    for row in range(1, count + 1):
        name, born, sex, number, hamlet = rng.choice(people)
        roll = rng.random()
        if roll < 0.10:
            number = ""
        elif roll < 0.20:
            number = number[:-1] + str((int(number[-1]) + 1) % 10)
        elif roll < 0.25:
            name, number = _misspelt(name), ""
        elif roll < 0.30:
            born = born + timedelta(days=1)
        elif roll < 0.40:
            name, number = _name(rng) + " Lạ", ""
        writer.writerow([row, name, born.strftime("%d/%m/%Y"), "Nam" if sex == "male" else "Nữ",
                         number, f"Thôn {hamlet + 1}", f"HS{row:09d}"])  # fmt: skip
    return out.getvalue().encode("utf-8")


def _exact_join(reconciliation_id: int, commune: Unit) -> tuple[float, int, float, int]:
    """The plain join by exact number: in SQL on the stored rows, and in Python."""
    started = time.perf_counter()
    sql_hits = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(ReconciliationRow)
        .join(Resident, Resident.id_number == ReconciliationRow.id_number)
        .where(ReconciliationRow.reconciliation_id == reconciliation_id)
    )
    sql_seconds = time.perf_counter() - started
    started = time.perf_counter()
    by_number = dict(
        db.session.execute(
            sa.select(Resident.id_number, Resident.id).where(Resident.commune_id == commune.id)
        ).all()
    )
    numbers = db.session.scalars(
        sa.select(ReconciliationRow.id_number).where(
            ReconciliationRow.reconciliation_id == reconciliation_id
        )
    ).all()
    python_hits = sum(1 for number in numbers if number and number in by_number)
    return sql_seconds, sql_hits, time.perf_counter() - started, python_hits


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=5_000)
    parser.add_argument("--residents", type=int, default=50_000)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--seed", type=int, default=6)
    parser.add_argument(
        "--reuse", action="store_true", help="keep the residents a previous run loaded there"
    )
    args = parser.parse_args()
    folder = tempfile.TemporaryDirectory()
    url = args.database_url or f"sqlite:///{folder.name}/bench.db"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True, "SECRET_KEY": "bench",
                      "IMPORT_MAX_ROWS": max(args.rows, 200_000)})  # fmt: skip
    rng = random.Random(args.seed)
    with app.app_context():
        people = _people(args.residents, rng)
        started = time.perf_counter()
        commune = _loaded(url, args) if args.reuse else None
        kept = commune is not None
        if commune is None:
            _prepare(url)
            commune, hamlets = _units()
            _load(commune, hamlets, people)
        if url.startswith("postgresql"):
            db.session.execute(sa.text("ANALYZE"))
            db.session.commit()
        print(f"database   {url.split(':')[0]}: {args.residents:,} residents "
              f"{'kept from the last run' if kept else 'loaded'} in "
              f"{time.perf_counter() - started:.1f} s")  # fmt: skip
        data = _sector_list(people, args.rows, rng)
        user = SimpleNamespace(id=None)
        began = time.perf_counter()
        reconciliation, sector_list = service.start(data, "bench.csv", "health", commune, user)
        read = time.perf_counter() - began
        service.run(reconciliation.id, sector_list)
        total = time.perf_counter() - began
        done = db.session.get(Reconciliation, reconciliation.id)
        assert done.status == "done", done.message
        sql_join, sql_hits, python_join, python_hits = _exact_join(done.id, commune)
        started = time.perf_counter()
        index = service.load_people(commune)
        load = time.perf_counter() - started
        entries = [service._entry(row, None) for row in read_list(data).rows]
        started = time.perf_counter()
        matcher.match(entries, index)
        match = time.perf_counter() - started
        counts = done.counts
        print(f"list       {args.rows:,} rows against {args.residents:,} residents")
        print(f"matching   {total:6.2f} s end to end (read {read:.2f} s; again apart: load "
              f"residents {load:.2f} s, match {match:.2f} s)")  # fmt: skip
        print(f"exact join {python_join:6.2f} s in Python (load numbers + look up), "
              f"{sql_join:.2f} s in SQL on the stored rows; {python_hits:,} found")  # fmt: skip
        print(f"ratio      {total / max(python_join, 1e-6):6.1f}x the Python join, "
              f"{total / max(sql_join, 1e-6):.1f}x the SQL join")  # fmt: skip
        print("classes    " + ", ".join(f"{k} {v:,}" for k, v in counts.items()))
        assert sql_hits == python_hits
        backend = "PostgreSQL" if url.startswith("postgresql") else "SQLite"
        record(
            [
                Figure(
                    f"sector list {args.rows:,} rows x {args.residents:,} residents",
                    total, "s", "exact-number join in Python", python_join,
                    "<= 60 s on PostgreSQL", within(total, at_most=60), backend,
                )
            ],
            databases={backend.lower(): database_version(url)},
        )  # fmt: skip
    folder.cleanup()


if __name__ == "__main__":
    main()
