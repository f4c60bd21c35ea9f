"""Request ids already handled (Slack's retried events, replayed commands): recorded before the ack, in group commits.

Every request that carries an event id or a trigger id writes one row to `processedevent` before it is
acknowledged, so that a second delivery (also to another instance) is recognised. On SQLite only one connection
writes at a time and the others retry in its busy handler, which sleeps 1, 2, 5, 10 … 100 ms between tries: fifty
commands arriving at once waited seconds for their ack. Here the threads of a process that want to record an id
at the same moment share one transaction: the first one in writes every id waiting (one INSERT … ON CONFLICT DO
NOTHING each, one commit) and the others find their answer when it is done.
"""

import threading
from dataclasses import dataclass

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Engine

from db import clock
from db.models import ProcessedEvent

_table = ProcessedEvent.__table__  # type: ignore[attr-defined]


@dataclass
class _Wanted:
    team_id: str
    key: str
    new: bool | None = None
    error: BaseException | None = None


class RequestKeys:
    """`first_time(team_id, key)`: True the first time a key is recorded for a workspace, False after."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._insert = pg_insert if engine.dialect.name == "postgresql" else sqlite_insert
        self._queue: list[_Wanted] = []
        self._queue_lock = threading.Lock()
        self._writer = threading.Lock()

    def first_time(self, team_id: str, key: str) -> bool:
        wanted = _Wanted(team_id, key)
        with self._queue_lock:
            self._queue.append(wanted)
        with self._writer:
            if wanted.new is None and wanted.error is None:  # nobody wrote it while we waited: write the queue
                with self._queue_lock:
                    batch, self._queue = self._queue, []
                self._write(batch)
        if wanted.error is not None:
            raise wanted.error
        assert wanted.new is not None
        return wanted.new

    def _write(self, batch: list[_Wanted]) -> None:
        now = clock.now()
        try:
            with self.engine.begin() as conn:
                for wanted in batch:
                    statement = (
                        self._insert(_table)
                        .values(team_id=wanted.team_id, event_id=wanted.key, received_at=now)
                        .on_conflict_do_nothing(index_elements=["team_id", "event_id"])
                        .returning(_table.c.event_id)
                    )
                    wanted.new = conn.execute(statement).first() is not None
        except BaseException as error:  # every request of the batch gets the error (none was recorded)
            for wanted in batch:
                wanted.new, wanted.error = None, error
            raise
