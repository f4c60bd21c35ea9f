"""Deals stream through in chunks, on SQLite and PostgreSQL: what spans chunks (duplicate ids, identical rows,
the date order, a bad row after good chunks were written, the time budget) behaves as for a file read whole,
and a path (the CLI's way) imports like its bytes. Chunks and read blocks are made tiny here so that a file
of a few rows crosses many of them."""

import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlmodel import Session

from db.importers import ImportOptions, bulk, import_file, reading, summary_lines
from db.importers.limits import ImportLimits
from db.models import Deal, ImportRun, Member

TEAM = "T0001"
HEADER = "opportunity_id,sales_agent,product,account,deal_stage,engage_date,close_date,close_value\n"


@pytest.fixture(autouse=True)
def tiny_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(reading, "CHUNK_ROWS", 3)
    monkeypatch.setattr(reading, "BLOCK", 7)


def _rows(n: int, start: int = 0, day: str = "2026-02-03") -> str:
    return "".join(f"A{i},Agent {i % 4},GTX,Acct {i % 5},Won,2026-01-02,{day},{100 + i}\n" for i in range(start, n))


def _import(engine: Engine, data: bytes | Path, **options: object):  # type: ignore[no-untyped-def]
    return import_file(engine, "deals", data, filename="f.csv", team_id=TEAM, options=ImportOptions(**options),
                       today=date(2026, 11, 26))  # type: ignore[arg-type]


def _count(engine: Engine, model: type) -> int:
    with Session(engine) as session:
        return int(session.exec(select(func.count()).select_from(model)).scalar())


def _unchanged(engine: Engine, deals: int = 0) -> None:
    assert (_count(engine, Deal), _count(engine, ImportRun)) == (deals, 1 if deals else 0)


def test_a_file_of_many_chunks_imports_every_row_and_reimports_unchanged(engine: Engine) -> None:
    data = (HEADER + _rows(20)).encode()
    first = _import(engine, data)
    assert (first.status, first.rows, first.inserted, first.updated) == ("done", 20, 20, 0)
    assert first.date_range == (date(2026, 1, 2), date(2026, 2, 3)) and first.currencies == {"USD": 20}
    assert sorted(first.owners_new) == [f"Agent {i}" for i in range(4)]
    with Session(engine) as session:
        deal = session.exec(select(Deal).where(Deal.external_id == "A17")).scalars().one()
        owner = session.get(Member, deal.owner_id)
        assert (deal.amount_cents, owner.crm_name if owner else None) == (11_700, "Agent 1")
    again = _import(engine, data)
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 20)
    changed = _import(engine, data.replace(b"A7,Agent 3,GTX,Acct 2,Won,2026-01-02,2026-02-03,107",
                                           b"A7,Agent 3,GTX,Acct 2,Won,2026-01-02,2026-02-09,107"))
    assert (changed.inserted, changed.updated, changed.unchanged) == (0, 1, 19)
    assert _count(engine, Deal) == 20


def test_a_bad_row_in_a_late_chunk_refuses_the_file_and_leaves_the_database_unchanged(engine: Engine) -> None:
    _import(engine, (HEADER + _rows(4)).encode())
    bad = HEADER + _rows(15).replace("A12,Agent 0,GTX,Acct 2,Won,2026-01-02,2026-02-03,112",
                                     "A12,Agent 0,GTX,Acct 2,Won,2026-01-02,2026-02-03,lots")
    result = _import(engine, (bad + _rows(17, 15, day="")).encode())
    assert result.refused and (result.rows, result.rejected, result.inserted) == (17, 3, 0)
    assert [(p.row, p.column, p.reason) for p in result.problems] == [
        (14, "close_value", "bad_amount"),
        (17, "close_date", "missing_close_date"),
        (18, "close_date", "missing_close_date"),
    ]
    assert "Refused f.csv: 3 bad row(s); nothing was imported." in summary_lines(result)
    _unchanged(engine, deals=4)  # the 11 good rows before row 14 were written, then rolled back


def test_an_id_repeated_in_another_chunk_is_a_duplicate(engine: Engine) -> None:
    data = HEADER + _rows(10) + "A2,Agent 9,GTX,Acct 1,Won,2026-01-02,2026-02-03,5\n"
    result = _import(engine, data.encode())
    assert [(p.row, p.reason) for p in result.problems] == [(12, "duplicate_id")]
    _unchanged(engine)
    skipped = _import(engine, data.encode(), skip_bad_rows=True)
    assert (skipped.status, skipped.inserted, skipped.rejected) == ("partial", 10, 1)
    assert "A2,Agent 9" in skipped.rejected_csv().decode("utf-8-sig")


