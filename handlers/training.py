"""`/training`: log a training with its attendees, see what is planned, and whether one helped.

`/training log "Negotiation workshop" @a @b on 2026-12-03 role-play` (managers; kinds: classroom, online,
role-play, expert talk), `/training plan`, `/training effect "Negotiation workshop"` (managers); Chinese:
`记录`, `计划`, `效果`. Storage: db/training.py; the before/after comparison: reports/training.py.
"""

import logging
import re
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session

from db import deliveries
from db.engine import session_scope
from db.models import Member, TrainingSession, Workspace
from db.training import attendee_ids, attendees_of_sessions, latest_of_topic, log_session, upcoming
from handlers.blocks import context, message, section
from handlers.context import Asker, Deps
from handlers.jobs import DueDelivery, PermanentFailure
from handlers.kpi import local_today
from handlers.replies import command_listeners, managers_only, not_understood_reply, person_unclear
from reports import mrkdwn
from reports.formatting import date_short
from reports.i18n import Texts, add_messages, language_for, msg, simplified, t
from reports.kpi_period import PeriodProblem, resolve_period
from reports.people import MENTION, resolve_person
from reports.training import effect_lines, training_effect

log = logging.getLogger("salesbot.training")

add_messages(
    msg("training.help_title", "/training — training and development"),
    msg("training.help", "`/training log \"Negotiation workshop\" @a @b on 2026-12-03 role-play` (managers; kinds: "
        "classroom, online, role-play, expert talk)\n`/training plan`: the sessions coming up\n`/training effect "
        "\"Negotiation workshop\"` (managers): the attendees' win rate, average deal and cycle before and after, "
        "beside the reps who did not attend — and whether that is enough to say."),
    msg("training.what_log", "log a training"),
    msg("training.what_effect", "see a training's effect"),
    msg("training.logged", "Logged *{topic}* ({kind}) on {day} with {people}."),
    msg("training.updated", "*{topic}* on {day} now has: {people}."),
    msg("training.need_topic", "Which topic? Put it in quotes, e.g. `{example}`"),
    msg("training.need_people", "Who attends? Mention them, e.g. `{example}`"),
    msg("training.plan_title", "*Training plan*"),
    msg("training.plan_line", "• {day} — *{topic}* ({kind}): {people}"),
    msg("training.plan_empty", "No training planned. A manager logs one with `{example}`."),
    msg("training.unknown_topic", "No training called *{topic}* was logged."),
    msg("training.failed", "Sorry, that did not work. The error was logged; please try again."),
)

add_messages(
    msg("training.reminder", "📅 Reminder: *{topic}* ({kind}) is {when}, {day}."),
    msg("training.reminder_tomorrow", "tomorrow"),
    msg("training.reminder_today", "today"),
    msg("training.reminder_with", "Attending: {people}"),
    msg("training.reminder_plan", "`/training plan` for every session coming up"),
)

EXAMPLES = Texts(  # a command's examples, in the reader's language: EXAMPLES[language]
    msg("training.example.1", "/training log \"Negotiation workshop\" @alice @bob on 2026-12-03 role-play"),
    msg("training.example.2", "/training plan"),
    msg("training.example.3", "/training effect \"Negotiation workshop\""),
)
_VERB = re.compile(r"^(log|记录|plan|计划|effect|效果)\b\s*", re.IGNORECASE)
_QUOTED = re.compile(r"[\"“「'](.+?)[\"”」']")
_KINDS = (
    ("role_play", r"role[- ]?play|角色扮演"),
    ("expert_talk", r"expert[- ]talk|专家讲座"),
    ("online", r"online|线上(?:培训)?"),
    ("classroom", r"classroom|课堂(?:培训)?"),
)
VERBS = {"log": "log", "记录": "log", "plan": "plan", "计划": "plan", "effect": "effect", "效果": "effect"}


def help_message(language: str) -> dict[str, Any]:
    blocks = [
        section(f"*{t('training.help_title', language)}*"),
        section(t("training.help", language)),
        context(" · ".join(f"`{e}`" for e in EXAMPLES[language])),
    ]
    return message(t("training.help_title", language), blocks)


