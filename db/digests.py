"""Digest subscriptions: which channel gets which digest, when, in which time zone and language."""


from sqlmodel import Session, select

from db import clock
from db.models import DigestSubscription


def subscribe(
    session: Session,
    *,
    team_id: str,
    channel_id: str,
    cadence: str,
    weekday: int,
    time_of_day: str,
    timezone: str,
    language: str,
    created_by: str,
    view: str = "team",
) -> DigestSubscription:
    """A new subscription; an identical active one (same channel, cadence, day, time, zone, view) is reused.
    `view`: "team" (the sales digest) or a view shared with another team ("marketing", "product")."""
    existing = session.exec(
        select(DigestSubscription).where(
            DigestSubscription.team_id == team_id,
            DigestSubscription.channel_id == channel_id,
            DigestSubscription.cadence == cadence,
            DigestSubscription.weekday == weekday,
            DigestSubscription.time_of_day == time_of_day,
            DigestSubscription.timezone == timezone,
            DigestSubscription.view == view,
            DigestSubscription.active.is_(True),
        )
    ).first()
    if existing is not None:
        existing.language = language
        return existing
    sub = DigestSubscription(
        team_id=team_id,
        channel_id=channel_id,
        cadence=cadence,
        weekday=weekday,
        time_of_day=time_of_day,
        timezone=timezone,
        language=language,
        created_by=created_by,
        created_at=clock.now(),
        view=view,
    )
    session.add(sub)
    session.flush()
    return sub


def list_active(session: Session, team_id: str) -> list[DigestSubscription]:
    return list(
        session.exec(
            select(DigestSubscription)
            .where(DigestSubscription.team_id == team_id, DigestSubscription.active.is_(True))
            .order_by(DigestSubscription.id)
        )
    )


def all_active(session: Session) -> list[DigestSubscription]:
    """Every active subscription of every workspace (the scheduler's view)."""
    return list(session.exec(select(DigestSubscription).where(DigestSubscription.active.is_(True))))


def unsubscribe(session: Session, *, team_id: str, subscription_id: int) -> DigestSubscription | None:
    sub = session.get(DigestSubscription, subscription_id)
    if sub is None or sub.team_id != team_id or not sub.active:
        return None
    sub.active = False
    session.flush()
    return sub
