"""A user's identical write within a short window happens once.

Slack retries and replays are recognised by their event or trigger id (bot/middleware.py). A person is
different: when Slack is slow they send the same `/feedback` or `/checkin schedule` again, with a new
trigger id. `first_time` records a fingerprint of (user, action, normalised content) in the caller's
transaction, next to the write itself, so the write and the fingerprint commit together: a repeat within
REPEAT_WINDOW sees the first and is not applied again, on SQLite and PostgreSQL, in one process or many (the
second insert of the same key waits for the first transaction and then finds it). After the window the same
content is a new request (two identical bad ratings a day apart are two items).

Fingerprints live in the `processedevent` table (key `repeat:<sha256>`), next to the event ids.
"""

import hashlib
from datetime import UTC, datetime, timedelta

from sqlalchemy import update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, select

from db.models import ProcessedEvent

REPEAT_WINDOW = timedelta(minutes=2)


def fingerprint(user_id: str, action: str, content: str) -> str:
    """`repeat:` and a hash of who, what and the content with case and spacing normalised (64 chars max)."""
    normal = " ".join(content.casefold().split())
    return "repeat:" + hashlib.sha256(f"{user_id}\x1f{action}\x1f{normal}".encode()).hexdigest()[:56]


def first_time(
    session: Session, *, team_id: str, user_id: str, action: str, content: str, now: datetime,
    window: timedelta = REPEAT_WINDOW,
) -> datetime | None:
    """None when this request is new (and is now recorded); the moment of the earlier one when it repeats it."""
    key = fingerprint(user_id, action, content)
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    inserted = session.exec(  # type: ignore[call-overload]
        insert(ProcessedEvent)
        .values(team_id=team_id, event_id=key, received_at=now)
        .on_conflict_do_nothing(index_elements=["team_id", "event_id"])
        .returning(ProcessedEvent.event_id)
    ).first()
    if inserted is not None:
        return None
    renewed = session.exec(  # type: ignore[call-overload]
        update(ProcessedEvent)
        .where(ProcessedEvent.team_id == team_id, ProcessedEvent.event_id == key,  # type: ignore[arg-type]
               ProcessedEvent.received_at < now - window)
        .values(received_at=now)
    ).rowcount
    if renewed == 1:
        return None
    earlier = session.exec(
        select(ProcessedEvent.received_at).where(ProcessedEvent.team_id == team_id, ProcessedEvent.event_id == key)
    ).first()
    moment = earlier or now
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment
