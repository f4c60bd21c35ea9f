"""What deal history (`deal_change`, recorded by every import: db/importers/history.py) answers, Slack-free.

- `history_start`: since when anything is known. Every answer about the past checks it and says
  "history starts on <date>" rather than guess about a time no import looked at.
- `pipeline_on`: the open pipeline by stage as it was at the end of a past day, beside today's. A deal's state
  then is the state *before* its first change after that day (`prev_*` of that row); a deal unchanged since is
  as it is now; a deal first seen after it did not exist then. So only the changes after the day are read
  (ix_deal_change_team_seen) plus one grouped scan of today's open deals, never a replay of every deal's life.
- `conversions`: where deals that left a stage in a period went (stage-to-stage, won, lost).
- `time_in_stage`: how long stays in each stage lasted, for stays that ended in a period and whose start was
  seen (a stay that began before history started has no known start and is counted apart).
- `slipped`: open deals whose close date was moved out in a window (the push, from the first date to the last).
- `stalled`: open deals with no change of stage, amount, close date or owner for N days (and no CRM activity
  logged in that time), known only once history is N days old.

Money is summed per currency in SQL and converted here with the team's rates (reports/kpi_queries).
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any

from sqlalchemy import and_, func, literal, or_, select, union_all

from db import clock
from db.models import Deal, DealChange
from reports import kpi_engine
from reports import kpi_queries as q

STALLED_DAYS = 21  # open deals with no change for this long are stalled
SLIPPED_DAYS = 30  # the brief's window for close dates moved out (the digest uses its own period)

_c = DealChange.__table__.c
_d = Deal.__table__.c


def day_start(day: date, zone: tzinfo | None = None) -> datetime:
    """Midnight starting `day` in the asker's zone (UTC by default), as a UTC moment."""
    return datetime.combine(day, time.min, tzinfo=zone or UTC).astimezone(UTC)


def day_end(day: date, zone: tzinfo | None = None) -> datetime:
    """The moment a day is over: what an import saw before it is the state "on" that day."""
    return day_start(day + timedelta(days=1), zone)


def _utc(moment: datetime | str | None) -> datetime | None:
    """A moment as UTC: SQLite gives timestamps back naive, and untyped (text) out of a window function."""
    if moment is None:
        return None
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def history_start(session: Any, team_id: str) -> datetime | None:
    """When the first import that recorded history ran for this workspace (None: no history yet)."""
    found = session.execute(select(func.min(_c.seen_at)).where(_c.team_id == team_id)).scalar()
    return _utc(found)


@dataclass
class StageMoney:
    """Open deals of one stage: how many, and their amount in the reporting currency (`left_out`: deals in a
    currency with no rate that day, {currency: (deals, cents)})."""

    deals: int = 0
    cents: int = 0
    left_out: dict[str, tuple[int, int]] = field(default_factory=dict)


@dataclass
class PipelineThen:
    day: date
    start: datetime | None  # history's start; None: none
    then: dict[str, StageMoney]
    now: dict[str, StageMoney]
    currency: str
    known: bool  # history covers the day (it started before the day was over)


def _convert(groups: list[tuple[str, str, int, int]], session: Any, f: q.Filters, day: date) -> dict[str, StageMoney]:
    """(stage, currency, deals, cents) rows -> {stage: StageMoney} at the rates in force on `day`."""
    rates = q.rates_in_force(session, f, day, day + timedelta(days=1))
    in_force: dict[str, int] = {}
    for currency, _valid_from, micros in rates:  # newest first: the first one seen per currency is in force
        in_force.setdefault(currency, micros)
    micros_by: dict[str, int] = defaultdict(int)
    out: dict[str, StageMoney] = {}
    for stage, currency, deals, cents in groups:
        row = out.setdefault(stage or "—", StageMoney())
        row.deals += int(deals)
        rate = q.RATE_SCALE if currency == f.currency else in_force.get(currency)
        if rate is None:
            n, c = row.left_out.get(currency, (0, 0))
            row.left_out[currency] = (n + int(deals), c + int(cents or 0))
        else:
            micros_by[stage or "—"] += int(cents or 0) * rate
    for stage, micros in micros_by.items():
        out[stage].cents = q._round_micros(micros)
    return out


