"""What every handler gets from the composition root, through Bolt's `context["deps"]`.

Handlers never import `bot/`: the app factory builds one `Deps` and a middleware puts it, and the asking
member and their language, on the context of every request.
"""

from collections.abc import Callable
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.engine import Engine

from db.workspaces import WorkspaceDefaults


@dataclass(frozen=True)
class Deps:
    engine: Engine
    timezone: str = "UTC"
    language: str = "en"
    currency: str = "USD"
    manager_ids: tuple[str, ...] = ()
    open_leaderboard: bool = False
    fiscal_year_start_month: int = 1
    max_upload_bytes: int = 20 * 1024 * 1024
    bot_token: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def workspace_defaults(self) -> WorkspaceDefaults:
        """What a workspace row made on a request starts with (the settings' zone, language and currency)."""
        return WorkspaceDefaults(timezone=self.timezone, language=self.language, currency=self.currency,
                                 fiscal_year_start_month=self.fiscal_year_start_month)

    def __deepcopy__(self, memo: dict[int, Any]) -> "Deps":
        """Shared, not copied: Bolt deep-copies the context for lazy listeners, and an engine cannot be copied."""
        return self

    def __copy__(self) -> "Deps":
        return self


@dataclass(frozen=True)
class Asker:
    """The Slack user behind a request, as salesbot knows them."""

    team_id: str
    user_id: str
    member_id: int
    role: str
    language: str
    timezone: str
    display_name: str = ""

    @property
    def is_manager(self) -> bool:
        return self.role == "manager"


def deps_of(context: Any) -> Deps:
    return context["deps"]


class PendingProfile:
    """A first contact's Slack profile, being read after the ack (see bot/middleware.py).

    The ack never waits for it. Lazy listeners run on Bolt's deep copy of the context, which marks the copy
    `after_ack`: they wait for the profile a little (`PATIENCE` s), so a user's first answer already has
    their language and time zone.
    """

    PATIENCE = 5.0

    def __init__(self, future: Future[Any], again: Callable[[], Asker], *, after_ack: bool = False) -> None:
        self.future, self.again, self.after_ack = future, again, after_ack

    def settled(self) -> Asker | None:
        """The asker re-read once the profile is in; None before the ack, or when Slack is slower."""
        if not self.after_ack:
            return None
        try:
            self.future.result(timeout=self.PATIENCE)
        except FutureTimeout:
            return None
        except Exception:  # the profile could not be read: what the request already knows stands
            return None
        return self.again()

    def __deepcopy__(self, memo: dict[int, Any]) -> "PendingProfile":
        return PendingProfile(self.future, self.again, after_ack=True)


def asker_of(context: Any) -> Asker:
    """Who is asking; after the ack, with the profile of a first contact once Slack gave it."""
    pending: PendingProfile | None = context.get("asker_pending")
    if pending is not None:
        fresh = pending.settled()
        if fresh is not None:
            context["asker"] = fresh
            context["asker_pending"] = None
    return context["asker"]
