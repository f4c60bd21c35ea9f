"""The App Home tab: the user's own headline numbers this month, and for managers the leaderboard.

It reuses the `/kpi` answers (the one KPI engine and its renderers), so the Home tab always agrees with `/kpi`.
"""

import logging
from typing import Any

from handlers import crm
from handlers.blocks import context as context_block
from handlers.blocks import divider, header
from handlers.checklist import checklist_blocks, status_of
from handlers.context import asker_of, deps_of
from handlers.delivery_client import call_once
from handlers.help_text import help_blocks
from handlers.kpi import build_answer, local_today
from reports.i18n import add_messages, msg, t

log = logging.getLogger("salesbot.home")

add_messages(
    msg("home.title", "Your numbers"),
    msg("home.team", "Team leaderboard"),
    msg("home.updated", "Updated when you open this tab · `/kpi` for any other figure"),
)


def _without_buttons(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Home has no channel to share into: drop "Share in channel" buttons."""
    out = []
    for block in blocks:
        if block.get("type") == "actions":
            continue
        if block.get("accessory", {}).get("type") == "button":
            block = {k: v for k, v in block.items() if k != "accessory"}
        out.append(block)
    return out


def home_blocks(asker: Any, deps: Any) -> list[dict[str, Any]]:
    lang = asker.language
    status = status_of(deps, asker.team_id)
    connected = crm.home_blocks(asker, deps)
    if not status.has_data:  # day one: the checklist instead of a page of zeros
        crm_part = [divider(), *connected] if connected else []
        return [*checklist_blocks(status, lang, no_data_note=True), *crm_part, divider(), *help_blocks(lang)[1:]][:100]
    today = local_today(asker.timezone)
    blocks = [header(t("home.title", lang))]
    blocks += _without_buttons(build_answer("", today=today, asker=asker, deps=deps, share=False).message["blocks"])
    if asker.is_manager or deps.open_leaderboard:
        board = build_answer("排行榜 本月" if lang == "zh" else "leaderboard this month", today=today, asker=asker,
                             deps=deps, share=False)
        blocks += [divider(), header(t("home.team", lang)), *_without_buttons(board.message["blocks"])]
    if connected:
        blocks += [divider(), *connected]
    blocks += [divider(), *help_blocks(lang)[1:], context_block(t("home.updated", lang))]
    return blocks[:100]


def on_home_opened(event: dict[str, Any], client: Any, context: Any) -> None:
    if event.get("tab") not in (None, "home"):
        return
    asker = asker_of(context)
    view = {"type": "home", "blocks": home_blocks(asker, deps_of(context))}
    # Publishing replaces the whole tab, so a retry (429, 5xx, a dropped connection) shows the same page once;
    # when Slack does not answer at all the tab keeps its last page until it is opened again. Never a traceback.
    call_once(f"the Home tab of {asker.user_id}", lambda: client.views_publish(user_id=asker.user_id, view=view))


def register(app: Any) -> None:
    app.event("app_home_opened")(on_home_opened)
