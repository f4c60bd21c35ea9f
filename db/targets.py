"""Target rows: set (insert or replace), list, delete, and the overlapping ones a KPI period needs.

A target is unique per (team, scope, metric, start, end), the scope being the team, one rep, one product or
one account: setting it again replaces the value, so `/target set` twice for the same quarter never leaves
two competing rows.
"""

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlmodel import Session, select

from db.models import Member, Target

TARGET_CACHE = "kpi_target_cents"  # session.info key of reports/targets.py's per-answer cache


def _forget(session: Session) -> None:
    session.info.pop(TARGET_CACHE, None)


def _same_scope(member_id: int | None, product: str | None, account: str | None) -> list[Any]:
    """WHERE clauses for exactly one scope: NULL columns must be NULL (a team target is not a rep's)."""

    def equal(column: Any, value: Any) -> Any:
        return column.is_(None) if value is None else column == value

    return [equal(Target.member_id, member_id), equal(Target.product, product), equal(Target.account, account)]


@dataclass(frozen=True)
class Smart:
    """What a SMART target was derived from: the base period, its measured value, and the rule."""

    base_start: date
    base_end: date
    base_cents: int
    growth_kind: str  # 'plus' (+10%), 'of' (110% of), 'points' (+5 pts, rates)
    growth_bp: int


def set_target(
    session: Session,
    *,
    team_id: str,
    metric: str,
    start: date,
    end: date,
    value_cents: int,
    member_id: int | None = None,
    product: str | None = None,
    account: str | None = None,
    currency: str = "USD",
    created_by: str | None = None,
    smart: Smart | None = None,
) -> tuple[Target, bool]:
    """Insert or replace the target of one scope for exactly this period. Returns (target, created)."""
    target = session.exec(
        select(Target).where(
            Target.team_id == team_id,
            Target.metric == metric,
            Target.period_start == start,
            Target.period_end == end,
            *_same_scope(member_id, product, account),
        )
    ).first()
    created = target is None
    if target is None:
        target = Target(
            team_id=team_id,
            member_id=member_id,
            product=product,
            account=account,
            metric=metric,
            period_start=start,
            period_end=end,
            value_cents=value_cents,
        )
        session.add(target)
    target.value_cents = value_cents
    target.currency = currency
    target.created_by = created_by or target.created_by
    target.base_start = smart.base_start if smart else None
    target.base_end = smart.base_end if smart else None
    target.base_cents = smart.base_cents if smart else None
    target.growth_kind = smart.growth_kind if smart else None
    target.growth_bp = smart.growth_bp if smart else None
    _forget(session)
    session.flush()
    return target, created


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
    session: Session,
    *,
    team_id: str,
    metric: str,
    start: date,
    end: date,
    member_id: int | None,
    product: str | None = None,
    account: str | None = None,
) -> int:
    """Delete the target of one metric and scope for exactly [start, end) (monthly targets inside a quarter
    stay: deleting "this quarter" removes the quarterly target only)."""
    rows = session.exec(
        select(Target).where(
            Target.team_id == team_id,
            Target.metric == metric,
            Target.period_start == start,
            Target.period_end == end,
            *_same_scope(member_id, product, account),
        )
    ).all()
    for row in rows:
        session.delete(row)
    _forget(session)
    session.flush()
    return len(rows)


TARGET_COLUMNS = (
    Target.id,
    Target.member_id,
    Target.period_start,
    Target.period_end,
    Target.value_cents,
    Target.created_by,
    Target.base_start,
    Target.base_end,
    Target.base_cents,
    Target.growth_kind,
    Target.growth_bp,
    Target.currency,
)


def overlapping_targets(
    session: Session,
    *,
    team_id: str,
    metric: str,
    start: date,
    end: date,
    member_id: int | None,
    product: str | None = None,
    account: str | None = None,
    all_reps: bool = False,
) -> list[Any]:
    """Targets of `metric` overlapping [start, end) of exactly one scope (the team's own when member, product
    and account are None), or every rep's (`all_reps`, for a team figure built from rep targets). Plain rows
    (TARGET_COLUMNS), not ORM objects: a leaderboard reads 500 of them per answer."""
    stmt = select(*TARGET_COLUMNS).where(  # type: ignore[call-overload]
        Target.team_id == team_id, Target.metric == metric, Target.period_start < end, Target.period_end > start
    )
    if all_reps:
        stmt = stmt.where(
            Target.member_id.is_not(None), Target.product.is_(None), Target.account.is_(None)  # type: ignore[union-attr]
        )
    else:
        stmt = stmt.where(*_same_scope(member_id, product, account))
    return list(session.execute(stmt))
