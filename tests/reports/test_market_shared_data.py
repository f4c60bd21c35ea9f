"""The market view on the real CRM export (../shared/data), reshaped as a Salesforce export with the columns a
market view reads — `Loss Reason`, `Competitor`, `Industry` (the accounts' sector) and a list-price `Amount`
for lost deals — imported through the real importer, and checked against an independent pandas computation
(counts, money lost, revenue won per product and sector, and which of them moved)."""

import zlib
from datetime import date
from pathlib import Path

import pandas as pd
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import Session

from db import market_rollup
from db.importers import ImportOptions, import_file, resolve_team
from reports.market import GROWTH_MIN, MOVE_OF_TOTAL, MOVE_SHARE, market_view
from reports.periods import Period

TEAM = "TMARKET"
REASONS = ["Price", "Timing", "No budget", "Feature gap", "Lost to competitor", ""]
COMPETITORS = ["Initech", "Umbrella", "Hooli", "", ""]
STAGES = {"Won": "Closed Won", "Lost": "Closed Lost", "Engaging": "Negotiation/Review", "Prospecting": "Prospecting"}
Q2 = Period(date(2017, 4, 1), date(2017, 7, 1), "quarter")
Q1 = (date(2017, 1, 1), date(2017, 4, 1))


def _pick(options: list[str], key: str, salt: str) -> str:
    return options[zlib.crc32((salt + key).encode()) % len(options)]


def reshaped(shared_data: Path) -> pd.DataFrame:
    """The pipeline as a Salesforce opportunity report with market columns (deterministic per opportunity)."""
    folder = shared_data / "crm_sales_opportunities"
    df = pd.read_csv(folder / "sales_pipeline.csv", dtype=str).fillna("")
    prices = pd.read_csv(folder / "products.csv")
    price = {p.replace(" ", ""): float(v) for p, v in zip(prices["product"], prices["sales_price"], strict=True)}
    sectors = dict(pd.read_csv(folder / "accounts.csv", dtype=str).fillna("")[["account", "sector"]].values)
    lost = df["deal_stage"].eq("Lost")
    amount = df["close_value"].where(~lost, df["product"].map(lambda p: f"{price[p.replace(' ', '')]:.2f}"))
    return pd.DataFrame({
        "Opportunity ID": df["opportunity_id"],
        "Opportunity Owner": df["sales_agent"],
        "Account Name": df["account"],
        "Product Name": df["product"],
        "Stage": df["deal_stage"].map(STAGES),
        "Amount": amount,
        "Created Date": df["engage_date"],
        "Close Date": df["close_date"],
        "Loss Reason": [_pick(REASONS, i, "r") if s else "" for i, s in zip(df["opportunity_id"], lost, strict=True)],
        "Competitor": [_pick(COMPETITORS, i, "c") if s else "" for i, s in zip(df["opportunity_id"], lost,
                                                                               strict=True)],
        "Industry": df["account"].map(sectors).fillna(""),
    })


def _closed(df: pd.DataFrame, stage: str, span: tuple[date, date]) -> pd.DataFrame:
    close = pd.to_datetime(df["Close Date"], errors="coerce").dt.date
    rows = df[df["Stage"].eq(stage) & close.notna()]
    close = close[rows.index]
    return rows[(close >= span[0]) & (close < span[1])].assign(
        cents=lambda r: (pd.to_numeric(r["Amount"], errors="coerce").fillna(0) * 100).round().astype("int64"))


def test_market_view_matches_pandas_on_the_shared_crm_export(engine: Engine, shared_data: Path) -> None:
    frame = reshaped(shared_data)
    result = import_file(engine, "deals", frame.to_csv(index=False).encode(), filename="opportunities.csv",
                         team_id=resolve_team(engine, TEAM), options=ImportOptions(), today=date(2026, 11, 26))
    assert (result.status, result.file_format, result.rejected) == ("done", "salesforce", 0), result
    with Session(engine) as session:
        assert market_rollup.is_valid(session, TEAM)  # the import built it: the view reads the daily rollup
        view = market_view(session, TEAM, Q2, today=date(2026, 11, 26))
    with engine.begin() as conn:  # any write to deal makes it stale: the view reads the deal table, same answer
        conn.execute(text("UPDATE deal SET name = name || ' ' WHERE team_id = :t AND external_id = :i"),
                     {"t": TEAM, "i": frame["Opportunity ID"].iloc[0]})
    with Session(engine) as session:
        assert not market_rollup.is_valid(session, TEAM)
        direct = market_view(session, TEAM, Q2, today=date(2026, 11, 26))
    assert direct == view

    now_span, before_span = (Q2.start, Q2.end), Q1
    lost_now, lost_before = _closed(frame, "Closed Lost", now_span), _closed(frame, "Closed Lost", before_span)
    assert (view.lost.now.deals, view.lost.now.cents) == (len(lost_now), int(lost_now["cents"].sum()))
    assert (view.lost.before.deals, view.lost.before.cents) == (len(lost_before), int(lost_before["cents"].sum()))
    assert view.lost.now.deals > 200  # the quarter is big enough to mean something

    for column, rows in (("Loss Reason", view.reasons), ("Competitor", view.competitors)):
        now = lost_now[lost_now[column].ne("")].groupby(column)["cents"].agg(["count", "sum"])
        before = lost_before[lost_before[column].ne("")].groupby(column)["cents"].count()
        got = {r.key: (r.now.deals, r.now.cents, r.before.deals) for r in rows}
        expected = {k: (int(n), int(s), int(before.get(k, 0))) for k, (n, s) in now.iterrows()}
        assert {k: v for k, v in got.items() if v[0]} == expected
        counts = [r.now.deals for r in rows]
        assert counts == sorted(counts, reverse=True)  # most deals lost first

    won_now, won_before = _closed(frame, "Closed Won", now_span), _closed(frame, "Closed Won", before_span)
    assert view.won.now.cents == int(won_now["cents"].sum())
    total = max(int(won_now["cents"].sum()), int(won_before["cents"].sum()))
    expected_moves = set()
    for kind, column in (("product", "Product Name"), ("segment", "Industry")):
        a = won_now[won_now[column].ne("")].groupby(column)["cents"].sum()
        b = won_before[won_before[column].ne("")].groupby(column)["cents"].sum()
        for key in a.index.union(b.index):
            now_c, before_c = int(a.get(key, 0)), int(b.get(key, 0))
            delta = now_c - before_c
            if abs(delta) >= MOVE_OF_TOTAL * total and (before_c == 0 or abs(delta) >= MOVE_SHARE * before_c):
                expected_moves.add((kind, key, now_c, before_c))
    got_moves = {(m.kind, m.key, m.now_cents, m.before_cents) for m in view.moves}
    assert got_moves <= expected_moves and len(got_moves) == min(5, len(expected_moves))
    biggest = sorted(expected_moves, key=lambda m: -abs(m[2] - m[3]))[: len(view.moves)]
    assert [abs(m.delta) for m in view.moves] == [abs(m[2] - m[3]) for m in biggest]
    assert view.moved == (bool(expected_moves) or any(r.now.deals - r.before.deals >= GROWTH_MIN
                                                      and r.now.deals - r.before.deals >= 0.5 * r.before.deals
                                                      for r in [*view.reasons, *view.competitors]))
