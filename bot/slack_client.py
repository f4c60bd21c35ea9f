"""The Web API client every part of the app uses: on SLACK_API_URL, retrying only what is safe to retry.

Rate limits (429) are retried after Slack's `Retry-After`, 5xx with backoff: Slack answered, so it did not
act. A connection error is different: the request may have reached Slack and been acted on before the
connection dropped. Those are retried only for methods that are safe to repeat (reads, `conversations.open`,
getting an upload URL); a post (`chat.postMessage`, `files.completeUploadExternal`, ...) is never re-sent
blind: the caller gets the error, and the scheduler looks for the message (by its metadata) before sending
again (bot/delivery_client.py).

Every call has a timeout (WEB_API_TIMEOUT) shorter than the time its caller has: work after the ack has
Slack's 30 minutes for a response_url, the scheduler has its send lease (db/deliveries.py).

Slack-supplied text is cleaned at this boundary: NUL characters (which PostgreSQL refuses in text) are
removed from every answer, so a profile name with one cannot break a request.
"""

import logging
from typing import Any
from urllib.error import URLError
from urllib.parse import urlparse

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import ConnectionErrorRetryHandler, RateLimitErrorRetryHandler
from slack_sdk.http_retry.builtin_interval_calculators import BackoffRetryIntervalCalculator
from slack_sdk.http_retry.handler import RetryHandler
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState
from slack_sdk.web.slack_response import SlackResponse

from bot.metrics import observe_api_call

WEB_API_TIMEOUT = 10  # seconds per Web API call (a hanging Slack never holds a worker longer)

# Methods that change nothing, or change it the same way however often they are called: a connection error
# may be retried. Anything not listed (chat.postMessage, chat.postEphemeral, files.completeUploadExternal,
# chat.scheduleMessage, ...) is never re-sent after a connection error.
SAFE_TO_REPEAT = frozenset(
    {
        "auth.test",
        "conversations.history",
        "conversations.info",
        "conversations.list",
        "conversations.members",
        "conversations.open",
        "conversations.replies",
        "files.getUploadURLExternal",
        "files.info",
        "team.info",
        "users.info",
        "users.list",
        "users.lookupByEmail",
        "users.profile.get",
        "views.publish",
        "chat.update",
    }
)


def api_method(request: HttpRequest) -> str:
    """The Web API method of a request ('chat.postMessage'), from its URL."""
    return urlparse(request.url).path.rsplit("/", 1)[-1]


class ServerErrorRetryHandler(RetryHandler):
    """Retry 500/502/503/504: Slack had a hiccup and did not process the call."""

    def _can_retry(self, *, state: RetryState, request: HttpRequest, response: HttpResponse | None = None,
                   error: Exception | None = None) -> bool:
        return response is not None and response.status_code in (500, 502, 503, 504)


class SafeConnectionErrorRetryHandler(ConnectionErrorRetryHandler):
    """Retry a connection error when the request cannot have been acted on, or the method is safe to repeat.

    urllib raises URLError while connecting or sending the request (Slack never had the whole request: safe
    to retry any method); a reset or a closed connection while waiting for the answer comes as
    ConnectionResetError / RemoteDisconnected: Slack may have acted, so only SAFE_TO_REPEAT methods retry.
    """

    def _can_retry(self, *, state: RetryState, request: HttpRequest, response: HttpResponse | None = None,
                   error: Exception | None = None) -> bool:
        if not super()._can_retry(state=state, request=request, response=response, error=error):
            return False
        return isinstance(error, URLError) or api_method(request) in SAFE_TO_REPEAT


def retry_handlers(max_retries: int = 3, backoff: float = 0.5) -> list[RetryHandler]:
    calc = BackoffRetryIntervalCalculator(backoff_factor=backoff)
    return [
        SafeConnectionErrorRetryHandler(max_retry_count=max_retries, interval_calculator=calc),
        RateLimitErrorRetryHandler(max_retry_count=max_retries),
        ServerErrorRetryHandler(max_retry_count=max_retries, interval_calculator=calc),
    ]


def without_nul(value: Any) -> Any:
    """`value` with every NUL character removed from its strings (dicts and lists walked)."""
    if isinstance(value, str):
        return value.replace("\x00", "") if "\x00" in value else value
    if isinstance(value, dict):
        return {k: without_nul(v) for k, v in value.items()}
    if isinstance(value, list):
        return [without_nul(v) for v in value]
    return value


class SalesbotClient(WebClient):
    """A WebClient whose answers never carry NUL characters (PostgreSQL text cannot hold them), and whose
    calls and errors are counted by method (bot/metrics.py)."""

    def api_call(self, *args: Any, **kwargs: Any) -> SlackResponse:  # type: ignore[override]
        method = str(args[0] if args else kwargs.get("api_method", ""))
        try:
            response = super().api_call(*args, **kwargs)
        except SlackApiError as exc:
            observe_api_call(method, str(exc.response.get("error") or "unknown"))
            raise
        except Exception as exc:
            observe_api_call(method, type(exc).__name__)
            raise
        observe_api_call(method, None)
        if isinstance(response, SlackResponse) and isinstance(response.data, dict):
            response.data = without_nul(response.data)
        return response


def as_salesbot_client(client: WebClient, *, retry: list[RetryHandler] | None = None) -> WebClient:
    """The same client (token, URL, timeout, retries unless `retry` is given) as a SalesbotClient.

    Bolt builds a plain WebClient for every request from the app's client; the middleware swaps it for
    this one so listeners get NUL-free answers too."""
    if isinstance(client, SalesbotClient) and retry is None:
        return client
    return SalesbotClient(
        token=client.token, base_url=client.base_url, timeout=client.timeout, ssl=client.ssl, proxy=client.proxy,
        headers=client.headers, team_id=getattr(client, "team_id", None), logger=client.logger,
        retry_handlers=retry if retry is not None else list(client.retry_handlers),
    )


def make_client(token: str | None, base_url: str, *, max_retries: int = 3,
                retry: list[RetryHandler] | None = None, timeout: int = WEB_API_TIMEOUT) -> WebClient:
    """A WebClient on `base_url` with the retry policy above (or `retry`)."""
    return SalesbotClient(
        token=token,
        base_url=base_url,
        timeout=timeout,
        retry_handlers=retry if retry is not None else retry_handlers(max_retries),
        logger=logging.getLogger("salesbot.slack"),
    )
