"""The Web API client every part of the app uses: on SLACK_API_URL, retrying what Slack says to retry.

Rate limits (429) are retried after Slack's `Retry-After`; 5xx and connection errors are retried with
backoff. These retries happen only where Slack did not act on the request, so nothing is sent twice.
"""

import logging

from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import ConnectionErrorRetryHandler, RateLimitErrorRetryHandler
from slack_sdk.http_retry.builtin_interval_calculators import BackoffRetryIntervalCalculator
from slack_sdk.http_retry.handler import RetryHandler
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState


class ServerErrorRetryHandler(RetryHandler):
    """Retry 500/502/503/504: Slack had a hiccup and did not process the call."""

    def _can_retry(self, *, state: RetryState, request: HttpRequest, response: HttpResponse | None = None,
                   error: Exception | None = None) -> bool:
        return response is not None and response.status_code in (500, 502, 503, 504)


def retry_handlers(max_retries: int = 3, backoff: float = 0.5) -> list[RetryHandler]:
    calc = BackoffRetryIntervalCalculator(backoff_factor=backoff)
    return [
        ConnectionErrorRetryHandler(max_retry_count=max_retries, interval_calculator=calc),
        RateLimitErrorRetryHandler(max_retry_count=max_retries),
        ServerErrorRetryHandler(max_retry_count=max_retries, interval_calculator=calc),
    ]


def make_client(token: str | None, base_url: str, *, max_retries: int = 3) -> WebClient:
    """A WebClient on `base_url` with the retry policy above."""
    return WebClient(
        token=token,
        base_url=base_url,
        timeout=30,
        retry_handlers=retry_handlers(max_retries),
        logger=logging.getLogger("salesbot.slack"),
    )
