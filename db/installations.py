"""Slack installations of the many-workspaces mode, and the install flow's one-time states.

A workspace that installs the app through "Add to Slack" gets one `slackinstallation` row: its bot token sealed
with SALESBOT_SECRET_KEY (db/crm/secrets.py; never stored plain, never logged), the bot's ids and scopes, and
who installed it. Installing makes the workspace row too (adopting the local workspace's data when it is the
first workspace, exactly as a first request would), so the scheduler and the directory refresh know it at once.
A state of the flow is stored as its SHA-256, used once, and lives `max_age`.

Slack-free: bot/installation_store.py adapts this to slack_sdk's InstallationStore / OAuthStateStore.
"""

import hashlib
import secrets as token_bytes
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete as sql_delete
from sqlalchemy import select, update
from sqlalchemy.engine import Engine
from sqlmodel import Session

from db import clock
from db.crm.secrets import Credentials, seal, unseal
from db.members import ensure_member
from db.models import SlackInstallation, SlackOAuthState
from db.workspaces import Adoption, WorkspaceDefaults, adopt_local_workspace, create_workspace, has_manager

TABLE = SlackInstallation.__table__
STATES = SlackOAuthState.__table__


@dataclass(frozen=True)
class Installed:
    """One workspace's installation as the app uses it: ids, scopes and the unsealed credentials."""

    team_id: str
    enterprise_id: str | None
    team_name: str
    app_id: str | None
    bot_id: str | None
    bot_user_id: str | None
    bot_scopes: str
    installer_user_id: str | None
    credentials: Credentials
    token_expires_at: datetime | None
    installed_at: datetime

    @property
    def bot_token(self) -> str | None:
        return self.credentials.get("bot_token")

    def __repr__(self) -> str:  # the credentials' own repr hides them; say so plainly
        return f"Installed(team_id={self.team_id!r}, bot_user_id={self.bot_user_id!r}, credentials=hidden)"


def _installed(row: Any) -> Installed:
    values = dict(row._mapping)
    return Installed(
        team_id=values["team_id"], enterprise_id=values["enterprise_id"], team_name=values["team_name"],
        app_id=values["app_id"], bot_id=values["bot_id"], bot_user_id=values["bot_user_id"],
        bot_scopes=values["bot_scopes"], installer_user_id=values["installer_user_id"],
        credentials=unseal(values["secret"]), token_expires_at=values["token_expires_at"],
        installed_at=values["installed_at"],
    )


def save(engine: Engine, *, team_id: str, credentials: dict[str, Any], defaults: WorkspaceDefaults,
         team_name: str = "", enterprise_id: str | None = None, app_id: str | None = None, bot_id: str | None = None,
         bot_user_id: str | None = None, bot_scopes: str = "", installer_user_id: str | None = None,
         token_expires_at: datetime | None = None) -> Adoption | None:
    """Store (or replace) the workspace's installation and make its workspace row; the adoption of the local
    workspace's data when this install took it over. MissingKey without SALESBOT_SECRET_KEY: nothing is stored."""
    values = {
        "enterprise_id": enterprise_id, "team_name": team_name[:200], "app_id": app_id, "bot_id": bot_id,
        "bot_user_id": bot_user_id, "bot_scopes": bot_scopes, "installer_user_id": installer_user_id,
        "secret": seal({k: v for k, v in credentials.items() if v}), "token_expires_at": token_expires_at,
        "installed_at": clock.now(),
    }
    adoption = adopt_local_workspace(engine, team_id, name=team_name)
    with engine.begin() as conn:
        if conn.execute(update(TABLE).where(TABLE.c.team_id == team_id).values(**values)).rowcount == 0:
            conn.execute(TABLE.insert().values(team_id=team_id, **values))
        create_workspace(conn, team_id, defaults, name=team_name)
    if installer_user_id:
        _installer_leads_a_team_without_managers(engine, team_id, installer_user_id)
    return adoption


def _installer_leads_a_team_without_managers(engine: Engine, team_id: str, user_id: str) -> None:
    """Whoever added the app to a workspace that has no manager yet is its first manager: the install page tells
    them to bring the CRM export, which only a manager may, and an installer need not be a Slack admin (whom the
    directory would promote). Once the workspace has a manager, an install promotes nobody."""
    with Session(engine) as session:
        if not has_manager(session, team_id):
            ensure_member(session, team_id=team_id, user_id=user_id, role="manager")
            session.commit()


def find(engine: Engine, team_id: str) -> Installed | None:
    with engine.connect() as conn:
        row = conn.execute(select(TABLE).where(TABLE.c.team_id == team_id)).first()
    return _installed(row) if row else None


def every(engine: Engine) -> list[Installed]:
    """Every installed workspace, oldest install first (the scheduler sends for these)."""
    with engine.connect() as conn:
        rows = conn.execute(select(TABLE).order_by(TABLE.c.installed_at, TABLE.c.team_id)).all()
    return [_installed(r) for r in rows]


def delete(engine: Engine, team_id: str) -> int:
    """Forget the workspace's installation (its tokens with it); 0 when there was none (idempotent)."""
    with engine.begin() as conn:
        return int(conn.execute(sql_delete(TABLE).where(TABLE.c.team_id == team_id)).rowcount or 0)


def _hash(state: str) -> str:
    return hashlib.sha256(state.encode()).hexdigest()


def issue_state(engine: Engine, *, max_age: timedelta) -> str:
    """A fresh state for one install; states past `max_age` are cleared on the way."""
    state = token_bytes.token_urlsafe(24)
    now = clock.now()
    with engine.begin() as conn:
        conn.execute(sql_delete(STATES).where(STATES.c.created_at < now - max_age))
        conn.execute(STATES.insert().values(state_hash=_hash(state), created_at=now))
    return state


def consume_state(engine: Engine, state: str, *, max_age: timedelta) -> bool:
    """Whether `state` was issued here less than `max_age` ago and not used yet; it is used up either way.

    One conditional DELETE: of two redirects carrying the same state (a replay, two instances), one wins."""
    if not state:
        return False
    with engine.begin() as conn:
        fresh = conn.execute(sql_delete(STATES).where(STATES.c.state_hash == _hash(state),
                                                  STATES.c.created_at >= clock.now() - max_age)).rowcount
        conn.execute(sql_delete(STATES).where(STATES.c.state_hash == _hash(state)))  # an expired one goes too
    return bool(fresh)
