"""Team-wide KPI facts from the daily rollup (db/rollup.py) instead of the deal table, identical to the cent.

Used by the engine for the whole team (no rep, product or account filter), in total or by day (weekly
series), while the workspace's rollup is valid: won sums, lost counts and new-deal counts, and the pipeline
at a period's end (in total). A period's rows
are at most (days x currencies) per kind (~200 for a quarter), read on the rollup's primary key; each day's
amount is converted at the rate in force on that day (the same rule as `kpi_queries.rate_of_deal`) in
Python's exact integers and rounded once, so the result equals the per-deal sum in SQL.
"""

from collections import defaultdict
from datetime import date, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import Numeric, and_, case, cast, func, literal, select, text
from sqlalchemy.exc import OperationalError

from db.models import DealRepMonth
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
    """(day, currency, deals, amount) of `kind` in [start, end), a row per day."""
    stmt = text(
        "SELECT day, currency, deals, amount_cents FROM dealday "
        "WHERE team_id = :t AND kind = :k AND day >= :s AND day < :e"
    )
    params = {"t": team_id, "k": kind, "s": start, "e": end}
    return [(q._as_date(d), c, int(n), int(a)) for d, c, n, a in session.execute(stmt, params)]


def _span_rows(
    session: Any, team_id: str, kind: str, start: date, end: date, changes: list[date]
) -> list[tuple[date, str, int, int]]:
    """The same summed in SQL per currency and span of days in which no rate changes (`changes`: the days inside
    [start, end) a rate takes effect, ascending), each dated by its first day: a year is a few rows, not 365."""
    bounds = [start, *changes]
    span = " ".join(f"WHEN day >= :b{i} THEN {i}" for i in range(len(bounds) - 1, 0, -1))
    stmt = text(
        f"SELECT {f'CASE {span} ELSE 0 END' if span else '0'} AS span, currency, sum(deals), sum(amount_cents) "
        "FROM dealday WHERE team_id = :t AND kind = :k AND day >= :s AND day < :e GROUP BY 1, 2"
    )
    params: dict[str, Any] = {"t": team_id, "k": kind, "s": start, "e": end}
    params.update({f"b{i}": b for i, b in enumerate(bounds) if i})
    return [(bounds[int(i)], c, int(n), int(a)) for i, c, n, a in session.execute(stmt, params)]


def _rate(rates: list[tuple[str, date, int]], currency: str, day: date) -> int | None:
    """The rate of `currency` in force on `day`: the newest of `rates` (newest first) from on or before it."""
    for cur, valid_from, micros in rates:
        if cur == currency and day >= valid_from:
            return micros
    return None


@lru_cache(maxsize=64)
def _converting_sum(dialect: str, shape: tuple[int, ...]) -> Any:
    """The statement of `_converted` for currencies with `shape[i]` rates each (built once: parsing its binds
    cost more than running it)."""
    whens, n = [], 0
    for i, rates in enumerate(shape):
        days = " ".join(f"WHEN day >= :v{n + j} THEN :m{n + j}" for j in range(rates))
        whens.append(f"WHEN currency = :c{i} THEN CASE {days} END")
        n += rates
    amount = "amount_cents" if dialect == "sqlite" else "CAST(amount_cents AS NUMERIC)"
    return text(
        f"SELECT currency, sum(deals), sum(amount_cents), sum({amount} * CASE WHEN currency = :rep THEN :one "
        f"{' '.join(whens)} END) FROM dealday WHERE team_id = :t AND kind = :k AND day >= :s AND day < :e "
        "GROUP BY currency"
    )


def _converted(session: Any, f: q.Filters, kind: str, start: date, end: date,
               rates: list[tuple[str, date, int]]) -> q.MoneySum | None:
    """The total of `kind` in [start, end) converted by the database: one row per currency, each day's amount times
    the rate in force that day (as `_rate`), summed exactly. None when it cannot say: a currency whose first rate
    takes effect inside the period (part of its days priced, part left out: the spans say which), or a sum past
    SQLite's integers (it turns them into floats)."""
    by_currency: dict[str, list[tuple[date, int]]] = {}
    for currency, valid_from, micros in rates:  # newest first within each currency
        by_currency.setdefault(currency, []).append((valid_from, micros))
    if any(kept[-1][0] > start for kept in by_currency.values()):
        return None
    params: dict[str, Any] = {"t": f.team_id, "k": kind, "s": start, "e": end, "rep": f.currency, "one": q.RATE_SCALE}
    n = 0
    for i, (currency, kept) in enumerate(by_currency.items()):
        params[f"c{i}"] = currency
        for valid_from, micros in kept:
            params[f"v{n}"], params[f"m{n}"] = valid_from, micros
            n += 1
    stmt = _converting_sum(session.get_bind().dialect.name, tuple(len(kept) for kept in by_currency.values()))
    try:
        rows = session.execute(stmt, params).all()
    except OperationalError as error:  # SQLite's sum past 9.2e18 micro-cents
        if "overflow" not in str(error):
            raise
        return None
    sums = q.MoneySum()
    for currency, n_deals, cents, micros in rows:
        if isinstance(micros, float):
            return None
        sums.deals += int(n_deals)
        if micros is None:  # no rate at all for this currency: left out, as by `_rate`
            sums.left_out[currency] = (int(n_deals), int(cents))
        else:
            sums.priced += int(n_deals)
            sums.micros += int(micros)
    sums.cents = q._round_micros(sums.micros)
    return sums


