"""The delivery ledger: each owed message is recorded under a unique key before it is sent.

`claim` inserts the row if it is new (ON CONFLICT DO NOTHING) and then takes it with a conditional UPDATE
that only one caller can win, on SQLite and on PostgreSQL, in one process or many. A row in `sending`
carries a lease (`claimed_until`) that the sending process renews while it works (the scheduler's
heartbeat); a row whose lease ran out was cut off by a crash. It goes back to `pending`, and the next
attempt looks in Slack for the message (its metadata carries the key) before sending: found, it is marked
sent; not found, it is sent (handlers/delivery_client.py).
"""

from datetime import UTC, datetime, timedelta

from sqlalchemy import and_, func, or_, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, select

from db import clock
from db.models import Delivery

MAX_ATTEMPTS = 6
# How long a claimed send may go without its lease renewed before it counts as interrupted. The scheduler
# renews it every quarter lease while a send is in flight (SALESBOT_SEND_LEASE); callers without a heartbeat
# (a feedback alert sent inside a request) get this, longer than their few 10-second Web API calls.
LEASE = timedelta(minutes=2)


def _insert(session: Session):  # type: ignore[no-untyped-def]
    return pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert


def _key(kind: str, schedule_id: int, occurrence: datetime, recipient: str):  # type: ignore[no-untyped-def]
    return and_(
        Delivery.kind == kind,
        Delivery.schedule_id == schedule_id,
        Delivery.occurrence == occurrence,
        Delivery.recipient == recipient,
    )


def ensure_row(
    session: Session,
    *,
    team_id: str,
    kind: str,
    schedule_id: int,
    occurrence: datetime,
    recipient: str,
    status: str = "pending",
    now: datetime,
    error: str | None = None,
) -> bool:
    """Record the delivery if it is not there yet. Returns True when this call created it."""
    stmt = (
        _insert(session)(Delivery)
        .values(
            team_id=team_id,
            kind=kind,
            schedule_id=schedule_id,
            occurrence=occurrence,
            recipient=recipient,
            status=status,
            attempts=0,
            created_at=now,
            last_error=error,
        )
        .on_conflict_do_nothing(index_elements=["kind", "schedule_id", "occurrence", "recipient"])
        .returning(Delivery.id)
    )
    # RETURNING, not rowcount: psycopg 3 reports -1 for INSERT ... ON CONFLICT DO NOTHING.
    return session.exec(stmt).first() is not None  # type: ignore[call-overload]


def claim(
    session: Session,
    *,
    team_id: str,
    kind: str,
    schedule_id: int,
    occurrence: datetime,
    recipient: str,
    now: datetime,
    lease: timedelta = LEASE,
) -> Delivery | None:
    """Record and take the delivery for sending; None when it is done, failed, or someone else has it."""
    ensure_row(
        session,
        team_id=team_id,
        kind=kind,
        schedule_id=schedule_id,
        occurrence=occurrence,
        recipient=recipient,
        now=now,
    )
    key = _key(kind, schedule_id, occurrence, recipient)
    taken = session.exec(  # type: ignore[call-overload]
        update(Delivery)
        .where(
            key, Delivery.status == "pending", or_(Delivery.next_attempt_at.is_(None), Delivery.next_attempt_at <= now)
        )
        .values(status="sending", claimed_until=now + lease, attempts=Delivery.attempts + 1,
                first_attempt_at=func.coalesce(Delivery.first_attempt_at, clock.wall()))
    ).rowcount
    session.commit()
    if taken != 1:
        return None
    return session.exec(select(Delivery).where(key)).one()


def mark_sent(session: Session, delivery_id: int, *, now: datetime) -> None:
    session.exec(
        update(Delivery)
        .where(Delivery.id == delivery_id)  # type: ignore[call-overload]
        .values(status="sent", sent_at=now, last_error=None, claimed_until=None)
    )
    session.commit()


