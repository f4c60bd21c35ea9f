"""Money in the KPI engine: a mixed USD/CNY/EUR/GBP export and the team's rates file, imported through the
real importers, give the same totals as an independent pandas computation with the same rates (per rep,
product, week, converted to the cent); deals without a rate are reported, never summed — on both databases.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from db.importers import import_file, resolve_team
from db.models import Member
from reports import kpi_engine as k
from tests.money_data import converted_total, left_out, priced, won_in, write_files

TEAM = "TMONEY"
Q3 = ("2026-07-01", "2026-10-01")


@dataclass(frozen=True)
class Span:
    start: date
    end: date


@pytest.fixture
def loaded(engine: Engine, tmp_path: Path) -> tuple[Path, Path, dict[str, int]]:
    deals_path, rates_path = write_files(tmp_path)
    resolve_team(engine, TEAM)  # as `salesbot import --team TMONEY` does: the workspace, reporting in USD
    for kind, path in (("deals", deals_path), ("rates", rates_path)):
        result = import_file(engine, kind, path.read_bytes(), filename=path.name, team_id=TEAM)
        assert result.status == "done" and result.rejected == 0, (kind, result.problems, result.refusal)
    with Session(engine) as session:
        members = session.exec(select(Member).where(Member.team_id == TEAM))
        ids = {m.crm_name or "": int(m.id or 0) for m in members}
    return deals_path, rates_path, ids


def _left(value: k.KpiValue) -> dict[str, tuple[int, int]]:
    return {x.currency: (x.deals, x.cents) for x in value.left_out}


def test_team_revenue_and_deal_size_equal_pandas_with_the_same_rates(engine: Engine, loaded) -> None:
    deals_path, rates_path, _ids = loaded
    frame = won_in(priced(deals_path, rates_path), *Q3)
    period = Span(date(2026, 7, 1), date(2026, 10, 1))
    with Session(engine) as session:
        got = k.compute_many(session, ["revenue", "deals_won", "avg_deal_size"], k.Scope(TEAM), period)
    expected = converted_total(frame)
    assert got["revenue"].value == expected
    # Every won deal counts as won, whatever its currency; the average is over the converted ones only.
    assert got["deals_won"].value == len(frame)
    with_rate = int(frame["has_rate"].sum())
    assert got["avg_deal_size"].value == int((Decimal(expected) / with_rate).quantize(Decimal(1), "ROUND_HALF_UP"))
    # GBP before its first rate (1 Sep) is left out, with its own amount; nothing else is.
    gone = left_out(frame)
    assert set(gone) == {"GBP"} and gone["GBP"][0] > 0
    assert _left(got["revenue"]) == gone
    # Never added one for one: the naive sum differs from the converted one.
    naive = sum(int(round(float(a) * 100)) for a in frame["amount"])
    assert got["revenue"].value != naive


def test_per_currency_amounts_and_conversion_match_pandas(engine: Engine, loaded) -> None:
    """Each currency alone (an account per currency would hide the mix): the converted total of a currency's
    won deals is sum(amount x rate on its close date), and its left-out part is its own-currency amount."""
    deals_path, rates_path, _ids = loaded
    frame = won_in(priced(deals_path, rates_path), *Q3)
    period = Span(date(2026, 7, 1), date(2026, 10, 1))
    with Session(engine) as session:
        total = k.compute(session, "revenue", k.Scope(TEAM), period)
    by_currency = {cur: converted_total(g) for cur, g in frame.groupby("currency")}
    assert sum(by_currency.values()) - total.value in range(-3, 4)  # each currency rounded once vs all once
    assert set(by_currency) == {"USD", "CNY", "EUR", "GBP"}
    usd = frame[frame["currency"] == "USD"]
    assert by_currency["USD"] == sum(int(Decimal(a) * 100) for a in usd["close_value"])


def test_breakdowns_by_rep_product_and_week_equal_pandas(engine: Engine, loaded) -> None:
    deals_path, rates_path, ids = loaded
    frame = won_in(priced(deals_path, rates_path), *Q3)
    period = Span(date(2026, 7, 1), date(2026, 10, 1))
    with Session(engine) as session:
        by_rep = {r.key: r.value for r in k.breakdown(session, "revenue", k.Scope(TEAM), period, "rep")}
        by_product = {r.key: r.value for r in k.breakdown(session, "revenue", k.Scope(TEAM), period, "product")}
        by_week = {r.key: r.value for r in k.breakdown(session, "revenue", k.Scope(TEAM), period, "week")}
    for rep, rows in frame.groupby("sales_agent"):
        assert by_rep[ids[rep]].value == converted_total(rows), rep
        assert _left(by_rep[ids[rep]]) == left_out(rows), rep
    for product, rows in frame.groupby("product"):
        assert by_product[product].value == converted_total(rows), product
    mondays = frame["close"].map(lambda d: max(date(2026, 7, 1), d.date() - timedelta(days=d.weekday())))
    for monday, rows in frame.groupby(mondays):
        assert by_week[monday].value == converted_total(rows), monday
        assert _left(by_week[monday]) == left_out(rows), monday


def test_pipeline_converts_at_the_rate_in_force_at_the_end_of_the_period(engine: Engine, loaded) -> None:
    deals_path, rates_path, _ids = loaded
    frame = priced(deals_path, rates_path, day="2026-09-30")
    end = pd_ts("2026-10-01")
    open_then = frame[(frame["created"] < end) & ((frame["deal_stage"] == "Engaging") | (frame["close"] >= end))]
    with Session(engine) as session:
        pipeline = k.compute(session, "pipeline", k.Scope(TEAM), Span(date(2026, 7, 1), date(2026, 10, 1)))
    assert pipeline.value == converted_total(open_then)
    assert _left(pipeline) == left_out(open_then) == {}  # GBP has a rate on 30 Sep


def test_the_rate_in_force_on_the_close_date_is_used(engine: Engine, loaded) -> None:
    """CN¥100,000 closed the day before the CNY rate changes and CN¥100,000 closed on that day."""
    period = Span(date(2026, 7, 1), date(2026, 10, 1))
    with Session(engine) as session:
        before = k.compute(session, "revenue", k.Scope(TEAM, account="CNY-before"), period)
        after = k.compute(session, "revenue", k.Scope(TEAM, account="CNY-after"), period)
    assert before.value == 1_385_000  # US$13,850.00 at 0.1385
    assert after.value == 1_401_000  # US$14,010.00 at 0.1401


def test_a_currency_without_any_rate_is_reported_not_summed(engine: Engine, loaded) -> None:
    """A workspace reporting in EUR: the rates file's rates are to USD, so nothing but EUR converts."""
    from db.models import Workspace

    deals_path, rates_path, _ids = loaded
    with Session(engine) as session:
        ws = session.get(Workspace, TEAM)
        ws.currency = "EUR"
        session.add(ws)
        session.commit()
        got = k.compute(session, "revenue", k.Scope(TEAM), Span(date(2026, 7, 1), date(2026, 10, 1)))
    frame = won_in(priced(deals_path, rates_path), *Q3)
    eur = frame[frame["currency"] == "EUR"]
    assert got.value == sum(int(Decimal(a) * 100) for a in eur["close_value"])
    others = frame[frame["currency"] != "EUR"]
    expected = {
        cur: (len(g), sum(int(Decimal(a) * 100) for a in g["close_value"])) for cur, g in others.groupby("currency")
    }
    assert _left(got) == expected