def won_stats(session: Any, f: q.Filters, start: date, end: date, group: str | None) -> dict[Any, q.MoneySum]:
    """As `kpi_queries.won_stats` for the whole team, from the rollup.

    In total with other currencies than the reporting one, the database converts (`_converted`): a year with a
    rate a month is 2 rows, not a row per currency and month (the half-CNY benchmark's /kpi for a year paid
    ~0.4 ms for each of its three periods); else summed per currency and span of one rate, converted here."""
    rates = q.rates_in_force(session, f, start, end)
    out: dict[Any, q.MoneySum] = {}
    if group is None and rates:
        converted = _converted(session, f, "won", start, end, rates)
        if converted is not None:
            return {None: converted}
    if group is None:  # in total: summed in SQL per currency and span of one rate
        changes = sorted({valid_from for _c, valid_from, _m in rates if start < valid_from < end})
        rows = _span_rows(session, f.team_id, "won", start, end, changes)
    else:
        rows = _rows(session, f.team_id, "won", start, end)
    for day, currency, n, amount in rows:
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
    rows = _span_rows(session, f.team_id, kind, start, end, []) if group is None else _rows(
        session, f.team_id, kind, start, end
    )
    for day, _currency, n, _amount in rows:
        out[None if group is None else day] += n
    if group is None and kind == "lost":  # a plain count: one row, 0 over nothing (as lost_counts)
        return {None: out.get(None, 0)}
    return dict(out)  # grouped in SQL: no row over nothing (as new_deal_counts)


def pipeline(session: Any, f: q.Filters, end: date) -> q.MoneySum:
    """As `kpi_queries.pipeline_stats` in total for the whole team: the deals open at the end of the day before
    `end`, converted at the rates in force that day.

    Open then = open now and created before `end`, plus closed deals with created < end <= close, which are the
    closed deals 'started' before `end` minus those closed before it (db/rollup.py): one read of the rollup's
    rows before `end`, summed per currency and converted at the one rate of that day, rounded once.
    """
    stmt = text(
        "SELECT kind, currency, sum(deals), sum(amount_cents) FROM dealday WHERE team_id = :t "
        "AND kind IN ('open', 'started', 'won', 'lost') AND day < :e GROUP BY kind, currency"
    )
    by_currency: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for kind, currency, n, amount in session.execute(stmt, {"t": f.team_id, "e": end}):
        sign = -1 if kind in ("won", "lost") else 1
        by_currency[currency][0] += sign * int(n)
        by_currency[currency][1] += sign * int(amount or 0)
    last_day = end - timedelta(days=1)
    rates = q.rates_in_force(session, f, last_day, end)
    sums = q.MoneySum()
    for currency, (n, amount) in sorted(by_currency.items()):
        if not n:
            continue
        sums.deals += n
        rate = q.RATE_SCALE if currency == f.currency else _rate(rates, currency, last_day)
        if rate is None:
            sums.left_out[currency] = (n, amount)
        else:
            sums.priced += n
            sums.micros += amount * rate
    sums.cents = q._round_micros(sums.micros)
    return sums


# ------------------------------------------------------------------------------------------ by rep


def applies_by_rep(session: Any, f: q.Filters, group: str | None) -> bool:
    """True when a fact grouped by rep can come from `dealrepmonth`: the whole team, rollup up to date."""
    return (
        group == "rep" and f.member_id is None and f.product is None and f.account is None
        and is_valid(session, f.team_id)
    )


def _month_after(day: date) -> date:
    return date(day.year + (day.month == 12), day.month % 12 + 1, 1)


def _split(session: Any, f: q.Filters, start: date, end: date) -> tuple[list[date], list[tuple[date, date]]]:
    """[start, end) as whole months the rollup serves (each converts at one rate per currency: no rate of the
    reporting currency takes effect inside it) and the spans read from the deals (the cut days at the edges and
    the months in which a rate changes after their first day)."""
    changes = {valid_from for _c, valid_from, _m in q.rates_in_force(session, f, start, end) if valid_from.day != 1}
    months: list[date] = []
    spans: list[tuple[date, date]] = []
    day = start
    while day < end:
        following = _month_after(day)
        if day.day == 1 and following <= end and not any(day < c < following for c in changes):
            months.append(day)
        else:
            spans.append((day, min(following, end)))
        day = min(following, end)
    return months, spans


