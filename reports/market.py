"""The market view: where the team wins, where it loses, and to whom (`/market`, the digest's market section).

API:
    market_view(session, team_id, period, *, today=None, member_id=None) -> MarketView
        period: a reports.periods.Period; compared with period.previous() (cut to the days the period has had
        while it runs, as /kpi does). member_id: one rep's own deals only.
    MarketView.reasons / .competitors: [Row(key, now, before)], most deals lost first; Tally(deals, cents,
        left_out) per period, money in the workspace's reporting currency.
    MarketView.moves: [Move] products and segments whose won revenue moved (MOVE_SHARE, MOVE_OF_TOTAL).
    MarketView.mentions: [Mention(name, checkins, feedback)]: the manager's competitors named in check-in
        answers and feedback comments in the period.
    MarketView.moved: something a manager would notice (the digest shows its market section only then).

One grouped query per request does the deal work, aggregated in SQL and converted there at the rate in force on
each close date (the KPI engine's rates, reports/kpi_queries; a deal whose currency has no rate is counted but
left out of money and reported per currency, never added one for one):
- team-wide, while the market rollup is valid (db/market_rollup.py, rebuilt after every import): its rows per
  (kind, key, day, currency) of both periods, ~70 a day, grouped by (period, kind, key);
- for one rep, or while the rollup is stale: the closed deals of both periods grouped by (period, status,
  product, segment, loss reason, competitor) — the same sums, slower on a large workspace.
Python only folds the groups.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import Numeric, and_, case, cast, func, literal, or_, select
from sqlalchemy.exc import OperationalError

from db import market_rollup
from db.competitors import competitors_of
from db.models import Account, CheckinAnswer, CheckinRun, Deal, DealAccount, DealMarketDay, Feedback
from reports import kpi_queries as q
from reports.kpi_engine import LeftOut, Scope, like_for_like, reporting_currency

__all__ = ["MOVE_SHARE", "MOVE_OF_TOTAL", "Tally", "Row", "Move", "Mention", "MarketView", "market_view",
           "TOP"]

MOVE_SHARE = 0.20  # a product/segment moved when its won revenue changed by at least 20% ...
MOVE_OF_TOTAL = 0.05  # ... and by at least 5% of the team's won revenue (the larger of the two periods)
GROWTH_SHARE = 0.5  # a loss reason / competitor moved: +50% deals lost and at least GROWTH_MIN more
GROWTH_MIN = 3
TOP = 5
# the market rollup's kinds it reads: won deals by product / segment are the trend's own rows (stored once)
VIEW_KINDS = {"won": "won", "lost": "lost", "reason": "reason", "competitor": "competitor",
              "won:product": "product", "won:segment": "segment"}

_deal = Deal.__table__.c  # type: ignore[attr-defined]
_link = DealAccount.__table__.c  # type: ignore[attr-defined]
_account = Account.__table__.c  # type: ignore[attr-defined]
# deals with their account (db/accounts.py links a deal's account name to the account it is)
DEALS_WITH_ACCOUNT = Deal.__table__.outerjoin(  # type: ignore[attr-defined]
    DealAccount.__table__, and_(_link.team_id == _deal.team_id, _link.name == _deal.account)  # type: ignore[attr-defined]
).outerjoin(Account.__table__, _account.id == _link.account_id)  # type: ignore[attr-defined]
# a deal's segment: its own, else its account's sector (the account export's industry)
SEGMENT = func.coalesce(func.nullif(_deal.segment, ""), _account.sector, "")


@dataclass
class Tally:
    """Deals and their converted amount (cents of the reporting currency); `left_out`: {currency: (deals,
    original cents)} with no rate on their close date."""

    deals: int = 0
    micros: int = 0
    left_out: dict[str, tuple[int, int]] = field(default_factory=dict)

    @property
    def cents(self) -> int:
        return q._round_micros(self.micros)

    def add(self, deals: int, micros: int, missing: str, missing_cents: int) -> None:
        self.deals += deals
        self.micros += micros
        if missing:
            n, cents = self.left_out.get(missing, (0, 0))
            self.left_out[missing] = (n + deals, cents + missing_cents)


@dataclass
class Row:
    key: str
    now: Tally = field(default_factory=Tally)
    before: Tally = field(default_factory=Tally)

    @property
    def grew(self) -> bool:
        more = self.now.deals - self.before.deals
        return more >= GROWTH_MIN and more >= GROWTH_SHARE * self.before.deals


@dataclass
class Move:
    """A product or segment whose won revenue moved: `kind` 'product' | 'segment'."""

    kind: str
    key: str
    now_cents: int
    before_cents: int
    won_now: int
    won_before: int

    @property
    def delta(self) -> int:
        return self.now_cents - self.before_cents

    @property
    def change(self) -> float | None:
        return self.delta / self.before_cents if self.before_cents else None


@dataclass
class Mention:
    name: str
    checkins: int
    feedback: int

    @property
    def total(self) -> int:
        return self.checkins + self.feedback


@dataclass
class MarketView:
    period: Any
    previous: Any
    currency: str
    lost: Row
    won: Row
    reasons: list[Row]
    competitors: list[Row]
    moves: list[Move]
    mentions: list[Mention]
    left_out: tuple[LeftOut, ...]
    has_reasons: bool  # the CRM data says why deals were lost (some loss reason or competitor at all)

    @property
    def comparable(self) -> bool:
        """The previous period has closed deals to compare with. A period before the CRM data starts (an export
        that begins in March 2017, read for 2017 against 2016) has none: every product would look "new"."""
        return bool(self.lost.before.deals or self.won.before.deals)

    @property
    def moved(self) -> bool:
        """Something a manager would notice: demand moved, or a loss reason or competitor grew."""
        if not self.comparable:
            return False
        return bool(self.moves) or any(r.grew for r in [*self.reasons, *self.competitors])

    @property
    def empty(self) -> bool:
        return not (self.lost.now.deals or self.lost.before.deals or self.won.now.deals or self.won.before.deals)


def market_view(
    session: Any, team_id: str, period: Any, *, today: date | None = None, member_id: int | None = None
) -> MarketView:
    currency = reporting_currency(session, Scope(team_id))
    f = q.Filters(team_id, member_id, currency=currency)
    previous = like_for_like(period, period.previous(), today)
    spans = (period.start, period.end, previous.start, previous.end)
    if member_id is None and market_rollup.is_valid(session, team_id):
        tallies = _rollup_tallies(session, f, *spans)
    else:
        tallies = _deal_tallies(session, f, *spans)

    def kind(name: str) -> list[Row]:
        return [r for (k, _), r in tallies.items() if k == name]

    lost, won = tallies.get(("lost", ""), Row("lost")), tallies.get(("won", ""), Row("won"))
    left_out: dict[str, tuple[int, int]] = {}
    for total in (lost, won):
        for cur, (n, cents) in total.now.left_out.items():
            d, c = left_out.get(cur, (0, 0))
            left_out[cur] = (d + n, c + cents)
    reasons, competitors = kind("reason"), kind("competitor")
    top = max(won.now.cents, won.before.cents)
    moves = _moves("product", kind("product"), top) + _moves("segment", kind("segment"), top)
    if not (lost.before.deals or won.before.deals):  # nothing closed before: no demand "moved" (see comparable)
        moves = []
    moves.sort(key=lambda m: -abs(m.delta))
    mentions = [] if member_id is not None else _mentions(session, team_id, period.start, period.end)
    return MarketView(
        period=period,
        previous=previous,
        currency=currency,
        lost=lost,
        won=won,
        reasons=_ranked(reasons),
        competitors=_ranked(competitors),
        moves=moves[:TOP],
        mentions=mentions,
        left_out=tuple(LeftOut(c, n, cents) for c, (n, cents) in sorted(left_out.items())),
        has_reasons=bool(reasons or competitors),
    )


Tallies = dict[tuple[str, str], Row]  # (kind, key) -> Row; kinds: lost, won (key ''), reason, competitor, product,
# segment


def _add(tallies: Tallies, kind: str, key: str, is_now: bool, values: tuple[int, int, str, int]) -> None:
    row = tallies.setdefault((kind, key), Row(key))
    (row.now if is_now else row.before).add(*values)


def _deal_tallies(session: Any, f: q.Filters, start: date, end: date, prev_start: date, prev_end: date) -> Tallies:
    """From the deal table: one grouped scan of both periods (used for one rep, or while the rollup is stale)."""
    tallies: Tallies = {}
    for is_now, status, product, segment, reason, competitor, missing, n, micros, missing_cents in _closed_groups(
        session, f, start, end, prev_start, prev_end
    ):
        values = (n, micros, missing, missing_cents)
        _add(tallies, status, "", is_now, values)
        if status == "lost":
            if reason:
                _add(tallies, "reason", reason, is_now, values)
            if competitor:
                _add(tallies, "competitor", competitor, is_now, values)
        else:
            if product:
                _add(tallies, "product", product, is_now, values)
            if segment:
                _add(tallies, "segment", segment, is_now, values)
    return tallies


def _rollup_tallies(session: Any, f: q.Filters, start: date, end: date, prev_start: date, prev_end: date) -> Tallies:
    """From the daily market rollup (db/market_rollup.py): the same sums, per day and currency, converted at each
    day's rate in SQL — a few rows per day instead of every deal."""
    _check_spans(start, end, prev_start, prev_end)
    low, high = min(start, prev_start), max(end, prev_end)
    rates = q.rates_in_force(session, f, low, high)
    m = DealMarketDay.__table__.c  # type: ignore[attr-defined]
    whens: list[tuple[Any, Any]] = [(m.currency == f.currency, literal(q.RATE_SCALE))]
    whens += [(and_(m.currency == cur, m.day >= valid_from), literal(micros)) for cur, valid_from, micros in rates]
    where = [m.team_id == f.team_id, m.kind.in_(list(VIEW_KINDS)), m.day >= low, m.day < high]
    if prev_end < start:
        where.append(or_(m.day >= start, m.day < prev_end))
    inner = select((m.day >= start).label("now"), m.kind.label("kind"), m.key.label("key"), m.currency.label("cur"),
                   m.deals.label("n"), m.amount_cents.label("amt"), case(*whens).label("rate")).where(*where)
    c = (inner.offset(0) if rates else inner).subquery().c
    missing = case((c.rate.is_(None), c.cur), else_=literal(""))
    keys = [c.now, c.kind, c.key, missing]
    amount = cast(c.amt, Numeric) if session.get_bind().dialect.name != "sqlite" else c.amt
    stmt = select(*keys, func.sum(c.n), func.coalesce(func.sum(amount * c.rate), 0),
                  func.coalesce(func.sum(case((c.rate.is_(None), c.amt), else_=literal(0))), 0)).group_by(*keys)
    tallies: Tallies = {}
    for is_now, kind, key, miss, n, micros, missing_cents in session.execute(stmt):
        if key or kind in ("won", "lost"):  # a won deal without a product or segment is no demand move
            values = (int(n), int(micros), miss or "", int(missing_cents))
            _add(tallies, VIEW_KINDS[kind], key or "", bool(is_now), values)
    return tallies


