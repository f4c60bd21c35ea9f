"""The plans PostgreSQL picks for deal history's hot queries (reports/history.py): the pipeline on a past day,
the stage moves of a quarter and the stalled deals read `deal_change` through ix_deal_change_team_seen on a
range of `seen_at` (only what changed since), never a scan of the whole history.

60,000 deals in two workspaces, each with its first sighting on 1 Jun 2026 and one deal in five changed later,
VACUUM ANALYZEd; sequential and bitmap scans are off for the EXPLAIN, as in test_kpi_plans_pg.py (what is
tested is what the schema allows: an index scanned on a range)."""

from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlmodel import Session

from benchmarks.pg_plans import deal_scans
from reports import history
from tests.databases import PgDatabase

BIG = "TBIG"
SETTINGS = ("enable_seqscan = off", "enable_bitmapscan = off")


@pytest.fixture(scope="module")
def loaded(pg_database: PgDatabase) -> Any:
    engine = pg_database.fresh_engine()
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO deal (team_id, source, external_id, name, account, product, stage, status, amount_cents, "
            "currency, created_date, close_date, row_hash, updated_at) "
            "SELECT CASE WHEN mod(i, 10) = 0 THEN 'TSMALL' ELSE 'TBIG' END, 'generic', 'D' || i, 'Deal ' || i, "
            "'Acct ' || mod(i, 500), 'P', (ARRAY['Prospecting','Engaging','Proposal'])[1 + mod(i, 3)], 'open', "
            "100000 + i, 'USD', DATE '2026-05-01', DATE '2026-12-01' + mod(i, 90), 'h' || i, "
            "TIMESTAMPTZ '2026-06-01 09:00+00' FROM generate_series(1, 60000) AS i")
        conn.exec_driver_sql(
            "INSERT INTO deal_change (team_id, deal_id, run_id, seen_at, stage, status, amount_cents, currency, "
            "close_date) SELECT team_id, id, 1, updated_at, stage, status, amount_cents, currency, close_date "
            "FROM deal")
        conn.exec_driver_sql(  # one deal in five moved on later, on a day between June and November
            "INSERT INTO deal_change (team_id, deal_id, run_id, seen_at, stage, status, amount_cents, currency, "
            "close_date, prev_stage, prev_status, prev_amount_cents, prev_currency, prev_close_date) "
            "SELECT team_id, id, 2, TIMESTAMPTZ '2026-06-02 09:00+00' + mod(id, 170) * INTERVAL '1 day', 'Won', 'won', "
            "amount_cents, currency, close_date + 30, stage, status, amount_cents, currency, close_date "
            "FROM deal WHERE mod(id, 5) = 0")
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:  # VACUUM: outside a transaction
        conn.exec_driver_sql("VACUUM ANALYZE deal")
        conn.exec_driver_sql("VACUUM ANALYZE deal_change")
    yield engine
    pg_database.fresh_engine()


def _history_scans(engine: Any, ask: Any) -> list[tuple[str, str, str]]:
    scans = [(x.node, x.index, x.condition) for x in deal_scans(engine, ask, "deal_change", SETTINGS)]
    assert scans, "no statement read deal_change"
    return scans


def _by_team_on_a_range(scans: list[tuple[str, str, str]]) -> None:
    shown = "\n".join(map(str, scans))
    for node, index, cond in scans:
        assert node in ("Index Scan", "Index Only Scan"), shown
        if "team_id" in cond:
            assert index == "ix_deal_change_team_seen" and "seen_at" in cond, shown
        else:  # a row fetched by its id, or one deal's rows
            assert index in ("deal_change_pkey", "ix_deal_change_deal_seen") and cond, shown


def test_the_pipeline_on_a_past_day_reads_only_the_changes_since(loaded: Any) -> None:
    _by_team_on_a_range(_history_scans(loaded, lambda s: history.pipeline_on(s, BIG, date(2026, 10, 1))))


def test_stage_moves_of_a_quarter_read_a_range_of_the_index(loaded: Any) -> None:
    q3 = (datetime(2026, 7, 1, tzinfo=UTC), datetime(2026, 10, 1, tzinfo=UTC))
    _by_team_on_a_range(_history_scans(loaded, lambda s: history.conversions(s, BIG, *q3)))
    # time in stage reads the life of each deal that moved: by deal, while they are few against the history
    week = (datetime(2026, 9, 7, tzinfo=UTC), datetime(2026, 9, 14, tzinfo=UTC))
    _by_team_on_a_range(_history_scans(loaded, lambda s: history.time_in_stage(s, BIG, *week)))


def test_stalled_deals_read_the_recent_changes_only(loaded: Any) -> None:
    _by_team_on_a_range(_history_scans(loaded, lambda s: history.stalled(s, BIG)))


def test_the_answers_read_the_generated_history(loaded: Any) -> None:
    """Guard against a plan test that passes on empty tables."""
    with Session(loaded) as session:
        then = history.pipeline_on(session, BIG, date(2026, 10, 1))
        assert sum(s.deals for s in then.then.values()) > 40_000
        moves = history.conversions(session, BIG, datetime(2026, 7, 1, tzinfo=UTC), datetime(2026, 10, 1, tzinfo=UTC))
        assert sum(c.won for c in moves) > 3_000
        assert history.stalled(session, BIG).count > 20_000
