"""Customer feedback: capture one item, and the SQL aggregates every feedback view is built from.

The CSAT and NPS formulas live here, once (`csat_nps`), so `/feedback`, the KPI engine, digests and reviews
agree to the decimal:

- CSAT = ratings 4-5 / all ratings, on the 5 point scale (`scale == 5`), a ratio 0..1;
- NPS = % promoters (9-10) − % detractors (0-6), on the 0-10 scale (`scale == 10`), a score −100..100;
- feedback without a rating (a comment only) counts in neither.

Only aggregates or narrow columns leave the database: summaries over 100k items never load whole rows.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Float, case, cast, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.sql import ColumnElement
from sqlmodel import Session

from db.models import Deal, Feedback, Member

_f = Feedback.__table__.c  # type: ignore[attr-defined]
_deal = Deal.__table__.c  # type: ignore[attr-defined]

CSAT_HIGH_FROM = 4  # scale 5: satisfied = 4 or 5
NPS_PROMOTER_FROM = 9  # scale 10: promoters 9-10
NPS_DETRACTOR_TO = 6  # scale 10: detractors 0-6
LOW_CSAT_TO = 2  # a rating of 1-2 of 5 is bad feedback (alert, at risk)
LOW_NPS_TO = 6  # a detractor is bad feedback


def _where(
    team_id: str, start: date, end: date, member_id: int | None, account: str | None, product: str | None = None
) -> list[Any]:
    where: list[Any] = [_f.team_id == team_id, _f.received_on >= start, _f.received_on < end]
    if member_id is not None:
        where.append(_f.member_id == member_id)
    if account is not None:
        where.append(_f.account == account)
    if product is not None:
        where.append(_f.product == product)
    return where


def _count_if(condition: ColumnElement[bool]) -> Any:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def is_low(rating: int | None, scale: int) -> bool:
    """Bad feedback: 1-2 of 5, or a detractor (0-6) of 10."""
    if rating is None:
        return False
    return rating <= (LOW_NPS_TO if scale == 10 else LOW_CSAT_TO)


def _low_condition() -> ColumnElement[bool]:
    return or_(
        (_f.scale == 5) & (_f.rating <= LOW_CSAT_TO),
        (_f.scale == 10) & (_f.rating <= LOW_NPS_TO),
    )


def _stars() -> Any:
    """A rating on the 5 point scale; NPS 0-10 is halved so both read as ★ (only for averages and drops)."""
    return case((_f.scale == 10, cast(_f.rating, Float) / 2.0), else_=cast(_f.rating, Float))


def csat_nps(
    session: Session,
    team_id: str,
    start: date,
    end: date,
    member_id: int | None = None,
    account: str | None = None,
    product: str | None = None,
) -> tuple[float | None, float | None, int]:
    """(CSAT 0..1, NPS −100..100, number of rated items) of feedback received in [start, end).

    The one definition of both figures (see the module docstring); None when there is no rating on that scale.
    `member_id` narrows to one rep's accounts (Feedback.member_id), `account` to one account, `product` to one
    product.
    """
    stmt = select(*_csat_nps_columns()).where(*_where(team_id, start, end, member_id, account, product))
    return _csat_nps_of(session.execute(stmt).one())


def _csat_nps_columns() -> list[Any]:
    rated = _f.rating.is_not(None)
    return [
        _count_if(rated & (_f.scale == 5)),
        _count_if(rated & (_f.scale == 5) & (_f.rating >= CSAT_HIGH_FROM)),
        _count_if(rated & (_f.scale == 10)),
        _count_if(rated & (_f.scale == 10) & (_f.rating >= NPS_PROMOTER_FROM)),
        _count_if(rated & (_f.scale == 10) & (_f.rating <= NPS_DETRACTOR_TO)),
    ]


def _csat_nps_of(values: Any) -> tuple[float | None, float | None, int]:
    n5, high, n10, promoters, detractors = (int(v) for v in values)
    csat = high / n5 if n5 else None
    nps = 100.0 * (promoters - detractors) / n10 if n10 else None
    return csat, nps, n5 + n10


# ------------------------------------------------------------------------------------------------ capture


def account_owner(session: Session, team_id: str, account: str) -> Member | None:
    """Who owns an account: the owner of its most recent deal (accounts have no table of their own)."""
    owner_id = session.execute(
        select(_deal.owner_id)
        .where(_deal.team_id == team_id, func.lower(_deal.account) == account.lower(), _deal.owner_id.is_not(None))
        .order_by(_deal.created_date.desc(), _deal.id.desc())
        .limit(1)
    ).scalar()
    return session.get(Member, owner_id) if owner_id is not None else None


def account_names(session: Session, team_id: str) -> list[str]:
    """Every account name the workspace knows, from deals and earlier feedback (distinct, as spelled)."""
    names: set[str] = set()
    for column, table_team in ((_deal.account, _deal.team_id), (_f.account, _f.team_id)):
        names.update(
            str(a)
            for a in session.execute(select(column).where(table_team == team_id, column != "").distinct()).scalars()
        )
    return sorted(names)


def known_account(session: Session, team_id: str, account: str) -> str | None:
    """The account's own spelling from deals or earlier feedback ("cancity" -> "Cancity"), None if new."""
    for column, table_team in ((_deal.account, _deal.team_id), (_f.account, _f.team_id)):
        name = session.execute(
            select(column).where(table_team == team_id, func.lower(column) == account.lower()).limit(1)
        ).scalar()
        if name:
            return str(name)
    return None