def _check_spans(start: date, end: date, prev_start: date, prev_end: date) -> None:
    if (prev_start, prev_end) != (start, end) and not (prev_end <= start or end <= prev_start):
        raise ValueError("the periods compared overlap")


def _ranked(rows: Iterable[Row]) -> list[Row]:
    return sorted(rows, key=lambda r: (-r.now.deals, -r.now.micros, -r.before.deals, r.key))


def _moves(kind: str, rows: Iterable[Row], total: int) -> list[Move]:
    out = []
    for r in rows:
        if not r.key:
            continue
        now, before = r.now.cents, r.before.cents
        delta = now - before
        big = abs(delta) >= MOVE_OF_TOTAL * total and total > 0
        if big and (before == 0 or abs(delta) >= MOVE_SHARE * before):
            out.append(Move(kind, r.key, now, before, r.now.deals, r.before.deals))
    return out


def _closed_groups(
    session: Any, f: q.Filters, start: date, end: date, prev_start: date, prev_end: date
) -> list[tuple[bool, str, str, str, str, str, str, int, int, int]]:
    """(in the asked period, status, product, segment, loss reason, competitor, currency left out or '',
    deals, micro-cents converted, cents left out) of deals won or lost in either period: one grouped scan."""
    low, high = min(start, prev_start), max(end, prev_end)
    rates = q.rates_in_force(session, f, low, high)
    where = [_deal.team_id == f.team_id, _deal.status.in_(("won", "lost")),
             _deal.close_date >= low, _deal.close_date < high]
    if f.member_id is not None:
        where.append(_deal.owner_id == f.member_id)
    _check_spans(start, end, prev_start, prev_end)
    if prev_end < start:  # days between the two periods belong to neither
        where.append(or_(_deal.close_date >= start, _deal.close_date < prev_end))
    inner = select(
        (_deal.close_date >= start).label("now"),
        _deal.status.label("status"),
        _deal.product.label("product"),
        SEGMENT.label("segment"),
        _deal.loss_reason.label("reason"),
        _deal.competitor.label("competitor"),
        _deal.currency.label("cur"),
        _deal.amount_cents.label("amt"),
        q.rate_of_deal(f, rates, _deal.close_date).label("rate"),
    ).select_from(DEALS_WITH_ACCOUNT).where(*where)
    c = (inner.offset(0) if rates else inner).subquery().c
    missing = case((c.rate.is_(None), c.cur), else_=literal(""))
    keys = [c.now, c.status, c.product, c.segment, c.reason, c.competitor, missing]
    amount = cast(c.amt, Numeric) if session.get_bind().dialect.name != "sqlite" else c.amt
    lost_cents = func.coalesce(func.sum(case((c.rate.is_(None), c.amt), else_=literal(0))), 0)
    try:
        stmt = select(*keys, func.count(), func.coalesce(func.sum(amount * c.rate), 0), lost_cents).group_by(*keys)
        rows = session.execute(stmt).all()
        if any(isinstance(r[8], float) for r in rows):
            raise OverflowError
    except (OperationalError, OverflowError) as error:  # SQLite past 9.2e18 micro-cents: per rate, exactly
        if isinstance(error, OperationalError) and "overflow" not in str(error):
            raise
        rows = _by_rate(session, keys, c)
    return [(bool(r[0]), r[1], r[2] or "", r[3] or "", r[4] or "", r[5] or "", r[6] or "", int(r[7]), int(r[8]),
             int(r[9])) for r in rows]