def _rep_rows(session: Any, team_id: str, kind: str, months: list[date]) -> Any:
    if not months:
        return []
    stmt = text(
        "SELECT owner_id, month, currency, deals, amount_cents FROM dealrepmonth "
        "WHERE team_id = :t AND kind = :k AND month >= :s AND month <= :e"
    )
    rows = session.execute(stmt, {"t": team_id, "k": kind, "s": months[0], "e": months[-1]})
    wanted = set(months)
    return [(None if int(o) == 0 else int(o), m, c, int(n), int(a)) for o, m, c, n, a in rows
            if q._as_date(m) in wanted]


def won_by_rep(session: Any, f: q.Filters, start: date, end: date) -> dict[Any, q.MoneySum]:
    """As `kpi_queries.won_stats(..., group='rep')`: whole months from the rollup, converted at the rate in
    force on the month's first day; the rest from the deals; exact sums, rounded once per rep."""
    months, spans = _split(session, f, start, end)
    rates = q.rates_in_force(session, f, start, end)
    out = _won_months_by_rep(session, f, months, rates) if months else {}
    for span_start, span_end in spans:
        for owner, part in q.won_stats(session, f, span_start, span_end, "rep").items():
            out.setdefault(owner, q.MoneySum()).absorb(part)
    for sums in out.values():
        sums.cents = q._round_micros(sums.micros)
    return out


def _won_months_by_rep(session: Any, f: q.Filters, months: list[date],
                       rates: list[tuple[str, date, int]]) -> dict[Any, q.MoneySum]:
    """The rollup's won months per rep, converted and summed by the database: one row per rep comes back (4,950 for
    the 10M benchmark's team) instead of one per rep, month and currency; a second query only when some currency
    had no rate, to say per rep what was left out."""
    m = DealRepMonth.__table__.c  # type: ignore[attr-defined]
    whens: list[tuple[Any, Any]] = [(m.currency == f.currency, literal(q.RATE_SCALE))]
    whens += [(and_(m.currency == cur, m.month >= valid_from), literal(micros)) for cur, valid_from, micros in rates]
    inner = select(m.owner_id.label("owner"), m.currency.label("cur"), m.deals.label("n"),
                   m.amount_cents.label("amt"), case(*whens).label("rate")).where(
        m.team_id == f.team_id, m.kind == "won", m.month.in_(months))
    c = (inner.offset(0) if rates else inner).subquery().c
    amount = cast(c.amt, Numeric) if session.get_bind().dialect.name != "sqlite" else c.amt
    priced = func.sum(case((c.rate.is_(None), literal(0)), else_=c.n))
    stmt = select(c.owner, func.sum(c.n), priced, func.coalesce(func.sum(amount * c.rate), 0)).group_by(c.owner)
    try:
        rows = session.execute(stmt).all()
        if any(isinstance(r[3], float) for r in rows):
            raise OverflowError
    except (OperationalError, OverflowError) as error:  # SQLite past 9.2e18 micro-cents: converted here, exactly
        if isinstance(error, OperationalError) and "overflow" not in str(error):
            raise
        return _won_months_by_rep_in_python(session, f, months, rates)
    out: dict[Any, q.MoneySum] = {}
    missing = False
    for owner, n, n_priced, micros in rows:
        key = None if int(owner) == 0 else int(owner)
        out[key] = q.MoneySum(deals=int(n), priced=int(n_priced or 0), micros=int(micros))
        missing = missing or int(n_priced or 0) < int(n)
    if missing:
        left = select(c.owner, c.cur, func.sum(c.n), func.sum(c.amt)).where(c.rate.is_(None)).group_by(c.owner, c.cur)
        for owner, currency, n, cents in session.execute(left):
            out[None if int(owner) == 0 else int(owner)].left_out[currency] = (int(n), int(cents))
    return out


def _won_months_by_rep_in_python(session: Any, f: q.Filters, months: list[date],
                                 rates: list[tuple[str, date, int]]) -> dict[Any, q.MoneySum]:
    """The same sums converted row by row in Python (totals past SQLite's integers)."""
    out: dict[Any, q.MoneySum] = {}
    for owner, month, currency, n, amount in _rep_rows(session, f.team_id, "won", months):
        sums = out.setdefault(owner, q.MoneySum())
        sums.deals += n
        rate = q.RATE_SCALE if currency == f.currency else _rate(rates, currency, q._as_date(month))
        if rate is None:
            had_n, had_cents = sums.left_out.get(currency, (0, 0))
            sums.left_out[currency] = (had_n + n, had_cents + amount)
        else:
            sums.priced += n
            sums.micros += amount * rate
    return out


def lost_by_rep(session: Any, f: q.Filters, start: date, end: date) -> dict[Any, int]:
    """As `kpi_queries.lost_counts(..., group='rep')`."""
    months, spans = _split(session, f, start, end)
    out: dict[Any, int] = defaultdict(int)
    for owner, _month, _currency, n, _amount in _rep_rows(session, f.team_id, "lost", months):
        out[owner] += n
    for span_start, span_end in spans:
        for owner, n in q.lost_counts(session, f, span_start, span_end, "rep").items():
            out[owner] += n
    return dict(out)
