"""1,000,000-row generic CRM export into SQLite (and PostgreSQL when reachable): import, re-import, peak RSS.

Each run is a fresh child process so peak RSS (resource.getrusage ru_maxrss) is the import's own.
Goals (issue 3): first import < 10 s, re-import (all unchanged) < 15 s, peak RSS < 1 GB, on SQLite.
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
from db.engine import get_engine
from db.importers import import_file, resolve_team
engine = get_engine(sys.argv[1])
team = resolve_team(engine, "TBENCH")
data = open(sys.argv[2], "rb").read()
for label in ("first", "again"):
    started = time.perf_counter()
    result = import_file(engine, "deals", data, filename="bench.csv", team_id=team)
    print(label, time.perf_counter() - started, result.inserted, result.unchanged, flush=True)
print("rss", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
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


def _run(name: str, url: str, csv_path: Path) -> list[Row]:
    _migrate(url)
    root = Path(__file__).resolve().parents[1]
    out = subprocess.run(
        [sys.executable, "-c", _CHILD, url, str(csv_path)], capture_output=True, text=True, cwd=root, check=True
    ).stdout.split("\n")
    values = {line.split()[0]: line.split()[1:] for line in out if line.strip()}
    first, again, rss = float(values["first"][0]), float(values["again"][0]), float(values["rss"][0])
    sqlite = name == "sqlite"
    return [
        Row(
            f"import {name}",
            f"{ROWS:,} rows, first import",
            first,
            "s",
            "< 10 s" if sqlite else "",
            first < 10 if sqlite else None,
        ),
        Row(
            f"import {name}",
            "re-import, all unchanged",
            again,
            "s",
            "< 15 s" if sqlite else "",
            again < 15 if sqlite else None,
        ),
        Row(f"import {name}", "peak RSS", rss, "MB", "< 1024 MB", rss < 1024),
        Row(f"import {name}", "rows/s, first import", ROWS / first, "rows/s"),
    ]


def run() -> list[Row]:
    with tempfile.TemporaryDirectory() as tmp:
        csv_path = Path(tmp) / "bench.csv"
        _write_csv(csv_path, ROWS)
        rows = _run("sqlite", f"sqlite:///{tmp}/bench.db", csv_path)
        try:
            import sqlalchemy

            engine = sqlalchemy.create_engine(PG_URL, isolation_level="AUTOCOMMIT")
            with engine.connect() as conn:
                conn.exec_driver_sql("DROP DATABASE IF EXISTS salesbot_bench_import")
                conn.exec_driver_sql("CREATE DATABASE salesbot_bench_import")
            pg = PG_URL.rsplit("/", 1)[0] + "/salesbot_bench_import"
            rows += _run("postgresql", pg, csv_path)
            with engine.connect() as conn:
                conn.exec_driver_sql("DROP DATABASE IF EXISTS salesbot_bench_import WITH (FORCE)")
        except Exception as exc:  # PostgreSQL not reachable: say so in the table
            rows.append(Row("import postgresql", f"skipped: {type(exc).__name__}", 0, ""))
    return rows
