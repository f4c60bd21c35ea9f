"""How long `processedevent` keeps what it knows, and the pruning that keeps the table small.

The table holds three kinds of keys: Slack event ids and trigger ids (so Slack's retry of a request is not
processed twice) and a user's repeat fingerprints (db/repeats.py, a 2-minute window). None is needed for long:
Slack retries an event at most three times within about five minutes, and a signed request older than five
minutes is refused anyway (bot/http_server.py), so an old id can never come back as a valid request; a
fingerprint older than REPEAT_WINDOW no longer blocks anything. RETENTION (1 hour) is that plus a wide
margin for clock skew and a slow retry. Without pruning the table grew by a row per request forever.

Rows go in batches of PRUNE_BATCH, each its own short transaction (no long lock on a busy table), at most
PRUNE_BATCHES a call; the rest waits for the next tick. `received_at` is indexed for it.
"""

from datetime import datetime, timedelta

from sqlalchemy import delete, select, tuple_
from sqlalchemy.engine import Engine
from sqlmodel import Session

from db.models import ProcessedEvent
from db.repeats import REPEAT_WINDOW

RETENTION = timedelta(hours=1)
PRUNE_BATCH = 5_000
PRUNE_BATCHES = 20

assert RETENTION > REPEAT_WINDOW + timedelta(minutes=5)


def prune(engine: Engine, *, now: datetime, retention: timedelta = RETENTION, batch: int = PRUNE_BATCH,
          batches: int = PRUNE_BATCHES) -> int:
    """Delete rows recorded before `now - retention`, `batch` at a time, at most `batches` times; how many went."""
    cutoff = now - retention
    table = ProcessedEvent.__table__  # type: ignore[attr-defined]
    removed = 0
    for _ in range(batches):
        oldest = (select(table.c.team_id, table.c.event_id).where(table.c.received_at < cutoff)
                  .order_by(table.c.received_at).limit(batch))
        with Session(engine) as session:
            gone = session.execute(  # type: ignore[call-overload]
                delete(table).where(tuple_(table.c.team_id, table.c.event_id).in_(oldest))
            ).rowcount
            session.commit()
        removed += gone
        if gone < batch:
            break
    return removed
