"""Training sessions a manager logs (`/training log`) and their attendees."""

from datetime import date
from typing import Any

from sqlalchemy import select

from db.competitors import competitor_key as topic_key
from db.models import Member, TrainingAttendee, TrainingSession

KINDS = ("classroom", "online", "role_play", "expert_talk")


def log_session(
    session: Any, team_id: str, *, topic: str, day: date, kind: str, member_ids: list[int], created_by: str
) -> tuple[TrainingSession, bool]:
    """Store a session (or add attendees to the same topic on the same day); (the session, whether it is new)."""
    key = topic_key(topic)
    found = session.execute(
        select(TrainingSession).where(
            TrainingSession.team_id == team_id, TrainingSession.topic_key == key, TrainingSession.day == day
        )
    ).scalar()
    new = found is None
    if found is None:
        found = TrainingSession(
            team_id=team_id,
            topic=" ".join(topic.split())[:300],
            topic_key=key,
            kind=kind,
            day=day,
            created_by=created_by,
        )
        session.add(found)
        session.flush()
    else:
        found.kind = kind
    have = set(attendee_ids(session, int(found.id or 0)))
    for member_id in dict.fromkeys(member_ids):
        if member_id not in have:
            session.add(TrainingAttendee(team_id=team_id, session_id=int(found.id or 0), member_id=member_id))
    session.commit()
    session.refresh(found)
    return found, new


def attendee_ids(session: Any, session_id: int) -> list[int]:
    stmt = select(TrainingAttendee.member_id).where(TrainingAttendee.session_id == session_id)
    stmt = stmt.order_by(TrainingAttendee.id)  # type: ignore[arg-type]  (in the order they were logged)
    return [int(m) for m in session.execute(stmt).scalars()]


def upcoming(session: Any, team_id: str, today: date) -> list[TrainingSession]:
    stmt = select(TrainingSession).where(TrainingSession.team_id == team_id, TrainingSession.day >= today)
    return list(session.execute(stmt.order_by(TrainingSession.day, TrainingSession.topic)).scalars())


def latest_of_topic(session: Any, team_id: str, topic: str, today: date) -> TrainingSession | None:
    """The most recent session of `topic` held on or before `today`, else the next one planned."""
    stmt = select(TrainingSession).where(
        TrainingSession.team_id == team_id, TrainingSession.topic_key == topic_key(topic)
    )
    sessions = list(session.execute(stmt.order_by(TrainingSession.day)).scalars())
    held = [s for s in sessions if s.day <= today]
    return held[-1] if held else (sessions[0] if sessions else None)


def held_between(session: Any, team_id: str, start: date, end: date) -> list[TrainingSession]:
    """The sessions held in [start, end), in date order (a review's training section)."""
    stmt = select(TrainingSession).where(
        TrainingSession.team_id == team_id, TrainingSession.day >= start, TrainingSession.day < end
    )
    return list(session.execute(stmt.order_by(TrainingSession.day, TrainingSession.topic)).scalars())


def attendees_of_sessions(session: Any, first_day: date, last_day: date) -> list[tuple[TrainingSession, Member]]:
    """(session, attendee) for every session held in [first_day, last_day], every workspace: who gets a reminder.
    Only active members with a Slack account."""
    stmt = (
        select(TrainingSession, Member)
        .join(TrainingAttendee, TrainingAttendee.session_id == TrainingSession.id)  # type: ignore[arg-type]
        .join(Member, Member.id == TrainingAttendee.member_id)  # type: ignore[arg-type]
        .where(
            TrainingSession.day >= first_day,
            TrainingSession.day <= last_day,
            Member.active.is_(True),  # type: ignore[attr-defined]
            Member.slack_user_id.is_not(None),  # type: ignore[union-attr]
        )
        .order_by(TrainingSession.id, TrainingAttendee.id)  # type: ignore[arg-type]
    )
    return [(s, m) for s, m in session.execute(stmt).all()]
