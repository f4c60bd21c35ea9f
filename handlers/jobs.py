"""The contract between the one scheduler (bot/scheduler.py) and the features that send on a schedule.

A feature (digest, check-ins, reminders, briefs) exposes `JobSource`s. The scheduler asks each for what is
due, records each delivery in the ledger before sending, calls `deliver`, and marks the outcome. A source
never sends outside `deliver`, so the exactly-once guarantee lives in one place.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from slack_sdk import WebClient
from sqlmodel import Session

from handlers.context import Deps


@dataclass(frozen=True)
class DueDelivery:
    team_id: str
    kind: str
    schedule_id: int
    occurrence: datetime  # UTC
    recipient: str  # a channel or user id, or any stable key of who gets it
    # what `deliver` needs; `skip`: a reason not to send this occurrence at all (recorded as skipped, logged once)
    payload: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)


class PermanentFailure(Exception):
    """Raised by `deliver` when retrying cannot help (channel archived, bot not in channel, ...)."""


# Slack errors after which a retry cannot succeed: the delivery fails and the subscriber is told once.
PERMANENT_SLACK_ERRORS = frozenset(
    {
        "channel_not_found",
        "is_archived",
        "not_in_channel",
        "account_inactive",
        "token_revoked",
        "invalid_auth",
        "user_not_found",
        "cannot_dm_bot",
        "user_disabled",
        "restricted_action",
        "missing_scope",
        "not_authed",
        "team_access_not_granted",
        "ekm_access_denied",
    }
)


class JobSource(Protocol):
    kind: str
    grace: timedelta  # an occurrence older than this when first seen is skipped and logged, not sent

    def due(self, session: Session, now: datetime) -> list[DueDelivery]:
        """Deliveries whose moment is at or before `now` (the latest occurrence of each schedule)."""
        ...

    def deliver(self, item: DueDelivery, client: WebClient, deps: Deps) -> None:
        """Send it. Raise SlackApiError / PermanentFailure on failure; return normally when sent."""
        ...

    def on_failed(self, item: DueDelivery, reason: str, client: WebClient, deps: Deps) -> None:
        """Tell a person (once) that a delivery failed for good."""
        ...
