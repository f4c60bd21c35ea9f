"""Many-workspaces mode: slack_sdk's InstallationStore and OAuthStateStore on salesbot's database, the authorize
step that reads them, and the Web API client of each installed workspace.

The "Add to Slack" flow itself is Bolt's (`OAuthFlow`: GET /slack/install sets the state in a cookie and the
link, GET /slack/oauth_redirect checks both, calls `oauth.v2.access` through SLACK_API_URL, saves here). What is
salesbot's: where it is saved (db/installations.py: bot tokens sealed with SALESBOT_SECRET_KEY, one-time states
kept as hashes), and that a request is authorised from the stored row alone — Bolt's own InstallationStoreAuthorize
calls `auth.test` before every request's ack, which would put a Slack round trip in front of every ack.
"""

import logging
import threading
from datetime import UTC, datetime, timedelta
from typing import Any

from slack_bolt.authorization import AuthorizeResult
from slack_bolt.authorization.authorize import Authorize
from slack_sdk import WebClient
from slack_sdk.oauth.installation_store import Bot, Installation, InstallationStore
from slack_sdk.oauth.state_store import OAuthStateStore
from sqlalchemy.engine import Engine

from db import installations
from db.workspaces import WorkspaceDefaults

log = logging.getLogger("salesbot.install")
STATE_SECONDS = 600  # an install started must finish within 10 minutes (Bolt's cookie lives as long)


def _expires_at(epoch: int | None) -> datetime | None:
    return datetime.fromtimestamp(epoch, UTC) if epoch else None