def _filters(session: Any, team_id: str) -> q.Filters:
    return q.Filters(team_id, currency=kpi_engine.reporting_currency(session, kpi_engine.Scope(team_id)))


def pipeline_on(session: Any, team_id: str, day: date, *, member_id: int | None = None,
                today: date | None = None, zone: tzinfo | None = None) -> PipelineThen:
    """Open deals by stage at the end of `day` (from history) and now (from the deals), for the team or one
    owner (its owner then, for the past)."""
    today = today or clock.today()
    f = _filters(session, team_id)
    start = history_start(session, team_id)
    cut = day_end(day, zone)
    since = [_c.team_id == team_id, _c.seen_at >= cut]  # the changes after the day: a range of ix_deal_change_team_seen
    ranked = select(
        _c.deal_id, _c.prev_stage, _c.prev_status, _c.prev_currency, _c.prev_amount_cents, _c.prev_owner_id,
        func.row_number().over(partition_by=_c.deal_id, order_by=_c.id).label("n"),
    ).where(*since).subquery("later")
    before = [ranked.c.n == 1, ranked.c.prev_status == "open"]  # each changed deal's state before its first change
    if member_id is not None:
        before.append(ranked.c.prev_owner_id == member_id)
    changed_then = select(ranked.c.prev_stage.label("stage"), ranked.c.prev_currency.label("cur"),
                          literal(1).label("n"), ranked.c.prev_amount_cents.label("amt")).where(*before)
    current = [_d.team_id == team_id, _d.status == "open"]
    if member_id is not None:
        current.append(_d.owner_id == member_id)
    unchanged = select(_d.stage.label("stage"), _d.currency.label("cur"), literal(1).label("n"),
                       _d.amount_cents.label("amt")).where(*current, _d.id.not_in(select(_c.deal_id).where(*since)))
    both = union_all(changed_then, unchanged).subquery("then")
    then_rows = session.execute(
        select(both.c.stage, both.c.cur, func.count(), func.sum(both.c.amt)).group_by(both.c.stage, both.c.cur)
    ).all()
    now_rows = session.execute(
        select(_d.stage, _d.currency, func.count(), func.sum(_d.amount_cents)).where(*current)
        .group_by(_d.stage, _d.currency)
    ).all()
    known = start is not None and start < cut
    then = _convert([tuple(r) for r in then_rows], session, f, day) if known else {}
    return PipelineThen(day, start, then, _convert([tuple(r) for r in now_rows], session, f, today), f.currency, known)


@dataclass
class Conversion:
    """Deals that left `stage` in the period, and where they went: {next stage: deals}; won/lost by status."""

    stage: str
    left: int = 0
    to: dict[str, int] = field(default_factory=dict)
    won: int = 0
    lost: int = 0


def conversions(session: Any, team_id: str, start: datetime, end: datetime, *,
                member_id: int | None = None) -> list[Conversion]:
    """Stage moves seen in [start, end), grouped by the stage left; most deals first."""
    where = [_c.team_id == team_id, _c.seen_at >= start, _c.seen_at < end, _c.prev_stage.is_not(None),
             _c.prev_stage != _c.stage]
    if member_id is not None:
        where.append(_c.prev_owner_id == member_id)
    rows = session.execute(
        select(_c.prev_stage, _c.stage, _c.status, func.count()).where(*where)
        .group_by(_c.prev_stage, _c.stage, _c.status)
    ).all()
    out: dict[str, Conversion] = {}
    for left, to, status, n in rows:
        row = out.setdefault(left, Conversion(left))
        row.left += int(n)
        if status == "won":
            row.won += int(n)
        elif status == "lost":
            row.lost += int(n)
        else:
            row.to[to] = row.to.get(to, 0) + int(n)
    return sorted(out.values(), key=lambda c: (-c.left, c.stage))


