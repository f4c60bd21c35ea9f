"""What an operator watches: Prometheus metrics (official client library), and the ops endpoints.

One `Metrics` per app, each with its own registry (tests run many apps in one process; each one's counts
are its own). `/metrics` is served by the HTTP server in `serve`, and on a side port
(SALESBOT_METRICS_PORT, default 9090; 0 turns it off) in `socket`, together with `/healthz` (the process
answers and the database takes `SELECT 1`) and `/readyz` (the database, and in Socket Mode the WebSocket
to Slack, are up: 503 otherwise).

Parts of the app that have no handle on the app (the Web API client, the scheduler) report to the
process's active metrics: the last app built (`activate`).
"""

import json
import logging
import threading
from collections.abc import Callable, Iterable
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest

log = logging.getLogger("salesbot.metrics")

ACK_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 2.5, 3.0, 5.0, 10.0)
ANSWER_BUCKETS = (0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0)


class Metrics:
    """Every metric salesbot exports (names start with `salesbot_`)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.requests = Counter("salesbot_requests", "Slack requests handled, by kind, name and outcome",
                                ["kind", "name", "outcome"], registry=r)
        self.ack_seconds = Histogram("salesbot_ack_seconds", "Time from receiving a request to its ack",
                                     ["kind", "name"], buckets=ACK_BUCKETS, registry=r)
        self.answer_seconds = Histogram("salesbot_answer_seconds",
                                        "Time from receiving a request to the end of all its work (the answer)",
                                        ["kind", "name"], buckets=ANSWER_BUCKETS, registry=r)
        self.socket_acks = Counter("salesbot_socket_acks", "Socket Mode envelopes acked, by envelope type",
                                   ["type"], registry=r)
        self.socket_ack_seconds = Histogram("salesbot_socket_ack_seconds",
                                            "Socket Mode: envelope received to ack sent", ["type"],
                                            buckets=ACK_BUCKETS, registry=r)
        self.socket_ack_failures = Counter("salesbot_socket_ack_failures",
                                           "Socket Mode envelopes that could not be acked (no open connection)",
                                           ["type"], registry=r)
        self.socket_reconnects = Counter("salesbot_socket_reconnects", "Socket Mode reconnections, by cause",
                                         ["reason"], registry=r)
        self.socket_reconnect_seconds = Histogram("salesbot_socket_reconnect_seconds",
                                                  "Socket Mode: time from losing a connection to the next hello",
                                                  buckets=(0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60), registry=r)
        self.socket_connected = Gauge("salesbot_socket_connected", "1 while the Socket Mode connection is up",
                                      registry=r)
        self.api_calls = Counter("salesbot_slack_api_calls", "Slack Web API calls, by method", ["method"],
                                 registry=r)
        self.api_errors = Counter("salesbot_slack_api_errors", "Slack Web API calls that failed, by method and error",
                                  ["method", "error"], registry=r)
        self.deliveries = Counter("salesbot_deliveries", "Scheduled deliveries by kind and outcome "
                                  "(sent, retrying, failed, skipped)", ["kind", "outcome"], registry=r)
        self.tick_seconds = Histogram("salesbot_tick_seconds", "Duration of a scheduler tick",
                                      buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120), registry=r)
        self.import_rows = Counter("salesbot_import_rows", "Rows of files imported from Slack, by kind (deals, "
                                   "targets, feedback, rates) and outcome (inserted, updated, unchanged, rejected, "
                                   "refused)", ["kind", "outcome"], registry=r)
        self.listener_errors = Counter("salesbot_listener_errors", "Listeners that raised, by kind and name",
                                       ["kind", "name"], registry=r)

    def exposition(self) -> bytes:
        return generate_latest(self.registry)


_active: Metrics | None = None
_active_lock = threading.Lock()


def activate(metrics: Metrics) -> Metrics:
    """Make `metrics` the one the Web API client and the scheduler report to."""
    global _active
    with _active_lock:
        _active = metrics
    return metrics


def active() -> Metrics | None:
    return _active


def observe_api_call(method: str, error: str | None) -> None:
    """Count one Web API call (and its error, if it failed) on the active metrics."""
    metrics = _active
    if metrics is None:
        return
    metrics.api_calls.labels(method=method).inc()
    if error:
        metrics.api_errors.labels(method=method, error=error).inc()


def observe_import(kind: str, *, inserted: int, updated: int, unchanged: int, rejected: int,
                   refused_rows: int) -> None:
    """Count one import's rows on the active metrics: a refused file counts all its rows as `refused`."""
    metrics = _active
    if metrics is None:
        return
    counts = {"inserted": inserted, "updated": updated, "unchanged": unchanged, "rejected": rejected,
              "refused": refused_rows}
    for outcome, rows in counts.items():
        if rows:
            metrics.import_rows.labels(kind=kind, outcome=outcome).inc(rows)


def _json(start_response: Callable[..., Any], status: str, body: dict[str, Any]) -> list[bytes]:
    payload = json.dumps(body).encode()
    start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(payload)))])
    return [payload]


def database_state(engine: Any) -> str:
    """'ok', or the name of the error the database gave (never its message: it may hold a URL)."""
    from sqlalchemy import text

    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        return "ok"
    except Exception as exc:  # report, do not crash the probe
        return type(exc).__name__


def ops_response(path: str, start_response: Callable[..., Any], *, metrics: Metrics | None, engine: Any,
                 slack_connected: Callable[[], bool] | None = None) -> list[bytes] | None:
    """The answer for GET /metrics, /healthz or /readyz; None for any other path."""
    if path == "/metrics" and metrics is not None:
        payload = metrics.exposition()
        start_response("200 OK", [("Content-Type", CONTENT_TYPE_LATEST), ("Content-Length", str(len(payload)))])
        return [payload]
    if path == "/healthz":
        state = database_state(engine)
        return _json(start_response, "200 OK" if state == "ok" else "503 Service Unavailable",
                     {"ok": state == "ok", "database": state})
    if path == "/readyz":
        body: dict[str, Any] = {"database": database_state(engine)}
        ready = body["database"] == "ok"
        if slack_connected is not None:
            body["slack"] = "connected" if slack_connected() else "disconnected"
            ready = ready and body["slack"] == "connected"
        body["ok"] = ready
        return _json(start_response, "200 OK" if ready else "503 Service Unavailable", body)
    return None


def make_ops_app(metrics: Metrics, engine: Any, slack_connected: Callable[[], bool] | None = None
                 ) -> Callable[..., Iterable[bytes]]:
    """The side port's WSGI app in Socket Mode: /metrics, /healthz, /readyz (404 for anything else)."""

    def wsgi(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        answer = ops_response(environ.get("PATH_INFO") or "", start_response, metrics=metrics, engine=engine,
                              slack_connected=slack_connected)
        if answer is not None:
            return answer
        return _json(start_response, "404 Not Found", {"error": "not found", "paths": ["/metrics", "/healthz",
                                                                                       "/readyz"]})

    return wsgi
