"""`/market trend`: win rate and revenue won by product, segment, region or account size, per quarter or month.

API:
    trend_buckets(period, today, fiscal_year_start_month) -> [Period]: the last 4 quarters (period None), the
        months of a period up to a year, its quarters beyond (cut to the period).
    market_trend(session, team_id, dimension, buckets, *, member_id=None) -> Trend
        dimension: product | segment (the deal's, else its account's sector) | region | size (SIZE_BANDS).
    Trend.series: the top TOP_GROUPS groups by revenue won over all buckets, then "other" (the rest together),
        then the deals without a group ("no segment", "size unknown": counted, never dropped); Trend.total: all.

One grouped query: team-wide from the market rollup while it is valid (db/market_rollup.py, kinds
'won:<dimension>' / 'lost:<dimension>' per day and currency), else (one rep, or stale) from the deal table joined
to its account (db/accounts.py's dealaccount). Grouped by (bucket, status, group, currency, rate in force), so
every deal converts at its close date's rate in SQL's grouping and the product is taken in Python's integers
(no overflow); a currency without a rate is counted in win rates and left out of revenue, reported per currency.
"""

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import and_, case, func, literal, select

from db import market_rollup
from db.accounts import SIZE_BANDS, size_sql
from db.models import DealMarketDay
from reports import kpi_queries as q
from reports.kpi_engine import LeftOut, Scope, reporting_currency
from reports.market import DEALS_WITH_ACCOUNT, SEGMENT, _account, _deal
from reports.periods import Period, month_of, quarter_of

__all__ = ["DIMENSIONS", "TOP_GROUPS", "OTHER", "SIZE_BANDS", "Cell", "Series", "Trend", "market_trend",
           "trend_buckets"]

DIMENSIONS = ("product", "segment", "region", "size")
TOP_GROUPS = 6
OTHER = "\x00other"  # the key of "the rest together" (no CRM value can hold a NUL: importers refuse it)
QUARTERS = 4  # by default
MAX_MONTHS_DAYS = 366  # a period up to a year goes by month, longer by quarter


@dataclass
class Cell:
    """Deals closed in one bucket: won, lost, revenue won (micro-cents of the reporting currency) and the won
    deals whose currency had no rate ({currency: (deals, cents)})."""

    won: int = 0
    lost: int = 0
    micros: int = 0
    left_out: dict[str, tuple[int, int]] = field(default_factory=dict)

    @property
    def win_rate(self) -> float | None:
        closed = self.won + self.lost
        return self.won / closed if closed else None

    @property
    def cents(self) -> int:
        return q._round_micros(self.micros)

    def merge(self, other: "Cell") -> None:
        self.won += other.won
        self.lost += other.lost
        self.micros += other.micros
        for cur, (n, cents) in other.left_out.items():
            d, c = self.left_out.get(cur, (0, 0))
            self.left_out[cur] = (d + n, c + cents)


@dataclass
class Series:
    key: str  # the group ('' none, OTHER the rest)
    cells: list[Cell]
    groups: int = 1  # how many groups it holds ("other": several)

    @property
    def micros(self) -> int:
        return sum(c.micros for c in self.cells)

    @property
    def rate_change(self) -> float | None:
        """Last bucket's win rate minus the first's (points as a fraction); None when either has no closed deal."""
        first, last = self.cells[0].win_rate, self.cells[-1].win_rate
        return None if first is None or last is None else last - first

    @property
    def left_out(self) -> tuple[LeftOut, ...]:
        merged = Cell()
        for c in self.cells:
            merged.merge(c)
        return tuple(LeftOut(cur, n, cents) for cur, (n, cents) in sorted(merged.left_out.items()))


@dataclass
class Trend:
    dimension: str
    buckets: list[Period]
    currency: str
    total: Series
    series: list[Series]

    @property
    def empty(self) -> bool:
        return not any(c.won or c.lost for c in self.total.cells)


def trend_buckets(period: Period | None, today: date, fiscal_year_start_month: int = 1) -> list[Period]:
    """The sub-periods of a trend: the last QUARTERS quarters up to today's (no period), else the months of
    a period up to a year or its quarters, each cut to the period."""
    fy = fiscal_year_start_month
    if period is None:
        out = [quarter_of(today, fy)]
        while len(out) < QUARTERS:
            out.insert(0, out[0].previous())
        return out
    unit = month_of if period.days <= MAX_MONTHS_DAYS else (lambda d: quarter_of(d, fy))
    out, day = [], period.start
    while day < period.end:
        whole = unit(day)
        start, end = max(whole.start, period.start), min(whole.end, period.end)
        out.append(whole if (start, end) == (whole.start, whole.end) else Period(start, end, "range", fy))
        day = whole.end
    return out