class DatabaseInstallationStore(InstallationStore):
    """Installations in `slackinstallation`, one per workspace (a re-install replaces it). Org-wide installs
    are not offered (the manifest says `org_deploy_enabled: false`); one without a workspace is refused."""

    def __init__(self, engine: Engine, defaults: WorkspaceDefaults) -> None:
        self.engine, self.defaults = engine, defaults

    @property
    def logger(self) -> logging.Logger:
        return log

    def save(self, installation: Installation) -> None:
        if not installation.team_id or not installation.bot_token:
            raise ValueError("an installation without a workspace or a bot token cannot be stored")
        adoption = installations.save(
            self.engine, team_id=installation.team_id, team_name=installation.team_name or "",
            enterprise_id=installation.enterprise_id, app_id=installation.app_id, bot_id=installation.bot_id,
            bot_user_id=installation.bot_user_id, bot_scopes=",".join(installation.bot_scopes or []),
            installer_user_id=installation.user_id, defaults=self.defaults,
            token_expires_at=_expires_at(installation.bot_token_expires_at),
            credentials={"bot_token": installation.bot_token, "bot_refresh_token": installation.bot_refresh_token,
                         "user_token": installation.user_token, "user_refresh_token": installation.user_refresh_token},
        )
        log.info("workspace %s (%s) installed salesbot%s", installation.team_id, installation.team_name,
                 "; it adopted the local workspace's data" if adoption else "")

    def save_bot(self, bot: Bot) -> None:  # Bolt calls save(), which stores the bot with the installation
        raise NotImplementedError("salesbot stores bots through save(installation)")

    def find_bot(self, *, enterprise_id: str | None, team_id: str | None,
                 is_enterprise_install: bool | None = False) -> Bot | None:
        found = installations.find(self.engine, team_id) if team_id else None
        if found is None or not found.bot_token:
            return None
        return Bot(app_id=found.app_id, enterprise_id=found.enterprise_id, team_id=found.team_id,
                   team_name=found.team_name, bot_token=found.bot_token, bot_id=found.bot_id or "",
                   bot_user_id=found.bot_user_id or "", bot_scopes=found.bot_scopes,
                   bot_refresh_token=found.credentials.get("bot_refresh_token"),
                   bot_token_expires_at=int(found.token_expires_at.timestamp()) if found.token_expires_at else None,
                   installed_at=found.installed_at.timestamp())

    def find_installation(self, *, enterprise_id: str | None, team_id: str | None, user_id: str | None = None,
                          is_enterprise_install: bool | None = False) -> Installation | None:
        found = installations.find(self.engine, team_id) if team_id else None
        if found is None or (user_id is not None and user_id != found.installer_user_id):
            return None
        return Installation(app_id=found.app_id, enterprise_id=found.enterprise_id, team_id=found.team_id,
                            team_name=found.team_name, bot_token=found.bot_token, bot_id=found.bot_id,
                            bot_user_id=found.bot_user_id, bot_scopes=found.bot_scopes,
                            user_id=found.installer_user_id or "", user_token=found.credentials.get("user_token"),
                            installed_at=found.installed_at.timestamp())

    def delete_bot(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        if team_id:
            installations.delete(self.engine, team_id)

    def delete_installation(self, *, enterprise_id: str | None, team_id: str | None,
                            user_id: str | None = None) -> None:
        if team_id and user_id is None:
            installations.delete(self.engine, team_id)

    def delete_all(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        if team_id:
            installations.delete(self.engine, team_id)


class DatabaseStateStore(OAuthStateStore):
    """The flow's states in `slackoauthstate`: any instance behind the load balancer can check a state another
    issued; each works once and for STATE_SECONDS."""

    def __init__(self, engine: Engine, seconds: int = STATE_SECONDS) -> None:
        self.engine, self.max_age = engine, timedelta(seconds=seconds)

    @property
    def logger(self) -> logging.Logger:
        return log

    def issue(self, *args: Any, **kwargs: Any) -> str:
        return installations.issue_state(self.engine, max_age=self.max_age)

    def consume(self, state: str) -> bool:
        ok = installations.consume_state(self.engine, state, max_age=self.max_age)
        if not ok:
            log.warning("refused an install redirect: its state is unknown, used or expired")
        return ok


class StoredAuthorize(Authorize):
    """A request's workspace authorised from its stored installation, without asking Slack before the ack."""

    def __init__(self, store: DatabaseInstallationStore) -> None:
        self.store = store

    def __call__(self, *, context: Any, enterprise_id: str | None, team_id: str | None, user_id: str | None,
                 **_: Any) -> AuthorizeResult | None:
        bot = self.store.find_bot(enterprise_id=enterprise_id, team_id=team_id)
        if bot is None:
            log.warning("a request from workspace %s, which has no installation here, was refused", team_id)
            return None
        return AuthorizeResult(enterprise_id=bot.enterprise_id, team_id=bot.team_id, team=bot.team_name,
                               bot_user_id=bot.bot_user_id, bot_id=bot.bot_id, bot_token=bot.bot_token,
                               bot_scopes=bot.bot_scopes, user_id=user_id)


class InstalledClients:
    """The Web API client of every installed workspace, for what is sent without a request (the scheduler, the
    CRM consent page's DM): each workspace's messages go out with its own bot token, never another's.

    Read from the database on every call (a tick asks once), so an uninstall or re-install counts at once; the
    clients themselves are kept while their token stays the same."""

    def __init__(self, engine: Engine, base: WebClient, make: Any) -> None:
        self.engine, self.base, self.make = engine, base, make
        self._clients: dict[str, tuple[str, WebClient]] = {}
        self._lock = threading.Lock()

    def _client(self, team_id: str, token: str) -> WebClient:
        with self._lock:
            known = self._clients.get(team_id)
            if known is None or known[0] != token:
                known = (token, self.make(token))
                self._clients[team_id] = known
            return known[1]

    def all(self) -> dict[str, WebClient]:
        """team id -> client, for every workspace installed now."""
        return {i.team_id: self._client(i.team_id, i.bot_token) for i in installations.every(self.engine)
                if i.bot_token}

    def for_team(self, team_id: str) -> WebClient | None:
        found = installations.find(self.engine, team_id)
        return self._client(team_id, found.bot_token) if found and found.bot_token else None


def installed_clients(settings: Any, engine: Engine, base: WebClient) -> InstalledClients:
    """The workspaces' clients, each on SLACK_API_URL with the settings' timeout and retries."""
    from bot.slack_client import make_client

    return InstalledClients(engine, base, lambda bot_token: make_client(
        bot_token, settings.slack_api_url, timeout=settings.salesbot_slack_timeout))
