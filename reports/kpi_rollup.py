"""Team-wide KPI facts from the daily rollup (db/rollup.py) instead of the deal table, identical to the cent.

Used by the engine for the whole team (no rep, product or account filter), in total or by day (weekly
series), while the workspace's rollup is valid: won sums, lost counts and new-deal counts. A period's rows
are at most (days x currencies) per kind (~200 for a quarter), read on the rollup's primary key; each day's
amount is converted at the rate in force on that day (the same rule as `kpi_queries.rate_of_deal`) in
Python's exact integers and rounded once, so the result equals the per-deal sum in SQL.
"""

from collections import defaultdict
from datetime import date
from typing import Any

from sqlalchemy import text

from db.rollup import is_valid
from reports import kpi_queries as q


def applies(session: Any, f: q.Filters, group: str | None) -> bool:
    """True when this fact can come from the rollup: the whole team, in total or by day, rollup up to date."""
    return (
        f.member_id is None
        and f.product is None
        and f.account is None
        and group in (None, "day")
        and is_valid(session, f.team_id)
    )


def _rows(session: Any, team_id: str, kind: str, start: date, end: date) -> list[tuple[date, str, int, int]]:
    stmt = text(
        "SELECT day, currency, deals, amount_cents FROM dealday "
        "WHERE team_id = :t AND kind = :k AND day >= :s AND day < :e"
    )
    params = {"t": team_id, "k": kind, "s": start, "e": end}
    return [(q._as_date(d), c, int(n), int(a)) for d, c, n, a in session.execute(stmt, params)]


def _rate(rates: list[tuple[str, date, int]], currency: str, day: date) -> int | None:
    """The rate of `currency` in force on `day`: the newest of `rates` (newest first) from on or before it."""
    for cur, valid_from, micros in rates:
        if cur == currency and day >= valid_from:
            return micros
    return None


def won_stats(session: Any, f: q.Filters, start: date, end: date, group: str | None) -> dict[Any, q.MoneySum]:
    """As `kpi_queries.won_stats` for the whole team, from the rollup."""
    rates = q.rates_in_force(session, f, start, end)
    out: dict[Any, q.MoneySum] = {}
    for day, currency, n, amount in _rows(session, f.team_id, "won", start, end):
        sums = out.setdefault(None if group is None else day, q.MoneySum())
        sums.deals += n
        rate = q.RATE_SCALE if currency == f.currency else _rate(rates, currency, day)
        if rate is None:
            had_n, had_cents = sums.left_out.get(currency, (0, 0))
            sums.left_out[currency] = (had_n + n, had_cents + amount)
        else:
            sums.priced += n
            sums.micros += amount * rate
    for sums in out.values():
        sums.cents = q._round_micros(sums.micros)
    if group is None:
        return {None: out.get(None, q.MoneySum())}
    return out


def counts(session: Any, f: q.Filters, kind: str, start: date, end: date, group: str | None) -> dict[Any, int]:
    """As `kpi_queries.lost_counts` (kind 'lost') or `new_deal_counts` (kind 'new') for the whole team."""
    out: dict[Any, int] = defaultdict(int)
    for day, _currency, n, _amount in _rows(session, f.team_id, kind, start, end):
        out[None if group is None else day] += n
    if group is None and kind == "lost":  # a plain count: one row, 0 over nothing (as lost_counts)
        return {None: out.get(None, 0)}
    return dict(out)  # grouped in SQL: no row over nothing (as new_deal_counts)
