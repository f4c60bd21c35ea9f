"""`/checkin`: one-on-one check-ins by DM — schedules, the rep's conversation, the form, and the scheduled jobs.

Routes: the `/checkin` command (quick verbs answered after the ack), the DM route (answers, priority 50),
"Answer in a form" (`checkin_form` -> views.open -> `checkin_form_submit`) and the setup modal.
Scheduled work is done by JobSources on the one scheduler, each send recorded in the ledger first:
`checkin` (ask each rep at their local time), `checkin_turn` (a queued check-in's turn), `checkin_reminder`,
`checkin_summary` (the manager's copy of a completed check-in), `checkin_round` (missed marking and the round
summary at the deadline) and `checkin_brief` (before the one-on-one, which is the check-in's deadline).
"""

import logging
import re
import time
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from slack_bolt import Ack
from slack_sdk.errors import SlackApiError
from sqlmodel import Session

from db import checkins as store
from db import clock
from db.engine import session_scope
from db.members import ensure_member, member_by_slack_id
from db.models import CheckinRun, CheckinSchedule, Member, Workspace
from db.repeats import first_time
from handlers import ask, direct_messages
from handlers import checkin_views as views
from handlers.blocks import context as context_block
from handlers.blocks import section, sections
from handlers.context import Deps, asker_of, deps_of
from handlers.delivery_client import UNSURE, call_once
from handlers.jobs import DueDelivery, PermanentFailure
from handlers.people import prepare_people
from handlers.replies import managers_only, not_understood, person_unclear, repeated
from reports import checkins as domain
from reports import formatting as fmt
from reports import mrkdwn
from reports.clock_words import find_time, find_weekday
from reports.i18n import add_messages, language_for, msg, simplified, t
from reports.kpi_people import workspace_prefs
from reports.people import MENTION, SLACK_ID, PersonMatch, mention_refs, resolve_person
from reports.recurrence import Recurrence, next_after, parse_time_of_day

log = logging.getLogger("salesbot.checkin")

add_messages(
    msg("checkin.help", "*Check-ins* — one-on-one questions by DM, at each rep's local time\n`/checkin schedule "
        "@alice @bob weekly on friday at 16:00` (also `every 2 weeks`, `monthly`; add `to #channel` for summaries "
        "in a channel, `brief` for a brief before each one-on-one)\n`/checkin setup` — the same in a form, with "
        "your own questions\n`/checkin list` · `/checkin pause 3` · `/checkin resume 3` · `/checkin delete 3`\n"
        "`/checkin history @alice` · `/checkin brief @alice` · `/checkin away until 2026-12-10` · `/checkin away "
        "off`"),
    msg("checkin.scheduled", "Scheduled check-in #{id}: {cadence} on {day} at {time}, each rep's local time."),
    msg("checkin.scheduled.rep", "{name} ({tz}) — next {next}"),
    msg("checkin.scheduled.where", "Answers due {hours} h after asking (the one-on-one); reminder {remind} h "
        "before. Summaries go to {where}.{brief}"),
    msg("checkin.where.you", "you"),
    msg("checkin.where.brief", " A brief reaches you {minutes} min before each one-on-one."),
    msg("checkin.what_schedule", "schedule check-ins"),
    msg("checkin.setup_refused", "Slack could not open the check-in setup form (`{error}`); nothing was saved. Type "
        "`/checkin setup` again, or schedule in one line: `/checkin schedule @rep weekly on friday at 16:00`."),
    msg("checkin.form_refused", "Slack could not open the form (`{error}`). Your answers so far are kept: answer "
        "here instead, one message per question, or press *Answer in a form* again."),
    msg("checkin.form_unsure", "Slack did not confirm that the form opened. If you do not see it, answer here, one "
        "message per question, or press *Answer in a form* again (your answers so far are kept)."),
    msg("checkin.setup_unsure", "Slack did not confirm that the check-in setup form opened. If you do not see it, "
        "type `/checkin setup` again (nothing is saved until you submit the form), or schedule in one line: "
        "`/checkin schedule @rep weekly on friday at 16:00`."),
    msg("checkin.what_brief", "read briefs"),
    msg("checkin.list.none", "You have no check-in schedules. Try `/checkin schedule @alice weekly on friday at "
        "16:00`."),
    msg("checkin.list.item", "*#{id}* {cadence} on {day} at {time} · {reps}{paused}"),
    msg("checkin.list.paused", " · _paused_"),
    msg("checkin.state.pause", "Check-in #{id} is paused."),
    msg("checkin.state.resume", "Check-in #{id} is running again."),
    msg("checkin.state.delete", "Check-in #{id} is deleted; past answers are kept."),
    msg("checkin.state.unknown", "You have no check-in #{id}. See `/checkin list`."),
    msg("checkin.away.set", "Enjoy your time off! No check-ins until {day}."),
    msg("checkin.away.off", "Welcome back — check-ins are on again."),
    msg("checkin.not_in_slack", "I cannot DM *{name}*: a CRM owner not linked to anyone in Slack yet. Link them "
        "first — `/salesbot link \"{crm}\" @someone` — then schedule again."),
    msg("checkin.nothing_scheduled", "Nothing was scheduled."),
    msg("checkin.no_access", "Only {name} and their manager can read these check-ins."),
    msg("checkin.history.title", "*Check-ins of {name}* ({count})"),
    msg("checkin.history.none", "No check-ins for {name} yet."),
    msg("checkin.history.status.missed", "missed"),
    msg("checkin.history.status.skipped", "away"),
    msg("checkin.history.status.asking", "open"),
    msg("checkin.round.head", "*Check-ins · {cadence} · {day}* — answers in this thread"),
    msg("checkin.brief.now", "now"),
    msg("checkin.failed", "I could not send check-in #{id} to <@{user}>: {reason}."),
)

EXAMPLES = [
    "/checkin schedule @alice @bob weekly on friday at 16:00",
    "/checkin history @alice",
    "/checkin brief @alice",
]
_CHANNEL = re.compile(r"<#([CG][A-Z0-9]+)(?:\|[^>]*)?>|(?<![\w<])#([\w-]+)")
_CADENCES = [
    (re.compile(r"every\s+(2|two|other)\s+weeks?|bi-?weekly|fortnightly|每两周|隔周|双周", re.I), "biweekly"),
    (re.compile(r"monthly|every\s+month|每个?月", re.I), "monthly"),
    (re.compile(r"weekly|every\s+week|每周|每星期", re.I), "weekly"),
]
_HOURS = re.compile(r"\b(deadline|due|remind(?:er)?)\s+(\d{1,3})\s*h(?:ours?)?\b|(截止|提醒)\s*(\d{1,3})\s*小时", re.I)
_BRIEF = re.compile(r"\bbrief\b|简报", re.I)
_FILLER = re.compile(r"\b(on|at|every|to|in|and|for|with|the|schedule)\b|[，,、]|在|于|给|发到|和", re.I)