def add_feedback(
    session: Session,
    *,
    team_id: str,
    external_id: str,
    received_on: date,
    account: str,
    rating: int | None,
    scale: int,
    comment: str,
    member_id: int | None,
    language: str | None = None,
    created_by: str | None = None,
    source: str = "slack",
    product: str = "",
    link: str = "",
) -> tuple[Feedback, bool]:
    """Store one item; (row, created). A repeat of the same (source, external_id) returns the first row.

    Slash commands carry a `trigger_id` used as the external id, so a request processed twice stores once.
    """
    if scale not in (5, 10):
        raise ValueError("scale must be 5 or 10")
    if rating is not None and not (0 if scale == 10 else 1) <= rating <= scale:
        raise ValueError(f"rating {rating} is outside the {scale} point scale")
    existing = _by_external(session, team_id, source, external_id)
    if existing is not None:
        return existing, False
    row = Feedback(
        team_id=team_id,
        source=source,
        external_id=external_id,
        received_on=received_on,
        account=account,
        member_id=member_id,
        product=product,
        rating=rating,
        scale=scale,
        comment=comment,
        language=language,
        created_by=created_by,
        link=link,
    )
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:  # the same item arrived twice at the same moment
        existing = _by_external(session, team_id, source, external_id)
        assert existing is not None
        return existing, False
    return row, True


def _by_external(session: Session, team_id: str, source: str, external_id: str) -> Feedback | None:
    return session.execute(
        select(Feedback).where(
            Feedback.team_id == team_id, Feedback.source == source, Feedback.external_id == external_id
        )
    ).scalar()


# ------------------------------------------------------------------------------------------------ queries


@dataclass(frozen=True)
class PeriodStats:
    """Counts of one period: items, rated items and the average in stars (NPS halved); CSAT and NPS as
    `csat_nps` defines them (read in the same pass)."""

    items: int
    rated: int
    low: int
    avg_stars: float | None
    csat: float | None = None
    nps: float | None = None


def period_stats(
    session: Session,
    team_id: str,
    start: date,
    end: date,
    member_id: int | None = None,
    account: str | None = None,
    product: str | None = None,
) -> PeriodStats:
    rated = _f.rating.is_not(None)
    stmt = select(
        func.count(), _count_if(rated), _count_if(rated & _low_condition()), func.avg(_stars()), *_csat_nps_columns()
    ).where(*_where(team_id, start, end, member_id, account, product))
    row = session.execute(stmt).one()
    items, n, low, avg = row[:4]
    csat, nps, _ = _csat_nps_of(row[4:])
    return PeriodStats(int(items), int(n), int(low), float(avg) if avg is not None else None, csat, nps)


@dataclass(frozen=True)
class Comment:
    """The narrow row theme tagging reads."""

    id: int
    account: str
    rating: int | None
    scale: int
    comment: str
    received_on: date
    product: str = ""


def comments(
    session: Session,
    team_id: str,
    start: date,
    end: date,
    member_id: int | None = None,
    batch: int = 5000,
    *,
    account: str | None = None,
    product: str | None = None,
) -> Iterator[Comment]:
    """Feedback with a comment in [start, end), newest first, streamed in batches (no whole rows)."""
    where = [*_where(team_id, start, end, member_id, account, product), _f.comment != ""]
    stmt = (
        select(_f.id, _f.account, _f.rating, _f.scale, _f.comment, _f.received_on, _f.product)
        .where(*where)
        .order_by(_f.received_on.desc(), _f.id.desc())
        .execution_options(yield_per=batch)
    )
    for row in session.execute(stmt):
        yield Comment(row[0], row[1], row[2], row[3], row[4], row[5], row[6] or "")


