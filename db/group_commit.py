"""Small writes of many threads at once, done by one of them in one transaction (group commit).

On SQLite only one connection writes at a time and the others retry in its busy handler, which sleeps 1, 2, 5,
10 … 100 ms between tries: fifty requests writing a row each before their ack waited seconds. With a group
commit the threads of a process that want to write at the same moment share one transaction: one thread writes
every item waiting (the `write` function, one batch) and wakes each of their threads directly; if more items
arrived meanwhile, the first of them writes the next batch. So SQLite sees one writer from this process, and each
waiting thread wakes once, when its answer is there. (With a lock taken in turn by every waiting thread, the
lock went through them one by one, each first waiting for the interpreter lock: with 200 people at once a row
written in 1 ms was known to its thread up to 0.5 s later.)

A batch's rows go into its INSERT in key order (`in_key_order`). On PostgreSQL each row of a multi-row INSERT
takes its unique key's lock as it is inserted and keeps it until the commit: two instances writing the same two
keys in opposite orders (the first contacts of two people who use both instances at once) would each hold one key
and wait for the other's, a deadlock PostgreSQL breaks by failing one of them. In one order they queue instead.
"""

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from sqlalchemy.engine import Connection, Engine

Item = TypeVar("Item")
Answer = TypeVar("Answer")


@dataclass
class _Wanted(Generic[Item]):
    item: Item
    answer: Any = None
    done: bool = False
    error: BaseException | None = None
    ready: threading.Event = field(default_factory=threading.Event)  # answered, or this thread writes next


class GroupCommit(Generic[Item, Answer]):
    """`submit(item)`: the answer `write(conn, batch)` gave for `item`, written with whatever else was waiting.

    `write` returns one answer per item, in order; if it raises, every item of its batch gets the error (none
    was written)."""

    def __init__(self, engine: Engine, write: Callable[[Connection, list[Item]], Sequence[Answer]]) -> None:
        self.engine = engine
        self.write = write
        self._queue: list[_Wanted[Item]] = []
        self._lock = threading.Lock()
        self._writing = False  # a thread is writing a batch; the others queue and wait on their own event

    def submit(self, item: Item) -> Answer:
        wanted = _Wanted(item)
        with self._lock:
            self._queue.append(wanted)
            waits, self._writing = self._writing, True
        if waits:
            wanted.ready.wait()
        if not wanted.done:  # nobody wrote it: this thread writes the queue
            self._write_queue()
        if wanted.error is not None:
            raise wanted.error
        return wanted.answer

    def _write_queue(self) -> None:
        with self._lock:
            batch, self._queue = self._queue, []
        try:
            with self.engine.begin() as conn:
                answers = self.write(conn, [w.item for w in batch])
            for wanted, answer in zip(batch, answers, strict=True):
                wanted.answer = answer
        except BaseException as error:
            for wanted in batch:
                wanted.error = error
        finally:
            for wanted in batch:
                wanted.done = True
            with self._lock:
                if self._queue:  # arrived while this batch was written: their first thread writes them next
                    self._queue[0].ready.set()
                else:
                    self._writing = False
            for wanted in batch:
                wanted.ready.set()


def in_key_order(batch: Sequence[Item], key: Callable[[Item], Any] | None = None) -> list[Item]:
    """The items of a batch in the order their rows are inserted: by their unique key (`key(item)`, else the item),
    so every process takes the keys' locks in the same order (see the module's last paragraph). Items of the same
    key keep their order."""
    return sorted(batch, key=key)


def made_once(batch: Sequence[Any], made: set[Any]) -> list[bool]:
    """For each key of `batch`, whether this batch's INSERT … ON CONFLICT DO NOTHING RETURNING made its row (`made`:
    the keys returned). The same key twice in one batch (a retry arriving with its original): the first made it."""
    left = set(made)
    answers = []
    for key in batch:
        answers.append(key in left)
        left.discard(key)
    return answers