# ---------------------------------------------------------------------------------------- helpers


def _now() -> datetime:
    return clock.now()


def _profile(client: Any, user_id: str) -> dict[str, Any]:
    try:
        return client.users_info(user=user_id, include_locale=True)["user"]
    except SlackApiError as exc:
        if exc.response.get("error") in ("user_not_found", "user_disabled", "account_inactive"):
            raise PermanentFailure(str(exc.response.get("error"))) from exc
        if exc.response.status_code == 429:
            raise
        log.warning("users.info for %s failed: %s", user_id, exc.response.get("error"))
        return {}
    except (KeyError, TypeError):
        return {}


def _refresh(member: Member, profile: dict[str, Any]) -> None:
    """Keep the rep's time zone, locale and name as Slack has them now."""
    if profile.get("tz"):
        member.timezone = profile["tz"]
    if profile.get("locale"):
        member.locale = profile["locale"]
    name = profile.get("real_name") or (profile.get("profile") or {}).get("real_name")
    if name and not member.display_name:
        member.display_name = name


def _is_away(member: Member, profile: dict[str, Any], today: date) -> bool:
    status = profile.get("profile") or {}
    if domain.is_vacation_status(status.get("status_text"), status.get("status_emoji")):
        return True
    return member.away_until is not None and member.away_until >= today


def _language(member: Member | None, ws: Workspace | None) -> str:
    return language_for(locale=member.locale if member else None, default=ws.language if ws else "en")


def _raw_name(member: Member | None, fallback: str = "?") -> str:
    if member is None:
        return fallback
    return member.display_name or member.crm_name or member.slack_user_id or fallback


def _name(member: Member | None, fallback: str = "?") -> str:
    """A person's name for a message: from a Slack profile or a CRM, so escaped for mrkdwn."""
    return mrkdwn.escape(_raw_name(member, fallback))


def _local(moment: datetime, tz: str | None) -> datetime:
    return moment.astimezone(ZoneInfo(tz or "UTC"))


def _when(moment: datetime, tz: str | None, language: str) -> str:
    local = _local(moment, tz)
    return f"{fmt.date_short(local.date(), language)} {local:%H:%M}"


def _dm_channel(client: Any, user_id: str) -> str:
    return client.conversations_open(users=user_id)["channel"]["id"]


def _manager_of(session: Session, schedule: CheckinSchedule) -> Member | None:
    return member_by_slack_id(session, schedule.team_id, schedule.manager_user_id)


def _member_for_user(session: Session, client: Any, team_id: str, user_id: str) -> Member:
    member = member_by_slack_id(session, team_id, user_id)
    if member is None:
        profile = _safe_profile(client, user_id)
        member, _ = ensure_member(
            session,
            team_id=team_id,
            user_id=user_id,
            display_name=profile.get("real_name") or profile.get("name") or "",
            timezone=profile.get("tz"),
            locale=profile.get("locale"),
            email=(profile.get("profile") or {}).get("email") or None,
        )
    return member


def _safe_profile(client: Any, user_id: str) -> dict[str, Any]:
    try:
        return _profile(client, user_id)
    except (PermanentFailure, SlackApiError):
        return {}


# ------------------------------------------------------------------------------------------ commands


def ack_checkin(ack: Ack, body: dict[str, Any], context: Any) -> None:
    """Help answers at once; everything else is acknowledged and done right after (lazy)."""
    text = simplified((body.get("text") or "").strip())
    if text.lower() in ("", "help", "帮助", "?"):
        ack(blocks=[section(t("checkin.help", asker_of(context).language))], text="/checkin help")
        return
    ack()


def answer_checkin(body: dict[str, Any], respond: Any, client: Any, context: Any) -> None:
    text = (body.get("text") or "").strip()
    if simplified(text).lower() in ("", "help", "帮助", "?"):
        return
    asker, deps = asker_of(context), deps_of(context)
    prepare_people(client, deps, asker.team_id, text)
    verb, _, rest = simplified(text).partition(" ")  # /checkin 設定 as /checkin 设定
    verb = verb.lower()
    handler = _VERBS.get(verb)
    if handler is None:
        respond(
            blocks=not_understood(understood=[], rest=text, examples=EXAMPLES, language=asker.language), text="/checkin"
        )
        return
    handler(rest.strip(), body=body, respond=respond, client=client, asker=asker, deps=deps)


def cmd_schedule(rest: str, *, respond: Any, client: Any, asker: Any, deps: Deps, **_: Any) -> None:
    lang = asker.language
    if not asker.is_manager:
        respond(blocks=managers_only(t("checkin.what_schedule", lang), lang))
        return
    spec, leftover = parse_schedule(rest)
    if not spec["users"] or leftover:
        understood = [f"@{u}" for u in spec["users"]] + [domain.cadence_label(spec["cadence"], lang)]
        respond(
            blocks=not_understood(
                understood=understood if spec["users"] else [], rest=leftover or rest, examples=EXAMPLES, language=lang,
                typed=str((_.get("body") or {}).get("text") or ""),  # echoed in the script the user typed
            ),
            text="/checkin",
        )
        return
    with session_scope(deps.engine) as session:
        reps, unclear = _resolve_reps(session, client, asker.team_id, spec["users"])
        if unclear:
            example = "/checkin schedule {who} weekly on friday at 16:00"
            blocks = person_unclear(unclear[0], language=lang, example=example)
            respond(blocks=blocks, text=blocks[0]["text"]["text"])
            return
        unreachable = [r for r in reps if not r.slack_user_id]
        if unreachable:  # a CRM owner nobody in Slack is linked to: a DM to them could never be sent
            lines = [t("checkin.not_in_slack", lang, name=_name(r),
                       crm=mrkdwn.escape(r.crm_name or _raw_name(r, ""))) for r in unreachable]
            said = [section("\n".join(lines)), context_block(t("checkin.nothing_scheduled", lang))]
            respond(blocks=said, text=lines[0])
            return
        earlier = first_time(session, team_id=asker.team_id, user_id=asker.user_id, action="checkin schedule",
                             content=rest, now=clock.now())
        if earlier is not None:
            respond(blocks=repeated(what="/checkin schedule", at=earlier, timezone=asker.timezone,
                                    check="`/checkin list`", language=lang), text="/checkin schedule")
            return
        schedule = _create(session, asker=asker, reps=reps, spec=spec)
        reply = _confirmation(session, schedule, reps, lang)
    respond(blocks=[section(reply[0]), *sections(reply[1:])], text=reply[0])  # 50 reps need more than one


