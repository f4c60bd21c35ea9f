"""Cross-team requests (`/ask`, check-in support needs): stored, taken, closed; what is open for a rep or a team;
the team channel for check-in needs. Moves are conditional UPDATEs, so two people clicking Take at once cannot
both win, on SQLite and PostgreSQL alike."""

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, or_, select, update

from db import clock
from db.models import AskSetting, TeamRequest

OPEN_STATES = ("open", "taken")


def create(session: Any, *, team_id: str, channel_id: str, text: str, account: str | None, due_date: date | None,
           member_id: int | None, asked_by: str, language: str, checkin_run_id: int | None = None) -> TeamRequest:
    """Store a new request (open, not yet posted)."""
    row = TeamRequest(team_id=team_id, channel_id=channel_id, text=text[:1000], account=account, due_date=due_date,
                      member_id=member_id, asked_by=asked_by, language=language, checkin_run_id=checkin_run_id)
    session.add(row)
    session.commit()
    session.refresh(row)
    return row


def of_checkin_run(session: Any, run_id: int) -> TeamRequest | None:
    """The request made from a check-in's answer, if one was (one per check-in)."""
    return session.execute(select(TeamRequest).where(TeamRequest.checkin_run_id == run_id)).scalars().first()


def posted(session: Any, request_id: int, *, channel_id: str, ts: str) -> None:
    session.execute(update(TeamRequest).where(TeamRequest.id == request_id)  # type: ignore[arg-type]
                    .values(channel_id=channel_id, message_ts=ts))
    session.commit()


def take(session: Any, team_id: str, request_id: int, *, by: str) -> bool:
    """Take an open request; False when it is taken or closed already (the caller says by whom)."""
    done = session.execute(
        update(TeamRequest)
        .where(TeamRequest.id == request_id, TeamRequest.team_id == team_id,  # type: ignore[arg-type]
               TeamRequest.status == "open")
        .values(status="taken", taken_by=by, taken_at=clock.now())
    ).rowcount
    session.commit()
    return done == 1


def close(session: Any, team_id: str, request_id: int, *, by: str) -> bool:
    """Close an open or taken request; False when it was closed already."""
    done = session.execute(
        update(TeamRequest)
        .where(TeamRequest.id == request_id, TeamRequest.team_id == team_id,  # type: ignore[arg-type]
               TeamRequest.status.in_(OPEN_STATES))  # type: ignore[attr-defined]
        .values(status="closed", closed_by=by, closed_at=clock.now())
    ).rowcount
    session.commit()
    return done == 1


def get(session: Any, team_id: str, request_id: int) -> TeamRequest | None:
    row = session.get(TeamRequest, request_id)
    return row if row is not None and row.team_id == team_id else None


@dataclass(frozen=True)
class OpenRequest:
    """An open or taken request as reports read it (no database types)."""

    id: int
    channel_id: str
    text: str
    account: str | None
    due_date: date | None
    status: str
    taken_by: str | None
    asked_by: str
    member_id: int | None
    created_at: datetime


def open_requests(session: Any, team_id: str, *, member_id: int | None = None, asked_by: str | None = None,
                  created_before: datetime | None = None) -> list[OpenRequest]:
    """Open and taken requests of the team (or those for one rep, or asked by one person), soonest due first."""
    where = [TeamRequest.team_id == team_id, TeamRequest.status.in_(OPEN_STATES)]  # type: ignore[attr-defined]
    if member_id is not None or asked_by is not None:
        who = []
        if member_id is not None:
            who.append(TeamRequest.member_id == member_id)
        if asked_by is not None:
            who.append(TeamRequest.asked_by == asked_by)
        where.append(or_(*who))
    if created_before is not None:
        where.append(TeamRequest.created_at < created_before)
    rows = session.execute(
        select(TeamRequest).where(*where).order_by(
            TeamRequest.due_date.is_(None), TeamRequest.due_date, TeamRequest.id)  # type: ignore[union-attr]
    ).scalars()
    return [OpenRequest(int(r.id or 0), r.channel_id, r.text, r.account, r.due_date, r.status, r.taken_by,
                        r.asked_by, r.member_id, r.created_at) for r in rows]


def with_due_dates_between(session: Any, first: date, last: date) -> list[TeamRequest]:
    """Open or taken requests of every workspace due in [first, last] (the scheduler's reminders)."""
    return list(session.execute(
        select(TeamRequest).where(TeamRequest.status.in_(OPEN_STATES),  # type: ignore[attr-defined]
                                  TeamRequest.due_date >= first, TeamRequest.due_date <= last)  # type: ignore[operator]
    ).scalars())


def closed_count(session: Any, team_id: str, start: datetime, end: datetime) -> int:
    """Requests closed in [start, end) (the digest's "closed this week")."""
    return int(session.execute(
        select(func.count()).select_from(TeamRequest).where(
            TeamRequest.team_id == team_id, TeamRequest.status == "closed",
            TeamRequest.closed_at >= start, TeamRequest.closed_at < end)  # type: ignore[operator]
    ).scalar_one())


def checkin_channel(session: Any, team_id: str) -> str | None:
    """The team channel check-in support needs go to, or None when no manager has set one."""
    row = session.get(AskSetting, team_id)
    return row.checkin_channel_id if row is not None else None


def set_checkin_channel(session: Any, team_id: str, channel_id: str | None, *, by: str) -> None:
    row = session.get(AskSetting, team_id) or AskSetting(team_id=team_id)
    row.checkin_channel_id, row.updated_by, row.updated_at = channel_id, by, clock.now()
    session.add(row)
    session.commit()
