"""Slack takes the app back: `tokens_revoked` and `app_uninstalled` delete what belongs to the workspace.

- `tokens_revoked` with bot tokens: the workspace's installation (its sealed bot token) is deleted; its data stays,
  so a re-install finds it (a workspace admin revoking the token is not asking to lose their history).
- `app_uninstalled`: the installation and every row of the workspace, in every table (db/workspaces.forget_workspace:
  deals, people, targets, schedules and the delivery ledger, check-ins, feedback, reviews, requests, CRM
  connections with their sealed credentials, the workspace's settings). In both modes: the workspace left.

Bolt acknowledges events before their listener runs, so a large workspace's delete never holds the ack; both
are idempotent (a retried event, or one another instance already handled, deletes nothing more).
"""

import logging
from typing import Any

from db import installations
from db.workspaces import forget_workspace
from handlers.context import Deps

log = logging.getLogger("salesbot.uninstall")


def _team(body: dict[str, Any], context: Any) -> str:
    return str(body.get("team_id") or context.get("team_id") or "")


def on_tokens_revoked(body: dict[str, Any], event: dict[str, Any], context: Any) -> None:
    team_id = _team(body, context)
    if not team_id or not (event.get("tokens") or {}).get("bot"):
        return  # only user tokens were revoked: salesbot holds none
    deps: Deps = context["deps"]
    removed = installations.delete(deps.engine, team_id)
    log.warning("workspace %s revoked the bot token: %s", team_id,
                "its installation was deleted (its data is kept until the app is uninstalled)" if removed
                else "no installation was stored for it")


def on_app_uninstalled(body: dict[str, Any], context: Any) -> None:
    team_id = _team(body, context)
    if not team_id:
        return
    deps: Deps = context["deps"]
    try:
        deleted = forget_workspace(deps.engine, team_id)
    except ValueError:  # not a Slack workspace (the local or demo one): nothing of Slack's to delete
        log.warning("app_uninstalled named workspace %r, which is not a Slack workspace: nothing deleted", team_id)
        return
    total = sum(deleted.values())
    log.warning("workspace %s uninstalled salesbot: %d rows deleted (%s)", team_id, total,
                ", ".join(f"{table} {n}" for table, n in sorted(deleted.items())) or "there was nothing left")


def register(app: Any) -> None:
    app.event("tokens_revoked")(on_tokens_revoked)
    app.event("app_uninstalled")(on_app_uninstalled)