def received_span(session: Session, team_id: str, member_id: int | None = None) -> tuple[date | None, date | None]:
    """The first and last day feedback was received (of one rep's accounts with `member_id`): where an empty
    period's answer points to (an import of last year's reviews, read this month)."""
    where = [_f.team_id == team_id] + ([_f.member_id == member_id] if member_id is not None else [])
    first, last = session.exec(select(func.min(_f.received_on), func.max(_f.received_on)).where(*where)).one()
    return first, last


def products_in(session: Session, team_id: str, start: date, end: date, member_id: int | None = None) -> list[str]:
    """The distinct products of the feedback with a comment in [start, end) ("" for items naming none)."""
    stmt = select(_f.product).where(*_where(team_id, start, end, member_id, None), _f.comment != "").distinct()
    return sorted({(p or "").strip() for p in session.execute(stmt).scalars()})


def product_names(session: Session, team_id: str) -> list[str]:
    """Every product named in the workspace's feedback (distinct, as spelled)."""
    stmt = select(_f.product).where(_f.team_id == team_id, _f.product != "").distinct()
    return sorted({str(p) for p in session.execute(stmt).scalars() if p})


def stats_by(
    session: Session, team_id: str, start: date, end: date, by: str, member_id: int | None = None, limit: int = 10
) -> list[tuple[str, PeriodStats]]:
    """The products (`by="product"`) or accounts of [start, end) with the most feedback, each with its counts."""
    column = _f.product if by == "product" else _f.account
    rated = _f.rating.is_not(None)
    stmt = (
        select(column, func.count(), _count_if(rated), _count_if(rated & _low_condition()), func.avg(_stars()))
        .where(*_where(team_id, start, end, member_id, None), column != "")
        .group_by(column)
        .order_by(func.count().desc(), column)
        .limit(limit)
    )
    return [
        (str(name), PeriodStats(int(n), int(r), int(low), float(avg) if avg is not None else None))
        for name, n, r, low, avg in session.execute(stmt)
    ]


def links_of(session: Session, team_id: str, ids: list[int], limit: int = 3) -> tuple[str, ...]:
    """Permalinks of the Slack messages some items were logged from, newest first (those that have one)."""
    found: list[tuple[int, str]] = []
    for chunk in range(0, min(len(ids), 2000), 500):
        stmt = select(_f.id, _f.link).where(_f.team_id == team_id, _f.id.in_(ids[chunk : chunk + 500]), _f.link != "")
        found += [(int(i), str(link)) for i, link in session.execute(stmt)]
    return tuple(link for _, link in sorted(found, reverse=True)[:limit])


@dataclass(frozen=True)
class AccountStats:
    """One account over a window: rated items, bad ones, average stars."""

    account: str
    rated: int
    low: int
    avg_stars: float | None


def account_stats(
    session: Session, team_id: str, start: date, end: date, member_id: int | None = None
) -> dict[str, AccountStats]:
    """Per account (with at least one rating) in [start, end): the facts the at-risk rules read."""
    rated = _f.rating.is_not(None)
    stmt = (
        select(_f.account, func.count(), _count_if(_low_condition()), func.avg(_stars()))
        .where(*_where(team_id, start, end, member_id, None), rated, _f.account != "")
        .group_by(_f.account)
    )
    return {
        str(a): AccountStats(str(a), int(n), int(low), float(avg) if avg is not None else None)
        for a, n, low, avg in session.execute(stmt)
    }


def recent_low(
    session: Session, team_id: str, *, since: date, until: date, member_id: int | None = None
) -> dict[str, int]:
    """{account: bad ratings} received in [since, until) — "several low ratings in 30 days"."""
    stmt = (
        select(_f.account, func.count())
        .where(
            *_where(team_id, since, until, member_id, None), _f.rating.is_not(None), _low_condition(), _f.account != ""
        )
        .group_by(_f.account)
    )
    return {str(a): int(n) for a, n in session.execute(stmt)}


def window(end: date, days: int = 30) -> tuple[date, date]:
    """The `days` days ending before `end` (half-open), e.g. the last 30 days of a period."""
    return end - timedelta(days=days), end
