"""1,000,000-row generic CRM export into SQLite and PostgreSQL: import, re-import, peak RSS, each beside the
floor measured in the same run (issue 12). Run it alone: `python -m benchmarks import`.

- SQLite floor: pandas reads the file whole, one executemany of plain INSERTs into `deal` (secondary indexes
  dropped), the indexes created: the least any importer of this file into this schema does.
- PostgreSQL floor: a bare COPY of the same rows, already in `deal`'s columns, into `deal` with its indexes.
- Both floors store each deal's owner (the file's sales agents, made members first, outside the floor's clock
  on PostgreSQL) with the foreign keys checked, as the import must: a floor without owners skipped one
  foreign-key check per row that no importer of this schema can skip.

Goals: first import ≤ 2× the floor on each database, peak RSS < 1 GB (the peak at 2,200,000 rows is
bench_import_limits'). Each run is a fresh child process so its peak RSS (ru_maxrss) is its own; the
machine's load average is reported beside the figures (this machine is shared).
"""

import csv
import os
import random
import subprocess
import sys
import tempfile
from datetime import date, timedelta
from pathlib import Path

from benchmarks import Row

ROWS = int(os.environ.get("BENCH_IMPORT_ROWS", "1000000"))
PG_URL = os.environ.get("SALESBOT_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")

_CHILD = r"""
import resource, sys, time
from pathlib import Path
from db.engine import get_engine
from db.importers import ImportOptions, import_file, resolve_team
from db.importers.limits import ImportLimits
import db.importers.deals  # loaded before the clock starts, as the floor loads pandas first
engine = get_engine(sys.argv[1])
team = resolve_team(engine, "TBENCH")
options = ImportOptions(limits=ImportLimits(seconds=3600))  # a shared machine under load: measure, not refuse
for label in ("first", "again"):
    started = time.perf_counter()
    result = import_file(engine, "deals", Path(sys.argv[2]), filename="bench.csv", team_id=team, options=options)
    assert result.status == "done", result
    print(label, time.perf_counter() - started, result.inserted, result.unchanged, flush=True)
print("rss", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
"""

# The floors. Columns of `deal` filled from the raw cells with the least work: what any importer must do.
_FLOOR_SQLITE = r"""
import sqlite3, sys, time
import pandas as pd
db, path = sys.argv[1], sys.argv[2]
con = sqlite3.connect(db, isolation_level=None)
con.execute("PRAGMA foreign_keys=ON")  # as every connection of the app
indexes = con.execute("SELECT name, sql FROM sqlite_master WHERE type='index' AND tbl_name='deal' "
                      "AND sql IS NOT NULL AND sql NOT LIKE 'CREATE UNIQUE%'").fetchall()
for name, _ in indexes:
    con.execute(f'DROP INDEX "{name}"')
started = time.perf_counter()
f = pd.read_csv(path, dtype=str, keep_default_na=False, na_filter=False)
con.execute("BEGIN")
con.executemany("INSERT INTO member (team_id, crm_name, display_name, role, active, created_at) "
                "VALUES ('TFLOOR', ?, ?, 'rep', 1, '2026-01-01')", [(n, n) for n in f["sales_agent"].unique()])
ids = dict(con.execute("SELECT crm_name, id FROM member WHERE team_id = 'TFLOOR'").fetchall())
con.executemany(
    "INSERT INTO deal (team_id, source, external_id, name, owner_id, account, product, stage, status, amount_cents,"
    " currency, created_date, close_date, row_hash) VALUES ('TFLOOR', 'generic', ?, '', ?, ?, ?, ?, 'open', ?,"
    " 'USD', ?, ?, '')",
    zip(f["opportunity_id"], f["sales_agent"].map(ids), f["account"], f["product"], f["deal_stage"],
        f["close_value"], f["engage_date"], f["close_date"]),
)
for _, sql in indexes:
    con.execute(sql)
con.execute("COMMIT")
print("floor", time.perf_counter() - started)
"""

_FLOOR_PG = r"""
import sys, time
import pandas as pd
import psycopg
from db.importers.bulk import copy_text
url, path = sys.argv[1], sys.argv[2]
f = pd.read_csv(path, dtype=str, keep_default_na=False, na_filter=False)
none = lambda s: s.where(s.ne(""), None)
n = len(f)
with psycopg.connect(url) as con:
    with con.cursor() as cur:
        cur.executemany("INSERT INTO member (team_id, crm_name, display_name, role, active, created_at) "
                        "VALUES ('TFLOOR', %s, %s, 'rep', true, '2026-01-01')",
                        [(a, a) for a in f["sales_agent"].unique()])
        ids = {a: str(i) for a, i in cur.execute("SELECT crm_name, id FROM member WHERE team_id = 'TFLOOR'")}
    con.commit()
    columns = ["TFLOOR"] * n, ["generic"] * n, f["opportunity_id"], [""] * n, f["sales_agent"].map(ids), \
        f["account"], f["product"], f["deal_stage"], ["open"] * n, none(f["close_value"]).fillna("0"), \
        ["USD"] * n, none(f["engage_date"]).fillna("2026-01-01"), none(f["close_date"]), [""] * n
    text = copy_text(columns)
    del f, columns
    started = time.perf_counter()
    with con.cursor() as cur, cur.copy("COPY deal (team_id, source, external_id, name, owner_id, account, "
                                       "product, stage, status, amount_cents, currency, created_date, "
                                       "close_date, row_hash) FROM STDIN") as copy:
        copy.write(text)
    con.commit()
    print("floor", time.perf_counter() - started)
    con.execute("TRUNCATE deal")
    con.execute("DELETE FROM member WHERE team_id = 'TFLOOR'")
    con.commit()
"""