def retry_later(session: Session, delivery: Delivery, *, now: datetime, delay: timedelta, error: str) -> bool:
    """Put the delivery back for a later tick; after MAX_ATTEMPTS it fails for good. True if it will retry."""
    will_retry = delivery.attempts < MAX_ATTEMPTS
    session.exec(
        update(Delivery)
        .where(Delivery.id == delivery.id)
        .values(  # type: ignore[call-overload]
            status="pending" if will_retry else "failed",
            next_attempt_at=now + delay,
            last_error=error[:500],
            claimed_until=None,
        )
    )
    session.commit()
    return will_retry


def mark_failed(session: Session, delivery_id: int, *, error: str) -> None:
    session.exec(
        update(Delivery)
        .where(Delivery.id == delivery_id)  # type: ignore[call-overload]
        .values(status="failed", last_error=error[:500], claimed_until=None)
    )
    session.commit()


INTERRUPTED = "interrupted while sending; looked up in Slack before sending again"


def renew_leases(session: Session, ids: list[int], *, until: datetime) -> None:
    """Extend the lease of deliveries this process is still sending (the heartbeat)."""
    if ids:
        session.exec(
            update(Delivery)
            .where(Delivery.id.in_(ids), Delivery.status == "sending")  # type: ignore[union-attr, call-overload]
            .values(claimed_until=until)
        )
        session.commit()


def expire_interrupted_rows(session: Session, *, now: datetime) -> list[Delivery]:
    """Deliveries stuck in `sending` past their lease (the process died mid-send) go back to `pending`.

    The next attempt looks before it sends (the message may have gone out). Returns the rows this call
    released (each row to exactly one caller, even with several instances), for the log.
    """
    stuck = (
        update(Delivery)
        .where(Delivery.status == "sending", Delivery.claimed_until < now)
        .values(status="pending", last_error=INTERRUPTED, claimed_until=None, next_attempt_at=None)
        .returning(Delivery.id)
    )
    ids = list(session.exec(stuck).scalars())  # type: ignore[call-overload]
    session.commit()
    if not ids:
        return []
    rows = list(session.exec(select(Delivery).where(Delivery.id.in_(ids))))  # type: ignore[union-attr]
    session.expunge_all()  # plain values from here on: nothing below is written back
    for row in rows:
        row.occurrence = as_utc(row.occurrence)
    return rows


def expire_interrupted(session: Session, *, now: datetime) -> int:
    """Like `expire_interrupted_rows`, returning how many."""
    return len(expire_interrupted_rows(session, now=now))


def as_utc(moment: datetime) -> datetime:
    """An aware UTC datetime (SQLite returns naive ones)."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def delivered_keys(session: Session, *, kind: str, schedule_ids: list[int], since: datetime) -> set[tuple]:
    """(schedule_id, occurrence, recipient) of every delivery recorded since `since`, in one query."""
    rows = session.exec(
        select(Delivery.schedule_id, Delivery.occurrence, Delivery.recipient, Delivery.status).where(
            Delivery.kind == kind, Delivery.occurrence >= since, Delivery.schedule_id.in_(schedule_ids)
        )  # type: ignore[attr-defined]
    ).all()
    return {(r[0], _naive_utc(r[1]), r[2]) for r in rows if r[3] != "pending"}


def sent_schedule_ids(session: Session, *, kind: str, schedule_ids: list[int]) -> set[int]:
    """Which of the schedules have had a delivery sent, ever (one query)."""
    if not schedule_ids:
        return set()
    rows = session.exec(
        select(Delivery.schedule_id).where(
            Delivery.kind == kind, Delivery.status == "sent", Delivery.schedule_id.in_(schedule_ids)  # type: ignore[attr-defined]
        ).distinct()
    ).all()
    return {int(r) for r in rows}


def _naive_utc(moment: datetime) -> datetime:
    """SQLite returns naive datetimes; compare every occurrence as naive UTC."""
    return as_utc(moment).replace(tzinfo=None)
