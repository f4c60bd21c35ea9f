"""The app factory: one Bolt `App` for HTTP, Socket Mode and the console, with every handler registered.

Acks run in the HTTP request's own thread (`AckInRequestRunner`; SALESBOT_WORKERS HTTP threads, default 32), so
they never queue behind answers. The work after the ack (lazy listeners, events) runs on a pool of
SALESBOT_AFTER_ACK_THREADS (default 4): on a small machine more threads only take the interpreter lock from the
acks (50 commands at once: the slowest ack took 2-3 s with 32 answer threads, under 1 s with 4) without
answering sooner.
"""

import logging
import os
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

from slack_bolt import App
from slack_bolt.listener.thread_runner import ThreadListenerRunner
from slack_sdk import WebClient

from bot import request_log
from bot.install_pages import CALLBACKS, SalesbotOAuthFlow
from bot.installation_store import installed_clients
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
from reports.i18n import add_messages, msg, t

add_messages(
    msg("install.missing", "salesbot is not installed in this workspace any more (its installation was removed or "
        "its token revoked), so nothing was done. A workspace admin can install it again from the bot's "
        "/slack/install page."),
)


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


class AckInRequestRunner(ThreadListenerRunner):
    """Bolt's listener runner, except that the ack function of a listener with lazy listeners runs in the request's
    own thread.

    Bolt hands every ack function to the listener executor and polls for the ack every 10 ms, so an ack paid a
    thread hand-off plus up to 10 ms, and under load it queued behind answers in the same pool. salesbot's ack
    functions only read the database and call `ack()` (ARCHITECTURE: nothing before the ack waits on Slack), so
    they run at once where the request is; the executor is left to the work after the ack (lazy listeners and
    events, which Bolt acknowledges before running them)."""

    def __init__(self, base: ThreadListenerRunner) -> None:
        parts = dict(
            logger=base.logger,
            listener_error_handler=base.listener_error_handler,
            listener_start_handler=base.listener_start_handler,
            listener_completion_handler=base.listener_completion_handler,
            listener_executor=base.listener_executor,
            lazy_listener_runner=base.lazy_listener_runner,
        )
        super().__init__(process_before_response=base.process_before_response, **parts)  # type: ignore[arg-type]
        self._in_request = ThreadListenerRunner(process_before_response=True, **parts)  # type: ignore[arg-type]

    def use_lazy_runner(self, runner: Any) -> None:
        """Run lazy listeners with `runner` (bot/answer_processes.py) instead of the listener executor."""
        self.lazy_listener_runner = self._in_request.lazy_listener_runner = runner

    def run(self, request, response, listener_name, listener, starting_time=None):  # type: ignore[no-untyped-def]
        if listener.lazy_functions and not listener.auto_acknowledgement and not request.lazy_only:
            self._in_request.listener_error_handler = self.listener_error_handler  # a custom one set later
            return self._in_request.run(request, response, listener_name, listener, starting_time)
        return super().run(request, response, listener_name, listener, starting_time)


def make_deps(settings: Settings) -> Deps:
    from db.crm.oauth import CrmApps
    from db.crm.secrets import use_key
    from handlers import crm

    use_key(settings.salesbot_secret_key.get_secret_value() if settings.salesbot_secret_key else None)
    crm.configure(settings.salesbot_sync_minutes)
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
        extra={"crm": CrmApps.from_settings(settings)},
    )


_ENVIRONMENT = threading.Lock()


@contextmanager
def _bolt_reads_no_oauth_environment(single_workspace: bool) -> Iterator[None]:
    """Bolt's App turns on its own OAuth flow (a file-based store, every request authorised through it) when
    SLACK_CLIENT_ID and SLACK_CLIENT_SECRET are in the process environment. With a bot token the one-workspace mode
    wins (bot/settings.py), so Bolt must not see them while the app is built."""
    if not single_workspace:
        yield
        return
    with _ENVIRONMENT:
        hidden = {name: os.environ.pop(name) for name in ("SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET")
                  if name in os.environ}
        try:
            yield
        finally:
            os.environ.update(hidden)