def _write_csv(path: Path, n: int) -> None:
    rng = random.Random(7)
    agents = [f"Agent {i}" for i in range(35)]
    products = ["GTX Basic", "MG Special", "GTXPro", "MG Advanced", "GTX Plus Basic", "GTX Plus Pro", "GTK 500"]
    base = date(2022, 1, 1)
    with path.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(
            [
                "opportunity_id",
                "sales_agent",
                "product",
                "account",
                "deal_stage",
                "engage_date",
                "close_date",
                "close_value",
            ]
        )
        for i in range(n):
            stage = rng.choice(["Won", "Won", "Lost", "Engaging", "Prospecting"])
            engaged = base + timedelta(days=rng.randrange(1400))
            closed = engaged + timedelta(days=rng.randrange(1, 120))
            w.writerow(
                [
                    f"OPP{i:08d}",
                    rng.choice(agents),
                    rng.choice(products),
                    f"Account {rng.randrange(85)}",
                    stage,
                    "" if stage == "Prospecting" else engaged.isoformat(),
                    closed.isoformat() if stage in ("Won", "Lost") else "",
                    rng.randrange(50, 30000) if stage == "Won" else (0 if stage == "Lost" else ""),
                ]
            )


def _migrate(url: str) -> None:
    from db.engine import get_engine
    from db.migrate import upgrade

    upgrade(get_engine(url))


def _child(script: str, *args: str) -> dict[str, list[str]]:
    root = Path(__file__).resolve().parents[1]
    done = subprocess.run([sys.executable, "-c", script, *args], capture_output=True, text=True, cwd=root)
    if done.returncode:
        raise RuntimeError(done.stderr[-2000:])
    out = done.stdout.split("\n")
    return {line.split()[0]: line.split()[1:] for line in out if line.strip()}


def load() -> str:
    """The 1-minute load average and the cores, to read a figure by (the machine is shared)."""
    return f"load {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"


def _run(name: str, url: str, csv_path: Path, floor: float, floor_label: str) -> list[Row]:
    before = load()
    values = _child(_CHILD, url, str(csv_path))
    first, again, rss = float(values["first"][0]), float(values["again"][0]), float(values["rss"][0])
    ratio = first / floor
    return [
        Row(f"import {name}", f"{ROWS:,} rows: floor, {floor_label} ({before})", floor, "s"),
        Row(f"import {name}", f"{ROWS:,} rows, first import", first, "s", f"≤ 2× floor ({2 * floor:.1f} s)",
            first <= 2 * floor),
        Row(f"import {name}", "first import ÷ floor", ratio, "×", "≤ 2", ratio <= 2),
        Row(f"import {name}", "re-import, all unchanged", again, "s", f"≤ 2× floor ({2 * floor:.1f} s)",
            again <= 2 * floor),
        Row(f"import {name}", "peak RSS (import + re-import)", rss, "MB", "< 1024 MB", rss < 1024),
        Row(f"import {name}", f"rows/s, first import ({load()} after)", ROWS / first, "rows/s"),
    ]


def run() -> list[Row]:
    with tempfile.TemporaryDirectory() as tmp:
        csv_path = Path(tmp) / "bench.csv"
        _write_csv(csv_path, ROWS)
        floor_db = Path(tmp) / "floor.db"
        _migrate(f"sqlite:///{floor_db}")
        floor = float(_child(_FLOOR_SQLITE, str(floor_db), str(csv_path))["floor"][0])
        floor_db.unlink()
        url = f"sqlite:///{tmp}/bench.db"
        _migrate(url)
        rows = _run("sqlite", url, csv_path, floor, "pandas read + executemany + index")
        try:
            import sqlalchemy

            engine = sqlalchemy.create_engine(PG_URL, isolation_level="AUTOCOMMIT")
            with engine.connect() as conn:
                conn.exec_driver_sql("DROP DATABASE IF EXISTS salesbot_bench_import WITH (FORCE)")
                conn.exec_driver_sql("CREATE DATABASE salesbot_bench_import")
        except Exception as exc:  # PostgreSQL not reachable: say so in the table
            rows.append(Row("import postgresql", f"skipped: {type(exc).__name__}", 0, ""))
            return rows
        pg = PG_URL.rsplit("/", 1)[0] + "/salesbot_bench_import"
        try:
            _migrate(pg)
            plain = pg.replace("postgresql+psycopg://", "postgresql://")
            floor = float(_child(_FLOOR_PG, plain, str(csv_path))["floor"][0])
            rows += _run("postgresql", pg, csv_path, floor, "bare COPY of the same rows into deal")
        except Exception as exc:  # keep SQLite's rows; say what failed
            rows.append(Row("import postgresql", f"failed: {str(exc).strip().splitlines()[-1][:80]}", 0, "", "", False))
        finally:
            with engine.connect() as conn:
                conn.exec_driver_sql("DROP DATABASE IF EXISTS salesbot_bench_import WITH (FORCE)")
    return rows
