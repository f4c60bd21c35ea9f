"""One listener for messages in the bot's DM, routing each to the feature that wants it.

Bolt runs only the first listener that matches an event, so features (file imports, check-in answers)
do not each register `message`; they add a route here with a priority. A route returns True when it
handled the message. Anything nobody wants gets a short pointer to help.
"""

from collections.abc import Callable
from typing import Any

from reports.i18n import add_messages, msg, t

Route = Callable[[dict[str, Any], Any, Any], bool]  # (event, context, client) -> handled?
_ROUTES: list[tuple[int, str, Route]] = []

add_messages(
    msg("dm.fallback", "Hi! I answer slash commands: try `/kpi` or `/salesbot help`."),
    msg("mention.help", "Hi <@{user}>! Try `/kpi revenue this month` or `/salesbot help`."),
)


def add_route(name: str, route: Route, *, priority: int = 50) -> None:
    """Register a DM route (lower priority runs first); registering the same name again replaces it."""
    _ROUTES[:] = [r for r in _ROUTES if r[1] != name]
    _ROUTES.append((priority, name, route))
    _ROUTES.sort(key=lambda r: r[0])


_IGNORED_SUBTYPES = {"message_changed", "message_deleted", "bot_message", "channel_join", "message_replied"}


def on_direct_message(event: dict[str, Any], context: Any, client: Any) -> None:
    if event.get("channel_type") != "im" or event.get("bot_id") or event.get("subtype") in _IGNORED_SUBTYPES:
        return
    for _priority, _name, route in _ROUTES:
        if route(event, context, client):
            return
    asker = context.get("asker")
    if asker is not None and event.get("text"):
        client.chat_postMessage(channel=event["channel"], text=t("dm.fallback", asker.language))


def on_mention(event: dict[str, Any], context: Any, client: Any) -> None:
    asker = context["asker"]
    client.chat_postMessage(channel=event["channel"], thread_ts=event.get("ts"),
                            text=t("mention.help", asker.language, user=asker.user_id))


def register(app: Any) -> None:
    app.event("message")(on_direct_message)
    app.event("app_mention")(on_mention)
