"""Answers in worker processes (SALESBOT_ANSWER_PROCESSES=N): the acks keep the interpreter to themselves.

In one Python process the threads share one interpreter lock. While answers compute figures (pandas) and render
charts (matplotlib), an ack waits for the lock at every step it takes (each database call and socket read gives
the lock up and has to get it back): with 200 people asking at once the slowest acks took over a second on a
2-core machine. With N > 0 the work after the ack of a command, a shortcut or a button (Bolt's lazy listeners)
runs in N worker processes instead; each builds the same app once and re-dispatches the request it is handed
as Bolt's own lazy-only request (what Bolt does on AWS Lambda), so listeners, middleware and `respond` behave as
in one process. The request's after-ack thread waits for its worker without holding the lock, so the request
log's "answered in" and the metrics still cover the answer.

Events (App Home, DMs, files) stay in the after-ack threads. 0 keeps everything in one process. Unset, `salesbot
serve` starts one answer process per core it may use (at most AUTO_MAX) on a machine with 2 cores or more
(`for_http`); the console, Socket Mode and the tests' apps keep everything in one process.
"""

import logging
import multiprocessing
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import Executor, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from slack_bolt import App, BoltRequest
from slack_bolt.lazy_listener import LazyListenerRunner
from slack_bolt.lazy_listener.internals import build_runnable_function

from bot.settings import Settings

# Context key the worker sets on the requests it re-dispatches: they are not Slack's deliveries (their ids are
# recorded already, so the duplicate check lets them through) and were verified by the process that acked them.
ANSWER_WORKER = "salesbot_answer_worker"
log = logging.getLogger("salesbot.answers")
_app: App | None = None


class AnswerProcesses(LazyListenerRunner):
    """Bolt's lazy-listener runner, sending each lazy listener to a pool of worker processes."""

    def __init__(self, settings: Settings, processes: int, executor: Executor, logger: logging.Logger) -> None:
        self.logger = logger
        self.processes = processes
        self.executor = executor
        self.settings = settings
        self._lock = threading.Lock()
        self.pool = self._new_pool()

    def _new_pool(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(self.processes, mp_context=multiprocessing.get_context("spawn"),
                                   initializer=_start_worker,
                                   initargs=(self.settings, logging.getLogger().level, os.getpid()))

    def start(self, function: Callable[..., None], request: BoltRequest) -> None:
        body = request.raw_body if request.mode == "http" else request.body
        job = (body, dict(request.headers), request.mode, request.lazy_function_name)
        self.executor.submit(self._wait, job, function, request)  # the after-ack thread waits, without the lock

    def _wait(self, job: tuple[Any, ...], function: Callable[..., None], request: BoltRequest) -> None:
        pool = self.pool
        try:
            pool.submit(answer, *job).result()
        except BrokenProcessPool:  # a worker could not start or died: answer from here, start new workers
            log.exception("an answer process ended; answering in this process and starting new ones")
            with self._lock:
                if self.pool is pool:
                    self.pool = self._new_pool()
                    self.warm()
            self.run(function, request)

    def run(self, function: Callable[..., None], request: BoltRequest) -> None:
        """A lazy-only request handed to this process directly: run it here."""
        build_runnable_function(func=function, logger=self.logger, request=request)()

    def warm(self) -> None:
        """Start the worker processes now (each builds its app), not on the first answers."""
        self.warming = [self.pool.submit(_ready) for _ in range(self.processes)]

    def wait_ready(self, timeout: float) -> None:
        """Wait until the workers started by `warm` have built their apps (a server takes traffic after)."""
        for future in self.warming:
            try:
                future.result(timeout=timeout)
            except Exception:  # not ready in time or broken: answers fall back to this process meanwhile
                log.warning("answer processes not ready after %g s; starting anyway", timeout)
                return

    def shutdown(self) -> None:
        self.pool.shutdown(wait=False, cancel_futures=True)


AUTO_MAX = 4  # each answer process holds its own app (~150 MB); past 4, set SALESBOT_ANSWER_PROCESSES yourself


def for_http(configured: int | None, cores: int | None = None) -> int:
    """How many answer processes `salesbot serve` starts: SALESBOT_ANSWER_PROCESSES if set, else one per core this
    process may run on (at most AUTO_MAX), none on one core (there the processes would only share it).

    With 200 people at once on 2 cores the acks' p99 was ~0.5 s with the answers in threads and under 0.1 s in
    answer processes (README, Acks under load)."""
    if configured is not None:
        return configured
    if cores is None:
        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return min(cores, AUTO_MAX) if cores >= 2 else 0


ANSWER_NICENESS = 10  # answers yield the cores to the acking process: an ack never waits behind a chart


def _start_worker(settings: Settings, level: int, parent: int) -> None:
    global _app
    try:
        os.nice(ANSWER_NICENESS)  # lower priority than the acking process (a worker can only lower its own)
    except OSError:  # a platform without nice: the workers still answer, only without the priority
        pass
    threading.Thread(target=_end_with, args=(parent,), name="salesbot-answers-parent", daemon=True).start()
    from bot.app import create_app
    from bot.logs import configure_logging

    configure_logging(level=level or logging.WARNING)
    logging.getLogger("salesbot.requests").setLevel(logging.WARNING)  # the acking process logs each request
    _app = create_app(settings, answer_worker=True)
    from bot.heap import settle_heap

    settle_heap()


def _end_with(parent: int) -> None:
    """A worker ends when the process that started it is gone (killed, or stopped by SIGTERM without cleanup),
    also when that happened before the worker got this far."""
    while os.getppid() == parent:
        time.sleep(1)
    os._exit(0)


def _ready() -> bool:
    return _app is not None


def answer(body: Any, headers: dict[str, Any], mode: str, function_name: str) -> None:
    """In a worker: run the lazy listener `function_name` for the request, as Bolt's lazy-only dispatch."""
    assert _app is not None
    headers = {**headers, "x-slack-bolt-lazy-only": ["1"], "x-slack-bolt-lazy-function-name": [function_name]}
    _app.dispatch(BoltRequest(body=body, headers=headers, mode=mode, context={ANSWER_WORKER: True}))
