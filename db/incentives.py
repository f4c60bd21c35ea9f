"""Commission plans (the team's and per rep), teamwork ratings per rep and period, and the shout-out setting."""

from datetime import date
from typing import Any

from sqlalchemy import select

from db import clock
from db.models import CommissionPlan, ShoutoutSetting, TeamworkRating

TEAM_SCOPE = "team"


def scope_of(member_id: int | None) -> str:
    """The plan's unique scope: 'team', or 'm<member id>' for a rep's own plan."""
    return TEAM_SCOPE if member_id is None else f"m{member_id}"


def set_plan(
    session: Any,
    team_id: str,
    *,
    member_id: int | None,
    rate_ppm: int,
    tiers: list[list[int]],
    accelerator_milli: int | None,
    cap_cents: int | None,
    bonus_cents: int | None,
    currency: str,
    updated_by: str,
) -> CommissionPlan:
    """Write the team's plan (member_id None) or a rep's own, replacing the one of that scope."""
    scope = scope_of(member_id)
    plan = session.execute(
        select(CommissionPlan).where(CommissionPlan.team_id == team_id, CommissionPlan.scope == scope)
    ).scalar()
    if plan is None:
        plan = CommissionPlan(team_id=team_id, scope=scope, member_id=member_id)
        session.add(plan)
    plan.rate_ppm, plan.tiers = rate_ppm, [list(t) for t in tiers]
    plan.accelerator_milli, plan.cap_cents, plan.bonus_cents = accelerator_milli, cap_cents, bonus_cents
    plan.currency, plan.updated_by, plan.updated_at = currency, updated_by, clock.now()
    session.commit()
    session.refresh(plan)
    return plan


def delete_plan(session: Any, team_id: str, member_id: int | None) -> bool:
    plan = session.execute(
        select(CommissionPlan).where(CommissionPlan.team_id == team_id, CommissionPlan.scope == scope_of(member_id))
    ).scalar()
    if plan is None:
        return False
    session.delete(plan)
    session.commit()
    return True


def plans(session: Any, team_id: str) -> tuple[CommissionPlan | None, dict[int, CommissionPlan]]:
    """(the team's plan, {member id: the rep's own plan}) in one query."""
    team, own = None, {}
    for plan in session.execute(select(CommissionPlan).where(CommissionPlan.team_id == team_id)).scalars():
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