@dataclass
class StageTime:
    stage: str
    stays: int  # stays that ended in the period with a known start
    median_days: float
    longest_days: float


@dataclass
class TimesInStage:
    stages: list[StageTime]
    unknown_start: int  # stays that ended in the period but began before history started


def time_in_stage(session: Any, team_id: str, start: datetime, end: datetime, *,
                  member_id: int | None = None) -> TimesInStage:
    """How long deals stayed in each stage, for stays that ended (the deal moved on) in [start, end).

    A stay starts at the row where the deal entered the stage (a stage change, or its first sighting when that
    came after history began) and ends at its next stage change. Only the deals that moved in the period are
    read (their rows through ix_deal_change_deal_seen); the stays are paired in SQL (LAG over the entries)."""
    moved = [_c.team_id == team_id, _c.seen_at >= start, _c.seen_at < end, _c.prev_stage.is_not(None),
             _c.prev_stage != _c.stage]
    if member_id is not None:
        moved.append(_c.prev_owner_id == member_id)
    deals = select(_c.deal_id).where(*moved).distinct().subquery("moved")
    life = DealChange.__table__.alias("life")  # each moved deal's rows, by ix_deal_change_deal_seen
    entries = (
        select(life.c.deal_id, life.c.id, life.c.seen_at, life.c.stage, life.c.prev_stage)
        .select_from(deals.join(life, and_(life.c.deal_id == deals.c.deal_id, life.c.seen_at < end)))
        .where(or_(life.c.prev_stage.is_(None), life.c.prev_stage != life.c.stage))
        .subquery("entries")
    )
    e = entries.c
    order = (e.seen_at, e.id)
    paired = select(
        e.seen_at.label("left_at"),
        e.prev_stage.label("stage"),
        func.lag(e.seen_at).over(partition_by=e.deal_id, order_by=order).label("entered_at"),
        func.lag(e.prev_stage).over(partition_by=e.deal_id, order_by=order).label("entered_from"),
        func.lag(e.id).over(partition_by=e.deal_id, order_by=order).label("entry_id"),
    ).subquery("stays")
    s = paired.c
    rows = session.execute(
        select(s.stage, s.entered_at, s.left_at, s.entered_from, s.entry_id)
        .where(s.left_at >= start, s.stage.is_not(None))
    ).all()
    first = history_start(session, team_id)
    days: dict[str, list[float]] = defaultdict(list)
    unknown = 0
    for stage, entered, left, entered_from, _entry in rows:
        entered, left = _utc(entered), _utc(left)
        # no entry seen, or the deal's first sighting at history's start (it was in the stage for who knows how long)
        if entered is None or left is None or (entered_from is None and first is not None and entered <= first):
            unknown += 1
            continue
        days[stage].append((left - entered).total_seconds() / 86400)
    stages = [StageTime(stage, len(v), statistics.median(v), max(v)) for stage, v in days.items()]
    return TimesInStage(sorted(stages, key=lambda s: (-s.stays, s.stage)), unknown)


@dataclass(frozen=True)
class DealMove:
    """An open deal whose close date was moved out (`was` -> `now`, the whole push in the window) or that
    stalled (`idle_days` without a change; `since` the last change seen, None: none since history began)."""

    deal_id: int
    name: str
    account: str
    stage: str
    amount_cents: int
    currency: str
    owner_id: int | None
    was: date | None = None
    now: date | None = None
    idle_days: int = 0
    since: datetime | None = None
    ref: str = ""  # the CRM's id of the deal: its name where the export has neither a name nor an account


    @property
    def pushed_days(self) -> int:
        return (self.now - self.was).days if self.now and self.was else 0

    @property
    def label(self) -> str:
        return self.account or self.name or self.ref


