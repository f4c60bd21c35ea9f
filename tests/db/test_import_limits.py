"""Upload caps, on SQLite and PostgreSQL: file size, an XLSX's unpacked size and compression ratio (a zip
bomb, generated here, is refused from its directory in well under a second), rows, columns, time; each
refused with a clear message and nothing written."""

import io
import resource
import time
import zipfile
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlmodel import Session

from db.importers import ImportOptions, import_file
from db.importers.limits import ImportLimits
from db.models import Deal, ImportRun

TEAM = "T0001"
HEADER = "opportunity_id,sales_agent,product,account,deal_stage,engage_date,close_date,close_value".split(",")


def _import(engine: Engine, data: bytes, **limits: float):  # type: ignore[no-untyped-def]
    options = ImportOptions(limits=ImportLimits(**limits))  # type: ignore[arg-type]
    today = date(2026, 11, 26)
    return import_file(engine, "deals", data, filename="f.xlsx", team_id=TEAM, options=options, today=today)


def _nothing_written(engine: Engine) -> None:
    with Session(engine) as session:
        assert session.exec(select(func.count()).select_from(Deal)).scalar() == 0
        assert session.exec(select(func.count()).select_from(ImportRun)).scalar() == 0


def _workbook(rows: int, columns: int = len(HEADER)) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append((HEADER + [f"extra {i}" for i in range(columns - len(HEADER))])[:columns])
    for i in range(rows):
        sheet.append([f"A{i}", "Ann", "GTX", "Acme", "Won", "2026-01-02", "2026-02-03", 1000][:columns])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def zip_bomb(unpacked_mb: int = 150) -> bytes:
    """A real workbook whose sheet XML is padded with `unpacked_mb` MB of blanks: ~1000x compression."""
    source = zipfile.ZipFile(io.BytesIO(_workbook(1)))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as bomb:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename != "xl/worksheets/sheet1.xml":
                bomb.writestr(item, content)
                continue
            head, tail = content.split(b"</sheetData>")
            with bomb.open(item.filename, "w", force_zip64=True) as sheet:
                sheet.write(head)
                blanks = b" " * (1024 * 1024)
                for _ in range(unpacked_mb):
                    sheet.write(blanks)
                sheet.write(b"</sheetData>" + tail)
    return out.getvalue()


def test_a_zip_bomb_is_refused_from_its_directory_quickly(engine: Engine) -> None:
    bomb = zip_bomb()
    assert len(bomb) < 2 * 1024 * 1024
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    result = _import(engine, bomb)
    elapsed = time.perf_counter() - started
    assert result.refusal is not None and result.refusal.code == "zip_bomb", result.refusal
    assert "xl/worksheets/sheet1.xml" in result.refusal.text() and "zip bomb" in result.refusal.text()
    assert elapsed < 1.0
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before < 100 * 1024  # KB: nothing inflated
    _nothing_written(engine)


def test_a_workbook_that_unpacks_beyond_the_limit_is_refused(engine: Engine) -> None:
    result = _import(engine, _workbook(50), max_uncompressed_bytes=10_000)
    assert result.refusal is not None and result.refusal.code == "too_large_unpacked"
    _nothing_written(engine)


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_rows_and_columns_over_the_caps_are_refused(engine: Engine, kind: str) -> None:
    def data(rows: int, columns: int = len(HEADER)) -> bytes:
        if kind == "xlsx":
            return _workbook(rows, columns)
        header = (HEADER + [f"extra {i}" for i in range(columns)])[:columns]
        lines = [",".join(header)] + [f"A{i},Ann,GTX,Acme,Won,2026-01-02,2026-02-03,1000" for i in range(rows)]
        return ("\n".join(lines) + "\n").encode()

    refused = _import(engine, data(6), max_rows=5)
    assert refused.refusal is not None and refused.refusal.text() == "the file has more than 5 rows: split it"
    wide = _import(engine, data(2, 12), max_columns=10)
    assert wide.refusal is not None and wide.refusal.text() == "the file has 12 columns; the limit is 10"
    _nothing_written(engine)
    assert _import(engine, data(5), max_rows=5).inserted == 5  # at the caps: imported


def test_the_time_budget_refuses_a_slow_file(engine: Engine) -> None:
    result = _import(engine, _workbook(20), seconds=0)
    assert result.refusal is not None and result.refusal.text().startswith("the import took longer than 0 s")
    _nothing_written(engine)


def test_the_file_size_cap_applies_before_reading(engine: Engine) -> None:
    result = _import(engine, b"x" * 2000, max_bytes=1000)
    assert result.refusal is not None and result.refusal.code == "too_large"
    _nothing_written(engine)


def test_the_cli_refuses_a_file_over_the_cap_without_reading_it(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    import argparse

    from bot import import_command
    from db.importers.limits import MB, ImportLimits

    big = tmp_path / "huge.csv"
    with big.open("wb") as f:  # sparse: a file just over the cap costs nothing on disk, and is never read
        f.truncate(ImportLimits().max_bytes + 1)
    args = argparse.Namespace(
        kind="deals", file=str(big), format="auto", map=None, date_order=None, skip_bad_rows=False,
        stage_map=None, currency=None, team=None,
    )
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    assert import_command.run(args) == 1
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before < 50 * 1024
    out = capsys.readouterr().out
    assert f"Refused huge.csv: the file is larger than the limit of {ImportLimits().max_bytes // MB:,} MB" in out
