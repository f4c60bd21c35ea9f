"""`respond()` through response_url with salesbot's timeout and retry policy, not slack_sdk's defaults.

Bolt's own `respond` posts with a WebhookClient that has a 30-second timeout, re-sends after a dropped
connection (Slack may already have shown the answer: the user sees it twice) and silently drops an answer
that got 429 or 500. This one waits out a 429 (Retry-After) and retries a 5xx (Slack did not act), retries a
connection error only when the request never reached Slack, gives up at SALESBOT_SLACK_TIMEOUT, and logs
an answer that could not be delivered.
"""

import logging
from typing import Any

from slack_bolt.context.respond import Respond
from slack_bolt.context.respond.internals import _build_message
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from slack_sdk.http_retry.builtin_interval_calculators import BackoffRetryIntervalCalculator
from slack_sdk.http_retry.handler import RetryHandler
from slack_sdk.webhook import WebhookClient, WebhookResponse

from bot.slack_client import WEB_API_TIMEOUT, SafeConnectionErrorRetryHandler, ServerErrorRetryHandler

log = logging.getLogger("salesbot.respond")


def webhook_retry_handlers(max_retries: int = 3) -> list[RetryHandler]:
    calc = BackoffRetryIntervalCalculator(backoff_factor=0.5)
    return [
        SafeConnectionErrorRetryHandler(max_retry_count=max_retries, interval_calculator=calc),  # never a post twice
        RateLimitErrorRetryHandler(max_retry_count=max_retries),
        ServerErrorRetryHandler(max_retry_count=max_retries, interval_calculator=calc),
    ]


class SafeRespond(Respond):
    """Bolt's `respond`, posting with `webhook_retry_handlers` and a short timeout."""

    def __init__(self, *, response_url: str | None, timeout: int = WEB_API_TIMEOUT, **kwargs: Any) -> None:
        super().__init__(response_url=response_url, **kwargs)
        self.timeout = timeout

    def __call__(self, text: str | dict = "", **kwargs: Any) -> WebhookResponse:  # type: ignore[override]
        if self.response_url is None:
            raise ValueError("respond is unsupported here as there is no response_url")
        message = _build_message(**text) if isinstance(text, dict) else _build_message(text=text, **kwargs)
        client = WebhookClient(url=self.response_url, proxy=self.proxy, ssl=self.ssl, timeout=self.timeout,
                               retry_handlers=webhook_retry_handlers())
        response = client.send_dict(message)
        if response.status_code != 200:
            log.warning("an answer through response_url was refused: HTTP %s %s", response.status_code,
                        (response.body or "")[:100])
        return response
