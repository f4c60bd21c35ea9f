"""`/salesbot`: help, linking CRM owners to Slack users, roles, the list of unlinked owners, the reporting
currency and exchange rates (handlers/money.py), and the live CRM connections (handlers/crm.py)."""

import shlex
from typing import Any

from slack_bolt import Ack, Respond

from db.engine import session_scope
from db.importers.report import link_line
from db.members import link_crm_owner, set_role, unlinked_owners
from handlers import crm, money
from handlers.blocks import section
from handlers.checklist import checklist_blocks, status_of
from handlers.context import asker_of, deps_of
from handlers.help_text import help_blocks
from handlers.people import prepare_people
from handlers.replies import managers_only, not_understood, person_unclear
from reports import mrkdwn
from reports.i18n import add_messages, msg, simplified, t
from reports.people import resolve_person

add_messages(
    msg("admin.linked", "Linked CRM owner *{name}* to {user}. Their deals now count as theirs."),
    msg("admin.role_set", "{user} is now a *{role}*."),
    msg("admin.role.manager", "manager"),
    msg("admin.role.rep", "rep"),
    msg("admin.unlinked_none", "Every CRM owner is linked to a Slack user."),
    msg(
        "admin.unlinked",
        "CRM owners not linked yet ({count}), each with the line that links it (put the person in place of "
        "@someone):\n{names}",
    ),
    msg(
        "admin.import_hint",
        "To import a CRM export, drop the CSV or XLSX file into a direct message with me. From a shell: "
        "`salesbot import deals FILE`.",
    ),
    msg("admin.what_link", "link CRM owners"),
    msg("admin.what_role", "change roles"),
)

EXAMPLES = ["/salesbot help", '/salesbot link "Darcel Schlecht" @darcel', "/salesbot role @maria manager",
            "/salesbot connect zoho", "/salesbot sync now"]
_LINK, _ROLE = ("link", "关联"), ("role", "角色")
_ROLES = {"manager": "manager", "rep": "rep", "经理": "manager", "销售": "rep"}


def salesbot_command(ack: Ack, command: dict[str, Any], respond: Respond, context: Any) -> None:
    """Quick verbs answer in the ack itself; `link` and `role` name people, so they are answered after it."""
    asker, deps = asker_of(context), deps_of(context)
    lang = asker.language
    text = (command.get("text") or "").strip()
    words = _split(text)
    verb = simplified(words[0]).lower() if words else "help"  # /salesbot 關聯 as 关联
    if verb in ("help", "帮助", "?"):
        status = status_of(deps, asker.team_id)
        steps = [] if status.complete else checklist_blocks(status, lang)  # until every step is done
        ack(blocks=[*steps, *help_blocks(lang)], text=t("help.title", lang))
        return
    if _people_verb(words):
        if not asker.is_manager:
            what = "admin.what_link" if verb in _LINK else "admin.what_role"
            ack(blocks=managers_only(t(what, lang), lang))
            return
        ack()  # salesbot_people answers
        return
    if verb in ("unlinked", "未关联"):
        with session_scope(deps.engine) as session:
            names = [m.crm_name or "?" for m in unlinked_owners(session, asker.team_id)]
        if not names:
            ack(text=t("admin.unlinked_none", lang))
        else:
            lines = "\n".join(f"• {mrkdwn.escape(n)} — `{mrkdwn.escape(link_line(n))}`" for n in names[:50])
            ack(blocks=[section(t("admin.unlinked", lang, count=len(names), names=lines))])
        return
    if verb in ("import", "导入"):
        ack(text=t("admin.import_hint", lang))
        return
    reply = crm.answer([verb, *words[1:]], asker=asker, deps=deps) or money.answer(words, asker=asker, deps=deps)
    if reply is not None:
        ack(**reply)
        return
    understood = [verb] if verb in _LINK + _ROLE else []
    ack(blocks=not_understood(understood=understood, rest=text if not understood else " ".join(words[1:]),
                              examples=EXAMPLES, language=lang))


def _people_verb(words: list[str]) -> bool:
    """`link "CRM name" @someone` or `role @someone manager|rep`: the forms answered by `salesbot_people`."""
    verb = simplified(words[0]).lower() if words else ""
    if verb in _LINK:
        return len(words) >= 3
    return verb in _ROLE and len(words) == 3 and simplified(words[2]).lower() in _ROLES


def salesbot_people(command: dict[str, Any], respond: Respond, client: Any, context: Any) -> None:
    """`link` and `role` (managers; after the ack): the person is found by the one resolver, any name form."""
    asker, deps = asker_of(context), deps_of(context)
    lang = asker.language
    text = (command.get("text") or "").strip()
    words = _split(text)
    if not _people_verb(words) or not asker.is_manager:
        return
    linking = simplified(words[0]).lower() in _LINK
    ref = words[-1] if linking else words[1]
    prepare_people(client, deps, asker.team_id, ref if ref.startswith(("@", "<@")) else "@" + ref)
    with session_scope(deps.engine) as session:
        match = resolve_person(session, asker.team_id, ref)
        if not match.found:
            name = " ".join(words[1:-1])
            example = f'/salesbot link "{name}" {{who}}' if linking else f"/salesbot role {{who}} {words[2]}"
            blocks = person_unclear(match, language=lang, example=example)
            respond(blocks=blocks, text=blocks[0]["text"]["text"])
            return
        if linking:
            name = " ".join(words[1:-1])
            member = link_crm_owner(session, team_id=asker.team_id, crm_name=name, member_id=match.member_id)
            reply = t("admin.linked", lang, name=mrkdwn.escape(mrkdwn.capped(member.crm_name or name)),
                      user=_mention(member))
        else:
            role = _ROLES[simplified(words[2]).lower()]
            member = set_role(session, team_id=asker.team_id, member_id=match.member_id, role=role)
            reply = t("admin.role_set", lang, user=_mention(member), role=t(f"admin.role.{role}", lang))
    respond(text=reply, response_type="ephemeral")


def _mention(member: Any) -> str:
    return f"<@{member.slack_user_id}>" if member.slack_user_id else mrkdwn.escape(member.display_name)


SPLIT_LIMIT = 2_000  # no /salesbot verb is longer; shlex (pure Python) took ~2.5 s on 100k characters pre-ack


def _split(text: str) -> list[str]:
    """Words of the command, quotes honoured (`link "CRM name" @x`); a text too long for any verb is only
    split on spaces (its answer is "not understood" either way)."""
    if len(text) > SPLIT_LIMIT:
        return text.split()
    try:
        return shlex.split(text.replace("“", '"').replace("”", '"'))
    except ValueError:
        return text.split()


def register(app: Any) -> None:
    app.command("/salesbot")(ack=salesbot_command, lazy=[salesbot_people, crm.sync_now])