def _resolve_reps(
    session: Session, client: Any, team_id: str, refs: list[str]
) -> tuple[list[Member], list[PersonMatch]]:
    """Members for the named people (the one resolver), their time zone refreshed from Slack (users.info);
    and the names that are unknown or ambiguous."""
    reps, unclear = [], []
    for ref in refs:
        match = resolve_person(session, team_id, ref)
        member = session.get(Member, match.member_id) if match.found else None
        if member is None and SLACK_ID.fullmatch(match.ref):
            member = _member_for_user(session, client, team_id, match.ref)
        if member is None:
            unclear.append(match)
            continue
        if member.slack_user_id:
            _refresh(member, _safe_profile(client, member.slack_user_id))
        reps.append(member)
    session.flush()
    return reps, unclear


def _create(session: Session, *, asker: Any, reps: list[Member], spec: dict[str, Any]) -> CheckinSchedule:
    manager = session.get(Member, asker.member_id)
    for rep in reps:
        if rep.manager_id is None and manager is not None and rep.id != manager.id:
            rep.manager_id = manager.id
    return store.create_schedule(
        session,
        team_id=asker.team_id,
        manager_user_id=asker.user_id,
        member_ids=[r.id for r in reps],
        cadence=spec["cadence"],
        weekday=spec["weekday"],
        time_of_day=spec["time"],
        deadline_hours=spec["deadline"],
        reminder_hours_before=spec["remind"],
        summary_channel=spec["channel"],
        brief_minutes_before=60 if spec["brief"] else None,
        questions=spec.get("questions"),
        anchor_date=_now().date() if spec["cadence"] == "biweekly" else None,
    )


def _confirmation(session: Session, schedule: CheckinSchedule, reps: list[Member], lang: str) -> list[str]:
    ws = session.get(Workspace, schedule.team_id)
    lines = [
        t(
            "checkin.scheduled",
            lang,
            id=schedule.id,
            cadence=domain.cadence_label(schedule.cadence, lang),
            day=views.weekday_name(schedule.weekday, lang),
            time=schedule.time_of_day,
        )
    ]
    for rep in reps:
        tz = rep.timezone or (ws.timezone if ws else "UTC")
        rule = Recurrence(
            schedule.cadence, schedule.weekday, parse_time_of_day(schedule.time_of_day), tz, schedule.anchor_date
        )
        lines.append(
            "• "
            + t("checkin.scheduled.rep", lang, name=_name(rep), tz=tz, next=_when(next_after(rule, _now()), tz, lang))
        )
    where = f"<#{schedule.summary_channel}>" if schedule.summary_channel else t("checkin.where.you", lang)
    brief = (
        t("checkin.where.brief", lang, minutes=schedule.brief_minutes_before) if schedule.brief_minutes_before else ""
    )
    lines.append(
        t(
            "checkin.scheduled.where",
            lang,
            hours=schedule.deadline_hours,
            remind=schedule.reminder_hours_before,
            where=where,
            brief=brief,
        )
    )
    return lines


def parse_schedule(text: str) -> tuple[dict[str, Any], str]:
    """The parts of `schedule @a @b weekly on friday at 16:00 to #sales brief`, and what was not understood."""
    spec: dict[str, Any] = {
        "users": [],
        "cadence": "weekly",
        "weekday": 4,
        "time": "16:00",
        "deadline": 72,
        "remind": 24,
        "channel": None,
        "brief": False,
    }
    rest = text
    for match in _CHANNEL.finditer(text):
        spec["channel"] = match.group(1) or f"#{match.group(2)}"
    rest = _CHANNEL.sub(" ", rest)
    spec["users"].extend(mention_refs(rest))
    rest = MENTION.sub(" ", rest)
    for pattern, cadence in _CADENCES:
        if pattern.search(rest):
            spec["cadence"] = cadence
            rest = pattern.sub(" ", rest, count=1)
            break
    for match in _HOURS.finditer(rest):
        word, hours = (match.group(1) or match.group(3)).lower(), int(match.group(2) or match.group(4))
        spec["remind" if word.startswith(("remind", "提醒")) else "deadline"] = hours
    rest = _HOURS.sub(" ", rest)
    if found_day := find_weekday(rest):
        spec["weekday"], day = found_day
        rest = rest[: day.start()] + " " + rest[day.end() :]
    at = None
    if found_time := find_time(rest):
        spec["time"], at = found_time
        rest = rest[: at.start()] + " " + rest[at.end() :]
    if _BRIEF.search(rest):
        spec["brief"] = True
        rest = _BRIEF.sub(" ", rest)
    leftover = " ".join(_FILLER.sub(" ", rest).split())
    if spec["time"] is None:
        leftover = (leftover + " " + at.group(0)).strip() if at else leftover
        spec["time"] = "16:00"
    return spec, leftover


def cmd_setup(rest: str, *, body: dict[str, Any], respond: Any, client: Any, asker: Any, **_: Any) -> None:
    if not asker.is_manager:
        respond(blocks=managers_only(t("checkin.what_schedule", asker.language), asker.language))
        return
    opened = call_once("the check-in setup form", lambda: client.views_open(
        trigger_id=body.get("trigger_id"), view=views.setup(language=asker.language)))
    if opened.status == UNSURE:
        respond(text=t("checkin.setup_unsure", asker.language), response_type="ephemeral")
    elif not opened.done:
        respond(text=t("checkin.setup_refused", asker.language, error=mrkdwn.escape(opened.error)),
                response_type="ephemeral")


