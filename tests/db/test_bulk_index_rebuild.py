"""A big SQLite write drops the deal table's secondary indexes and rebuilds them once; whether the rebuild sorts on
the other cores is decided from the machine's load before the import's own threads raise it."""

import os

import pytest
from sqlalchemy import create_engine

from db.importers import upsert
from db.importers.upsert import BULK_ROWS, sqlite_bulk_end, sqlite_bulk_start


def _indexes(conn) -> list[str]:  # type: ignore[no-untyped-def]
    return sorted(r[0] for r in conn.exec_driver_sql(
        "SELECT name FROM sqlite_master WHERE type='index' AND tbl_name='deal' AND sql IS NOT NULL"))


@pytest.mark.parametrize(("load_at_start", "threaded"), [(0.3, True), (5.0, False)])
def test_the_rebuild_follows_the_load_before_the_import_not_after(
    monkeypatch: pytest.MonkeyPatch, load_at_start: float, threaded: bool
) -> None:
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    engine = create_engine("sqlite://")
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE deal (id INTEGER PRIMARY KEY, team_id TEXT, ext TEXT, close_date TEXT)")
        conn.exec_driver_sql("CREATE UNIQUE INDEX deal_key ON deal (team_id, ext)")
        conn.exec_driver_sql("CREATE INDEX deal_close ON deal (team_id, close_date)")
        monkeypatch.setattr(upsert.os, "getloadavg", lambda: (load_at_start, 0.0, 0.0))
        rebuild = sqlite_bulk_start(conn, "deal", BULK_ROWS)
        assert _indexes(conn) == ["deal_key"]  # the unique key stays for ON CONFLICT
        conn.exec_driver_sql("INSERT INTO deal (team_id, ext, close_date) VALUES ('T1', 'a', '2026-01-02')")
        monkeypatch.setattr(upsert.os, "getloadavg", lambda: (1.9, 0.0, 0.0))  # the import's own two threads
        sqlite_bulk_end(conn, rebuild)
        assert rebuild.threaded is threaded
        assert _indexes(conn) == ["deal_close", "deal_key"]
        assert conn.exec_driver_sql("PRAGMA threads").scalar() == 0
        plan = conn.exec_driver_sql(
            "EXPLAIN QUERY PLAN SELECT id FROM deal WHERE team_id='T1' AND close_date >= '2026-01-01'").all()
        assert "deal_close" in str(plan)


def test_a_small_write_keeps_its_indexes() -> None:
    engine = create_engine("sqlite://")
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE deal (id INTEGER PRIMARY KEY, team_id TEXT, close_date TEXT)")
        conn.exec_driver_sql("CREATE INDEX deal_close ON deal (team_id, close_date)")
        rebuild = sqlite_bulk_start(conn, "deal", BULK_ROWS - 1)
        assert rebuild.statements == [] and _indexes(conn) == ["deal_close"]
        sqlite_bulk_end(conn, rebuild)
        assert _indexes(conn) == ["deal_close"]