def test_identical_rows_without_ids_in_different_chunks_are_distinct_deals(engine: Engine) -> None:
    row = "Ann,Acme,Won,100,2026-01-05\n"
    data = ("owner,account,stage,amount,close_date\n" + row * 7 + "Bob,Beta,Lost,,2026-01-06\n").encode()
    assert _import(engine, data).inserted == 8
    with Session(engine) as session:
        ids = sorted(session.exec(select(Deal.external_id)).scalars())
    assert len(set(ids)) == 8 and sum("#" in i for i in ids) == 6
    assert (_import(engine, data).unchanged, _count(engine, Deal)) == (8, 8)


def test_the_date_order_is_decided_by_a_later_chunk(engine: Engine) -> None:
    rows = [f"{i},Ann,Won,100,0{i % 9 + 1}/04/2026\n" for i in range(1, 8)] + ["9,Ann,Won,100,25/04/2026\n"]
    result = _import(engine, ("id,owner,stage,amount,close_date\n" + "".join(rows)).encode())
    assert (result.status, result.inserted) == ("done", 8)
    with Session(engine) as session:
        assert session.exec(select(Deal.close_date).where(Deal.external_id == "2")).scalar() == date(2026, 4, 3)
    only_ambiguous = ("id,owner,stage,amount,close_date\n" + "".join(rows[:-1])).encode()
    refused = _import(engine, only_ambiguous)
    assert refused.refusal is not None and refused.refusal.code == "ambiguous_dates"


def test_a_path_imports_like_its_bytes(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_bytes((HEADER + _rows(10)).encode("utf-8-sig"))
    result = _import(engine, path)
    assert (result.status, result.encoding, result.inserted) == ("done", "utf-8-sig", 10)
    with Session(engine) as session:
        run = session.exec(select(ImportRun)).scalars().one()
    import hashlib

    assert run.sha256 == hashlib.sha256(path.read_bytes()).hexdigest() and run.inserted == 10


def test_encodings_are_decided_over_blocks_of_the_whole_file(engine: Engine, tmp_path: Path) -> None:
    mixed = (HEADER + _rows(6)).encode() + "A9,Zoë,GTX,Acme,Won,2026-01-02,2026-02-03,1\n".encode("latin-1")
    result = _import(engine, mixed + "A10,Zoë,GTX,Acme,Won,2026-01-02,2026-02-03,1\n".encode())
    assert result.refusal is not None and result.refusal.text().startswith("row 8 is not UTF-8")
    path = tmp_path / "unicode.txt"
    path.write_bytes((HEADER + _rows(8) + "B1,Zoë Lefèvre,GTX,Acme,Won,2026-01-02,2026-02-03,1\n").encode("utf-16"))
    utf16 = _import(engine, path)
    assert (utf16.status, utf16.encoding, utf16.inserted) == ("done", "utf-16", 9)
    with Session(engine) as session:
        owners = set(session.exec(select(Member.crm_name)).scalars())
    assert "Zoë Lefèvre" in owners
    nul = _import(engine, (HEADER + _rows(20, 10) + "C1,Ev\x00e,GTX,Acme,Won,2026-01-02,2026-02-03,1\n").encode())
    assert nul.refusal is not None and nul.refusal.text().startswith("row 12 contains a NUL byte")


@pytest.fixture
def slow_write(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The clock jumps 10 minutes as the rows are handed to the database: the write outlasts the budget."""
    real = time.monotonic
    jump = [0.0]
    monkeypatch.setattr(time, "monotonic", lambda: real() + jump[0])
    for writer in (bulk.SqliteDeals, bulk.PostgresDeals):
        add = writer.add

        def late(self, *args, _add=add):  # type: ignore[no-untyped-def]
            jump[0] = 600.0
            return _add(self, *args)

        monkeypatch.setattr(writer, "add", late)
    yield


def test_the_time_budget_covers_the_database_write(engine: Engine, slow_write: None) -> None:
    result = _import(engine, (HEADER + _rows(12)).encode(), limits=ImportLimits(seconds=300))
    assert result.refusal is not None and result.refusal.code == "too_slow"
    assert "the import took longer than 300 s (nothing was stored)" in summary_lines(result)[0]
    _unchanged(engine)


def test_the_same_first_file_dropped_twice_at_once_is_stored_once(engine: Engine) -> None:
    """Two first imports of one file into one workspace at the same moment (a manager dropping it twice): both
    finish, the deals are stored once, one import reports them inserted and the other unchanged."""
    from concurrent.futures import ThreadPoolExecutor

    data = (HEADER + _rows(20)).encode()
    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(lambda _: _import(engine, data), range(2)))
    assert [r.status for r in results] == ["done", "done"]
    assert sorted((r.inserted, r.unchanged) for r in results) == [(0, 20), (20, 0)]
    assert _count(engine, Deal) == 20