def cmd_list(rest: str, *, respond: Any, asker: Any, deps: Deps, **_: Any) -> None:
    lang = asker.language
    with session_scope(deps.engine) as session:
        schedules = store.schedules_of(session, team_id=asker.team_id, manager_user_id=asker.user_id)
        reps = store.schedule_reps(session, [s.id for s in schedules])  # type: ignore[misc]
        lines = [
            t(
                "checkin.list.item",
                lang,
                id=s.id,
                cadence=domain.cadence_label(s.cadence, lang),
                day=views.weekday_name(s.weekday, lang),
                time=s.time_of_day,
                reps=", ".join(_name(m) for m in reps[s.id]),  # type: ignore[index]
                paused=t("checkin.list.paused", lang) if s.paused else "",
            )
            for s in schedules
        ]
    respond(text="\n".join(lines) if lines else t("checkin.list.none", lang))


def _state(action: str) -> Any:
    def cmd(rest: str, *, respond: Any, asker: Any, deps: Deps, **_: Any) -> None:
        lang = asker.language
        if not asker.is_manager:
            respond(blocks=managers_only(t("checkin.what_schedule", lang), lang))
            return
        number = rest.strip().lstrip("#")
        if not number.isdigit():
            respond(
                blocks=not_understood(understood=[action], rest=rest, examples=[f"/checkin {action} 3"], language=lang)
            )
            return
        with session_scope(deps.engine) as session:
            done = store.set_schedule_state(
                session, team_id=asker.team_id, schedule_id=int(number), manager_user_id=asker.user_id, action=action
            )
        key = f"checkin.state.{action}" if done else "checkin.state.unknown"
        respond(text=t(key, lang, id=number))

    return cmd


def cmd_away(rest: str, *, respond: Any, asker: Any, deps: Deps, **_: Any) -> None:
    lang = asker.language
    words = rest.lower().split()
    if words[:1] in (["off"], ["back"], ["结束"], ["取消"]):
        until = None
    else:
        until = _parse_day(re.sub(r"^(until|till|to|直到|到)\s*", "", rest.strip(), flags=re.I), asker.timezone)
        if until is None:
            respond(
                blocks=not_understood(
                    understood=["away"],
                    rest=rest,
                    language=lang,
                    examples=["/checkin away until 2026-12-10", "/checkin away off"],
                )
            )
            return
    with session_scope(deps.engine) as session:
        member = session.get(Member, asker.member_id)
        assert member is not None
        store.set_away(session, member, until)
    respond(text=t("checkin.away.set", lang, day=fmt.date_short(until, lang)) if until else t("checkin.away.off", lang))


def _parse_day(text: str, tz: str) -> date | None:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        pass
    import dateparser

    found = dateparser.parse(
        text,
        languages=["en", "zh"],
        settings={"PREFER_DATES_FROM": "future", "TIMEZONE": tz, "RETURN_AS_TIMEZONE_AWARE": False},
    )
    return found.date() if found else None


def cmd_history(rest: str, *, respond: Any, client: Any, asker: Any, deps: Deps, **_: Any) -> None:
    lang = asker.language
    refs = mention_refs(rest)
    period_text = MENTION.sub(" ", rest).strip()
    with session_scope(deps.engine) as session:
        rep = _readable_rep(session, client, asker, refs[0] if refs else None, respond)
        if rep is None:
            return
        since, until = _period(period_text, asker, deps)
        runs = store.history(
            session,
            team_id=asker.team_id,
            member_id=rep.id,
            since=since,
            until=until,  # type: ignore[arg-type]
            limit=8,
        )
        run_list = domain.run_views(session, runs, default_tz=asker.timezone)
        name = _name(rep)
    if not run_list:
        respond(text=t("checkin.history.none", lang, name=name))
        return
    blocks = [section(t("checkin.history.title", lang, name=name, count=len(run_list)))]
    for view in run_list:
        if view.status in ("completed",) or view.answers:
            lines = domain.completed_copy(view, cadence="weekly", previous_confidence=None, numbers=None, language=lang)
            lines[0] = lines[0].replace(f" · {domain.cadence_label('weekly', lang)}", "")
            if view.status != "completed":
                lines[0] += f" · _{t('checkin.history.status.' + view.status, lang)}_"
            blocks.append(section("\n".join(lines)))
        else:
            blocks.append(
                context_block(
                    f"{fmt.date_short(view.local_day, lang)} · {t('checkin.history.status.' + view.status, lang)}"
                )
            )
    respond(blocks=blocks[:50], text=t("checkin.history.title", lang, name=name, count=len(run_list)))


def _period(text: str, asker: Any, deps: Deps) -> tuple[date | None, date | None]:
    """The period layer's range for e.g. `last quarter`, when the layer is there; otherwise no limit."""
    if not text:
        return None, None
    try:
        from reports.kpi_period import resolve_period

        period = resolve_period(
            text,
            today=_local(_now(), asker.timezone).date(),
            language=asker.language,
            fiscal_year_start_month=deps.fiscal_year_start_month,
        )
        return period.start, period.end
    except Exception:  # the period layer is optional here: show the latest check-ins instead
        log.info("no period read from %r", text)
        return None, None


def _readable_rep(session: Session, client: Any, asker: Any, ref: str | None, respond: Any) -> Member | None:
    """The rep whose check-ins the asker may read: themselves, or (managers) a rep they manage."""
    lang = asker.language
    if ref is None:
        return session.get(Member, asker.member_id)
    match = resolve_person(session, asker.team_id, ref)
    rep = session.get(Member, match.member_id) if match.found else None
    if rep is None:
        blocks = person_unclear(match, language=lang, example="/checkin history {who}")
        respond(blocks=blocks, text=blocks[0]["text"]["text"])
        return None
    if rep.id == asker.member_id:
        return rep
    if not asker.is_manager or not store.manages(
        session, team_id=asker.team_id, manager_user_id=asker.user_id, manager_member_id=asker.member_id, member=rep
    ):
        respond(text=t("checkin.no_access", lang, name=_name(rep)))
        return None
    return rep


def cmd_brief(rest: str, *, respond: Any, client: Any, asker: Any, deps: Deps, **_: Any) -> None:
    lang = asker.language
    if not asker.is_manager:
        respond(blocks=managers_only(t("checkin.what_brief", lang), lang))
        return
    refs = mention_refs(rest)
    if not refs:
        respond(
            blocks=not_understood(understood=["brief"], rest=rest, examples=["/checkin brief @alice"], language=lang)
        )
        return
    with session_scope(deps.engine) as session:
        rep = _readable_rep(session, client, asker, refs[0], respond)
        if rep is None:
            return
        lines = brief_for(session, rep, language=lang, when=t("checkin.brief.now", lang), now=_now())
    respond(**views.lines_message(lines))


