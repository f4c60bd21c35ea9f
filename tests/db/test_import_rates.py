"""`salesbot import rates FILE`: rows checked like every import (bad rows refused with their row numbers,
nothing written), a re-import updates instead of duplicating — on both databases, and through the CLI."""

import subprocess
import sys
from datetime import date
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from db.importers import import_file, resolve_team
from db.models import ExchangeRate

TEAM = "TRATES"


def _rates(engine: Engine) -> list[tuple[str, str, date, int]]:
    with Session(engine) as session:
        rows = session.exec(select(ExchangeRate).where(ExchangeRate.team_id == TEAM))
        return sorted((r.currency, r.to_currency, r.valid_from, r.rate_micros) for r in rows)


def _import(engine: Engine, text: str, name: str = "rates.csv"):  # type: ignore[no-untyped-def]
    return import_file(engine, "rates", text.encode("utf-8"), filename=name, team_id=TEAM)


def test_a_file_with_bad_rows_is_refused_whole_with_row_numbers(engine: Engine) -> None:
    resolve_team(engine, TEAM)
    result = _import(
        engine,
        "currency,date,rate\nCNY,2026-01-01,0.1385\nCNY,2026-13-01,0.14\nXX,2026-01-01,1.08\n"
        "EUR,2026-01-01,-1\nEUR,2026-02-01,0.1234567\nUSD,2026-01-01,1\nCNY,2026-01-01,0.2\n",
    )
    assert result.refused
    assert [(p.row, p.reason) for p in result.problems] == [
        (3, "bad_date"),
        (4, "bad_currency"),
        (5, "bad_rate"),
        (6, "rate_decimals"),
        (7, "same_currency"),
        (8, "duplicate_rate"),
    ]
    assert _rates(engine) == []  # not even the good first row


def test_import_then_reimport_updates_instead_of_duplicating(engine: Engine) -> None:
    resolve_team(engine, TEAM)
    first = _import(engine, "币种,生效日期,汇率\nCNY,2026-01-01,0.1385\nEUR,2026/01/01,1.08\n", "汇率.csv")
    assert (first.status, first.inserted) == ("done", 2)
    again = _import(engine, "currency,date,rate\nCNY,2026-01-01,0.1390\nEUR,2026-01-01,1.08\nCNY,2026-07-01,0.14\n")
    assert (again.inserted, again.updated, again.unchanged) == (1, 1, 1)
    assert _rates(engine) == [
        ("CNY", "USD", date(2026, 1, 1), 139_000),
        ("CNY", "USD", date(2026, 7, 1), 140_000),
        ("EUR", "USD", date(2026, 1, 1), 1_080_000),
    ]


def test_the_cli_imports_rates_and_says_what_it_refused(db_url: str, tmp_path: Path) -> None:
    good, bad = tmp_path / "rates.csv", tmp_path / "bad.csv"
    good.write_text("currency,date,rate\nCNY,2026-01-01,0.1385\n")
    bad.write_text("currency,date,rate\nCNY,2026-01-01,zero\n")
    root = Path(__file__).resolve().parents[2]
    env = {"DATABASE_URL": db_url, "PATH": "/usr/bin:/bin"}

    def run(path: Path) -> subprocess.CompletedProcess[str]:
        args = [sys.executable, "-m", "bot.cli", "import", "rates", str(path), "--team", TEAM]
        return subprocess.run(args, capture_output=True, text=True, env=env, cwd=root, timeout=120)

    refused = run(bad)
    assert refused.returncode == 1 and "row 2, rate: rate not a positive number" in refused.stdout
    assert "nothing was imported" in refused.stdout
    done = run(good)
    assert done.returncode == 0, done.stderr
    assert "inserted 1" in done.stdout and "currencies: CNY (1)" in done.stdout
