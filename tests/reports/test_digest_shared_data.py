"""The digest on a real CRM export (../shared/data), checked against figures computed independently with pandas.

The week of 3 Jul 2017 sold half as much as the week before: the digest must say so with the right
figures, rank the reps right, and name the slice (product or rep) and the account that explain the fall.
"""

from datetime import date, timedelta
from pathlib import Path

import pandas as pd
from sqlalchemy.engine import Engine
from sqlmodel import Session

from reports.digest import build_digest, digest_lines
from tests.reports.test_kpi_engine import load_pipeline, pipeline_file, read_pipeline

TEAM = "TSHARED"
DIGEST_DAY = date(2017, 7, 10)  # Monday: the digest is about 3-9 Jul, compared with 26 Jun - 2 Jul
WEEK = (date(2017, 7, 3), date(2017, 7, 10))
BEFORE = (date(2017, 6, 26), date(2017, 7, 3))


def _closed(df: pd.DataFrame, stage: str, span: tuple[date, date]) -> pd.DataFrame:
    rows = df[df["deal_stage"] == stage]
    return rows[(rows["close"] >= span[0]) & (rows["close"] < span[1])]


def _largest_fall(df: pd.DataFrame, by: str) -> tuple[str, int]:
    now = _closed(df, "Won", WEEK).groupby(by)["cents"].sum()
    before = _closed(df, "Won", BEFORE).groupby(by)["cents"].sum()
    delta = now.reindex(before.index.union(now.index), fill_value=0) - before.reindex(
        before.index.union(now.index), fill_value=0
    )
    return str(delta.idxmin()), int(delta.min())


def test_weekly_digest_matches_pandas_on_the_shared_crm_export(engine: Engine, shared_data: Path) -> None:
    df = read_pipeline(shared_data)
    load_pipeline(engine, df, team_id=TEAM, path=pipeline_file(shared_data))
    with Session(engine) as session:
        d = build_digest(session, team_id=TEAM, cadence="weekly", today=DIGEST_DAY, language="en")

    won, lost = _closed(df, "Won", WEEK), _closed(df, "Lost", WEEK)
    assert (d.period.start, d.period.end) == WEEK
    assert d.revenue.current.value == int(won["cents"].sum())
    assert d.revenue.previous.value == int(_closed(df, "Won", BEFORE)["cents"].sum())
    assert d.deals_won == len(won)
    assert d.lost == (len(lost), 0)  # the export records no value for lost deals
    assert f"deals lost {len(lost)} (no amounts)" in "\n".join(digest_lines(d))  # not "(US$0)"
    assert d.win_rate == len(won) / (len(won) + len(lost))

    by_rep = won.groupby("sales_agent")["cents"].sum().sort_values(ascending=False)
    assert [(r.name, r.revenue) for r in d.reps[:3]] == [(name, int(c)) for name, c in by_rep.head(3).items()]
    assert sum(r.revenue for r in d.reps) == d.revenue.current.value

    # where the drop comes from: the product or rep with the largest fall, then its account with the largest fall
    product, rep = _largest_fall(df, "product"), _largest_fall(df, "sales_agent")
    dimension, (label, delta) = ("product", product) if product[1] <= rep[1] else ("rep", rep)
    assert d.drop is not None and (d.drop.dimension, d.drop.label, d.drop.delta) == (dimension, label, delta)
    column = "product" if dimension == "product" else "sales_agent"
    account, account_delta = _largest_fall(df[df[column] == label], "account")
    assert d.drop.detail is not None and (d.drop.detail.label, d.drop.detail.delta) == (account, account_delta)

    text = "\n".join(digest_lines(d))
    assert text.startswith("*Sales week 27 · 3–9 Jul 2017*")
    assert "▼ 51.9% vs previous" in text and f"*{label}*" in text and f"*{account}*" in text
    weeks = [w for w, _cents in d.trend]
    assert len(weeks) == 12 and weeks[-1] == "W27"
    last_12 = _closed(df, "Won", (WEEK[0] - timedelta(weeks=11), WEEK[1]))["cents"].sum()
    assert sum(c for _w, c in d.trend) == int(last_12)
