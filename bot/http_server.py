"""HTTP mode: Bolt's WSGI adapter served by waitress, plus `GET /healthz`.

waitress is a production-grade, pure-Python, multi-threaded WSGI server: no compiler, no fork, runs the
same on Linux, macOS and Windows, and keeps the scheduler thread in the same process. Several instances
behind a load balancer share one PostgreSQL; the delivery ledger keeps them from double-sending.
"""

import json
from collections.abc import Callable, Iterable
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from sqlalchemy import text
from sqlalchemy.engine import Engine

EVENTS_PATH = "/slack/events"


def make_wsgi_app(app: App, engine: Engine) -> Callable[..., Iterable[bytes]]:
    """All Slack traffic on POST /slack/events; GET /healthz checks the database too."""
    slack = SlackRequestHandler(app, path=EVENTS_PATH)

    def wsgi(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == "/healthz":
            try:
                with engine.connect() as conn:
                    conn.execute(text("SELECT 1"))
                status, body = "200 OK", {"ok": True, "database": "ok"}
            except Exception as exc:  # report, do not crash the probe
                status, body = "503 Service Unavailable", {"ok": False, "database": type(exc).__name__}
            payload = json.dumps(body).encode()
            start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(payload)))])
            return [payload]
        return slack(environ, start_response)

    return wsgi


def make_server(wsgi: Callable[..., Iterable[bytes]], *, host: str = "0.0.0.0", port: int = 3000,
                threads: int = 16) -> Any:
    """A waitress server (call `.run()`; `.effective_port` tells the port when 0 was asked)."""
    from waitress.server import create_server

    return create_server(wsgi, host=host, port=port, threads=threads, ident="salesbot")