def brief_for(session: Session, rep: Member, *, language: str, when: str, now: datetime) -> list[str]:
    prefs = workspace_prefs(session, rep.team_id)
    today = _local(now, rep.timezone or prefs.timezone).date()
    data = domain.compose_brief(
        session,
        team_id=rep.team_id,
        member_id=rep.id,
        rep_name=_raw_name(rep),  # type: ignore[arg-type]  (the brief escapes it)
        when=when,
        today=today,
        currency=prefs.currency,
        language=language,
        fiscal_start_month=prefs.fiscal_year_start_month,
    )
    return domain.brief_lines(data, language)


_VERBS: dict[str, Any] = {
    "schedule": cmd_schedule,
    "安排": cmd_schedule,
    "setup": cmd_setup,
    "设置": cmd_setup,
    "设定": cmd_setup,  # Taiwan's word (設定)
    "list": cmd_list,
    "列表": cmd_list,
    "pause": _state("pause"),
    "暂停": _state("pause"),
    "resume": _state("resume"),
    "恢复": _state("resume"),
    "delete": _state("delete"),
    "删除": _state("delete"),
    "away": cmd_away,
    "休假": cmd_away,
    "history": cmd_history,
    "历史": cmd_history,
    "brief": cmd_brief,
    "简报": cmd_brief,
}


# ------------------------------------------------------------------------------------- setup modal


def submit_setup(ack: Ack, body: dict[str, Any], view: dict[str, Any], client: Any, context: Any) -> None:
    asker, deps = asker_of(context), deps_of(context)
    lang = asker.language
    values = views.setup_values(view)
    errors = {}
    for field_name in ("deadline", "reminder"):
        if not values[field_name].isdigit():
            errors[field_name] = t("checkin.setup.number_error", lang)
    if not values["reps"]:
        errors["reps"] = t("checkin.setup.reps_error", lang)
    if errors or not asker.is_manager:
        ack(
            response_action="errors",
            errors=errors or {"reps": t("reply.managers_only", lang, what=t("checkin.what_schedule", lang))},
        )
        return
    ack()
    questions = [q.strip() for q in values["questions"].splitlines() if q.strip()]
    default = questions in (domain.default_questions(lang), domain.default_questions(lang, values["cadence"]))
    spec = {
        "cadence": values["cadence"],
        "weekday": values["weekday"],
        "time": values["time"],
        "deadline": int(values["deadline"]),
        "remind": int(values["reminder"]),
        "channel": values["channel"],
        "brief": values["brief"],
        "questions": None if default else questions,
    }
    with session_scope(deps.engine) as session:
        reps, _ = _resolve_reps(session, client, asker.team_id, values["reps"])
        earlier = first_time(session, team_id=asker.team_id, user_id=asker.user_id, action="checkin schedule",
                             content=repr(sorted(values.items())), now=clock.now())
        if earlier is None:
            schedule = _create(session, asker=asker, reps=reps, spec=spec)
            lines = _confirmation(session, schedule, reps, lang)
        else:
            lines = [repeated(what="/checkin setup", at=earlier, timezone=asker.timezone, check="`/checkin list`",
                              language=lang)[0]["text"]["text"]]
    client.chat_postMessage(
        channel=_dm_channel(client, asker.user_id),
        text=lines[0],
        blocks=[section(part) for part in (lines[0], "\n".join(lines[1:])) if part],
    )


# ------------------------------------------------------------------------------------ the rep's DM


def on_direct_message(event: dict[str, Any], context: Any, client: Any) -> bool:
    """An answer to the check-in being asked: store it at once, then ask the next question or say thanks."""
    asker = context.get("asker")
    text = (event.get("text") or "").strip()
    if asker is None or not text or event.get("files"):
        return False
    deps = deps_of(context)
    now = _now()
    with Session(deps.engine, expire_on_commit=False) as session:
        run = store.conversation_run(
            session, team_id=asker.team_id, member_id=asker.member_id, now=now, thread_ts=event.get("thread_ts")
        )
        if run is None or run.current_index >= len(run.questions):
            return False
        index, questions = run.current_index, list(run.questions)
        reply = {"channel": event["channel"]}
        if event.get("thread_ts"):
            reply["thread_ts"] = event["thread_ts"]
        skipped = domain.is_skip(text)
        if index == domain.confidence_index(questions) and not skipped and domain.parse_confidence(text) is None:
            client.chat_postMessage(**reply, text=t("checkin.dm.confidence_again", asker.language))
            return True
        if not store.record_answer(
            session,
            run,
            index=index,
            text=text,
            skipped=skipped,
            event_id=context.get("event_id") or event.get("client_msg_id"),
            now=now,
        ):
            session.rollback()
            return True  # the same answer again (a retry): already stored, already answered
        finished = index + 1 >= len(questions) and store.complete(session, run.id, now=now)  # type: ignore[arg-type]
        session.commit()
        if not finished:
            client.chat_postMessage(
                **reply, **views.question(language=asker.language, index=index + 1, questions=questions)
            )
            return True
        payload = _thanks(session, run, asker.language, now)
    client.chat_postMessage(**reply, **payload)
    return True


def _thanks(session: Session, run: CheckinRun, language: str, now: datetime) -> dict[str, Any]:
    schedule = session.get(CheckinSchedule, run.schedule_id)
    manager = _manager_of(session, schedule) if schedule else None
    rep = session.get(Member, run.member_id)
    deadline = store.utc(run.deadline_at) or now
    return views.thanks(
        language=language,
        manager=_name(manager, "your manager"),
        run_id=run.id or 0,
        deadline=_when(deadline, rep.timezone if rep else None, language),
        late=now > deadline,
    )


# ----------------------------------------------------------------------------------------- the form


