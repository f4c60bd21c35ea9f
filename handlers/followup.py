"""`/followup` and the morning DM: CRM follow-up reminders, one per rep per day at their local time.

`/followup` (status and your own list), `/followup on [at 08:30]`, `off`, `days N`, `at HH:MM` (managers),
`/followup preview [@rep]`; Chinese: `开启`, `关闭`, `天数 N`, `时间 08:30`, `预览`. Domain: reports/followups.py,
setting: db/followups.py. `FollowupSource` is a scheduler job source: each rep's latest local send time is one
occurrence in the delivery ledger (member id, occurrence, Slack id), so a DM goes at most once a day across
restarts and instances; it is sent only when the rep has something to follow up.
"""

import logging
import re
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from slack_bolt import Ack, Respond
from sqlalchemy import select
from sqlmodel import Session

from db import clock, deliveries
from db.engine import session_scope
from db.followups import MAX_DAYS, change_setting, enabled_settings, setting_of
from db.models import Deal, Member, Workspace
from handlers.blocks import context, message, section
from handlers.context import Asker, Deps, asker_of, deps_of
from handlers.jobs import DueDelivery
from handlers.replies import managers_only, not_understood_reply, person_unclear
from reports import mrkdwn
from reports.followups import followups_for, reminder_lines
from reports.i18n import Texts, add_messages, language_for, msg, simplified, t
from reports.people import resolve_person
from reports.recurrence import Recurrence, latest_at_or_before, parse_time_of_day

log = logging.getLogger("salesbot.followup")

add_messages(
    msg("followup.help_title", "/followup — CRM follow-up reminders"),
    msg("followup.help", "When on, each rep gets one DM per morning at their local time listing their open deals past "
        "the expected close date, with a next step due, or not moved for N days — only when there is something to "
        "say.\n`/followup` shows the setting and your list; managers: `/followup on [at 08:30]`, `/followup off`, "
        "`/followup days 10`, `/followup at 08:30`, `/followup preview @rep`."),
    msg("followup.status_on", "Follow-up reminders are *on*: every morning at {at} (each rep's time zone), deals past "
        "their expected close date, with a next step due, or not moved for {days} days."),
    msg("followup.status_off", "Follow-up reminders are *off*. A manager turns them on with `/followup on` (not moved "
        "for {days} days, at {at})."),
    msg("followup.unreachable", "I could not send {rep} their follow-up reminder ({reason}): their Slack account may "
        "be deactivated or their DMs with me closed. I will keep trying each morning; you hear of it once a month."),
    msg("followup.what", "change the follow-up reminders"),
    msg("followup.what_preview", "see another rep's follow-ups"),
    msg("followup.bad_days", "Days must be a whole number from 1 to {max}, e.g. `/followup days 14`."),
    msg("followup.preview_of", "_Preview for {who}: this is what their DM would say today._"),
)

EXAMPLES = Texts(  # a command's examples, in the reader's language: EXAMPLES[language]
    msg("followup.example.1", "/followup on at 08:30"),
    msg("followup.example.2", "/followup days 10"),
    msg("followup.example.3", "/followup preview"),
)
HELP_WORDS = {"help", "帮助", "?", "？"}
_AT = re.compile(r"(?:^|\s)(?:at|时间)\s*(\d{1,2}:\d{2})(?:\s|$)", re.IGNORECASE)
_DAYS = re.compile(r"^(?:days|天数)\s*(\S+)$|^(\S+)\s*(?:days?|天)$", re.IGNORECASE)
_ON = {"on", "开启", "打开"}
_OFF = {"off", "关闭"}
_STATUS = {"", "status", "状态"}
_PREVIEW = re.compile(r"^(?:preview|预览)\s*(.*)$", re.IGNORECASE)


def help_message(language: str) -> dict[str, Any]:
    blocks = [section(f"*{t('followup.help_title', language)}*"), section(t("followup.help", language)),
              context(" · ".join(f"`{e}`" for e in EXAMPLES[language]))]
    return message(t("followup.help_title", language), blocks)


def ack_followup(ack: Ack, body: dict[str, Any], context: Any) -> None:
    if simplified(body.get("text") or "").strip().lower() in HELP_WORDS:
        ack(**help_message(asker_of(context).language))
        return
    ack()


def answer_followup(body: dict[str, Any], respond: Respond, context: Any) -> None:
    text = " ".join(simplified(body.get("text") or "").split())  # /followup 開啟 as 开启
    if text.lower() in HELP_WORDS:
        return
    asker, deps = asker_of(context), deps_of(context)
    try:
        reply = handle(text, asker=asker, deps=deps)
    except Exception:
        log.exception("followup command failed: %r", text)
        reply = {"text": t("kpi.failed", asker.language)}
    respond(**{"response_type": "ephemeral", **reply})


