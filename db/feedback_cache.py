"""What was found in the feedback of some periods (themes, quality signals), kept in the database for every process.

Finding themes reads every comment of a period and of the one before; over a year of 100,000 items that is
seconds, and each process (answer workers, instances, the scheduler) would pay it again with an in-memory cache.
Here a result is stored under its key with the `stamp` of its periods: the sums of `feedbackday.changes`, a
per-day counter that database triggers bump in the transaction of every insert, update or delete of feedback
(migration 0019f). The stamp is read *before* computing, so a write that lands while a result is being computed
makes that result stale at once; a cached row is served only while its stamp is the current one.
"""

import hashlib
import logging
from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import SQLAlchemyError

from db import clock
from db.models import FeedbackDay, FeedbackThemeCache

log = logging.getLogger("salesbot.feedback")

KEEP_DAYS = 30  # a cached result nobody recomputed for this long is deleted when another is stored
_day = FeedbackDay.__table__.c  # type: ignore[attr-defined]
_cache = FeedbackThemeCache.__table__.c  # type: ignore[attr-defined]


def key_of(*parts: object) -> str:
    """A fixed-length key for a result (what, scope, periods): product and account names may be long."""
    return hashlib.sha256("\x1f".join(map(str, parts)).encode()).hexdigest()


def stamp(session: Any, team_id: str, windows: Sequence[tuple[date, date]]) -> str:
    """The write counters of each [start, end): changes whenever feedback of that period is written."""
    first, last = min(s for s, _ in windows), max(e for _, e in windows)
    rows = session.execute(
        select(_day.day, _day.changes).where(_day.team_id == team_id, _day.day >= first, _day.day < last)
    ).all()
    sums = []
    for start, end in windows:
        sums.append(sum(int(n) for day, n in rows if start <= _as_date(day) < end))
    return ",".join(map(str, sums))


def _as_date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def read(session: Any, team_id: str, key: str, current: str) -> str | None:
    """The stored payload of `key` when it was computed at the `current` stamp, else None."""
    row = session.execute(
        select(_cache.stamp, _cache.payload).where(_cache.team_id == team_id, _cache.key == key)
    ).first()
    return str(row[1]) if row is not None and row[0] == current else None


def write(session: Any, team_id: str, key: str, at_stamp: str, payload: str) -> None:
    """Store a result in its own transaction (the caller's session may be read-only); failures are logged, never
    raised: the cache only saves time."""
    engine = session.get_bind()
    now = clock.now()
    values = {"team_id": team_id, "key": key, "stamp": at_stamp, "payload": payload, "computed_at": now}
    try:
        with engine.begin() as conn:
            insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
            stmt = insert(FeedbackThemeCache.__table__).values(**values)  # type: ignore[attr-defined]
            conn.execute(
                stmt.on_conflict_do_update(
                    index_elements=["team_id", "key"],
                    set_={"stamp": at_stamp, "payload": payload, "computed_at": now},
                )
            )
            conn.execute(
                delete(FeedbackThemeCache.__table__).where(  # type: ignore[arg-type]
                    _cache.team_id == team_id, _cache.computed_at < now - timedelta(days=KEEP_DAYS)
                )
            )
    except SQLAlchemyError as exc:
        log.info("feedback themes not cached: %s", exc)


def cached_results(session: Any, team_id: str) -> int:
    """How many results are stored for a workspace (for tests and the benchmark)."""
    return int(session.execute(select(func.count()).where(_cache.team_id == team_id)).scalar() or 0)
