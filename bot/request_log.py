"""One log line per Slack request, with the real times: to the ack, and to the end of all its work.

Bolt's middleware `next()` only marks the chain as continued and returns at once (the listener runs after
every middleware has returned, and lazy listeners run later in the executor), so timing `next()` logs
"0 ms" for everything. The timing lives around `App.dispatch` instead (`SalesbotApp`), which returns when
the ack is ready, and every piece of work the request hands to the listener executor (the ack function of
an event, lazy listeners, the first contact's `users.info`) holds the request open: the line is written when
the last of them ends. A lazy listener's copy of the context shares the same timer.

    command /kpi from T0001/UMANAGER: acked in 12 ms, answered in 5230 ms (ok)

Outcomes: ok, unhandled (no listener: acked, logged at DEBUG), error (a listener raised; logged with its
traceback at ERROR).
"""

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from slack_bolt import App, BoltRequest, BoltResponse
from slack_bolt.error import BoltUnhandledRequestError

from bot.metrics import Metrics

log = logging.getLogger("salesbot.requests")
_local = threading.local()


def request_kind(body: dict[str, Any]) -> tuple[str, str]:
    """('command', '/kpi'), ('event', 'message'), ('block_actions', 'kpi.more') ... for logs and metrics."""
    if "command" in body:
        return "command", str(body["command"])
    if body.get("type") == "event_callback":
        return "event", str((body.get("event") or {}).get("type"))
    kind = str(body.get("type") or "unknown")
    if kind == "block_actions":
        actions = body.get("actions") or [{}]
        return kind, str(actions[0].get("action_id") or "")
    if kind in ("view_submission", "view_closed"):
        return kind, str((body.get("view") or {}).get("callback_id") or "")
    if kind in ("shortcut", "message_action"):
        return kind, str(body.get("callback_id") or "")
    return kind, ""


class RequestTimer:
    """The times and outcome of one request; written out when the request and all its work are done."""

    def __init__(self, body: dict[str, Any], started: float, metrics: Metrics | None) -> None:
        self.kind, self.name = request_kind(body)
        self.started = started
        self.metrics = metrics
        self.team_id: str | None = None
        self.user_id: str | None = None
        self.acked_after: float | None = None
        self.outcome = "ok"
        self._holds = 1
        self._lock = threading.Lock()

    def __deepcopy__(self, memo: dict[int, Any]) -> "RequestTimer":
        return self  # lazy listeners get a copy of the context: they must report to the same request

    def __copy__(self) -> "RequestTimer":
        return self

    def mark(self, outcome: str) -> None:
        with self._lock:
            if self.outcome != "error":
                self.outcome = outcome

    def acked(self, response: BoltResponse | None) -> None:
        self.acked_after = time.monotonic() - self.started
        if response is not None and response.status >= 500:
            self.mark("error")

    def hold(self) -> None:
        with self._lock:
            self._holds += 1

    def release(self) -> None:
        with self._lock:
            self._holds -= 1
            done = self._holds == 0
        if done:
            self._finish()

    def _finish(self) -> None:
        total = time.monotonic() - self.started
        acked = self.acked_after if self.acked_after is not None else total
        label = f"{self.kind} {self.name}".strip()
        log.info("%s from %s/%s: acked in %.0f ms, answered in %.0f ms (%s)", label, self.team_id or "-",
                 self.user_id or "-", acked * 1000, total * 1000, self.outcome)
        if self.metrics is not None:
            self.metrics.requests.labels(kind=self.kind, name=self.name, outcome=self.outcome).inc()
            self.metrics.ack_seconds.labels(kind=self.kind, name=self.name).observe(acked)
            self.metrics.answer_seconds.labels(kind=self.kind, name=self.name).observe(total)


def current() -> RequestTimer | None:
    """The request the running thread works for (set during dispatch and in the work it hands off)."""
    return getattr(_local, "timer", None)


def bound(timer: RequestTimer, fn: Callable[..., Any]) -> Callable[..., Any]:
    """`fn` run for `timer`'s request: it holds the request open and reports to it."""
    timer.hold()

    def run(*args: Any, **kwargs: Any) -> Any:
        previous = current()
        _local.timer = timer
        try:
            return fn(*args, **kwargs)
        finally:
            _local.timer = previous
            timer.release()

    return run


class SalesbotApp(App):
    """Bolt's App, timing each request around `dispatch` (see the module docstring)."""

    salesbot_metrics: Metrics | None = None

    def dispatch(self, req: BoltRequest) -> BoltResponse:
        started = req.context.get("salesbot_received_at") or time.monotonic()
        timer = RequestTimer(req.body, started, self.salesbot_metrics)
        req.context["request_timer"] = timer
        previous = current()
        _local.timer = timer
        response: BoltResponse | None = None
        try:
            response = super().dispatch(req)
            return response
        finally:
            _local.timer = previous
            timer.team_id, timer.user_id = req.context.get("team_id"), req.context.get("user_id")
            timer.acked(response)
            timer.release()


def make_error_handler(metrics: Metrics | None) -> Callable[..., BoltResponse | None]:
    """Bolt's error handler: a request no listener takes is acked (200) and noted at DEBUG; a listener that
    raised is logged with its traceback and counted."""

    def on_error(error: Exception, body: dict[str, Any]) -> BoltResponse | None:
        kind, name = request_kind(body)
        timer = current()
        if isinstance(error, BoltUnhandledRequestError):
            if timer is not None:
                timer.mark("unhandled")
            log.debug("no listener for %s %s; acked and ignored", kind, name)
            return BoltResponse(status=200, body="")
        if timer is not None:
            timer.mark("error")
        if metrics is not None:
            metrics.listener_errors.labels(kind=kind, name=name).inc()
        log.error("the listener for %s %s failed", kind, name, exc_info=error)
        return None

    return on_error


class MarkLazyErrors(logging.Filter):
    """Bolt logs a lazy listener's exception at ERROR and swallows it: mark the request's outcome and count it."""

    def filter(self, record: logging.LogRecord) -> bool:
        timer = current()
        if record.levelno >= logging.ERROR and timer is not None and timer.outcome != "error":
            timer.mark("error")
            if timer.metrics is not None:
                timer.metrics.listener_errors.labels(kind=timer.kind, name=timer.name).inc()
        return True


class DropClientTokenWarning(logging.Filter):
    """Bolt warns "As you gave `client` as well, `token` will be unused" on every start when SLACK_BOT_TOKEN is
    in the environment: the app's client is built from that very token, so the warning says nothing."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "`token` will be unused" not in record.getMessage()