def oauth_options(settings: Settings, deps: Deps, client: WebClient) -> dict[str, Any]:
    """Bolt's OAuth flow (GET /slack/install, GET /slack/oauth_redirect) on salesbot's database, and the authorize
    step that reads it (bot/installation_store.py). Bot tokens are stored sealed: no SALESBOT_SECRET_KEY, no start."""
    from slack_bolt.oauth.oauth_settings import OAuthSettings

    from bot.installation_store import STATE_SECONDS, DatabaseInstallationStore, DatabaseStateStore, StoredAuthorize
    from bot.manifest import BOT_SCOPES
    from db.crm.secrets import MissingKey, require_key

    try:
        require_key()
    except MissingKey as exc:
        raise RuntimeError(f"many-workspaces mode stores each workspace's bot token encrypted: {exc}") from None
    assert settings.slack_client_secret is not None
    store = DatabaseInstallationStore(deps.engine, deps.workspace_defaults)
    log = logging.getLogger("salesbot.install")
    return {
        "oauth_flow": SalesbotOAuthFlow(client=client, logger=log, settings=OAuthSettings(
            client_id=settings.slack_client_id.strip(), client_secret=settings.slack_client_secret.get_secret_value(),
            scopes=BOT_SCOPES, redirect_uri=settings.oauth_redirect_url, installation_store=store,
            state_store=DatabaseStateStore(deps.engine), state_expiration_seconds=STATE_SECONDS,
            callback_options=CALLBACKS, logger=log,
        )),
        "authorize": StoredAuthorize(store),
        "user_facing_authorize_error_message": t("install.missing", "en") + "\n" + t("install.missing", "zh"),
    }


def create_app(settings: Settings, *, client: WebClient | None = None, deps: Deps | None = None,
               metrics: Metrics | None = None, answer_worker: bool = False) -> App:
    """Build the Bolt app. Tokens come from `settings`; every Web API call goes to SLACK_API_URL.

    `metrics` (default: new ones, made the process's active metrics) are on `app.salesbot_metrics`. With
    SALESBOT_ANSWER_PROCESSES > 0 the lazy listeners run in that many worker processes (bot/answer_processes.py,
    started at once; `app.salesbot_answers.shutdown()` stops them); `answer_worker` builds such a worker's app,
    which takes requests from the acking process only (their signatures were checked there)."""
    install_log_redaction()
    token = settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else None
    secret = settings.slack_signing_secret.get_secret_value() if settings.slack_signing_secret else None
    if not settings.oauth_mode and (not token or not secret):
        raise RuntimeError("SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET are needed to talk to Slack (or, for many "
                           "workspaces, SLACK_CLIENT_ID, SLACK_CLIENT_SECRET and SLACK_SIGNING_SECRET)")
    deps = deps or make_deps(settings)
    client = client or make_client(None if settings.oauth_mode else token, settings.slack_api_url,
                                   timeout=settings.salesbot_slack_timeout)
    executor = TrackingExecutor(settings.salesbot_after_ack_threads, thread_name_prefix="salesbot-listener")
    metrics = activate(metrics or Metrics())
    bolt_log = logging.getLogger("salesbot.bolt")
    for kind in (request_log.DropClientTokenWarning, request_log.MarkLazyErrors):
        if not any(isinstance(f, kind) for f in bolt_log.filters):
            bolt_log.addFilter(kind())
    with _bolt_reads_no_oauth_environment(not settings.oauth_mode):
        app = request_log.SalesbotApp(
            signing_secret=secret,
            client=client,
            listener_executor=executor,
            logger=bolt_log,
            raise_error_for_unhandled_request=True,  # acked and noted at DEBUG by the error handler, never a 404
            request_verification_enabled=not answer_worker,
            **(oauth_options(settings, deps, client) if settings.oauth_mode else {}),
        )
    # What is sent without a request (the scheduler, the CRM consent page's DM) goes out with the workspace's token.
    app.salesbot_installed = installed_clients(settings, deps.engine, client) if settings.oauth_mode else None
    app.salesbot_metrics = metrics
    app.salesbot_deps = deps  # the consent page's callback (bot/http_server.py) uses the same engine and settings
    app.error(request_log.make_error_handler(metrics))
    app._listener_runner = AckInRequestRunner(app.listener_runner)  # type: ignore[attr-defined]
    app.salesbot_answers = None
    if settings.salesbot_answer_processes and not answer_worker:
        from bot.answer_processes import AnswerProcesses

        answers = AnswerProcesses(settings, settings.salesbot_answer_processes, executor, bolt_log)
        app._listener_runner.use_lazy_runner(answers)  # type: ignore[attr-defined]
        answers.warm()
        app.salesbot_answers = answers
    app.use(strip_nul)
    app.use(make_use_salesbot_clients(settings.salesbot_slack_timeout))
    app.use(make_skip_duplicate_events(deps))
    app.use(make_attach_asker(deps, background=executor))
    register_handlers(app)
    return app