def handle(text: str, *, asker: Asker, deps: Deps) -> dict[str, Any]:
    lang = asker.language
    lowered = text.lower()
    at = _AT.search(text)
    rest = _AT.sub(" ", text).strip().lower() if at else lowered
    days = _DAYS.match(rest)
    preview = _PREVIEW.match(text)
    if rest in _STATUS and not at:
        return _status(asker, deps, preview_member=asker.member_id)
    if preview:
        return _preview(preview.group(1).strip(), asker, deps)
    if not (rest in _ON or rest in _OFF or days or (at and rest in _STATUS)):
        return not_understood_reply(understood=[], rest=text, examples=EXAMPLES[lang], language=lang)
    if not asker.is_manager:
        blocks = managers_only(t("followup.what", lang), lang)
        return message(blocks[0]["text"]["text"], blocks)
    change: dict[str, Any] = {}
    if rest in _ON or rest in _OFF:
        change["enabled"] = rest in _ON
    if days:
        raw = days.group(1) or days.group(2)
        if not raw.isdigit() or not 1 <= int(raw) <= MAX_DAYS:
            return {"text": t("followup.bad_days", lang, max=MAX_DAYS)}
        change["stale_days"] = int(raw)
    if at:
        try:
            moment = parse_time_of_day(at.group(1))
        except ValueError:
            return not_understood_reply(understood=[], rest=at.group(1), examples=EXAMPLES[lang], language=lang)
        change["time_of_day"] = moment.strftime("%H:%M")
    with session_scope(deps.engine) as session:
        change_setting(session, asker.team_id, by=asker.user_id, **change)
    return _status(asker, deps, preview_member=None)


def _status(asker: Asker, deps: Deps, *, preview_member: int | None) -> dict[str, Any]:
    lang = asker.language
    with session_scope(deps.engine) as session:
        setting = setting_of(session, asker.team_id)
        key = "followup.status_on" if setting.enabled else "followup.status_off"
        lines = [t(key, lang, at=setting.time_of_day, days=setting.stale_days)]
        if preview_member is not None:
            lines += _list_lines(session, asker.team_id, preview_member, asker.timezone, setting.stale_days, lang)
    return message(lines[0], [section("\n".join(lines))])


def _list_lines(session: Any, team_id: str, member_id: int, timezone: str, days: int, lang: str) -> list[str]:
    today = clock.today(timezone)
    items = followups_for(session, team_id, member_id, today, days)
    if not items:
        return [t("followup.nothing", lang, days=days)]
    return reminder_lines(items, today=today, stale_days=days, language=lang)


def _preview(who: str, asker: Asker, deps: Deps) -> dict[str, Any]:
    lang = asker.language
    if not who:
        return _status(asker, deps, preview_member=asker.member_id)
    if not asker.is_manager:
        blocks = managers_only(t("followup.what_preview", lang), lang)
        return message(blocks[0]["text"]["text"], blocks)
    with session_scope(deps.engine) as session:
        match = resolve_person(session, asker.team_id, who)  # the one resolver: <@U…>, @handle, @"Full Name", 张三
        member = session.get(Member, match.member_id) if match.found else None
        if member is None:
            blocks = person_unclear(match, language=lang, example="/followup preview {who}")
            return message(blocks[0]["text"]["text"], blocks)
        setting = setting_of(session, asker.team_id)
        zone = member.timezone or _workspace_zone(session, asker.team_id)
        lines = _list_lines(session, asker.team_id, int(member.id or 0), zone, setting.stale_days, lang)
    who_shown = f"<@{member.slack_user_id}>" if member.slack_user_id else mrkdwn.escape(member.display_name or "")
    head = t("followup.preview_of", lang, who=who_shown)
    return message(lines[0], [context(head), section("\n".join(lines))])


def _workspace_zone(session: Any, team_id: str) -> str:
    ws = session.get(Workspace, team_id)
    return ws.timezone if ws is not None else "UTC"


# ------------------------------------------------------------------------------------------ the morning DM


