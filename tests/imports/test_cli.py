"""`flask households import` and `flask households export-list`."""

from __future__ import annotations

from sqlalchemy import func, select

from app.extensions import db
from app.people.models import Household, Resident
from tests.imports.conftest import FIXTURES, counts, read_xlsx
from tests.imports.fixtures.make_fixtures import HOUSEHOLD_COUNT, RESIDENT_COUNT


def run(app, *args):
    return app.test_cli_runner().invoke(args=["households", *args])


def test_import_prints_the_summary_and_writes_the_report(app, world, tmp_path):
    report = tmp_path / "bao-cao.xlsx"
    result = run(
        app,
        "import",
        str(FIXTURES / "nam_dong.xlsx"),
        "--commune",
        "20179",
        "--report",
        str(report),
    )
    assert result.exit_code == 0, result.output
    assert f"Hộ: thêm {HOUSEHOLD_COUNT}, cập nhật 0, không đổi 0, từ chối 0." in result.output
    assert "Đã nhập xong." in result.output
    assert read_xlsx(report.read_bytes())[3][-3:] == ("Kết quả", "Lỗi", "Ghi chú")
    assert counts()["residents"] == RESIDENT_COUNT
    again = run(app, "import", str(FIXTURES / "nam_dong.xlsx"), "--commune", "20179")
    assert f"Công dân: thêm 0, cập nhật 0, không đổi {RESIDENT_COUNT}, từ chối 0." in again.output


def test_refused_import_exits_1_with_the_errors(app, world, tmp_path):
    report = tmp_path / "r.xlsx"
    result = run(
        app, "import", str(FIXTURES / "loi.xlsx"), "--commune", "20179", "--report", str(report)
    )
    assert result.exit_code == 1
    assert "Dòng 6: Thiếu họ và tên." in result.output
    assert "Không nhập gì vì có" in result.output
    assert report.exists()
    assert counts()["households"] == 0


def test_dry_run_and_partial(app, world):
    dry = run(app, "import", str(FIXTURES / "loi.xlsx"), "--commune", "20179", "--dry-run")
    assert dry.exit_code == 0 and "Chạy thử" in dry.output
    partial = run(
        app,
        "import",
        str(FIXTURES / "loi.xlsx"),
        "--commune",
        "20179",
        "--partial",
        "--create-hamlets",
    )
    assert partial.exit_code == 0 and "Thôn mới đã tạo: 20179-004." in partial.output
    assert counts()["households"] == 4


def test_bad_file_and_unknown_commune(app, world, tmp_path):
    empty = tmp_path / "rong.csv"
    empty.write_bytes(b"")
    result = run(app, "import", str(empty), "--commune", "20179")
    assert result.exit_code == 1 and "Tệp rỗng." in result.output
    result = run(app, "import", str(FIXTURES / "nam_dong.xlsx"), "--commune", "99999")
    assert result.exit_code == 1 and "no commune 99999" in result.output
    result = run(app, "import", str(FIXTURES / "nam_dong.xlsx"), "--commune", "20179-001")
    assert result.exit_code == 1
    assert counts()["households"] == 0


def test_progress_lines_for_a_large_file(app, world, tmp_path):
    lines = ["Số hộ,Họ và tên,Quan hệ với chủ hộ,Năm sinh,Thôn"]
    for h in range(2_100):
        for m in range(5):
            relationship = "Chủ hộ" if m == 0 else "Con"
            lines.append(
                f"P-{h:05d},Hồ Văn {h} {m},{relationship},{1950 + m * 10},Thôn {1 + h % 3}"
            )
    path = tmp_path / "lon.csv"
    path.write_text("\n".join(lines), encoding="utf-8")
    result = run(app, "import", str(path), "--commune", "20179")
    assert result.exit_code == 0, result.output
    assert "… đọc tệp: 10.000 dòng" in result.output
    assert "… kiểm tra: 10.000 dòng" in result.output
    assert db.session.scalar(select(func.count()).select_from(Resident)) == 10_500
    assert db.session.scalar(select(func.count()).select_from(Household)) == 2_100


def test_export_list_then_import_changes_nothing(app, world, tmp_path):
    run(app, "import", str(FIXTURES / "nam_dong.xlsx"), "--commune", "20179")
    out = tmp_path / "thon1.xlsx"
    result = run(app, "export-list", "--hamlet", "20179-001", str(out))
    assert result.exit_code == 0 and "2 hộ, 6 công dân" in result.output
    before = counts()
    again = run(app, "import", str(out), "--commune", "20179")
    assert "Hộ: thêm 0, cập nhật 0, không đổi 2, từ chối 0." in again.output
    assert counts() == before
    assert run(app, "export-list", "--hamlet", "nope", str(out)).exit_code == 1


def test_refused_import_without_report_writes_it_next_to_the_input(app, world, tmp_path):
    source = tmp_path / "danh sach.xlsx"
    source.write_bytes((FIXTURES / "loi.xlsx").read_bytes())
    result = run(app, "import", str(source), "--commune", "20179")
    assert result.exit_code == 1
    report = tmp_path / "danh sach.loi.xlsx"
    assert f"error report: {report}" in result.output
    rows = read_xlsx(report.read_bytes())
    assert any(row[-3:] == ("Kết quả", "Lỗi", "Ghi chú") for row in rows)
    assert any("Thiếu họ và tên." in row for row in rows)
    assert source.read_bytes() == (FIXTURES / "loi.xlsx").read_bytes()  # the input is untouched
    assert counts()["households"] == 0
    # A dry run, a good import and an explicit --report write no NAME.loi.xlsx.
    report.unlink()
    assert run(app, "import", str(source), "--commune", "20179", "--dry-run").exit_code == 0
    good = tmp_path / "tot.xlsx"
    good.write_bytes((FIXTURES / "nam_dong.xlsx").read_bytes())
    assert run(app, "import", str(good), "--commune", "20179").exit_code == 0
    chosen = tmp_path / "r.xlsx"
    args = ("import", str(source), "--commune", "20179", "--report", str(chosen))
    assert run(app, *args).exit_code == 1 and chosen.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["danh sach.xlsx", "r.xlsx", "tot.xlsx"]


def test_refused_csv_import_gets_an_xlsx_report_and_an_unwritable_folder_is_said(
    app, world, tmp_path, monkeypatch
):
    source = tmp_path / "ds.csv"
    source.write_bytes("Số hộ,Họ và tên,Quan hệ với chủ hộ,Thôn\nA-1,,Chủ hộ,Thôn 1\n".encode())
    result = run(app, "import", str(source), "--commune", "20179")
    assert result.exit_code == 1 and (tmp_path / "ds.loi.xlsx").exists()
    (tmp_path / "ds.loi.xlsx").unlink()
    from pathlib import Path

    def refuse(self, data):
        raise PermissionError("read-only")

    monkeypatch.setattr(Path, "write_bytes", refuse)
    result = run(app, "import", str(source), "--commune", "20179")
    assert result.exit_code == 1
    assert "cannot write the report" in result.output and "read-only" in result.output
