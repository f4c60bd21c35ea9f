"""HTTP mode: Bolt's WSGI adapter served by waitress, plus `GET /healthz`, `/readyz` and `/metrics`.

waitress is a production-grade, pure-Python, multi-threaded WSGI server: no compiler, no fork, runs the
same on Linux, macOS and Windows, and keeps the scheduler thread in the same process. Several instances
behind a load balancer share one PostgreSQL; the delivery ledger keeps them from double-sending.
"""

import io
import json
import logging
from collections.abc import Callable, Iterable
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk.signature import SignatureVerifier
from sqlalchemy.engine import Engine

from bot.metrics import ops_response

EVENTS_PATH = "/slack/events"
CRM_CALLBACK = "/crm/oauth/"  # + the CRM's kind: where its consent page sends the manager back
log = logging.getLogger("salesbot.http")


def _refuse(start_response: Callable[..., Any]) -> list[bytes]:
    payload = json.dumps({"error": "invalid request"}).encode()
    start_response("401 Unauthorized", [("Content-Type", "application/json"), ("Content-Length", str(len(payload)))])
    return [payload]


def verified(environ: dict[str, Any], verifier: SignatureVerifier) -> bool:
    """Whether the request carries Slack's valid signature. The body is read once and put back for Bolt.

    A timestamp that is not a number is a forgery like any other (401), not a crash; a refused request is
    logged at WARNING with its size only: its body is whatever the sender chose to put there.
    """
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    body = environ["wsgi.input"].read(length) if length > 0 else b""
    environ["wsgi.input"] = io.BytesIO(body)
    timestamp = str(environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP") or "")
    signature = str(environ.get("HTTP_X_SLACK_SIGNATURE") or "")
    ok = timestamp.isascii() and timestamp.isdigit() and verifier.is_valid(body, timestamp, signature)
    if not ok:
        log.warning("refused a request with an invalid signature or timestamp (%d bytes)", len(body))
    return ok


def make_wsgi_app(app: App, engine: Engine, signing_secret: str | None = None) -> Callable[..., Iterable[bytes]]:
    """All Slack traffic on POST /slack/events (signature checked first); GET /healthz and /readyz check the
    database too; GET /metrics is the app's Prometheus metrics (bot/metrics.py)."""
    slack = SlackRequestHandler(app, path=EVENTS_PATH)
    secret = signing_secret or getattr(app, "_signing_secret", None)
    verifier = SignatureVerifier(secret) if secret else None

    def wsgi(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("REQUEST_METHOD") == "POST" and verifier is not None and not verified(environ, verifier):
            return _refuse(start_response)
        path = environ.get("PATH_INFO") or ""
        deps = getattr(app, "salesbot_deps", None)
        if environ.get("REQUEST_METHOD") == "GET" and path.startswith(CRM_CALLBACK) and deps is not None:
            return _crm_callback(app, deps, path[len(CRM_CALLBACK):], environ, start_response)
        if environ.get("REQUEST_METHOD") == "GET":
            answer = ops_response(environ.get("PATH_INFO") or "", start_response, engine=engine,
                                  metrics=getattr(app, "salesbot_metrics", None))
            if answer is not None:
                return answer
        return slack(environ, start_response)

    return wsgi


def _crm_callback(app: App, deps: Any, kind: str, environ: dict[str, Any],
                  start_response: Callable[..., Any]) -> list[bytes]:
    """A CRM's consent page sends the manager back here (db/crm/oauth.py): the page says what happened. The query
    carries a one-time code and the state, so it is never logged."""
    from html import escape
    from urllib.parse import parse_qs

    from handlers.crm import callback_page

    query = {k: v[-1] for k, v in parse_qs(environ.get("QUERY_STRING") or "").items()}
    installed = getattr(app, "salesbot_installed", None)  # many workspaces: the consenting workspace's own client
    status, text = callback_page(deps, kind.strip("/"), query,
                                 client=installed.for_team if installed is not None else lambda _team: app.client)
    page = ("<!doctype html><meta charset='utf-8'><title>salesbot</title><body style='font-family:sans-serif;"
            "max-width:40em;margin:4em auto'>" + "".join(f"<p>{escape(p)}</p>" for p in text.split("\n\n"))).encode()
    start_response("200 OK" if status == 200 else "400 Bad Request",
                   [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(page))),
                    ("Cache-Control", "no-store")])
    return [page]


def make_server(wsgi: Callable[..., Iterable[bytes]], *, host: str = "0.0.0.0", port: int = 3000,
                threads: int = 16) -> Any:
    """A waitress server (call `.run()`; `.effective_port` tells the port when 0 was asked).

    waitress stops accepting connections past 100 open ones; 200 clients at once then waited seconds for a
    connection, so the limit is 1000 (each open connection costs a socket and a small buffer)."""
    from waitress.server import create_server

    return create_server(wsgi, host=host, port=port, threads=threads, ident="salesbot", connection_limit=1000)