class FollowupSource:
    """Each rep with open deals, once per local day at the workspace's reminder time (the ledger keeps it once)."""

    kind = "followup"
    grace = timedelta(hours=4)  # a bot down all morning does not send yesterday's list in the evening

    def due(self, session: Session, now: datetime) -> list[DueDelivery]:
        items: list[DueDelivery] = []
        for setting in enabled_settings(session):
            zone = _workspace_zone(session, setting.team_id)
            reps = session.execute(
                select(Member.id, Member.slack_user_id, Member.timezone).where(
                    Member.team_id == setting.team_id, Member.active.is_(True),  # type: ignore[attr-defined]
                    Member.slack_user_id.is_not(None),  # type: ignore[union-attr]
                    Member.id.in_(select(Deal.owner_id).where(  # type: ignore[union-attr]
                        Deal.team_id == setting.team_id, Deal.status == "open").distinct()),
                )
            ).all()
            if not reps:
                continue
            done = deliveries.delivered_keys(session, kind=self.kind, schedule_ids=[int(r[0]) for r in reps],
                                             since=now - timedelta(days=2))
            turned_on = setting.updated_at if setting.updated_at.tzinfo else setting.updated_at.replace(tzinfo=UTC)
            at = parse_time_of_day(setting.time_of_day)
            for member_id, slack_id, tz in reps:
                occurrence = latest_at_or_before(Recurrence("daily", 0, at, tz or zone), now)
                if occurrence is None or occurrence < turned_on:
                    continue
                if (member_id, occurrence.astimezone(UTC).replace(tzinfo=None), slack_id) in done:
                    continue
                items.append(DueDelivery(setting.team_id, self.kind, int(member_id), occurrence, slack_id,
                                         {"timezone": tz or zone, "days": setting.stale_days}))
        return items

    def deliver(self, item: DueDelivery, client: Any, deps: Deps) -> None:
        """The rep's list as of their local day of the occurrence; nothing is sent when it is empty."""
        today = item.occurrence.astimezone(ZoneInfo(item.payload["timezone"])).date()
        with Session(deps.engine) as session:
            setting = setting_of(session, item.team_id)
            if not setting.enabled:
                return
            found = followups_for(session, item.team_id, item.schedule_id, today, setting.stale_days)
            member = session.get(Member, item.schedule_id)
            ws = session.get(Workspace, item.team_id)
            lang = language_for(locale=member.locale if member else None, default=ws.language if ws else "en")
        if not found:
            return
        lines = reminder_lines(found, today=today, stale_days=setting.stale_days, language=lang)
        dm = client.conversations_open(users=item.recipient)["channel"]["id"]
        client.chat_postMessage(channel=dm, text=lines[0].strip("*"), blocks=[section("\n".join(lines))])

    def on_failed(self, item: DueDelivery, reason: str, client: Any, deps: Deps) -> None:
        """A reminder that cannot reach a rep (deactivated, DMs closed): their manager (or, for a rep nobody
        manages, every manager) is told once a month — the ledger records the notice before it is sent, so the
        daily retries and a second instance stay quiet; tomorrow's reminder is tried again."""
        log.warning("follow-up reminder for %s failed for good: %s", item.recipient, reason)
        month = item.occurrence.astimezone(UTC).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
        notices = []
        with session_scope(deps.engine) as session:
            rep = session.get(Member, item.schedule_id)
            if rep is None:
                return
            managers = [m for m in (session.get(Member, rep.manager_id) if rep.manager_id else None,) if m]
            if not managers:
                managers = list(session.exec(select(Member).where(  # type: ignore[call-overload]
                    Member.team_id == item.team_id, Member.role == "manager", Member.active.is_(True))).scalars())
            ws = session.get(Workspace, item.team_id)
            name = mrkdwn.escape(rep.display_name or rep.crm_name or item.recipient)
            for manager in managers:
                if not manager.slack_user_id or not deliveries.ensure_row(
                    session, team_id=item.team_id, kind="followup_unreachable", schedule_id=int(rep.id or 0),
                    occurrence=month, recipient=manager.slack_user_id, status="sent",
                    now=clock.now(),
                ):
                    continue
                lang = language_for(locale=manager.locale, default=ws.language if ws else "en")
                notices.append((manager.slack_user_id, t("followup.unreachable", lang, rep=name,
                                                         reason=mrkdwn.escape(reason))))
        for user, text in notices:
            try:
                dm = client.conversations_open(users=user)["channel"]["id"]
                client.chat_postMessage(channel=dm, text=text)
            except Exception:  # the notice is a courtesy: recorded once, never retried into a second copy
                log.exception("could not tell %s that a follow-up reminder failed", user)


def job_sources() -> list[Any]:
    return [FollowupSource()]


def register(app: Any) -> None:
    app.command("/followup")(ack=ack_followup, lazy=[answer_followup])