def handle(text: str, *, asker: Asker, deps: Deps, client: Any = None) -> dict[str, Any]:
    lang = asker.language
    verb = _VERB.match(simplified(text))  # /training 記錄 as 记录 (same length: the rest is cut from what was typed)
    if verb is None:
        return not_understood_reply(understood=[], rest=text, examples=EXAMPLES[lang], language=lang)
    kind, rest = VERBS[verb.group(1).lower()], text[verb.end() :]
    if kind == "plan":
        return _plan(asker, deps)
    if not asker.is_manager:
        blocks = managers_only(t(f"training.what_{kind}", lang), lang)
        return message(blocks[0]["text"]["text"], blocks)
    quoted = _QUOTED.search(rest)
    if quoted is None:
        return {"text": t("training.need_topic", lang, example=EXAMPLES[lang][0 if kind == "log" else 2])}
    topic, rest = quoted.group(1).strip(), (rest[: quoted.start()] + " " + rest[quoted.end() :]).strip()
    return _log(topic, rest, asker, deps) if kind == "log" else _effect(topic, asker, deps)


def _log(topic: str, rest: str, asker: Asker, deps: Deps) -> dict[str, Any]:
    lang = asker.language
    kind = "classroom"
    for name, pattern in _KINDS:
        if re.search(pattern, rest, re.IGNORECASE):
            kind, rest = name, re.sub(pattern, " ", rest, flags=re.IGNORECASE)
            break
    refs = [m.group(0) for m in MENTION.finditer(rest)]
    when = re.sub(r"(?:^|\s)on(?:\s|$)", " ", MENTION.sub(" ", rest)).strip()
    if not refs:
        return {"text": t("training.need_people", lang, example=EXAMPLES[lang][0])}
    try:
        period = resolve_period(when, today=local_today(asker.timezone), language=lang)
    except PeriodProblem:
        period = None
    if period is None or period.days != 1 or not when:
        return not_understood_reply(understood=[topic], rest=when or "…", examples=EXAMPLES[lang], language=lang)
    with session_scope(deps.engine) as session:
        ids = []
        for ref in refs:
            match = resolve_person(session, asker.team_id, ref)
            if not match.found:
                blocks = person_unclear(match, language=lang, example=EXAMPLES[lang][0])
                return message(blocks[0]["text"]["text"], blocks)
            ids.append(int(match.member_id or 0))
        training, new = log_session(
            session, asker.team_id, topic=topic, day=period.start, kind=kind, member_ids=ids, created_by=asker.user_id
        )
        people = _people(session, attendee_ids(session, int(training.id or 0)))
        shown_topic = mrkdwn.escape(training.topic)
        day = date_short(training.day, lang, today=local_today(asker.timezone))
    key = "training.logged" if new else "training.updated"
    return {"text": t(key, lang, topic=shown_topic, kind=t(f"training.kind.{kind}", lang), day=day, people=people)}


def _people(session: Any, member_ids: list[int]) -> str:
    shown = []
    for member_id in member_ids:
        member = session.get(Member, member_id)
        if member is not None:
            shown.append(f"<@{member.slack_user_id}>" if member.slack_user_id else mrkdwn.escape(member.display_name))
    return ", ".join(shown)


def _plan(asker: Asker, deps: Deps) -> dict[str, Any]:
    lang = asker.language
    with session_scope(deps.engine) as session:
        sessions = upcoming(session, asker.team_id, local_today(asker.timezone))
        lines = [
            t(
                "training.plan_line",
                lang,
                day=date_short(s.day, lang),
                topic=mrkdwn.escape(s.topic),
                kind=t(f"training.kind.{s.kind}", lang),
                people=_people(session, attendee_ids(session, int(s.id or 0))),
            )
            for s in sessions
        ]
    if not lines:
        return {"text": t("training.plan_empty", lang, example=EXAMPLES[lang][0])}
    return message(t("training.plan_title", lang), [section("\n".join([t("training.plan_title", lang), *lines]))])


def _effect(topic: str, asker: Asker, deps: Deps) -> dict[str, Any]:
    lang = asker.language
    today = local_today(asker.timezone)
    with session_scope(deps.engine) as session:
        training = latest_of_topic(session, asker.team_id, topic, today)
        if training is None:
            return {"text": t("training.unknown_topic", lang, topic=mrkdwn.escape(topic))}
        lines = effect_lines(training_effect(session, asker.team_id, training, today), lang)
    return message(lines[0].replace("*", ""), [section("\n".join(lines))])


