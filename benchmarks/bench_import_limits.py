"""Bounded memory and time whatever the file, through `salesbot import` (one child process per file, so its
peak RSS is the import's own; the database is a fresh migrated SQLite file):

- the issue's 2,200,000-row (~150-200 MB) CSV: imported, streamed in chunks (issue 12: peak RSS ≤ 1 GB);
- the issue's zip bomb: a ~1.5 GB sheet that zips to a few MB, refused from the zip directory;
- a file over the CLI's size cap (sparse, so it costs no disk): refused before it is read.

Goal: peak RSS < 1 GB whatever the file (issues 11 and 12).
"""

import io
import os
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from benchmarks import Row
from benchmarks.bench_import import _write_csv, load
from db.importers.limits import ImportLimits

BIG_ROWS = int(os.environ.get("BENCH_LIMITS_ROWS", "2200000"))

_CHILD = r"""
import resource, sys, time
from bot.cli import main
started = time.perf_counter()
code = main(["import", "deals", sys.argv[1]])
sys.stdout.flush()
print("result", code, time.perf_counter() - started, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
"""


def _bomb(path: Path, unpacked_mb: int = 1500) -> None:
    import openpyxl

    book = openpyxl.Workbook()
    book.active.append(["opportunity_id", "close_value"])
    buffer = io.BytesIO()
    book.save(buffer)
    source = zipfile.ZipFile(buffer)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as bomb:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename != "xl/worksheets/sheet1.xml":
                bomb.writestr(item, content)
                continue
            head, tail = content.split(b"</sheetData>")
            with bomb.open(item.filename, "w", force_zip64=True) as sheet:
                sheet.write(head)
                row = b'<row r="2"><c r="A2" t="inlineStr"><is><t>x</t></is></c></row>' * 16_000
                for _ in range(unpacked_mb):
                    sheet.write(row[: 1024 * 1024])
                sheet.write(b"</sheetData>" + tail)


def _run(path: Path, db: Path) -> tuple[int, float, float, str]:
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{db}"}
    root = Path(__file__).resolve().parents[1]
    subprocess.run([sys.executable, "-m", "bot.cli", "migrate"], env=env, cwd=root, check=True, capture_output=True)
    out = subprocess.run(
        [sys.executable, "-c", _CHILD, str(path)], env=env, cwd=root, capture_output=True, text=True, check=False
    )
    line = next(x for x in out.stdout.splitlines() if x.startswith("result"))
    _, code, seconds, rss = line.split()
    said = next((x for x in out.stdout.splitlines() if x.startswith("Refused")), "")
    return int(code), float(seconds), float(rss), said


def run() -> list[Row]:
    rows: list[Row] = []
    with tempfile.TemporaryDirectory() as tmp:
        big = Path(tmp) / "big.csv"
        _write_csv(big, BIG_ROWS)
        bomb = Path(tmp) / "bomb.xlsx"
        _bomb(bomb)
        huge = Path(tmp) / "huge.csv"
        with huge.open("wb") as f:  # sparse
            f.truncate(ImportLimits().max_bytes + 1)
        for label, path, refuse in (
            (f"{BIG_ROWS:,}-row CSV ({big.stat().st_size / 2**20:.0f} MB)", big, False),
            (f"zip bomb ({bomb.stat().st_size / 2**20:.1f} MB, 1.5 GB unpacked)", bomb, True),
            (f"{huge.stat().st_size / 2**30:.0f} GB CSV, over the size cap", huge, True),
        ):
            before = load()
            code, seconds, rss, said = _run(path, Path(tmp) / f"{path.stem}.db")
            if refuse:
                ok = code == 1 and "Refused" in said
                rows.append(Row("import limits", f"{label}: refused ({before})", seconds, "s", "refused", ok))
            else:
                rows.append(Row("import limits", f"{label}: imported ({before})", seconds, "s", "imported",
                                code == 0))
            rows.append(Row("import limits", f"{label}: peak RSS", rss, "MB", "≤ 1024 MB", rss <= 1024))
    return rows