def slipped(session: Any, team_id: str, since: datetime, until: datetime | None = None, *,
            member_id: int | None = None) -> list[DealMove]:
    """Open deals whose close date moved later in [since, until): biggest push first."""
    where = [_c.team_id == team_id, _c.seen_at >= since, _c.prev_close_date.is_not(None),
             _c.close_date > _c.prev_close_date, _d.status == "open"]
    if until is not None:
        where.append(_c.seen_at < until)
    if member_id is not None:
        where.append(_d.owner_id == member_id)
    rows = session.execute(
        select(_d.id, _d.name, _d.account, _d.stage, _d.amount_cents, _d.currency, _d.owner_id,
               func.min(_c.prev_close_date), _d.close_date, _d.external_id)
        .select_from(DealChange.__table__.join(Deal.__table__, _d.id == _c.deal_id))
        .where(*where)
        .group_by(_d.id, _d.name, _d.account, _d.stage, _d.amount_cents, _d.currency, _d.owner_id, _d.close_date,
                  _d.external_id)
    ).all()
    moves = [
        DealMove(i, name, account, stage, int(amount or 0), currency, owner, was=_as_date(was), now=_as_date(now),
                 ref=ref or "")
        for i, name, account, stage, amount, currency, owner, was, now, ref in rows
    ]
    moves = [m for m in moves if m.now and m.was and m.now > m.was]  # moved out, then back in: not slipped
    return sorted(moves, key=lambda m: (-m.pushed_days, -m.amount_cents, m.label))


def _as_date(value: Any) -> date | None:
    if value is None or isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, datetime):
        return value.date()
    return date.fromisoformat(str(value)[:10])


@dataclass
class Stalled:
    """Open deals without a change for `days` days: how many, the longest-idle few, and history's start."""

    days: int
    count: int
    deals: list[DealMove]
    start: datetime | None

    @property
    def known(self) -> bool:
        return self.start is not None


def stalled(session: Any, team_id: str, *, days: int = STALLED_DAYS, member_id: int | None = None,
            now: datetime | None = None, limit: int = 5) -> Stalled:
    """Open deals with no change of stage, amount, close date or owner in the last `days` days and no CRM
    activity logged in them. Unknown (count 0, `start` None or too recent) until history is `days` days old:
    a deal nobody has looked at for long enough cannot be called idle."""
    now = now or clock.now()
    start = history_start(session, team_id)
    cut = now - timedelta(days=days)
    if start is None or start > cut:
        return Stalled(days, 0, [], start)
    recent = select(_c.deal_id).where(_c.team_id == team_id, _c.seen_at >= cut)
    where = [_d.team_id == team_id, _d.status == "open", _d.id.not_in(recent),
             or_(_d.last_activity_date.is_(None), _d.last_activity_date < cut.date())]
    if member_id is not None:
        where.append(_d.owner_id == member_id)
    count = int(session.execute(select(func.count()).where(*where)).scalar() or 0)
    if not count:
        return Stalled(days, 0, [], start)
    last = (
        select(func.max(_c.seen_at)).where(_c.deal_id == _d.id).scalar_subquery().label("last_change")
    )
    rows = session.execute(
        select(_d.id, _d.name, _d.account, _d.stage, _d.amount_cents, _d.currency, _d.owner_id, last, _d.external_id)
        .where(*where).order_by(_d.amount_cents.desc(), _d.id).limit(max(limit * 4, 20))
    ).all()
    deals = []
    for i, name, account, stage, amount, currency, owner, change, ref in rows:
        since = _utc(change) or start  # no row at all: unchanged since before history began
        deals.append(DealMove(i, name, account, stage, int(amount or 0), currency, owner,
                              idle_days=(now - since).days, since=_utc(change), ref=ref or ""))
    deals.sort(key=lambda m: (-m.idle_days, -m.amount_cents, m.label))
    return Stalled(days, count, deals[:limit], start)


__all__ = [
    "Conversion", "DealMove", "PipelineThen", "StageMoney", "StageTime", "Stalled", "TimesInStage",
    "conversions", "day_end", "day_start", "history_start", "pipeline_on", "slipped", "stalled", "time_in_stage",
]
