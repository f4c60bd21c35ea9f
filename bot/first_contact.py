"""A Slack workspace's first request: it adopts the local workspace (data imported before Slack was connected).

Checked once per workspace per process (a workspace row, once made, stays), so later requests pay nothing.
The first reply in the workspace, served by whichever instance, tells the person what was taken over, in
their language, once (the note is stored with the workspace and claimed by one conditional update).
"""

import logging
import threading
from dataclasses import dataclass
from typing import Any

from slack_sdk.errors import SlackApiError
from sqlalchemy.engine import Engine

from db.engine import session_scope
from db.models import Workspace
from db.workspaces import LOCAL_TEAM, Adoption, adopt_local_workspace, claim_adoption_note
from handlers.context import Asker, Deps
from reports.i18n import add_messages, msg, t

log = logging.getLogger(__name__)

add_messages(
    msg("workspace.adopted", ":inbox_tray: This workspace now holds the data imported before Slack was connected: "
        "{deals} deals, {people} people, {targets} targets and {feedback} feedback items."),
    msg("workspace.not_adopted", "The data imported before Slack was connected stays with workspace {serving}, the one "
        "this salesbot's bot token belongs to; it is not moved into this workspace ({team}). To give this workspace "
        "its own data: `salesbot import deals FILE --team {team}`."),
)


# The workspace this process serves (its bot token's, from auth.test at start); None in the console and tests.
_SERVING: dict[str, str] = {}


def adopt_before_serving(engine: Engine, team_id: str, *, name: str = "") -> Adoption | None:
    """`serve`/`socket` know their workspace from auth.test before any request: adopt then, not inside a
    request (moving a million rows takes longer than Slack's 3-second ack). The note for the first reply is
    stored with the workspace, so whichever instance serves that first request says it, once."""
    _SERVING["team_id"] = team_id
    return adopt_local_workspace(engine, team_id, name=name)


@dataclass(frozen=True)
class NotAdopted:
    """A workspace that is not the token's own asked first: the local data waits for the token's workspace."""

    team_id: str
    serving: str


class FirstContact:
    """Remembers which workspaces this process has seen, so only a workspace's first request here does work.

    That work: adopt the local workspace when the workspace has no row yet (in a request only when this
    process does not know its own workspace, as in the console; `serve`/`socket` adopt at start, and a
    workspace that is not the token's own never adopts: it is told why), then claim the adoption note stored
    with the workspace (db/workspaces.claim_adoption_note: one instance wins it)."""

    def __init__(self, deps: Deps) -> None:
        self.deps = deps
        self._known: set[str] = set()
        self._lock = threading.Lock()

    def adopt(self, team_id: str) -> Adoption | NotAdopted | None:
        """What to tell this workspace's first request in this process (None for every later request)."""
        with self._lock:
            if team_id in self._known:
                return None
        engine = self.deps.engine
        serving = _SERVING.get("team_id")
        with session_scope(engine) as session:
            exists = session.get(Workspace, team_id) is not None
            waiting = session.get(Workspace, LOCAL_TEAM) is not None
        result: Adoption | NotAdopted | None = None
        if not exists and waiting and serving and team_id != serving:
            log.warning("workspace %s is not this bot token's (%s): the local data stays for %s", team_id, serving,
                        serving)
            result = NotAdopted(team_id, serving)
        elif not exists and waiting:
            adopt_local_workspace(engine, team_id)
        if result is None:
            result = claim_adoption_note(engine, team_id)
        with self._lock:
            self._known.add(team_id)
        return result


def tell_adoption(adoption: Adoption | NotAdopted, asker: Asker, context: Any, client: Any) -> None:
    """Say what was adopted (or why not): in the reply's place (response_url) when there is one, else in a DM.

    Runs after the ack (the middleware hands it to the listener executor): it waits on Slack."""
    if isinstance(adoption, NotAdopted):
        text = t("workspace.not_adopted", asker.language, team=adoption.team_id, serving=adoption.serving)
    else:
        text = t("workspace.adopted", asker.language, deals=adoption.count("deal"), people=adoption.count("member"),
                 targets=adoption.count("target"), feedback=adoption.count("feedback"))
    try:
        if getattr(context, "response_url", None):
            context.respond(text=text, response_type="ephemeral", replace_original=False)
        else:
            client.chat_postMessage(channel=asker.user_id, text=text)
    except (SlackApiError, OSError):
        log.warning("could not tell %s that workspace %s adopted the local data", asker.user_id, asker.team_id)