def _by_rate(session: Any, keys: list[Any], c: Any) -> list[tuple[Any, ...]]:
    """The same groups for totals past SQLite's integers: amounts summed per rate, multiplied in Python."""
    stmt = select(*keys, c.rate, func.count(), func.coalesce(func.sum(c.amt), 0)).group_by(*keys, c.rate)
    out: dict[tuple[Any, ...], list[int]] = {}
    for *k, rate, n, amount in session.execute(stmt):
        acc = out.setdefault(tuple(k), [0, 0, 0])
        acc[0] += int(n)
        if rate is None:
            acc[2] += int(amount)
        else:
            acc[1] += int(amount) * int(rate)
    return [(*k, n, micros, lost) for k, (n, micros, lost) in out.items()]


# ------------------------------------------------------------------------------------------ mentions


def like_pattern(name: str) -> str:
    """A LIKE pattern that finds `name` anywhere, its own % and _ taken literally (escape "\\")."""
    escaped = name.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _mentions(session: Any, team_id: str, start: date, end: date) -> list[Mention]:
    """How many check-in answers and feedback comments of the period name each competitor the manager keeps:
    one aggregate per table, a case-insensitive LIKE per name (SQL)."""
    names = [c.name for c in competitors_of(session, team_id)]
    if not names:
        return []
    fb, ans, run = Feedback.__table__.c, CheckinAnswer.__table__.c, CheckinRun.__table__.c  # type: ignore[attr-defined]

    def counts(text: Any) -> list[Any]:
        return [func.coalesce(func.sum(case((text.ilike(like_pattern(n), escape="\\"), 1), else_=0)), 0) for n in names]

    feedback = session.execute(
        select(*counts(fb.comment)).where(fb.team_id == team_id, fb.received_on >= start, fb.received_on < end)
    ).one()
    since, until = datetime.combine(start, time(), UTC), datetime.combine(end, time(), UTC)
    answers = CheckinAnswer.__table__.join(CheckinRun.__table__, run.id == ans.run_id)  # type: ignore[attr-defined]
    checkins = session.execute(
        select(*counts(ans.text)).select_from(answers).where(
            ans.team_id == team_id, run.team_id == team_id, ans.answered_at >= since, ans.answered_at < until
        )
    ).one()
    found = [Mention(n, int(checkins[i] or 0), int(feedback[i] or 0)) for i, n in enumerate(names)]
    return sorted((m for m in found if m.total), key=lambda m: (-m.total, m.name))
