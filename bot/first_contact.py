"""A Slack workspace's first request: it adopts the local workspace (data imported before Slack was connected).

Checked once per workspace per process (a workspace row, once made, stays), so later requests pay nothing.
The first reply tells the person what was taken over, in their language.
"""

import logging
import threading
from typing import Any

from slack_sdk.errors import SlackApiError
from sqlalchemy.engine import Engine

from db.engine import session_scope
from db.models import Workspace
from db.workspaces import Adoption, adopt_local_workspace
from handlers.context import Asker, Deps
from reports.i18n import add_catalog, t

log = logging.getLogger(__name__)

add_catalog({
    "workspace.adopted": {
        "en": ":inbox_tray: This workspace now holds the data imported before Slack was connected: "
              "{deals} deals, {people} people, {targets} targets and {feedback} feedback items.",
        "zh": ":inbox_tray: 连接 Slack 之前导入的数据现已归入本工作区：{deals} 个商机、{people} 位成员、"
              "{targets} 个目标、{feedback} 条反馈。",
    },
})


# Adoptions done when the server started, to be announced in that workspace's first reply.
_ANNOUNCE: dict[str, Adoption] = {}
_ANNOUNCE_LOCK = threading.Lock()


def adopt_before_serving(engine: Engine, team_id: str, *, name: str = "") -> Adoption | None:
    """`serve`/`socket` know their workspace from auth.test before any request: adopt then, not inside a
    request (moving a million rows takes longer than Slack's 3-second ack), and announce it on the first reply."""
    adoption = adopt_local_workspace(engine, team_id, name=name)
    if adoption is not None:
        with _ANNOUNCE_LOCK:
            _ANNOUNCE[team_id] = adoption
    return adoption


class FirstContact:
    """Remembers which workspaces already have a row, so only a new one tries to adopt."""

    def __init__(self, deps: Deps) -> None:
        self.deps = deps
        self._known: set[str] = set()
        self._lock = threading.Lock()

    def adopt(self, team_id: str) -> Adoption | None:
        """Adopt the local workspace if `team_id` has no row yet; None otherwise (and for every later request).

        An adoption made when the server started is returned once, on the workspace's first request."""
        with _ANNOUNCE_LOCK:
            started = _ANNOUNCE.pop(team_id, None)
        if started is not None:
            with self._lock:
                self._known.add(team_id)
            return started
        with self._lock:
            if team_id in self._known:
                return None
        with session_scope(self.deps.engine) as session:
            exists = session.get(Workspace, team_id) is not None
        adoption = None if exists else adopt_local_workspace(self.deps.engine, team_id)
        with self._lock:
            self._known.add(team_id)
        return adoption


def tell_adoption(adoption: Adoption, asker: Asker, context: Any, client: Any) -> None:
    """Say what was adopted: in the reply's place (response_url) when there is one, else in a DM."""
    text = t("workspace.adopted", asker.language, deals=adoption.count("deal"), people=adoption.count("member"),
             targets=adoption.count("target"), feedback=adoption.count("feedback"))
    try:
        if getattr(context, "response_url", None):
            context.respond(text=text, response_type="ephemeral", replace_original=False)
        else:
            client.chat_postMessage(channel=asker.user_id, text=text)
    except (SlackApiError, OSError):
        log.warning("could not tell %s that workspace %s adopted the local data", asker.user_id, asker.team_id)
