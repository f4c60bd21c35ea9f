"""The Slack app manifest: every slash command, bot scope, event and interactivity, for one-step app creation.

`salesbot manifest [--url https://host]` prints it; `manifest.json` in the repo is the same document with a
placeholder URL (a test keeps the two in step).
"""

import json
from typing import Any

PLACEHOLDER_URL = "https://salesbot.example.com"

SLASH_COMMANDS = [
    ("/kpi", "KPIs for you, a rep or the team over any period", "revenue last quarter"),
    ("/target", "Set, list and delete sales targets", "set revenue 100000 this quarter @alice"),
    ("/digest", "Subscribe a channel to performance digests", "subscribe #sales weekly on monday at 09:00"),
    ("/checkin", "One-on-one check-ins by DM", "schedule @alice weekly on friday at 16:00"),
    ("/feedback", "Log or summarise customer feedback", "Cancity 2 delivery was late"),
    ("/market", "Loss reasons, competitors and demand that moved", "last quarter"),
    ("/followup", "CRM follow-up reminders: on/off, days, your list", "on at 08:30"),
    ("/training", "Log trainings, see the plan and whether one helped", "plan"),
    ("/review", "Monthly and quarterly review and reflection, with a PDF", "Q4"),
    ("/incentive", "Commission plans, earnings statements, appraisal and shout-outs", "last month"),
    ("/ask", "Ask another team's channel, tracked with a due date", '#presales "demo for Cancity by Friday"'),
    ("/salesbot", "Help, linking CRM owners, roles, imports", "help"),
]

BOT_SCOPES = [
    "chat:write", "chat:write.public", "commands", "im:history", "im:read", "im:write", "files:read",
    "files:write", "users:read", "users:read.email", "channels:read", "groups:read", "app_mentions:read",
    "channels:history", "groups:history",  # read back a post whose answer was lost (exactly once)
]

# Message shortcuts (the "…" menu of any message): callback id -> name, description.
MESSAGE_SHORTCUTS = [
    ("log_feedback", "Log as customer feedback", "Open the feedback form with this message's words and link"),
]

BOT_EVENTS = ["message.im", "app_home_opened", "app_mention", "file_shared", "team_join", "user_change",
              "tokens_revoked", "app_uninstalled"]  # the last two: what belongs to the workspace is deleted


def build_manifest(url: str = PLACEHOLDER_URL, *, socket_mode: bool = False, oauth: bool = False) -> dict[str, Any]:
    """`oauth`: the many-workspaces variant, with Slack's redirect URL `{url}/slack/oauth_redirect` (the install
    flow of `salesbot serve`, so never with Socket Mode)."""
    if oauth and socket_mode:
        raise ValueError("many workspaces install through `salesbot serve`'s HTTP pages: no Socket Mode manifest")
    events_url = url.rstrip("/") + "/slack/events"
    commands = []
    for name, description, hint in SLASH_COMMANDS:
        command: dict[str, Any] = {"command": name, "description": description, "usage_hint": hint,
                                   "should_escape": True}
        if not socket_mode:
            command["url"] = events_url
        commands.append(command)
    settings: dict[str, Any] = {
        "event_subscriptions": {"bot_events": BOT_EVENTS},
        "interactivity": {"is_enabled": True},
        "org_deploy_enabled": False,
        "socket_mode_enabled": socket_mode,
        "token_rotation_enabled": False,
    }
    if not socket_mode:
        settings["event_subscriptions"]["request_url"] = events_url
        settings["interactivity"]["request_url"] = events_url
        settings["interactivity"]["message_menu_options_url"] = events_url
    return {
        "display_information": {
            "name": "salesbot",
            "description": "KPIs, digests, one-on-one check-ins and customer feedback for sales managers.",
            "background_color": "#1d3557",
        },
        "features": {
            "app_home": {"home_tab_enabled": True, "messages_tab_enabled": True,
                         "messages_tab_read_only_enabled": False},
            "bot_user": {"display_name": "salesbot", "always_online": True},
            "slash_commands": commands,
            "shortcuts": [
                {"name": name, "type": "message", "callback_id": callback_id, "description": description}
                for callback_id, name, description in MESSAGE_SHORTCUTS
            ],
        },
        "oauth_config": {"scopes": {"bot": BOT_SCOPES},
                         **({"redirect_urls": [url.rstrip("/") + "/slack/oauth_redirect"]} if oauth else {})},
        "settings": settings,
    }


def manifest_json(url: str = PLACEHOLDER_URL, *, socket_mode: bool = False, oauth: bool = False) -> str:
    return json.dumps(build_manifest(url, socket_mode=socket_mode, oauth=oauth), indent=2, ensure_ascii=False) + "\n"