def open_form(ack: Ack, body: dict[str, Any], client: Any, context: Any) -> None:
    ack()
    asker, deps = asker_of(context), deps_of(context)
    value = (body.get("actions") or [{}])[0].get("value") or "0"
    with Session(deps.engine) as session:
        run_id = _row_id(value)
        run = session.get(CheckinRun, run_id) if run_id else None
        if run is None or run.member_id != asker.member_id or run.team_id != asker.team_id:
            client.chat_postMessage(channel=asker.user_id, text=t("checkin.dm.not_yours", asker.language))
            return
        deadline = store.utc(run.deadline_at)
        if run.status == "completed" and deadline and _now() > deadline:
            rep = session.get(Member, run.member_id)
            client.chat_postMessage(
                channel=run.channel_id or asker.user_id,
                text=t(
                    "checkin.dm.closed",
                    asker.language,
                    deadline=_when(deadline, rep.timezone if rep else None, asker.language),
                ),
            )
            return
        answers = {a.question_index: (a.text, a.skipped) for a in store.answers_of(session, [run.id])}  # type: ignore[list-item]
        view = views.form(
            language=asker.language,
            run_id=run.id,
            questions=list(run.questions),  # type: ignore[arg-type]
            answers=answers,
        )
        channel = run.channel_id or asker.user_id
    opened = call_once("the check-in form", lambda: client.views_open(trigger_id=body.get("trigger_id"), view=view))
    if opened.done:
        return
    # The rep pressed a button and saw nothing: say so in the DM, with the way that still works.
    if opened.status == UNSURE:
        said = t("checkin.form_unsure", asker.language)
    else:
        said = t("checkin.form_refused", asker.language, error=mrkdwn.escape(opened.error))
    call_once("saying the check-in form did not open", lambda: client.chat_postMessage(channel=channel, text=said))


def _row_id(text: object) -> int | None:
    """A row id carried by a button or a modal (the bot wrote it; a forged request may carry anything): a
    positive integer a database column can hold, else None."""
    value = str(text or "").strip()
    return int(value) if value.isascii() and value.isdigit() and len(value) <= 19 and 0 < int(value) < 2**63 else None


def submit_form(ack: Ack, body: dict[str, Any], view: dict[str, Any], client: Any, context: Any) -> None:
    asker, deps = asker_of(context), deps_of(context)
    lang = asker.language
    now = _now()
    run_id = _row_id(view.get("private_metadata"))
    with Session(deps.engine, expire_on_commit=False) as session:
        run = session.get(CheckinRun, run_id) if run_id else None
        if run is None or run.member_id != asker.member_id:
            ack(response_action="errors", errors={"q0": t("checkin.dm.not_yours", lang)})
            return
        questions = list(run.questions)
        values = views.form_values(view, len(questions))
        conf = domain.confidence_index(questions)
        if (
            conf is not None
            and values.get(conf)
            and not domain.is_skip(values[conf])
            and domain.parse_confidence(values[conf]) is None
        ):
            ack(response_action="errors", errors={f"q{conf}": t("checkin.form.confidence_error", lang)})
            return
        deadline = store.utc(run.deadline_at)
        if run.status == "completed" and deadline and now > deadline:
            ack(
                response_action="errors",
                errors={"q0": t("checkin.dm.closed", lang, deadline=_when(deadline, asker.timezone, lang))},
            )
            return
        ack()
        answers = {i: ("" if domain.is_skip(v) else v, not v or domain.is_skip(v)) for i, v in values.items()}
        store.save_answers(session, run, answers, now=now)
        store.complete(session, run.id, now=now)  # type: ignore[arg-type]
        session.commit()
        payload = _thanks(session, run, lang, now)
        channel = run.channel_id or _dm_channel(client, asker.user_id)
    client.chat_postMessage(channel=channel, **payload)


# ------------------------------------------------------------------------------- scheduled sources


def _now_of(item: DueDelivery) -> datetime:
    raw = item.payload.get("now")
    return datetime.fromisoformat(raw) if raw else _now()


# The first message of a run whose schedule has another purpose than a check-in: purpose -> fn(session, run, rep,
# manager name (escaped), language) -> message payload. A review round registers its greeting (handlers/review.py);
# the conversation after it (answers, skip, the form, thanks, one at a time per rep) is this module's.
GREETERS: dict[str, Any] = {}


def post_run(client: Any, deps: Deps, run_id: int, now: datetime) -> None:
    """DM the rep the first message of a run (once per run): for features that start runs of their own."""
    _post_checkin(client, deps, run_id, now)


def _post_checkin(client: Any, deps: Deps, run_id: int, now: datetime) -> None:
    """DM the rep: greeting, their figures since the last check-in, the first question (once per run)."""
    with Session(deps.engine, expire_on_commit=False) as session:
        run = session.get(CheckinRun, run_id)
        if run is None or run.status != "asking" or run.thread_ts:
            return
        schedule = session.get(CheckinSchedule, run.schedule_id)
        rep = session.get(Member, run.member_id)
        ws = session.get(Workspace, run.team_id)
        assert schedule is not None and rep is not None
        lang = _language(rep, ws)
        manager = _manager_of(session, schedule)
        greeter = GREETERS.get(schedule.purpose)
        if greeter is not None:  # another feature's questions on this conversation (a review's reflection)
            payload = greeter(session, run, rep, _name(manager, "your manager"), lang)
        else:
            numbers = _numbers(session, rep, ws, lang, now, cadence=schedule.cadence)
            payload = views.greeting(
                language=lang,
                name=_name(rep).split(" ")[0],  # escaped: no space inside an entity
                manager=_name(manager, "your manager"),
                cadence=schedule.cadence,
                numbers=numbers,
                questions=list(run.questions),
                run_id=run.id,
            )  # type: ignore[arg-type]
        user = rep.slack_user_id or ""
    channel = _dm_channel(client, user)
    posted = client.chat_postMessage(channel=channel, **payload)
    with session_scope(deps.engine) as session:
        store.mark_posted(session, run_id, channel_id=channel, thread_ts=posted["ts"], now=now)


def _numbers(
    session: Session,
    rep: Member,
    ws: Workspace | None,
    lang: str,
    now: datetime,
    asked: datetime | None = None,
    *,
    cadence: str = "weekly",
) -> str | None:
    """The rep's own figures up to `now` since they were asked before `asked` (without a check-in before: the
    span of the schedule's cadence, a week or a month), from the KPI engine: the greeting counts since the last
    check-in, the manager's copy since the one before it."""
    try:
        today = _local(now, rep.timezone or (ws.timezone if ws else "UTC")).date()
        last = store.last_sent_before(session, rep.id, asked or now)  # type: ignore[arg-type]
        since = last.astimezone(ZoneInfo(rep.timezone or "UTC")).date() if last else domain.span_start(cadence, today)
        numbers = domain.rep_numbers(
            session,
            team_id=rep.team_id,
            member_id=rep.id,
            since=since,
            today=today,  # type: ignore[arg-type]
            currency=ws.currency if ws else "USD",
            language=lang,
        )
        return domain.numbers_line(numbers, lang)
    except Exception:  # figures are a courtesy: a KPI problem must not stop the check-in
        log.exception("could not compute the figures of member %s", rep.id)
        return None