def pd_ts(day: str):  # type: ignore[no-untyped-def]
    import pandas as pd

    return pd.Timestamp(day)


def test_totals_past_64_bit_micro_cents_stay_exact(engine: Engine) -> None:
    """Two won deals of US$900 billion and one of CN¥1 trillion: amount x rate passes 2^63 micro-cents, where
    SQLite's integers stop; the total is still exact to the cent."""
    from sqlalchemy import insert

    from db.models import Deal, ExchangeRate, Workspace

    with Session(engine) as session:
        session.add(Workspace(team_id="TBIG", currency="USD"))
        session.add(
            ExchangeRate(
                team_id="TBIG", currency="CNY", to_currency="USD", valid_from=date(2026, 1, 1), rate_micros=138_517
            )
        )
        session.commit()
        rows = [("USD", 90_000_000_000_000), ("USD", 90_000_000_000_001), ("CNY", 100_000_000_000_003)]
        session.execute(
            insert(Deal),
            [
                {
                    "team_id": "TBIG",
                    "external_id": f"B{i}",
                    "status": "won",
                    "amount_cents": cents,
                    "currency": cur,
                    "created_date": date(2026, 3, 1),
                    "close_date": date(2026, 3, 2),
                }
                for i, (cur, cents) in enumerate(rows)
            ],
        )
        session.commit()
        got = k.compute(session, "revenue", k.Scope("TBIG"), Span(date(2026, 1, 1), date(2026, 4, 1)))
    exact = Decimal(180_000_000_000_001) + Decimal(100_000_000_000_003) * Decimal("0.138517")
    assert got.value == int(exact.quantize(Decimal(1), "ROUND_HALF_UP"))


