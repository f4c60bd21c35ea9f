"""Which workspace a command-line run (import, tick, console, serve's scheduler) works on.

1. `--team T…` when given;
2. else, with SLACK_BOT_TOKEN set, the workspace Slack's `auth.test` names (it adopts the local workspace
   if it has no row yet, exactly as its first request would);
3. else the only workspace in the database that is not the demo, or the local workspace TLOCAL when there
   is none; several: refused, listing them (AmbiguousWorkspace).
The demo workspace TDEMO0001 is never chosen without `--team`.
"""

from dataclasses import dataclass

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.engine import Engine

from bot.settings import Settings
from bot.slack_client import make_client
from db.workspaces import Adoption, AmbiguousWorkspace, adopt_local_workspace, default_team


@dataclass(frozen=True)
class SlackIdentity:
    """What `auth.test` says about the bot token: its workspace and the bot's own user."""

    team_id: str
    team_name: str
    bot_user_id: str


def identity_of(client: WebClient) -> SlackIdentity:
    """Ask Slack which workspace the client's token belongs to; SystemExit with the reason when it will not say."""
    try:
        answer = client.auth_test()
    except SlackApiError as exc:
        raise SystemExit(f"Slack refused SLACK_BOT_TOKEN (auth.test: {exc.response.get('error')}); fix the token, "
                         "or pass --team T… to work on a workspace without asking Slack.") from None
    except OSError as exc:
        raise SystemExit(f"could not reach Slack at {client.base_url} to ask which workspace SLACK_BOT_TOKEN "
                         f"belongs to ({exc}); pass --team T… to work without Slack.") from None
    return SlackIdentity(team_id=str(answer["team_id"]), team_name=str(answer.get("team") or ""),
                         bot_user_id=str(answer.get("user_id") or ""))


def slack_identity(settings: Settings) -> SlackIdentity | None:
    """`auth.test` through SLACK_API_URL when a bot token is set; None without one."""
    if settings.slack_bot_token is None:
        return None
    return identity_of(make_client(settings.slack_bot_token.get_secret_value(), settings.slack_api_url))


def adoption_line(adoption: Adoption) -> str:
    """What the operator reads when a command's workspace took over the local workspace's rows."""
    return (f"workspace {adoption.team_id} adopted the local workspace's data: {adoption.count('deal')} deals, "
            f"{adoption.count('member')} people")


def cli_team(settings: Settings, engine: Engine, explicit: str | None) -> str:
    """The workspace a command works on (rules in the module docstring); SystemExit listing them when ambiguous."""
    if explicit:
        return explicit
    identity = slack_identity(settings)
    if identity is not None:
        adoption = adopt_local_workspace(engine, identity.team_id, name=identity.team_name)
        if adoption is not None:
            print(adoption_line(adoption), flush=True)
        return identity.team_id
    try:
        with engine.connect() as conn:
            return default_team(conn)
    except AmbiguousWorkspace as exc:
        raise SystemExit(str(exc)) from None