# ------------------------------------------------------------------------------------------- reminders

REMINDER_KIND = "training_reminder"
REMINDER_AT = time(9, 0)  # the attendee's local morning, the day before the session


class TrainingReminders:
    """Job source: each attendee of a session gets one DM the day before it, at 09:00 in their own time zone (the
    workspace's when they have none). The ledger's key is (session, that morning, attendee), so it goes out once,
    across restarts and instances. A session logged after that morning is reminded at the next tick, until the
    morning of the session itself (`grace`); one logged later than that is not reminded at all."""

    kind = REMINDER_KIND
    grace = timedelta(hours=24)

    def due(self, session: Session, now: datetime) -> list[DueDelivery]:
        today = now.date()
        found = attendees_of_sessions(session, today - timedelta(days=1), today + timedelta(days=2))
        if not found:
            return []
        done = deliveries.delivered_keys(
            session, kind=self.kind, schedule_ids=sorted({int(s.id or 0) for s, _ in found}),
            since=now - timedelta(days=4),
        )
        zones: dict[str, str] = {}
        out = []
        for training, member in found:
            if training.team_id not in zones:
                workspace = session.get(Workspace, training.team_id)
                zones[training.team_id] = workspace.timezone if workspace is not None else "UTC"
            zone = member.timezone or zones[training.team_id]
            occurrence = datetime.combine(training.day - timedelta(days=1), REMINDER_AT, tzinfo=ZoneInfo(zone))
            if occurrence > now or now - occurrence > self.grace:
                continue
            key = (int(training.id or 0), occurrence.astimezone(UTC).replace(tzinfo=None),
                   member.slack_user_id)
            if key in done:
                continue
            out.append(DueDelivery(training.team_id, self.kind, int(training.id or 0), occurrence,
                                   str(member.slack_user_id), {"member_id": int(member.id or 0), "timezone": zone}))
        return out

    def deliver(self, item: DueDelivery, client: Any, deps: Deps) -> None:
        with Session(deps.engine) as session:
            training = session.get(TrainingSession, item.schedule_id)
            if training is None:
                raise PermanentFailure("the training was deleted")
            if item.payload["member_id"] not in attendee_ids(session, item.schedule_id):
                return  # no longer attending
            member = session.get(Member, item.payload["member_id"])
            workspace = session.get(Workspace, item.team_id)
            lang = language_for(locale=member.locale if member else None,
                                default=workspace.language if workspace else deps.language)
            payload = reminder_message(session, training, lang, item.occurrence.astimezone(
                ZoneInfo(item.payload["timezone"])).date())
        dm = client.conversations_open(users=item.recipient)["channel"]["id"]
        client.chat_postMessage(channel=dm, **payload)

    def on_failed(self, item: DueDelivery, reason: str, client: Any, deps: Deps) -> None:
        log.warning("training reminder %s for %s failed for good: %s", item.schedule_id, item.recipient, reason)


def reminder_message(session: Any, training: TrainingSession, lang: str, today: Any) -> dict[str, Any]:
    """The DM: what, when (tomorrow/today and the date), who else attends."""
    when = t("training.reminder_tomorrow" if training.day > today else "training.reminder_today", lang)
    line = t(
        "training.reminder",
        lang,
        topic=mrkdwn.escape(training.topic),
        kind=t(f"training.kind.{training.kind}", lang),
        when=when,
        day=date_short(training.day, lang, today=today),
    )
    people = _people(session, attendee_ids(session, int(training.id or 0)))
    blocks = [section(line), context(t("training.reminder_with", lang, people=people)),
              context(t("training.reminder_plan", lang))]
    return message(line.replace("*", ""), blocks)


ack_training, answer_training = command_listeners(help_message, handle, failed_key="training.failed", logger=log)


def job_sources() -> list[Any]:
    return [TrainingReminders()]


def register(app: Any) -> None:
    app.command("/training")(ack=ack_training, lazy=[answer_training])
