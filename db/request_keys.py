"""Request ids already handled (Slack's retried events, replayed commands): recorded before the ack, in group commits.

Every request that carries an event id or a trigger id writes one row to `processedevent` before it is
acknowledged, so that a second delivery (also to another instance) is recognised. On SQLite only one connection
writes at a time and the others retry in its busy handler, which sleeps 1, 2, 5, 10 … 100 ms between tries: fifty
commands arriving at once waited seconds for their ack. Here the threads of a process that want to record an id
at the same moment share one transaction: one thread at a time writes every id waiting (one multi-row INSERT …
ON CONFLICT DO NOTHING RETURNING, one commit) and wakes each of their threads directly; if more ids arrived
meanwhile, the first of them writes the next batch.

Each waiting thread wakes once, when its answer is there. (With a lock taken in turn by every waiting thread,
as before, the lock went through the waiting threads one by one, each of them first waiting for the
interpreter lock: with 200 people at once an id written in 1 ms was known to its thread up to 0.5 s later.)
"""

import threading
from dataclasses import dataclass, field

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
    ready: threading.Event = field(default_factory=threading.Event)  # answered, or this thread writes next


class RequestKeys:
    """`first_time(team_id, key)`: True the first time a key is recorded for a workspace, False after."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._insert = pg_insert if engine.dialect.name == "postgresql" else sqlite_insert
        self._queue: list[_Wanted] = []
        self._lock = threading.Lock()
        self._writing = False  # a thread is writing a batch; the others queue and wait on their own event

    def first_time(self, team_id: str, key: str) -> bool:
        wanted = _Wanted(team_id, key)
        with self._lock:
            self._queue.append(wanted)
            waits, self._writing = self._writing, True
        from bot import phases as _ph
        if waits:
            with _ph.phase("keys_wait"):
                wanted.ready.wait()
        if wanted.new is None and wanted.error is None:  # nobody wrote it: this thread writes the queue
            with _ph.phase("keys_write"):
                self._write_queue()
        if wanted.error is not None:
            raise wanted.error
        assert wanted.new is not None
        return wanted.new

    def _write_queue(self) -> None:
        with self._lock:
            batch, self._queue = self._queue, []
        try:
            self._write(batch)
        finally:
            with self._lock:
                if self._queue:  # arrived while this batch was written: their first thread writes them next
                    self._queue[0].ready.set()
                else:
                    self._writing = False
            for wanted in batch:
                wanted.ready.set()

    def _write(self, batch: list[_Wanted]) -> None:
        rows = [{"team_id": w.team_id, "event_id": w.key, "received_at": clock.now()} for w in batch]
        statement = (
            self._insert(_table).values(rows)
            .on_conflict_do_nothing(index_elements=["team_id", "event_id"])
            .returning(_table.c.team_id, _table.c.event_id)
        )
        try:
            with self.engine.begin() as conn:
                recorded = {tuple(row) for row in conn.execute(statement)}
        except BaseException as error:  # every request of the batch gets the error (none was recorded)
            for wanted in batch:
                wanted.error = error
            raise
        for wanted in batch:  # the same id twice in one batch: the first is new, the second a repeat
            wanted.new = (wanted.team_id, wanted.key) in recorded
            recorded.discard((wanted.team_id, wanted.key))