class CheckinSource:
    """Ask each rep at their schedule's time in the rep's own time zone."""

    kind = "checkin"
    grace = timedelta(hours=12)

    def due(self, session: Session, now: datetime) -> list[DueDelivery]:
        items = domain.due_checkins(session, now, lookback=self.grace + timedelta(days=1))
        return [
            DueDelivery(
                d.team_id,
                self.kind,
                d.schedule_id,
                d.occurrence,
                d.slack_user_id,
                {"member_id": d.member_id, "now": now.isoformat()},
            )
            for d in items
        ]

    def deliver(self, item: DueDelivery, client: Any, deps: Deps) -> None:
        now = _now_of(item)
        profile = _profile(client, item.recipient)
        with session_scope(deps.engine) as session:
            schedule = session.get(CheckinSchedule, item.schedule_id)
            rep = session.get(Member, item.payload["member_id"])
            if schedule is None or rep is None or not schedule.active or schedule.paused:
                return
            _refresh(rep, profile)
            ws = session.get(Workspace, rep.team_id)
            today = _local(now, rep.timezone or (ws.timezone if ws else "UTC")).date()
            questions = domain.questions_for(schedule.questions, _language(rep, ws), schedule.cadence)
            run = store.start_run(
                session,
                team_id=item.team_id,
                schedule=schedule,
                member=rep,
                occurrence=item.occurrence,
                questions=questions,
                now=now,
                away=_is_away(rep, profile, today),
            )
            run_id = run.id
        _post_checkin(client, deps, run_id, now)  # type: ignore[arg-type]

    def on_failed(self, item: DueDelivery, reason: str, client: Any, deps: Deps) -> None:
        _tell_manager(client, deps, item, reason)


def _tell_manager(client: Any, deps: Deps, item: DueDelivery, reason: str) -> None:
    with Session(deps.engine) as session:
        schedule = session.get(CheckinSchedule, item.schedule_id)
        if schedule is None:
            return
        manager = _manager_of(session, schedule)
        lang = _language(manager, session.get(Workspace, schedule.team_id))
    client.chat_postMessage(
        channel=_dm_channel(client, schedule.manager_user_id),
        text=t("checkin.failed", lang, id=schedule.id, user=item.recipient, reason=reason),
    )


class TurnSource:
    """A check-in that waited for another one to finish (one at a time per rep) now gets asked."""

    kind = "checkin_turn"
    grace = timedelta(days=60)  # keyed by the run's occurrence; due() itself stops at the deadline

    def due(self, session: Session, now: datetime) -> list[DueDelivery]:
        return [
            DueDelivery(
                r.team_id,
                self.kind,
                r.schedule_id,
                r.occurrence,
                r.slack_user_id,
                {"run_id": r.run_id, "now": now.isoformat()},
            )
            for r in store.turns_due(session, now)
        ]

    def deliver(self, item: DueDelivery, client: Any, deps: Deps) -> None:
        with session_scope(deps.engine) as session:
            store.take_turn(session, item.payload["run_id"])
        _post_checkin(client, deps, item.payload["run_id"], _now_of(item))

    def on_failed(self, item: DueDelivery, reason: str, client: Any, deps: Deps) -> None:
        _tell_manager(client, deps, item, reason)


class ReminderSource:
    """One reminder to reps who have not finished, at the set time before the deadline."""

    kind = "checkin_reminder"
    grace = timedelta(days=60)  # keyed by the run's occurrence; due() itself stops at the deadline

    def due(self, session: Session, now: datetime) -> list[DueDelivery]:
        return [
            DueDelivery(
                r.team_id,
                self.kind,
                r.schedule_id,
                r.occurrence,
                r.slack_user_id,
                {"run_id": r.run_id, "now": now.isoformat()},
            )
            for r in store.reminders_due(session, now)
        ]

    def deliver(self, item: DueDelivery, client: Any, deps: Deps) -> None:
        now = _now_of(item)
        with Session(deps.engine) as session:
            run = session.get(CheckinRun, item.payload["run_id"])
            if run is None or run.status != "asking" or not run.channel_id:
                return  # answered (or not asked) meanwhile: no reminder
            schedule = session.get(CheckinSchedule, run.schedule_id)
            rep = session.get(Member, run.member_id)
            lang = _language(rep, session.get(Workspace, run.team_id))
            payload = views.reminder(
                language=lang,
                manager=_name(_manager_of(session, schedule), "your manager"),  # type: ignore[arg-type]
                deadline=_when(store.utc(run.deadline_at), rep.timezone if rep else None, lang),  # type: ignore[arg-type]
                left=len(run.questions) - run.current_index,
                questions=list(run.questions),
                run_id=run.id,
            )  # type: ignore[arg-type]
            channel = run.channel_id
        client.chat_postMessage(channel=channel, **payload)
        with session_scope(deps.engine) as session:
            store.mark_reminded(session, item.payload["run_id"], now=now)

    def on_failed(self, item: DueDelivery, reason: str, client: Any, deps: Deps) -> None:
        log.warning("reminder to %s failed: %s", item.recipient, reason)


def _destination(client: Any, session: Session, schedule: CheckinSchedule) -> str:
    return schedule.summary_channel or _dm_channel(client, schedule.manager_user_id)


def _round_thread(client: Any, deps: Deps, schedule: CheckinSchedule, round_date: date, lang: str) -> str | None:
    """The thread of this round in the summary channel, posting its head once (None: not a channel)."""
    if not schedule.summary_channel:
        return None
    with Session(deps.engine) as session:
        round_id, ts = store.claim_round_thread(
            session,
            team_id=schedule.team_id,
            schedule_id=schedule.id,  # type: ignore[arg-type]
            round_date=round_date,
            channel_id=schedule.summary_channel,
        )
        if ts is None:
            head = t(
                "checkin.round.head",
                lang,
                cadence=domain.cadence_label(schedule.cadence, lang),
                day=fmt.date_short(round_date, lang),
            )
            try:
                posted = client.chat_postMessage(channel=schedule.summary_channel, text=head)
            except Exception:
                store.set_round_thread(session, round_id, None)
                raise
            store.set_round_thread(session, round_id, posted["ts"])
            return posted["ts"]
        for _ in range(50):  # another instance is posting the head right now
            if ts != "claiming":
                return ts
            time.sleep(0.1)
            ts = store.round_thread(session, round_id)
        return None


