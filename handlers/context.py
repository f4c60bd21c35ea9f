"""What every handler gets from the composition root, through Bolt's `context["deps"]`.

Handlers never import `bot/`: the app factory builds one `Deps` and a middleware puts it, and the asking
member and their language, on the context of every request.
"""

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


def asker_of(context: Any) -> Asker:
    return context["asker"]