def _plans(engine: Any, ask: Any) -> dict[str, str]:
    """{statement: SQLite's plan} of every statement on deal, dealday or exchangerate that `ask(session)` sends."""
    from sqlalchemy import event

    statements: list[tuple[str, tuple]] = []

    def record(_c, _cur, sql, params, _ctx, _many) -> None:  # type: ignore[no-untyped-def]
        statements.append((sql, params))

    event.listen(engine, "before_cursor_execute", record)
    with Session(engine) as session:
        ask(session)
        event.remove(engine, "before_cursor_execute", record)
        return {
            sql: " | ".join(
                row[-1] for row in session.connection().exec_driver_sql("EXPLAIN QUERY PLAN " + sql, params)
            )
            for sql, params in statements
            if any(f"FROM {table} " in sql + " " for table in ("deal", "dealday", "exchangerate"))
        }


def test_the_converted_revenue_query_reads_only_indexes(sqlite_url: str, tmp_path: Path) -> None:
    """The plan SQLite picks for a converted quarter: from the deals (rollup stale), the covering deal index
    (amount and currency in it, no table rows) and the rates' unique index; from the daily rollup (fresh after
    an import), its primary key."""
    from sqlalchemy import text

    from db.engine import get_engine
    from db.rollup import refresh_team

    engine = get_engine(sqlite_url)
    deals_path, rates_path = write_files(tmp_path, deals=40)
    for kind, path in (("deals", deals_path), ("rates", rates_path)):
        assert import_file(engine, kind, path.read_bytes(), filename=path.name, team_id=TEAM).status == "done"
    quarter = Span(date(2026, 7, 1), date(2026, 10, 1))
    with engine.begin() as conn:  # a write after the import: the rollup is stale, the deals are read
        conn.execute(text("UPDATE deal SET name = name WHERE team_id = :t"), {"t": TEAM})
    plans = _plans(engine, lambda s: k.compute(s, "revenue", k.Scope(TEAM), quarter))
    deal_plan = next(plan for sql, plan in plans.items() if "FROM deal " in sql)
    rate_plan = next(plan for sql, plan in plans.items() if "FROM exchangerate" in sql and "FROM deal" not in sql)
    assert "USING COVERING INDEX ix_deal_team_status_close_owner" in deal_plan, deal_plan
    assert "SCAN deal" not in deal_plan
    assert "exchangerate USING INDEX sqlite_autoindex_exchangerate_1" in rate_plan, rate_plan
    refresh_team(engine, TEAM)
    plans = _plans(engine, lambda s: k.compute(s, "revenue", k.Scope(TEAM), quarter))
    assert not any("FROM deal " in sql for sql in plans), plans
    rollup_plan = next(plan for sql, plan in plans.items() if "FROM dealday " in sql)
    assert "SEARCH dealday USING PRIMARY KEY" in rollup_plan or "sqlite_autoindex_dealday_1" in rollup_plan, rollup_plan
