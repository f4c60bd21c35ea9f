"""/market trend on the real Maven CRM data (../shared/data/crm_sales_opportunities): sales_pipeline.csv and
accounts.csv imported through the real importer, the trend by sector and by size band checked month by month
against an independent pandas computation, from the market rollup and from the deal table, on both databases."""

from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import Session

from db import market_rollup
from db.importers import import_file, resolve_team
from reports.market_trend import OTHER, TOP_GROUPS, market_trend, trend_buckets
from reports.periods import Period

YEAR = Period(date(2017, 1, 1), date(2018, 1, 1), "year")


def _expected(shared_data: Path, by: str) -> pd.DataFrame:
    """Per (group, month): won, lost, revenue won in cents — pandas alone, accounts joined by exact name."""
    folder = shared_data / "crm_sales_opportunities"
    deals = pd.read_csv(folder / "sales_pipeline.csv")
    accounts = pd.read_csv(folder / "accounts.csv")
    df = deals.merge(accounts, on="account", how="left")
    df = df[df["deal_stage"].isin(["Won", "Lost"])].copy()
    df["close"] = pd.to_datetime(df["close_date"])
    df = df[(df["close"] >= "2017-01-01") & (df["close"] < "2018-01-01")]
    df["month"] = df["close"].dt.month
    if by == "segment":
        df["group"] = df["sector"].fillna("")
    else:
        df["group"] = pd.cut(df["employees"], [0, 99, 999, float("inf")], labels=["small", "mid", "enterprise"]
                             ).astype(str).replace("nan", "")
    df["won"] = df["deal_stage"].eq("Won").astype(int)
    df["lost"] = df["deal_stage"].eq("Lost").astype(int)
    df["cents"] = (df["close_value"].fillna(0) * 100).round().astype(int) * df["won"]
    return df.groupby(["group", "month"])[["won", "lost", "cents"]].sum()


@pytest.mark.parametrize("by", ["segment", "size"])
def test_trend_by_sector_and_size_band_matches_pandas(engine: Engine, shared_data: Path, by: str) -> None:
    team = resolve_team(engine, "T0001")
    folder = shared_data / "crm_sales_opportunities"
    for kind, name in (("deals", "sales_pipeline.csv"), ("accounts", "accounts.csv")):
        result = import_file(engine, kind, (folder / name).read_bytes(), filename=name, team_id=team)
        assert result.status == "done", result.problems
    expected = _expected(shared_data, by)
    buckets = trend_buckets(YEAR, date(2026, 12, 2))
    assert [b.start.month for b in buckets] == list(range(1, 13))
    for path in ("rollup", "deals"):
        with Session(engine) as session:
            assert market_rollup.is_valid(session, team) == (path == "rollup")
            trend = market_trend(session, team, by, buckets)
        assert trend.total.groups == len(set(expected.index.get_level_values(0)))
        totals = expected.groupby("group")["cents"].sum().sort_values(ascending=False)
        named = [g for g in totals.index if g]
        assert [s.key for s in trend.series[:TOP_GROUPS]] == named[:TOP_GROUPS]
        for series in trend.series:
            groups = named[TOP_GROUPS:] if series.key == OTHER else [series.key]
            for month, cell in enumerate(series.cells, start=1):
                rows = expected[expected.index.get_level_values(0).isin(groups)
                                & (expected.index.get_level_values(1) == month)].sum()
                assert (cell.won, cell.lost, cell.cents) == (rows["won"], rows["lost"], rows["cents"]), (series.key,
                                                                                                          month)
                closed = rows["won"] + rows["lost"]
                assert cell.win_rate == (rows["won"] / closed if closed else None)
        assert sum(c.cents for c in trend.total.cells) == expected["cents"].sum()
        if by == "size":  # every account of the sample has a head count: no deal is "size unknown"
            assert {s.key for s in trend.series} == {"small", "mid", "enterprise"}
        with engine.begin() as conn:  # the second round reads the deal table
            conn.execute(text("DELETE FROM dealmarketstate WHERE team_id = :t"), {"t": team})
