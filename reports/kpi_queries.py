"""The SQL behind every KPI: small aggregate queries on the covering indexes of `db/models.py`.

Each function answers one *fact* (sums and counts of closed deals, open pipeline, new deals, cycle days,
feedback ratings, check-in runs) for a half-open range of dates, optionally grouped by one key (rep,
product, account, or the date itself for weekly series). Only aggregates or narrow columns leave the
database; nothing loads a table. The KPI formulas on top of these facts live in `reports.kpi_engine`.

Groups: `group` is None (one row, key None), 'rep' (Deal.owner_id / Feedback.member_id / CheckinRun.member_id),
'product', 'account', or 'day' (the date the fact is dated by; the engine folds days into weeks).
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import and_, case, func, literal, or_, select
from sqlalchemy.sql import ColumnElement

from db.feedback import CSAT_HIGH_FROM, NPS_DETRACTOR_TO, NPS_PROMOTER_FROM
from db.models import CheckinRun, Deal, Feedback
from db.sums import cents_sum

__all__ = [
    "Filters",
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


@dataclass(frozen=True)
class Filters:
    """Which rows count: the workspace always, then optionally one rep, one product, one account."""

    team_id: str
    member_id: int | None = None
    product: str | None = None
    account: str | None = None


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


def won_stats(session: Any, f: Filters, start: date, end: date, group: str | None = None) -> dict[Any, tuple[int, int]]:
    """{key: (won amount cents, won count)} for deals won in [start, end).

    One range scan of status = 'won' on ix_deal_team_status_close_owner (ix_deal_team_owner_status_close for one
    rep), which covers the amount: a SUM over BIGINT cents that cannot overflow (db/sums.py), no table rows read.
    """
    where = [*_deal_where(f), _deal.status == "won", _deal.close_date >= start, _deal.close_date < end]
    totals = (cents_sum(_deal.amount_cents), func.count())
    if group is None:
        amount, count = session.execute(select(*totals).where(*where)).one()
        return {None: (int(amount), int(count))}
    key = _deal_group(group, _deal.close_date).label("k")
    stmt = select(key, *totals).where(*where).group_by(key)
    return {_key(group, k): (int(amount), int(count)) for k, amount, count in session.execute(stmt)}


def lost_counts(session: Any, f: Filters, start: date, end: date, group: str | None = None) -> dict[Any, int]:
    """{key: deals lost in [start, end)}: a count over the same index, status = 'lost'."""
    where = [*_deal_where(f), _deal.status == "lost", _deal.close_date >= start, _deal.close_date < end]
    if group is None:
        return {None: int(session.execute(select(func.count()).where(*where)).scalar() or 0)}
    key = _deal_group(group, _deal.close_date).label("k")
    stmt = select(key, func.count()).where(*where).group_by(key)
    return {_key(group, k): int(n) for k, n in session.execute(stmt)}


def pipeline_stats(session: Any, f: Filters, end: date, group: str | None = None) -> dict[Any, tuple[int, int]]:
    """{key: (amount cents, count)} of deals open at the end of the day before `end`.

    Open then means created before `end` and either still open or closed on/after `end`.
    """
    key = _deal_group(group, _deal.created_date).label("k")
    still_open = or_(_deal.status == "open", and_(_deal.status.in_(("won", "lost")), _deal.close_date >= end))
    stmt = (
        select(key, cents_sum(_deal.amount_cents), func.count())
        .where(*_deal_where(f), _deal.created_date < end, still_open)
        .group_by(key)
    )
    return {_key(group, k): (int(amount), int(count)) for k, amount, count in session.execute(stmt)}


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
