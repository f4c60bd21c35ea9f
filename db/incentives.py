"""Commission plans (the team's and per rep), teamwork ratings per rep and period, and the shout-out setting."""

from datetime import date
from typing import Any

from sqlalchemy import select

from db import clock
from db.models import PLAN_ALWAYS, CommissionPlan, ShoutoutSetting, TeamworkRating

TEAM_SCOPE = "team"


def scope_of(member_id: int | None) -> str:
    """The plan's unique scope: 'team', or 'm<member id>' for a rep's own plan."""
    return TEAM_SCOPE if member_id is None else f"m{member_id}"


def _versions(session: Any, team_id: str, scope: str) -> list[CommissionPlan]:
    stmt = select(CommissionPlan).where(CommissionPlan.team_id == team_id, CommissionPlan.scope == scope)
    return list(session.execute(stmt.order_by(CommissionPlan.valid_from)).scalars())  # type: ignore[arg-type]


def set_plan(
    session: Any,
    team_id: str,
    *,
    member_id: int | None,
    month: date,
    rate_ppm: int,
    tiers: list[list[int]],
    accelerator_milli: int | None,
    cap_cents: int | None,
    bonus_cents: int | None,
    currency: str,
    updated_by: str,
) -> CommissionPlan:
    """Write the team's plan (member_id None) or a rep's own, in force from `month` (its first day) on; the earlier
    months keep the version they had. A scope's first plan covers the past too; a second write in the same month
    replaces that month's version."""
    versions = _versions(session, team_id, scope_of(member_id))
    start = PLAN_ALWAYS if not versions else month.replace(day=1)
    plan = next((v for v in versions if v.valid_from == start), None)
    if plan is None:
        plan = CommissionPlan(team_id=team_id, scope=scope_of(member_id), member_id=member_id, valid_from=start)
        session.add(plan)
    plan.rate_ppm, plan.tiers, plan.ended = rate_ppm, [list(t) for t in tiers], False
    plan.accelerator_milli, plan.cap_cents, plan.bonus_cents = accelerator_milli, cap_cents, bonus_cents
    plan.currency, plan.updated_by, plan.updated_at = currency, updated_by, clock.now()
    session.commit()
    session.refresh(plan)
    return plan


def delete_plan(session: Any, team_id: str, member_id: int | None, *, month: date, updated_by: str = "") -> bool:
    """End the scope's plan from `month` on (earlier months keep theirs); False when none is in force then."""
    start = month.replace(day=1)
    versions = _versions(session, team_id, scope_of(member_id))
    current = [v for v in versions if v.valid_from <= start]
    if not current or current[-1].ended:
        return False
    later = [v for v in versions if v.valid_from > start]
    for version in later:  # versions written for months after this one go too
        session.delete(version)
    if current[-1].valid_from == start:  # written this month: this month's version becomes the end
        current[-1].ended, current[-1].updated_by, current[-1].updated_at = True, updated_by, clock.now()
    else:
        session.add(CommissionPlan(team_id=team_id, scope=scope_of(member_id), member_id=member_id,
                                   valid_from=start, ended=True, currency=current[-1].currency, updated_by=updated_by))
    session.commit()
    return True


def plans(session: Any, team_id: str, day: date) -> tuple[CommissionPlan | None, dict[int, CommissionPlan]]:
    """(the team's plan, {member id: the rep's own plan}) in force on `day`, in one query."""
    stmt = select(CommissionPlan).where(CommissionPlan.team_id == team_id, CommissionPlan.valid_from <= day)
    latest: dict[str, CommissionPlan] = {}
    for plan in session.execute(stmt.order_by(CommissionPlan.valid_from)).scalars():  # type: ignore[arg-type]
        latest[plan.scope] = plan
    team, own = None, {}
    for plan in latest.values():
        if plan.ended:
            continue
        if plan.member_id is None:
            team = plan
        else:
            own[int(plan.member_id)] = plan
    return team, own


def rate(
    session: Any, team_id: str, *, member_id: int, start: date, end: date, rating: int, comment: str, rated_by: str
) -> tuple[TeamworkRating, bool]:
    """Store a teamwork rating for the rep and period; (the row, whether it replaced an earlier one)."""
    row = rating_for(session, team_id, member_id, start, end)
    replaced = row is not None
    if row is None:
        row = TeamworkRating(team_id=team_id, member_id=member_id, period_start=start, period_end=end, rating=rating)
        session.add(row)
    row.rating, row.comment, row.rated_by, row.updated_at = rating, comment, rated_by, clock.now()
    session.commit()
    session.refresh(row)
    return row, replaced


def rating_for(session: Any, team_id: str, member_id: int, start: date, end: date) -> TeamworkRating | None:
    return session.execute(
        select(TeamworkRating).where(
            TeamworkRating.team_id == team_id,
            TeamworkRating.member_id == member_id,
            TeamworkRating.period_start == start,
            TeamworkRating.period_end == end,
        )
    ).scalar()


def shoutouts(session: Any, team_id: str) -> ShoutoutSetting | None:
    return session.get(ShoutoutSetting, team_id)


def set_shoutouts(session: Any, team_id: str, *, enabled: bool, channel_id: str | None, updated_by: str) -> None:
    setting = session.get(ShoutoutSetting, team_id)
    if setting is None:
        setting = ShoutoutSetting(team_id=team_id)
        session.add(setting)
    setting.enabled, setting.updated_by, setting.updated_at = enabled, updated_by, clock.now()
    if channel_id:
        setting.channel_id = channel_id
    session.commit()


def shoutout_teams(session: Any) -> list[ShoutoutSetting]:
    """Every workspace whose shout-outs are on, with a channel."""
    stmt = select(ShoutoutSetting).where(ShoutoutSetting.enabled.is_(True), ShoutoutSetting.channel_id.is_not(None))
    return list(session.execute(stmt).scalars())
