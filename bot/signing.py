"""Build Slack requests signed exactly as Slack signs them (the console and the tests send these)."""

import json
import time
from typing import Any
from urllib.parse import urlencode

from slack_sdk.signature import SignatureVerifier


def signed_headers(secret: str, body: str, *, timestamp: int | None = None, content_type: str) -> dict[str, str]:
    ts = str(timestamp if timestamp is not None else int(time.time()))
    signature = SignatureVerifier(secret).generate_signature(timestamp=ts, body=body)
    return {"content-type": content_type, "x-slack-request-timestamp": ts, "x-slack-signature": signature}


def slash_command_body(*, command: str, text: str, user_id: str, team_id: str, response_url: str,
                       channel_id: str = "C0GENERAL", trigger_id: str = "trigger.1",
                       channel_name: str = "general") -> str:
    return urlencode({
        "token": "verification-token-unused", "team_id": team_id, "team_domain": "local", "channel_id": channel_id,
        "channel_name": channel_name, "user_id": user_id, "user_name": user_id.lower(), "command": command,
        "text": text, "api_app_id": "A0SALESBOT", "response_url": response_url, "trigger_id": trigger_id,
    })


def event_body(*, event: dict[str, Any], team_id: str, event_id: str, event_time: int | None = None) -> str:
    return json.dumps({
        "token": "verification-token-unused", "team_id": team_id, "api_app_id": "A0SALESBOT",
        "event": event, "type": "event_callback", "event_id": event_id,
        "event_time": event_time or int(time.time()),
        "authorizations": [{"team_id": team_id, "user_id": "UBOT", "is_bot": True}],
    })


def interaction_body(payload: dict[str, Any]) -> str:
    return urlencode({"payload": json.dumps(payload)})
