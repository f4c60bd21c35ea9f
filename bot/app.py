"""The app factory: one Bolt `App` for HTTP, Socket Mode and the console, with every handler registered.

The listener executor is sized by SALESBOT_WORKERS (default 32): Bolt's default pool of 5 threads is shared
by acks and lazy listeners, so a burst of slow commands would miss Slack's 3-second deadline.
"""

import logging
import threading
from concurrent.futures import ThreadPoolExecutor

from slack_bolt import App
from slack_sdk import WebClient

from bot import request_log
from bot.metrics import Metrics, activate
from bot.middleware import (
    install_log_redaction,
    make_attach_asker,
    make_skip_duplicate_events,
    make_use_salesbot_clients,
    strip_nul,
)
from bot.settings import Settings
from bot.slack_client import make_client
from db.engine import get_engine
from handlers import register_handlers
from handlers.context import Deps


class TrackingExecutor(ThreadPoolExecutor):
    """A thread pool that can tell when all submitted work is done (the console and tests wait on it).

    Work submitted while a request is being handled (an event's listener, lazy listeners, a first contact's
    profile read) belongs to that request: its log line and answer time wait for it (bot/request_log.py)."""

    def __init__(self, max_workers: int, thread_name_prefix: str = "") -> None:
        super().__init__(max_workers=max_workers, thread_name_prefix=thread_name_prefix)
        self._pending = 0
        self._idle = threading.Condition()

    def submit(self, fn, /, *args, **kwargs):  # type: ignore[no-untyped-def, override]
        timer = request_log.current()
        if timer is not None:
            fn = request_log.bound(timer, fn)
        with self._idle:
            self._pending += 1
        future = super().submit(fn, *args, **kwargs)
        future.add_done_callback(self._done)
        return future

    def _done(self, _future: object) -> None:
        with self._idle:
            self._pending -= 1
            self._idle.notify_all()

    def wait_idle(self, timeout: float = 30.0) -> bool:
        with self._idle:
            return self._idle.wait_for(lambda: self._pending == 0, timeout=timeout)


def make_deps(settings: Settings) -> Deps:
    return Deps(
        engine=get_engine(settings.database_url),
        timezone=settings.salesbot_timezone,
        language=settings.salesbot_language,
        currency=settings.salesbot_currency,
        manager_ids=tuple(settings.manager_ids),
        open_leaderboard=settings.salesbot_open_leaderboard,
        fiscal_year_start_month=settings.salesbot_fiscal_year_start_month,
        max_upload_bytes=settings.salesbot_max_upload_mb * 1024 * 1024,
        bot_token=settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else None,
    )


def create_app(settings: Settings, *, client: WebClient | None = None, deps: Deps | None = None,
               metrics: Metrics | None = None) -> App:
    """Build the Bolt app. Tokens come from `settings`; every Web API call goes to SLACK_API_URL.

    `metrics` (default: new ones, made the process's active metrics) are on `app.salesbot_metrics`."""
    install_log_redaction()
    token = settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else None
    secret = settings.slack_signing_secret.get_secret_value() if settings.slack_signing_secret else None
    if not token or not secret:
        raise RuntimeError("SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET are needed to talk to Slack")
    deps = deps or make_deps(settings)
    executor = TrackingExecutor(settings.salesbot_workers, thread_name_prefix="salesbot-listener")
    metrics = activate(metrics or Metrics())
    bolt_log = logging.getLogger("salesbot.bolt")
    for kind in (request_log.DropClientTokenWarning, request_log.MarkLazyErrors):
        if not any(isinstance(f, kind) for f in bolt_log.filters):
            bolt_log.addFilter(kind())
    app = request_log.SalesbotApp(
        signing_secret=secret,
        client=client or make_client(token, settings.slack_api_url, timeout=settings.salesbot_slack_timeout),
        listener_executor=executor,
        logger=bolt_log,
        raise_error_for_unhandled_request=True,  # acked and noted at DEBUG by the error handler, never a 404
    )
    app.salesbot_metrics = metrics
    app.error(request_log.make_error_handler(metrics))
    app.use(strip_nul)
    app.use(make_use_salesbot_clients(settings.salesbot_slack_timeout))
    app.use(make_skip_duplicate_events(deps))
    app.use(make_attach_asker(deps, background=executor))
    register_handlers(app)
    return app
