"""The SQL behind every KPI: small aggregate queries on the covering indexes of `db/models.py`.

Each function answers one *fact* (sums and counts of closed deals, open pipeline, new deals, cycle days,
feedback ratings, check-in runs) for a half-open range of dates, optionally grouped by one key (rep,
product, account, or the date itself for weekly series). Only aggregates or narrow columns leave the
database; nothing loads a table. The KPI formulas on top of these facts live in `reports.kpi_engine`.

Money is converted here, in SQL: the rates in force during the period are read from `exchangerate` (a few
rows, on its unique index) and the aggregate multiplies every amount by the rate of its currency on its
date (the reporting currency's own deals by 1) in the same scan of the covering index, exact integer
arithmetic in micro-units. `MoneySum` holds the converted total, exact to the cent, and per currency what
had no rate and was left out (never added as if it were the reporting currency).

Groups: `group` is None (one row, key None), 'rep' (Deal.owner_id / Feedback.member_id / CheckinRun.member_id),
'product', 'account', or 'day' (the date the fact is dated by; the engine folds days into weeks).
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Numeric, and_, case, cast, func, literal, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.sql import ColumnElement

from db.feedback import CSAT_HIGH_FROM, NPS_DETRACTOR_TO, NPS_PROMOTER_FROM
from db.models import CheckinRun, Deal, ExchangeRate, Feedback
from db.sums import cents_sum

__all__ = [
    "RATE_SCALE",
    "Filters",
    "MoneySum",
    "money_sums",
    "rates_in_force",
    "rate_of_deal",
    "won_stats",
    "lost_counts",
    "pipeline_stats",
    "new_deal_counts",
    "cycle_days",
    "feedback_stats",
    "checkin_stats",
]

_deal = Deal.__table__.c  # type: ignore[attr-defined]
_feedback = Feedback.__table__.c  # type: ignore[attr-defined]
_run = CheckinRun.__table__.c  # type: ignore[attr-defined]
_rate = ExchangeRate.__table__.c  # type: ignore[attr-defined]

RATE_SCALE = 1_000_000  # ExchangeRate.rate_micros: millionths of the reporting currency per unit


@dataclass(frozen=True)
class Filters:
    """Which rows count: the workspace always, then optionally one rep, one product, one account."""

    team_id: str
    member_id: int | None = None
    product: str | None = None
    account: str | None = None
    currency: str = "USD"  # the workspace's reporting currency: every money total is in it


@dataclass
class MoneySum:
    """A money total in the reporting currency, and what could not be converted.

    `cents`: converted, exact (sum of amount x rate, rounded half up once, at the end); `deals`: every deal
    counted; `priced`: the deals inside `cents`; `left_out`: {currency: (deals, original cents)} of deals whose
    currency had no rate in force on their date.
    """

    cents: int = 0
    deals: int = 0
    priced: int = 0
    left_out: dict[str, tuple[int, int]] = field(default_factory=dict)
    micros: int = 0  # the unrounded converted sum, in millionths of a cent

    def absorb(self, other: "MoneySum") -> None:
        """Add another sum (a day into its week): exact, rounded once."""
        self.deals += other.deals
        self.priced += other.priced
        self.micros += other.micros
        self.cents = _round_micros(self.micros)
        for currency, (n, cents) in other.left_out.items():
            had_n, had_cents = self.left_out.get(currency, (0, 0))
            self.left_out[currency] = (had_n + n, had_cents + cents)


def _round_micros(micros: int) -> int:
    """Millionths of a cent -> cents, half away from zero."""
    whole, rest = divmod(abs(micros), RATE_SCALE)
    cents = whole + (1 if 2 * rest >= RATE_SCALE else 0)
    return cents if micros >= 0 else -cents


def rates_in_force(session: Any, f: Filters, start: date, end: date) -> list[tuple[str, date, int]]:
    """(currency, valid_from, rate micro-units) of every rate to the reporting currency in force on some day of
    [start, end): per currency, the last one from on or before `start` and every later one from before `end`;
    newest first."""
    kept: list[tuple[str, date, int]] = []
    complete: set[str] = set()
    for currency, valid_from, micros in _team_rates(session, f):
        if currency in complete or currency == f.currency or valid_from >= end:
            continue
        kept.append((currency, valid_from, micros))
        if valid_from <= start:
            complete.add(currency)
    return kept


def _team_rates(session: Any, f: Filters) -> list[tuple[str, date, int]]:
    """All the workspace's rates to its reporting currency, by currency, newest first: one indexed read of a
    small table (uq_exchange_rate), kept for the session (one request), which asks for them many times."""
    key = ("salesbot.rates", f.team_id, f.currency)
    cached = session.info.get(key)
    if cached is None:
        stmt = (
            select(_rate.currency, _rate.valid_from, _rate.rate_micros)
            .where(_rate.team_id == f.team_id, _rate.to_currency == f.currency)
            .order_by(_rate.currency, _rate.valid_from.desc())
        )
        cached = [(c, _as_date(v), int(m)) for c, v, m in session.execute(stmt)]
        session.info[key] = cached
    return cached


def rate_of_deal(f: Filters, rates: list[tuple[str, date, int]], day: Any) -> Any:
    """SQL: the rate of each deal's currency in force on `day` (its close date column, or one fixed date),
    1.000000 for the reporting currency, NULL when the team gave no rate for that currency and day.

    The period's rates (`rates_in_force`, newest first) become one CASE, so the database converts every row
    in the same scan of the covering index, with no lookup per row.
    """
    whens: list[tuple[Any, Any]] = [(_deal.currency == f.currency, literal(RATE_SCALE))]
    for currency, valid_from, micros in rates:
        same = _deal.currency == currency
        whens.append((same if isinstance(day, date) else and_(same, day >= valid_from), literal(micros)))
    return case(*whens)


def money_sums(
    session: Any, f: Filters, where: list[ColumnElement[bool]], group: Any, rates: list[tuple[str, date, int]], day: Any
) -> dict[Any, MoneySum]:
    """{key: MoneySum} of the deals matching `where`, grouped by `group` (None: one total), converted at the
    rates in force on `day`.

    The database multiplies and sums, the rate computed once per row (with rates, the inner select is fenced
    with OFFSET 0 so it is not flattened into copies); a second query runs only when some deal had no rate,
    to say per currency what was left out.
    """
    keys = [] if group is None else [group.label("k")]
    inner_select = select(
        *keys,
        _deal.currency.label("cur"),
        _deal.amount_cents.label("amt"),
        rate_of_deal(f, rates, day).label("rate"),
    ).where(*where)
    # With rates, fence the inner select so its CASE runs once per row; without (one WHEN: the reporting
    # currency), letting SQLite flatten it is cheaper than the co-routine.
    inner = (inner_select.offset(0) if rates else inner_select).subquery()
    c = inner.c
    by = [] if group is None else [c.k]
    out: dict[Any, MoneySum] = {}
    try:
        for *k, n, priced, micros in session.execute(select(*by, *_totals(session, c)).group_by(*by)):
            if isinstance(micros, float):  # SQLite turned a product past 2^63 into a float: not exact
                raise OverflowError
            key = k[0] if k else None
            out[key] = MoneySum(cents=_round_micros(int(micros)), deals=int(n), priced=int(priced), micros=int(micros))
    except (OperationalError, OverflowError) as error:  # SQLite: past 9.2e18 micro-cents (92 billion units)
        if isinstance(error, OperationalError) and "overflow" not in str(error):
            raise
        out = _sums_by_rate(session, c, by)
    if any(v.priced < v.deals for v in out.values()):
        missing = select(*by, c.cur, func.count(), func.coalesce(func.sum(c.amt), 0)).where(c.rate.is_(None))
        for *k, cur, n, cents in session.execute(missing.group_by(*by, c.cur)):
            out[k[0] if k else None].left_out[cur] = (int(n), int(cents))
    return out


def _totals(session: Any, c: Any) -> tuple[Any, ...]:
    """count, count of deals with a rate, SUM(amount x rate) in micro-cents. PostgreSQL multiplies in NUMERIC
    (exact, no BIGINT overflow); SQLite multiplies 64-bit integers, exact up to 9.2e18 (see _sums_by_rate)."""
    product = c.amt * c.rate
    if session.get_bind().dialect.name != "sqlite":
        product = cast(c.amt, Numeric) * c.rate
    return func.count(), func.count(c.rate), func.coalesce(func.sum(product), 0)


def _sums_by_rate(session: Any, c: Any, by: list[Any]) -> dict[Any, MoneySum]:
    """The same sums for totals too large for SQLite's integers: amounts summed per (key, rate) in SQL
    (db/sums.py: exact to 2^53 cents, never an error), each group multiplied by its rate in Python's unbounded
    integers (a handful of rows per key)."""
    stmt = select(*by, c.rate, func.count(), cents_sum(c.amt)).group_by(*by, c.rate)
    out: dict[Any, MoneySum] = {}
    for *k, rate, n, amount in session.execute(stmt):
        sums = out.setdefault(k[0] if k else None, MoneySum())
        sums.deals += int(n)
        if rate is not None:
            sums.priced += int(n)
            sums.micros += round(amount) * int(rate)
            sums.cents = _round_micros(sums.micros)
    return out


def _deal_where(f: Filters) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = [_deal.team_id == f.team_id]
    if f.member_id is not None:
        where.append(_deal.owner_id == f.member_id)
    if f.product is not None:
        where.append(_deal.product == f.product)
    if f.account is not None:
        where.append(_deal.account == f.account)
    return where


def _deal_group(group: str | None, day_column: Any) -> Any:
    if group is None:
        return literal(None)
    return {"rep": _deal.owner_id, "product": _deal.product, "account": _deal.account, "day": day_column}[group]


def _as_date(value: Any) -> Any:
    """SQLite hands back labelled date expressions as text; make every 'day' key a `date`."""
    if isinstance(value, str):
        return date.fromisoformat(value[:10])
    if isinstance(value, datetime):
        return value.date()
    return value


def _key(group: str | None, value: Any) -> Any:
    return _as_date(value) if group == "day" else value


def won_stats(session: Any, f: Filters, start: date, end: date, group: str | None = None) -> dict[Any, MoneySum]:
    """{key: MoneySum} of deals won in [start, end), each converted at the rate in force on its close date.

    One range scan of status = 'won' on ix_deal_team_status_close_owner (ix_deal_team_owner_status_close for one
    rep), which covers amount and currency: no table rows read, exact integer sums.
    """
    where = [*_deal_where(f), _deal.status == "won", _deal.close_date >= start, _deal.close_date < end]
    rates = rates_in_force(session, f, start, end)
    key = None if group is None else _deal_group(group, _deal.close_date)
    sums = money_sums(session, f, where, key, rates, _deal.close_date)
    if group is None:
        return {None: sums.get(None, MoneySum())}
    return {_key(group, k): v for k, v in sums.items()}


def lost_counts(session: Any, f: Filters, start: date, end: date, group: str | None = None) -> dict[Any, int]:
    """{key: deals lost in [start, end)}: a count over the same index, status = 'lost'."""
    where = [*_deal_where(f), _deal.status == "lost", _deal.close_date >= start, _deal.close_date < end]
    if group is None:
        return {None: int(session.execute(select(func.count()).where(*where)).scalar() or 0)}
    key = _deal_group(group, _deal.close_date).label("k")
    stmt = select(key, func.count()).where(*where).group_by(key)
    return {_key(group, k): int(n) for k, n in session.execute(stmt)}


def pipeline_stats(session: Any, f: Filters, end: date, group: str | None = None) -> dict[Any, MoneySum]:
    """{key: MoneySum} of deals open at the end of the day before `end`, at the rates in force that day.

    Open then means created before `end` and either still open or closed on/after `end`: two reads added
    exactly (one `OR` would make PostgreSQL read the whole table), the open deals off the partial index
    ix_deal_open and the deals closed on/after `end` off ix_deal_team_status_close_owner, which carries their
    created date (migration 0019e_target_versions); one rep's deals are read off the owner index.
    """
    last_day = end - timedelta(days=1)
    rates = rates_in_force(session, f, last_day, end)
    key = None if group is None else _deal_group(group, _deal.created_date)
    base = [*_deal_where(f), _deal.created_date < end]
    out: dict[Any, MoneySum] = {}
    for part in ([_deal.status == "open"], [_deal.status.in_(("won", "lost")), _deal.close_date >= end]):
        for k, sums in money_sums(session, f, [*base, *part], key, rates, last_day).items():
            out.setdefault(_key(group, k), MoneySum()).absorb(sums)
    return out


def new_deal_counts(session: Any, f: Filters, start: date, end: date, group: str | None = None) -> dict[Any, int]:
    """{key: number of deals created in [start, end)} over ix_deal_team_created."""
    key = _deal_group(group, _deal.created_date).label("k")
    stmt = (
        select(key, func.count())
        .where(*_deal_where(f), _deal.created_date >= start, _deal.created_date < end)
        .group_by(key)
    )
    return {_key(group, k): int(n) for k, n in session.execute(stmt)}


def _day_difference(session: Any) -> Any:
    if session.get_bind().dialect.name == "sqlite":
        return func.julianday(_deal.close_date) - func.julianday(_deal.created_date)
    return _deal.close_date - _deal.created_date  # PostgreSQL: date - date is an integer of days


def cycle_days(session: Any, f: Filters, start: date, end: date, group: str | None = None) -> dict[Any, list[int]]:
    """{key: [days from created to close]} of deals won in [start, end): one narrow column, for medians."""
    key = _deal_group(group, _deal.close_date).label("k")
    stmt = select(key, _day_difference(session)).where(
        *_deal_where(f), _deal.status == "won", _deal.close_date >= start, _deal.close_date < end
    )
    out: dict[Any, list[int]] = defaultdict(list)
    for k, days in session.execute(stmt):
        out[_key(group, k)].append(int(round(float(days))))
    return dict(out)


def _feedback_group(group: str | None) -> Any:
    if group is None:
        return literal(None)
    return {
        "rep": _feedback.member_id,
        "product": _feedback.product,
        "account": _feedback.account,
        "day": _feedback.received_on,
    }[group]


def feedback_stats(
    session: Any, f: Filters, start: date, end: date, scale: int, group: str | None = None
) -> dict[Any, tuple[int, int, int]]:
    """{key: (ratings, high, low)} of feedback received in [start, end) on a 5 or 10 point scale.

    Scale 5 (CSAT): high = ratings 4-5, low unused. Scale 10 (NPS): high = promoters 9-10, low = detractors 0-6.
    """
    # The thresholds are defined once, in db/feedback.py (csat_nps); breakdowns need this grouped form.
    high_from, low_to = (CSAT_HIGH_FROM, -1) if scale == 5 else (NPS_PROMOTER_FROM, NPS_DETRACTOR_TO)
    key = _feedback_group(group).label("k")
    where: list[ColumnElement[bool]] = [
        _feedback.team_id == f.team_id,
        _feedback.received_on >= start,
        _feedback.received_on < end,
        _feedback.scale == scale,
        _feedback.rating.is_not(None),
    ]
    if f.member_id is not None:
        where.append(_feedback.member_id == f.member_id)
    if f.product is not None:
        where.append(_feedback.product == f.product)
    if f.account is not None:
        where.append(_feedback.account == f.account)
    stmt = (
        select(
            key,
            func.count(),
            func.coalesce(func.sum(case((_feedback.rating >= high_from, 1), else_=0)), 0),
            func.coalesce(func.sum(case((_feedback.rating <= low_to, 1), else_=0)), 0),
        )
        .where(*where)
        .group_by(key)
    )
    return {_key(group, k): (int(n), int(hi), int(lo)) for k, n, hi, lo in session.execute(stmt)}


def checkin_stats(
    session: Any, f: Filters, start: date, end: date, group: str | None = None
) -> dict[Any, tuple[int, int]]:
    """{key: (runs sent, runs completed)} of check-ins sent in [start, end) (UTC days; sent_at is a moment)."""
    if group in ("product", "account"):
        return {}
    begin = datetime.combine(start, time.min, tzinfo=UTC)
    stop = datetime.combine(end, time.min, tzinfo=UTC)
    key = (literal(None) if group is None else _run.member_id if group == "rep" else func.date(_run.sent_at)).label("k")
    where: list[ColumnElement[bool]] = [
        _run.team_id == f.team_id,
        _run.sent_at.is_not(None),
        _run.sent_at >= begin,
        _run.sent_at < stop,
    ]
    if f.member_id is not None:
        where.append(_run.member_id == f.member_id)
    stmt = (
        select(key, func.count(), func.coalesce(func.sum(case((_run.status == "completed", 1), else_=0)), 0))
        .where(*where)
        .group_by(key)
    )
    return {_key(group, k): (int(n), int(done)) for k, n, done in session.execute(stmt)}