class SummarySource:
    """The manager's copy of each completed check-in (to their DM, or the round's thread in a channel)."""

    kind = "checkin_summary"
    grace = timedelta(days=60)  # keyed by the run's occurrence; due() stops a week after the deadline

    def due(self, session: Session, now: datetime) -> list[DueDelivery]:
        return [
            DueDelivery(
                r.team_id,
                self.kind,
                r.schedule_id,
                r.occurrence,
                r.slack_user_id,
                {"run_id": r.run_id, "now": now.isoformat()},
            )
            for r in store.completed_due(session, now)
        ]

    def deliver(self, item: DueDelivery, client: Any, deps: Deps) -> None:
        with Session(deps.engine) as session:
            run = session.get(CheckinRun, item.payload["run_id"])
            schedule = session.get(CheckinSchedule, item.schedule_id)
            if run is None or schedule is None:
                return
            manager = _manager_of(session, schedule)
            ws = session.get(Workspace, schedule.team_id)
            lang = _language(manager, ws)
            view = domain.run_views(session, [run], default_tz=ws.timezone if ws else "UTC")[0]
            before = store.previous_run(session, run)
            prev_conf = domain.run_views(session, [before])[0].confidence if before else None
            rep = session.get(Member, run.member_id)
            numbers = _numbers(
                session,
                rep,
                ws,
                lang,
                max(store.utc(run.completed_at) or _now(), _now_of(item)),  # type: ignore[arg-type]
                asked=store.utc(run.sent_at) or store.utc(run.occurrence),
                cadence=schedule.cadence,
            )
            lines = domain.completed_copy(
                view, cadence=schedule.cadence, previous_confidence=prev_conf, numbers=numbers, language=lang
            )
            destination = _destination(client, session, schedule)
        thread = _round_thread(client, deps, schedule, view.local_day, lang)
        copy = views.lines_message(lines)
        if view.support:  # one button turns the rep's support need into a request to another team (handlers/ask)
            copy["blocks"] = [*copy["blocks"], ask.checkin_button(view.run_id, lang)]
        client.chat_postMessage(channel=destination, **copy, **({"thread_ts": thread} if thread else {}))

    def on_failed(self, item: DueDelivery, reason: str, client: Any, deps: Deps) -> None:
        log.warning("check-in summary for %s failed: %s", item.recipient, reason)


class RoundSource:
    """At the deadline: unfinished check-ins become missed, and the round summary goes out."""

    kind = "checkin_round"
    grace = timedelta(days=2)

    def due(self, session: Session, now: datetime) -> list[DueDelivery]:
        store.mark_missed(session, now)
        rounds = store.rounds_due(session, now, lookback=self.grace)
        if not rounds:
            return []
        schedules = {s.id: s for s in (session.get(CheckinSchedule, r.schedule_id) for r in rounds) if s}
        return [
            DueDelivery(
                r.team_id,
                self.kind,
                r.schedule_id,
                r.closes_at,
                schedules[r.schedule_id].summary_channel or schedules[r.schedule_id].manager_user_id,
                {"run_ids": list(r.run_ids), "round_date": r.round_date.isoformat()},
            )
            for r in rounds
            if r.schedule_id in schedules
        ]

    def deliver(self, item: DueDelivery, client: Any, deps: Deps) -> None:
        with Session(deps.engine) as session:
            schedule = session.get(CheckinSchedule, item.schedule_id)
            if schedule is None:
                return
            ws = session.get(Workspace, schedule.team_id)
            lang = _language(_manager_of(session, schedule), ws)
            runs = store.runs_by_id(session, item.payload["run_ids"])
            current = domain.run_views(session, runs, default_tz=ws.timezone if ws else "UTC")
            first = min(store.utc(r.occurrence) for r in runs)  # type: ignore[type-var]
            previous = domain.run_views(session, store.previous_round(session, schedule.id, first))  # type: ignore[arg-type]
            lines = domain.round_summary(current, cadence=schedule.cadence, previous=previous, language=lang)
            destination = _destination(client, session, schedule)
        thread = _round_thread(client, deps, schedule, date.fromisoformat(item.payload["round_date"]), lang)
        extra = {"thread_ts": thread, "reply_broadcast": True} if thread else {}
        client.chat_postMessage(channel=destination, **views.lines_message(lines), **extra)

    def on_failed(self, item: DueDelivery, reason: str, client: Any, deps: Deps) -> None:
        log.warning("round summary of check-in %s failed: %s", item.schedule_id, reason)


class BriefSource:
    """The one-on-one brief, to the manager, the schedule's lead time before the one-on-one (the deadline)."""

    kind = "checkin_brief"
    grace = timedelta(days=60)  # keyed by the run's occurrence; due() itself stops at the one-on-one

    def due(self, session: Session, now: datetime) -> list[DueDelivery]:
        return [
            DueDelivery(
                r.team_id,
                self.kind,
                r.schedule_id,
                r.occurrence,
                r.slack_user_id,
                {"run_id": r.run_id, "now": now.isoformat()},
            )
            for r in store.briefs_due(session, now)
        ]

    def deliver(self, item: DueDelivery, client: Any, deps: Deps) -> None:
        now = _now_of(item)
        with Session(deps.engine) as session:
            run = session.get(CheckinRun, item.payload["run_id"])
            schedule = session.get(CheckinSchedule, item.schedule_id)
            rep = session.get(Member, run.member_id) if run else None
            if run is None or schedule is None or rep is None:
                return
            manager = _manager_of(session, schedule)
            lang = _language(manager, session.get(Workspace, schedule.team_id))
            tz = (manager.timezone if manager else None) or rep.timezone
            lines = brief_for(session, rep, language=lang, when=_when(store.utc(run.deadline_at), tz, lang), now=now)  # type: ignore[arg-type]
        client.chat_postMessage(channel=_dm_channel(client, schedule.manager_user_id), **views.lines_message(lines))

    def on_failed(self, item: DueDelivery, reason: str, client: Any, deps: Deps) -> None:
        log.warning("brief for %s failed: %s", item.recipient, reason)


def job_sources() -> list[Any]:
    return [RoundSource(), TurnSource(), CheckinSource(), ReminderSource(), SummarySource(), BriefSource()]


def register(app: Any) -> None:
    app.command("/checkin")(ack=ack_checkin, lazy=[answer_checkin])
    app.action("checkin_form")(open_form)
    app.view("checkin_form_submit")(submit_form)
    app.view("checkin_setup_submit")(submit_setup)
    direct_messages.add_route("checkin", on_direct_message, priority=50)
