"""`/salesbot`: help, linking CRM owners to Slack users, roles, the list of unlinked owners, and the reporting
currency and exchange rates (handlers/money.py)."""

import re
import shlex
from typing import Any

from slack_bolt import Ack, Respond

from db.engine import session_scope
from db.members import link_crm_owner, set_role, unlinked_owners
from handlers import money
from handlers.blocks import section
from handlers.checklist import checklist_blocks, status_of
from handlers.context import asker_of, deps_of
from handlers.help_text import help_blocks
from handlers.replies import managers_only, not_understood
from reports import mrkdwn
from reports.i18n import add_catalog, t

add_catalog({
    "admin.linked": {"en": "Linked CRM owner *{name}* to <@{user}>. Their deals now count as theirs.",
                     "zh": "已将 CRM 负责人 *{name}* 关联到 <@{user}>，其商机已归入该用户。"},
    "admin.role_set": {"en": "<@{user}> is now a *{role}*.", "zh": "<@{user}> 现在是*{role}*。"},
    "admin.unlinked_none": {"en": "Every CRM owner is linked to a Slack user.",
                            "zh": "所有 CRM 负责人都已关联 Slack 用户。"},
    "admin.unlinked": {"en": "CRM owners not linked yet ({count}):\n{names}\nLink one with "
                             '`/salesbot link "CRM name" @user`.',
                       "zh": "尚未关联的 CRM 负责人（{count}）：\n{names}\n关联方式："
                             '`/salesbot link "CRM 名称" @用户`。'},
    "admin.import_hint": {"en": "To import a CRM export, drop the CSV or XLSX file into a direct message with me. "
                                "From a shell: `salesbot import deals FILE`.",
                          "zh": "导入 CRM 导出文件：在与我的私信中发送 CSV 或 XLSX 文件；"
                                "命令行：`salesbot import deals FILE`。"},
    "admin.what_link": {"en": "link CRM owners", "zh": "关联 CRM 负责人"},
    "admin.what_role": {"en": "change roles", "zh": "修改角色"},
})

_USER = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")
EXAMPLES = ["/salesbot help", '/salesbot link "Darcel Schlecht" @darcel', "/salesbot role @maria manager"]


def salesbot_command(ack: Ack, command: dict[str, Any], respond: Respond, context: Any) -> None:
    """Everything `/salesbot` does is quick, so it answers in the ack itself."""
    asker, deps = asker_of(context), deps_of(context)
    lang = asker.language
    text = (command.get("text") or "").strip()
    words = _split(text)
    verb = words[0].lower() if words else "help"
    if verb in ("help", "帮助", "?"):
        status = status_of(deps, asker.team_id)
        steps = [] if status.complete else checklist_blocks(status, lang)  # until every step is done
        ack(blocks=[*steps, *help_blocks(lang)], text=t("help.title", lang))
        return
    if verb in ("link", "关联") and len(words) >= 3 and _USER.fullmatch(words[-1]):
        if not asker.is_manager:
            ack(blocks=managers_only(t("admin.what_link", lang), lang))
            return
        name = " ".join(words[1:-1])
        user = _USER.fullmatch(words[-1]).group(1)  # type: ignore[union-attr]
        with session_scope(deps.engine) as session:
            link_crm_owner(session, team_id=asker.team_id, crm_name=name, user_id=user)
        ack(text=t("admin.linked", lang, name=mrkdwn.escape(mrkdwn.capped(name)), user=user))
        return
    if verb in ("role", "角色") and len(words) == 3 and _USER.fullmatch(words[1]) and words[2] in ("manager", "rep"):
        if not asker.is_manager:
            ack(blocks=managers_only(t("admin.what_role", lang), lang))
            return
        user = _USER.fullmatch(words[1]).group(1)  # type: ignore[union-attr]
        with session_scope(deps.engine) as session:
            set_role(session, team_id=asker.team_id, user_id=user, role=words[2])
        ack(text=t("admin.role_set", lang, user=user, role=words[2]))
        return
    if verb in ("unlinked", "未关联"):
        with session_scope(deps.engine) as session:
            names = [m.crm_name or "?" for m in unlinked_owners(session, asker.team_id)]
        if not names:
            ack(text=t("admin.unlinked_none", lang))
        else:
            ack(blocks=[section(t("admin.unlinked", lang, count=len(names),
                                  names="\n".join(f"• {mrkdwn.escape(n)}" for n in names[:50])))])
        return
    if verb in ("import", "导入"):
        ack(text=t("admin.import_hint", lang))
        return
    reply = money.answer(words, asker=asker, deps=deps)
    if reply is not None:
        ack(**reply)
        return
    understood = [verb] if verb in ("link", "role", "关联", "角色") else []
    ack(blocks=not_understood(understood=understood, rest=text if not understood else " ".join(words[1:]),
                              examples=EXAMPLES, language=lang))


def _split(text: str) -> list[str]:
    try:
        return shlex.split(text.replace("“", '"').replace("”", '"'))
    except ValueError:
        return text.split()


def register(app: Any) -> None:
    app.command("/salesbot")(salesbot_command)
