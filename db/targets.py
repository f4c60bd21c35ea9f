"""Target rows: set (insert or replace), list, delete, and the overlapping ones a KPI period needs.

A target is unique per (team, rep or team-wide, metric, start, end): setting it again replaces the value,
so `/target set` twice for the same quarter never leaves two competing rows.
"""

from datetime import date
from typing import Any

from sqlmodel import Session, select

from db.models import Member, Target

TARGET_CACHE = "kpi_target_cents"  # session.info key of reports/targets.py's per-answer cache


def _forget(session: Session) -> None:
    session.info.pop(TARGET_CACHE, None)


def set_target(
    session: Session,
    *,
    team_id: str,
    metric: str,
    start: date,
    end: date,
    value_cents: int,
    member_id: int | None = None,
    currency: str = "USD",
    created_by: str | None = None,
) -> tuple[Target, bool]:
    """Insert or replace the target for exactly this period. Returns (target, created)."""
    existing = session.exec(
        select(Target).where(
            Target.team_id == team_id,
            Target.metric == metric,
            Target.period_start == start,
            Target.period_end == end,
            Target.member_id.is_(None) if member_id is None else Target.member_id == member_id,  # type: ignore[union-attr]
        )
    ).first()
    if existing is not None:
        existing.value_cents = value_cents
        existing.currency = currency
        existing.created_by = created_by or existing.created_by
        _forget(session)
        session.flush()
        return existing, False
    target = Target(
        team_id=team_id,
        member_id=member_id,
        metric=metric,
        period_start=start,
        period_end=end,
        value_cents=value_cents,
        currency=currency,
        created_by=created_by,
    )
    session.add(target)
    _forget(session)
    session.flush()
    return target, True


def list_targets(
    session: Session,
    *,
    team_id: str,
    member_id: int | None = None,
    metric: str | None = None,
    overlapping: tuple[date, date] | None = None,
) -> list[tuple[Target, Member | None]]:
    """Targets of a workspace with their rep (None for team targets), newest period first."""
    stmt = (
        select(Target, Member)
        .join(Member, Member.id == Target.member_id, isouter=True)
        .where(Target.team_id == team_id)
    )
    if member_id is not None:
        stmt = stmt.where(Target.member_id == member_id)
    if metric is not None:
        stmt = stmt.where(Target.metric == metric)
    if overlapping is not None:
        stmt = stmt.where(Target.period_start < overlapping[1], Target.period_end > overlapping[0])
    stmt = stmt.order_by(Target.period_start.desc(), Target.member_id, Target.metric)  # type: ignore[attr-defined]
    return [(t, m) for t, m in session.exec(stmt)]


def delete_target(session: Session, *, team_id: str, target_id: int) -> bool:
    """Delete one target of this workspace by id; False when there is no such target."""
    target = session.get(Target, target_id)
    if target is None or target.team_id != team_id:
        return False
    session.delete(target)
    _forget(session)
    session.flush()
    return True


def delete_targets(
    session: Session, *, team_id: str, metric: str, start: date, end: date, member_id: int | None
) -> int:
    """Delete the target of one metric for exactly [start, end), for the team or one rep (monthly targets
    inside a quarter stay: deleting "this quarter" removes the quarterly target only)."""
    rows = session.exec(
        select(Target).where(
            Target.team_id == team_id,
            Target.metric == metric,
            Target.period_start == start,
            Target.period_end == end,
            Target.member_id.is_(None) if member_id is None else Target.member_id == member_id,  # type: ignore[union-attr]
        )
    ).all()
    for row in rows:
        session.delete(row)
    _forget(session)
    session.flush()
    return len(rows)


def overlapping_targets(
    session: Session,
    *,
    team_id: str,
    metric: str,
    start: date,
    end: date,
    member_id: int | None,
    all_reps: bool = False,
) -> list[Any]:
    """Targets of `metric` overlapping [start, end): the team's own (member_id None), one rep's, or every
    rep's (`all_reps`, for a team figure built from rep targets). Plain rows (id, member_id, period_start,
    period_end, value_cents), not ORM objects: a leaderboard reads 500 of them per answer."""
    columns = (Target.id, Target.member_id, Target.period_start, Target.period_end, Target.value_cents)
    stmt = select(*columns).where(  # type: ignore[call-overload]
        Target.team_id == team_id, Target.metric == metric, Target.period_start < end, Target.period_end > start
    )
    if all_reps:
        stmt = stmt.where(Target.member_id.is_not(None))  # type: ignore[union-attr]
    elif member_id is None:
        stmt = stmt.where(Target.member_id.is_(None))  # type: ignore[union-attr]
    else:
        stmt = stmt.where(Target.member_id == member_id)
    return list(session.execute(stmt))