def _bucket(day: Any, buckets: list[Period]) -> Any:
    return case(*[(day < b.end, literal(i)) for i, b in enumerate(buckets[:-1])], else_=literal(len(buckets) - 1))


def _rate(currency: Any, day: Any, f: q.Filters, rates: list[tuple[str, date, int]]) -> Any:
    whens: list[tuple[Any, Any]] = [(currency == f.currency, literal(q.RATE_SCALE))]
    whens += [(and_(currency == cur, day >= valid_from), literal(micros)) for cur, valid_from, micros in rates]
    return case(*whens)


def _deal_key(dimension: str) -> Any:
    return {"product": _deal.product, "segment": SEGMENT, "region": func.coalesce(_account.region, ""),
            "size": size_sql(_account.employees)}[dimension]


def _groups(session: Any, f: q.Filters, dimension: str, buckets: list[Period]) -> list[tuple[Any, ...]]:
    """(bucket, status, key, currency, rate or None, deals, cents) of deals closed in the buckets."""
    low, high = buckets[0].start, buckets[-1].end
    rates = q.rates_in_force(session, f, low, high)
    if f.member_id is None and market_rollup.is_valid(session, f.team_id):
        m = DealMarketDay.__table__.c  # type: ignore[attr-defined]
        inner = select(_bucket(m.day, buckets).label("b"), m.kind.label("status"), m.key.label("key"),
                       m.currency.label("cur"), _rate(m.currency, m.day, f, rates).label("rate"),
                       m.deals.label("n"), m.amount_cents.label("amt")).where(
            m.team_id == f.team_id, m.kind.in_((f"won:{dimension}", f"lost:{dimension}")), m.day >= low, m.day < high)
    else:
        where = [_deal.team_id == f.team_id, _deal.status.in_(("won", "lost")), _deal.close_date >= low,
                 _deal.close_date < high]
        if f.member_id is not None:
            where.append(_deal.owner_id == f.member_id)
        inner = select(_bucket(_deal.close_date, buckets).label("b"), _deal.status.label("status"),
                       _deal_key(dimension).label("key"), _deal.currency.label("cur"),
                       _rate(_deal.currency, _deal.close_date, f, rates).label("rate"), literal(1).label("n"),
                       _deal.amount_cents.label("amt")).select_from(DEALS_WITH_ACCOUNT).where(*where)
    c = (inner.offset(0) if rates else inner).subquery().c  # OFFSET 0: SQLite evaluates the CASEs once per row
    keys = [c.b, c.status, c.key, c.cur, c.rate]
    return list(session.execute(select(*keys, func.sum(c.n), func.coalesce(func.sum(c.amt), 0)).group_by(*keys)))


def market_trend(
    session: Any, team_id: str, dimension: str, buckets: list[Period], *, member_id: int | None = None
) -> Trend:
    if dimension not in DIMENSIONS:
        raise ValueError(f"unknown trend dimension {dimension!r}")
    currency = reporting_currency(session, Scope(team_id))
    f = q.Filters(team_id, member_id, currency=currency)
    by_key: dict[str, list[Cell]] = {}
    for b, status, key, cur, rate, n, amount in _groups(session, f, dimension, buckets):
        cell = by_key.setdefault(key or "", [Cell() for _ in buckets])[int(b)]
        won = str(status).split(":")[0] == "won"
        if not won:
            cell.lost += int(n)
            continue
        cell.won += int(n)
        if rate is None:
            d, cents = cell.left_out.get(cur, (0, 0))
            cell.left_out[cur] = (d + int(n), cents + int(amount))
        else:
            cell.micros += int(amount) * int(rate)
    total = Series("", [Cell() for _ in buckets], groups=len(by_key))
    for cells in by_key.values():
        for into, cell in zip(total.cells, cells, strict=True):
            into.merge(cell)
    named = sorted((Series(k, v) for k, v in by_key.items() if k), key=lambda s: (-s.micros, s.key))
    series = named[:TOP_GROUPS]
    if rest := named[TOP_GROUPS:]:
        other = Series(OTHER, [Cell() for _ in buckets], groups=len(rest))
        for s in rest:
            for into, cell in zip(other.cells, s.cells, strict=True):
                into.merge(cell)
        series.append(other)
    if "" in by_key:
        series.append(Series("", by_key[""]))
    return Trend(dimension, buckets, currency, total, series)
