"""`/review`: the monthly or quarterly review and reflection round, its actions, and the scheduled jobs.

`/review schedule monthly|quarterly [off]`, `/review start Q4` (a round now), `/review Q4` (the review now, with its
PDF in the DM), `/review action "…" @owner by 2027-01-15`, `/review done 3`, `/review actions`; Chinese verbs too.
The reps' reflections are check-in runs on the round's own schedule (db/reviews.py): the DM conversation, the
form, `skip`, one question at a time and late answers are the check-in's (handlers/checkin.py); this module gives
the greeting (with the rep's own figures for the period), the reminder and the review.

Scheduled, each send in the ledger first: `review_ask` (each rep of an open round, at a working hour of their own
time zone; a scheduled round opens when its period ends), `review_reminder` (once, a day before the rep's
deadline, only while unanswered) and `review` (the manager's review, message and PDF, when the round closes).
"""

import logging
import re
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from slack_bolt import Ack
from sqlmodel import Session, select

from db import checkins as checkin_store
from db import clock, deliveries
from db import reviews as store
from db.engine import session_scope
from db.members import member_by_slack_id
from db.models import CheckinRun, CheckinSchedule, Member, ReviewRound, Workspace
from handlers import checkin
from handlers.blocks import Block, actions, button, context, message, section, sections
from handlers.context import Asker, Deps, asker_of, deps_of
from handlers.delivery_client import UNSURE, call_once, upload_once
from handlers.jobs import DueDelivery
from handlers.people import prepare_people
from handlers.replies import managers_only, not_understood, person_unclear
from reports import mrkdwn
from reports.formatting import date_short
from reports.i18n import add_messages, language_for, msg, nmsg, simplified, t, tn
from reports.kpi_period import PeriodProblem, resolve_period
from reports.people import MENTION, mention_refs, resolve_person
from reports.periods import Period, period_for_kind
from reports.review import (
    ReviewDoc,
    action_line,
    compose_review,
    figures_line,
    reflection_questions,
    rep_figures,
    review_cadence,
)
from reports.review_pdf import render_pdf

log = logging.getLogger("salesbot.review")

add_messages(
    msg("review.help_title", "/review — review and reflection (managers)"),
    msg("review.help",
        "`/review schedule quarterly` (or `monthly`; `off` to stop): when each period ends, every rep gets "
        "reflection questions by DM in their morning, with their own figures; you get the review when the round "
        "closes, as a message and a PDF to forward\n"
        "`/review start Q4`: a round for a period now · `/review Q4`: the review now (KPIs vs targets, market, "
        "feedback, training, every reflection, actions)\n"
        "`/review action \"Call every lost deal over 50k\" @owner by 2027-01-15` · `/review done 3` · "
        "`/review actions`"),
    msg("review.what", "run reviews"),
    msg("review.need_month_or_quarter",
        "A review covers one calendar month or one quarter; *{period}* is neither."),
    nmsg("review.schedule.on",
         "The {cadence} review is on: when each {unit} ends, your {n} rep gets the reflection questions by DM in "
         "their morning, and the review (message and PDF) reaches you when the round closes, {days} days later. "
         "The first: {period}.",
         "The {cadence} review is on: when each {unit} ends, your {n} reps get the reflection questions by DM in "
         "their morning, and the review (message and PDF) reaches you when the round closes, {days} days later. "
         "The first: {period}."),
    msg("review.schedule.off", "The {cadence} review is off. Rounds already open still close with their review."),
    msg("review.cadence.monthly", "monthly"),
    msg("review.cadence.quarterly", "quarterly"),
    msg("review.no_reps",
        "Nobody reports to you yet, so there is nobody to ask. Put reps under you with a check-in "
        "(`/checkin schedule @alice weekly on friday at 16:00`) or `/salesbot role`."),
    nmsg("review.started", "Review round for *{period}* opened: {n} rep is asked to reflect by DM. It closes "
         "{closes}, and the review comes to you then (`/review {ask}` shows it any time).",
         "Review round for *{period}* opened: {n} reps are asked to reflect by DM. It closes "
         "{closes}, and the review comes to you then (`/review {ask}` shows it any time)."),
    msg("review.started.rep", "• {name} — {when}"),
    msg("review.started.now", "now"),
    msg("review.already", "The review round for *{period}* is already open (each rep is asked once); it closes "
        "{closes}. `/review {ask}` shows the review so far."),
    msg("review.dm.greeting",
        "Hi {name} 👋 {manager} asks you to look back on *{period}* (4 questions, about 5 minutes)."),
    msg("review.dm.figures", "Your {period}: {figures}"),
    msg("review.dm.reminder",
        "⏰ A reminder: your reflection on {period} for {manager} closes {deadline}. {left} of {total} "
        "questions left."),
    msg("review.action.need_text", "What is the action? Put it in quotes, e.g. `{example}`"),
    msg("review.action.bad_day", "I could not read the due date *{text}*. Write it as 2027-01-15, e.g. `{example}`"),
    msg("review.action.saved", "Action #{id} recorded: {line}. It is listed in your next review until `/review done "
        "{id}`."),
    msg("review.done.ok", "Action #{id} is done: {line}"),
    msg("review.done.unknown", "You have no action #{id}. See `/review actions`."),
    msg("review.actions.title", "*Your review actions*"),
    msg("review.pdf.comment", "The review as a PDF, to forward"),
    msg("review.pdf.unsure", "Slack did not confirm the PDF upload; look for it in our DM, or ask `/review {ask}` "
        "again."),
    msg("review.pdf.refused", "The PDF could not be put in our DM (`{error}`); the review above is complete."),
    msg("review.failed", "Sorry, the review could not be made. The error was logged; please try again."),
)

EXAMPLES = ["/review Q4", "/review start last quarter", "/review schedule quarterly",
            '/review action "Call every lost deal over 50k" @alice by 2027-01-15']
WORK_STARTS, WORK_ENDS = 9, 18  # a rep is asked at a working hour of their own time zone
_QUOTED = re.compile(r"\"([^\"]+)\"|“([^”]+)”|「([^」]+)」|'([^']+)'")
_DUE = re.compile(r"(?:\bby\b|\bdue\b|\bbefore\b|截止|到)\s*(.+?)\s*$", re.I)
_OFF = re.compile(r"\b(off|stop)\b|关闭|停止|取消", re.I)
_CADENCE = [(re.compile(r"quarter|季", re.I), "quarterly"), (re.compile(r"month|月", re.I), "monthly")]


# ----------------------------------------------------------------------------------------------- helpers


def _lang_of(member: Member | None, ws: Workspace | None) -> str:
    return language_for(locale=member.locale if member else None, default=ws.language if ws else "en")


def _name(member: Member | None) -> str:
    if member is None:
        return "?"
    return mrkdwn.escape(member.display_name or member.crm_name or member.slack_user_id or "?")


def _fiscal(session: Session, team_id: str, deps: Deps | None = None) -> int:
    ws = session.get(Workspace, team_id)
    return ws.fiscal_year_start_month if ws else (deps.fiscal_year_start_month if deps else 1)


def round_period(review: ReviewRound, fiscal: int) -> Period:
    kind = "quarter" if review.cadence == "quarterly" else "month"
    return Period(review.period_start, review.period_end, kind, fiscal)


def ask_at(opens_at: datetime, timezone: str) -> datetime:
    """When a rep is asked: the round's opening if it falls in their working hours, else their next 09:00."""
    zone = ZoneInfo(timezone or "UTC")
    local = opens_at.astimezone(zone)
    if WORK_STARTS <= local.hour < WORK_ENDS:
        return opens_at.astimezone(UTC)
    day = local.date() if local.hour < WORK_STARTS else local.date() + timedelta(days=1)
    return datetime.combine(day, time(WORK_STARTS), zone).astimezone(UTC)


def _when(moment: datetime, timezone: str, lang: str) -> str:
    local = moment.astimezone(ZoneInfo(timezone or "UTC"))
    return f"{date_short(local.date(), lang)} {local:%H:%M}"


def _short(period: Period, language: str = "en") -> str:
    """The period without its dates: 'Q4 2026', 'November 2026' (in English, as a command can name it again)."""
    return period.label(language).split(" (")[0].split("（")[0]


# ---------------------------------------------------------------------------------------------- commands


def ack_review(ack: Ack, body: dict[str, Any], context: Any) -> None:
    text = (body.get("text") or "").strip()
    if text.lower() in ("", "help", "帮助", "?", "？"):
        ack(**help_message(asker_of(context).language))
        return
    ack()


def help_message(language: str) -> dict[str, Any]:
    blocks = [section(f"*{t('review.help_title', language)}*"), section(t("review.help", language))]
    return message(t("review.help_title", language), blocks)


def answer_review(body: dict[str, Any], respond: Any, client: Any, context: Any) -> None:
    text = (body.get("text") or "").strip()
    if text.lower() in ("", "help", "帮助", "?", "？"):
        return
    asker, deps = asker_of(context), deps_of(context)
    if not asker.is_manager:
        respond(blocks=managers_only(t("review.what", asker.language), asker.language), text="/review")
        return
    prepare_people(client, deps, asker.team_id, text)
    verb, _, rest = text.partition(" ")
    handler = _VERBS.get(simplified(verb).lower())  # /review 開始 as 开始
    try:
        if handler is not None:
            handler(rest.strip(), respond=respond, client=client, asker=asker, deps=deps)
        else:
            cmd_review(text, respond=respond, client=client, asker=asker, deps=deps)
    except Exception:
        log.exception("/review failed: %r", text)
        respond(text=t("review.failed", asker.language), response_type="ephemeral")


def _period(text: str, asker: Asker, deps: Deps, respond: Any) -> tuple[Period, str] | None:
    """The month or quarter a command names, with its cadence; None after saying what was not understood."""
    lang = asker.language
    try:
        period = resolve_period(text, today=clock.today(asker.timezone), language=lang,
                                fiscal_year_start_month=deps.fiscal_year_start_month)
    except PeriodProblem as problem:
        blocks = not_understood(understood=[], rest=text, examples=EXAMPLES, language=lang)
        if problem.hint:
            blocks.append(context(problem.hint))
        respond(blocks=blocks, text=blocks[0]["text"]["text"])
        return None
    cadence = review_cadence(period)
    if cadence is None:
        said = t("review.need_month_or_quarter", lang, period=period.label(lang))
        respond(blocks=[section(said), context(" · ".join(f"`{e}`" for e in EXAMPLES[:2]))], text=said)
        return None
    return Period(period.start, period.end, "quarter" if cadence == "quarterly" else "month",
                  deps.fiscal_year_start_month), cadence


def cmd_review(text: str, *, respond: Any, client: Any, asker: Asker, deps: Deps, **_: Any) -> None:
    """The review of a period now: the message here, its PDF in the manager's DM."""
    found = _period(text, asker, deps, respond)
    if found is None:
        return
    period, cadence = found
    doc = build(deps, asker.team_id, asker.user_id, period, cadence, asker.language, clock.today(asker.timezone))
    blocks = review_blocks(doc)
    opened: list[str] = []
    outcome = call_once("review PDF: opening the DM", lambda: opened.append(
        client.conversations_open(users=asker.user_id)["channel"]["id"]))
    note = None
    if outcome.done:
        sent = upload_once(client, f"review:{asker.user_id}:{period.start}:{clock.wall().timestamp()}",
                           since=clock.wall(), what="review PDF", channel=opened[0], **pdf_upload(doc))
        if sent.status == UNSURE:
            note = t("review.pdf.unsure", asker.language, ask=_short(period))
        elif not sent.done:
            note = t("review.pdf.refused", asker.language, error=mrkdwn.escape(sent.error))
    else:
        note = t("review.pdf.refused", asker.language, error=mrkdwn.escape(outcome.error or "no answer"))
    if note:
        blocks = [*blocks[:49], context(note)]
    respond(response_type="ephemeral", text=mrkdwn.plain(doc.title.strip("*")), blocks=blocks)


def build(deps: Deps, team_id: str, manager_user_id: str, period: Period, cadence: str, language: str,
          today: date) -> ReviewDoc:
    with Session(deps.engine) as session:
        ws = session.get(Workspace, team_id)
        return compose_review(session, team_id=team_id, manager_user_id=manager_user_id, period=period,
                              cadence=cadence, language=language, today=today, currency=ws.currency if ws else "USD")


def review_blocks(doc: ReviewDoc) -> list[Block]:
    """The review as Block Kit: the title, then each section (split at Slack's 3,000 characters); at most 50."""
    blocks: list[Block] = [section(doc.title)]
    for heading, lines in doc.sections:
        blocks += sections([f"*{heading}*", *lines])
    return blocks[:50]


def pdf_upload(doc: ReviewDoc) -> dict[str, Any]:
    period = doc.period
    name = f"review-{period.start:%Y-%m}" + ("" if period.kind == "month" else f"-to-{period.last_day:%Y-%m}")
    return {"file": render_pdf(doc), "filename": f"{name}.pdf", "title": mrkdwn.plain(doc.title.strip("*")),
            "initial_comment": t("review.pdf.comment", doc.language)}


def cmd_schedule(rest: str, *, respond: Any, asker: Asker, deps: Deps, **_: Any) -> None:
    lang = asker.language
    words = simplified(rest)  # 每季 / 關閉 as 关闭
    cadence = next((c for pattern, c in _CADENCE if pattern.search(words)), None)
    if cadence is None:
        respond(blocks=not_understood(understood=["schedule"], rest=rest, language=lang,
                                      examples=["/review schedule quarterly", "/review schedule monthly off"]))
        return
    off = bool(_OFF.search(words))
    with session_scope(deps.engine) as session:
        store.set_schedule(session, team_id=asker.team_id, manager_user_id=asker.user_id, cadence=cadence,
                           active=not off)
        reps = store.manager_reps(session, team_id=asker.team_id, manager_member_id=asker.member_id)
    label = t(f"review.cadence.{cadence}", lang)
    if off:
        respond(text=t("review.schedule.off", lang, cadence=label))
        return
    current = period_for_kind("this_quarter" if cadence == "quarterly" else "this_month",
                              today=clock.today(asker.timezone), fiscal_year_start_month=deps.fiscal_year_start_month)
    days = store.CLOSES_AFTER.days
    said = tn("review.schedule.on", len(reps), lang, cadence=label, unit=t(f"review.unit.{cadence}", lang), days=days,
             period=current.label(lang))
    respond(text=said if reps else f"{said}\n{t('review.no_reps', lang)}")


def cmd_start(rest: str, *, respond: Any, client: Any, asker: Asker, deps: Deps, **_: Any) -> None:
    lang = asker.language
    found = _period(rest, asker, deps, respond)
    if found is None:
        return
    period, cadence = found
    now = clock.now()
    with session_scope(deps.engine) as session:
        reps = store.manager_reps(session, team_id=asker.team_id, manager_member_id=asker.member_id)
        if not reps:
            respond(text=t("review.no_reps", lang))
            return
        for rep in reps:  # each is asked at their own working hour: their zone as Slack has it now
            checkin._refresh(rep, checkin._safe_profile(client, rep.slack_user_id or ""))
        review, created = store.open_round(session, team_id=asker.team_id, manager_user_id=asker.user_id,
                                           cadence=cadence, start=period.start, end=period.end,
                                           member_ids=[int(r.id or 0) for r in reps], opens_at=now)
        ws = session.get(Workspace, asker.team_id)
        default_tz = ws.timezone if ws else "UTC"
        closes = _when(deliveries.as_utc(review.closes_at), asker.timezone, lang)
        if not created:
            respond(text=t("review.already", lang, period=period.label(lang), closes=closes, ask=_short(period)))
            return
        lines = [tn("review.started", len(reps), lang, period=period.label(lang), closes=closes, ask=_short(period))]
        for rep in reps:
            tz = rep.timezone or default_tz
            moment = ask_at(now, tz)
            when = t("review.started.now", lang) if moment <= now else f"{_when(moment, tz, lang)} ({tz})"
            lines.append(t("review.started.rep", lang, name=_name(rep), when=when))
    respond(blocks=[section(lines[0]), *sections(lines[1:])], text=lines[0])


def cmd_action(rest: str, *, respond: Any, client: Any, asker: Asker, deps: Deps, **_: Any) -> None:
    lang = asker.language
    example = EXAMPLES[3]
    quoted = _QUOTED.search(rest)
    if quoted is None:
        respond(text=t("review.action.need_text", lang, example=example))
        return
    text = next(g for g in quoted.groups() if g).strip()
    others = rest[: quoted.start()] + " " + rest[quoted.end():]
    due: date | None = None
    if found := _DUE.search(MENTION.sub(" ", others)):
        due = checkin._parse_day(found.group(1), asker.timezone)
        if due is None:
            respond(text=t("review.action.bad_day", lang, text=mrkdwn.escape(found.group(1)), example=example))
            return
    refs = mention_refs(others)
    with session_scope(deps.engine) as session:
        owner = None
        if refs:
            match = resolve_person(session, asker.team_id, refs[0])
            owner = session.get(Member, match.member_id) if match.found else None
            if owner is None:
                blocks = person_unclear(match, language=lang, example='/review action "…" {who} by 2027-01-15')
                respond(blocks=blocks, text=blocks[0]["text"]["text"])
                return
        row = store.add_action(session, team_id=asker.team_id, manager_user_id=asker.user_id, text=text,
                               owner_id=owner.id if owner else None, due_date=due)
        line = action_line(row, owner, clock.today(asker.timezone), lang)
        respond(text=t("review.action.saved", lang, id=row.id, line=line))


def cmd_done(rest: str, *, respond: Any, asker: Asker, deps: Deps, **_: Any) -> None:
    lang = asker.language
    number = rest.strip().lstrip("#")
    if not (number.isascii() and number.isdigit() and len(number) < 10):
        respond(blocks=not_understood(understood=["done"], rest=rest, examples=["/review done 3"], language=lang))
        return
    with session_scope(deps.engine) as session:
        row = store.mark_done(session, team_id=asker.team_id, manager_user_id=asker.user_id, action_id=int(number))
        if row is None:
            respond(text=t("review.done.unknown", lang, id=number))
            return
        owner = session.get(Member, row.owner_id) if row.owner_id else None
        respond(text=t("review.done.ok", lang, id=row.id, line=action_line(row, owner, clock.today(asker.timezone),
                                                                            lang)))


def cmd_actions(rest: str, *, respond: Any, asker: Asker, deps: Deps, **_: Any) -> None:
    lang = asker.language
    with Session(deps.engine) as session:
        rows = store.actions_of(session, team_id=asker.team_id, manager_user_id=asker.user_id)
        owners = {r.owner_id: session.get(Member, r.owner_id) for r in rows if r.owner_id}
        today = clock.today(asker.timezone)
        lines = [action_line(r, owners.get(r.owner_id), today, lang) for r in rows]
    if not lines:
        respond(text=t("review.actions.none", lang))
        return
    respond(blocks=[section(t("review.actions.title", lang)), *sections(lines)], text=t("review.actions.title", lang))


_VERBS: dict[str, Any] = {
    "schedule": cmd_schedule, "安排": cmd_schedule,
    "start": cmd_start, "开始": cmd_start,
    "action": cmd_action, "行动": cmd_action,
    "done": cmd_done, "完成": cmd_done,
    "actions": cmd_actions, "行动列表": cmd_actions,
}  # looked up through simplified(): 行動 / 開始 / 行動列表 too


# --------------------------------------------------------------------------------------- the rep's DM


def greeting(session: Session, run: CheckinRun, rep: Member, manager: str, language: str) -> dict[str, Any]:
    """The first DM of a reflection: who asks, about which period, the rep's own figures, the first question."""
    review = store.round_of_schedule(session, run.schedule_id)
    ws = session.get(Workspace, run.team_id)
    questions = list(run.questions)
    intro = [t("review.dm.greeting", language, name=_name(rep).split(" ")[0], manager=manager,
               period=_short(round_period(review, _fiscal(session, run.team_id)), language) if review else "")]
    if review is not None:
        period = round_period(review, _fiscal(session, run.team_id))
        today = clock.today(rep.timezone or (ws.timezone if ws else "UTC"))
        try:
            figures = rep_figures(session, team_id=run.team_id, member_id=int(rep.id or 0), period=period,
                                  today=min(period.last_day, today))
            intro.append(t("review.dm.figures", language, period=_short(period, language), figures=figures_line(figures,
                                                                                                      language)))
        except Exception:  # figures are a courtesy: a KPI problem must not stop the reflection
            log.exception("could not compute the review figures of member %s", rep.id)
    ask = t("checkin.dm.question", language, n=1, total=len(questions), question=mrkdwn.escape(questions[0]))
    blocks = [
        section("\n".join(intro)),
        section(ask),
        context(t("checkin.dm.hint", language)),
        actions(button(t("checkin.dm.form_button", language), "checkin_form", str(run.id), style="primary")),
    ]
    return message(f"{intro[0]}\n{ask}", blocks)


checkin.GREETERS["review"] = greeting


# ------------------------------------------------------------------------------------ scheduled sources


def open_scheduled_rounds(session: Session, now: datetime) -> None:
    """Open the round of every review schedule whose period has just ended (once: the round is unique)."""
    for schedule in store.active_schedules(session):
        ws = session.get(Workspace, schedule.team_id)
        zone = ZoneInfo(ws.timezone if ws else "UTC")
        fiscal = ws.fiscal_year_start_month if ws else 1
        today = now.astimezone(zone).date()
        period = period_for_kind("last_quarter" if schedule.cadence == "quarterly" else "last_month", today=today,
                                 fiscal_year_start_month=fiscal)
        created = deliveries.as_utc(schedule.created_at).astimezone(zone).date()
        opens_at = datetime.combine(period.end, time(WORK_STARTS), zone).astimezone(UTC)
        if not (created < period.end and opens_at <= now < opens_at + store.CLOSES_AFTER):
            continue
        if store.round_for(session, team_id=schedule.team_id, manager_user_id=schedule.manager_user_id,
                           start=period.start, end=period.end):
            continue
        manager = member_by_slack_id(session, schedule.team_id, schedule.manager_user_id)
        reps = store.manager_reps(session, team_id=schedule.team_id, manager_member_id=manager.id if manager else None)
        if reps:
            store.open_round(session, team_id=schedule.team_id, manager_user_id=schedule.manager_user_id,
                             cadence=schedule.cadence, start=period.start, end=period.end,
                             member_ids=[int(r.id or 0) for r in reps], opens_at=opens_at)


class ReviewAskSource:
    """Each rep of an open round gets the reflection questions once, at a working hour of their time zone."""

    kind = "review_ask"
    grace = timedelta(days=1)

    def due(self, session: Session, now: datetime) -> list[DueDelivery]:
        open_scheduled_rounds(session, now)
        rounds = store.rounds_asking(session, now)
        if not rounds:
            return []
        wanted = list({i for r in rounds for i in r.member_ids})
        members = {m.id: m for m in session.exec(select(Member).where(Member.id.in_(wanted)))}  # type: ignore[union-attr]
        done = deliveries.delivered_keys(session, kind=self.kind, schedule_ids=[r.checkin_schedule_id for r in rounds],
                                         since=now - store.CLOSES_AFTER - timedelta(days=1))
        items = []
        for review in rounds:
            ws = session.get(Workspace, review.team_id)
            for member_id in review.member_ids:
                rep = members.get(member_id)
                if rep is None or not rep.slack_user_id or not rep.active:
                    continue
                moment = ask_at(deliveries.as_utc(review.opens_at), rep.timezone or (ws.timezone if ws else "UTC"))
                key = (review.checkin_schedule_id, moment.replace(tzinfo=None), rep.slack_user_id)
                if moment <= now and key not in done:
                    items.append(DueDelivery(review.team_id, self.kind, review.checkin_schedule_id, moment,
                                             rep.slack_user_id, {"member_id": member_id, "now": now.isoformat()}))
        return items

    def deliver(self, item: DueDelivery, client: Any, deps: Deps) -> None:
        now = datetime.fromisoformat(item.payload["now"])
        profile = checkin._profile(client, item.recipient)
        with session_scope(deps.engine) as session:
            carrier = session.get(CheckinSchedule, item.schedule_id)
            rep = session.get(Member, item.payload["member_id"])
            review = store.round_of_schedule(session, item.schedule_id)
            if carrier is None or rep is None or review is None:
                return
            checkin._refresh(rep, profile)
            ws = session.get(Workspace, rep.team_id)
            lang = _lang_of(rep, ws)
            period = round_period(review, _fiscal(session, rep.team_id, deps))
            today = now.astimezone(ZoneInfo(rep.timezone or (ws.timezone if ws else "UTC"))).date()
            run = checkin_store.start_run(
                session, team_id=item.team_id, schedule=carrier, member=rep, occurrence=item.occurrence,
                questions=reflection_questions(period, review.cadence, lang), now=now,
                away=checkin._is_away(rep, profile, today),
            )
            run_id = int(run.id or 0)
        checkin.post_run(client, deps, run_id, now)

    def on_failed(self, item: DueDelivery, reason: str, client: Any, deps: Deps) -> None:
        log.warning("reflection questions to %s failed: %s", item.recipient, reason)


class ReviewReminderSource:
    """One reminder, a day before the rep's deadline, while the reflection is unanswered."""

    kind = "review_reminder"
    grace = timedelta(days=10)  # keyed by the run's occurrence; due() itself stops at the deadline

    def due(self, session: Session, now: datetime) -> list[DueDelivery]:
        return [
            DueDelivery(r.team_id, self.kind, r.schedule_id, r.occurrence, r.slack_user_id, {"run_id": r.run_id})
            for r in checkin_store.reminders_due(session, now, purpose="review", kind=self.kind)
        ]

    def deliver(self, item: DueDelivery, client: Any, deps: Deps) -> None:
        with Session(deps.engine) as session:
            run = session.get(CheckinRun, item.payload["run_id"])
            if run is None or run.status != "asking" or not run.channel_id:
                return  # answered (or never asked) meanwhile: no reminder
            rep = session.get(Member, run.member_id)
            review = store.round_of_schedule(session, run.schedule_id)
            ws = session.get(Workspace, run.team_id)
            if rep is None or review is None:
                return
            lang = _lang_of(rep, ws)
            manager = _name(member_by_slack_id(session, run.team_id, review.manager_user_id))
            questions, index = list(run.questions), run.current_index
            period = round_period(review, _fiscal(session, run.team_id))
            text = t("review.dm.reminder", lang, period=_short(period, lang),
                     manager=manager, deadline=_when(deliveries.as_utc(run.deadline_at), rep.timezone or "UTC", lang),
                     left=len(questions) - index, total=len(questions))
            ask = t("checkin.dm.question", lang, n=index + 1, total=len(questions),
                    question=mrkdwn.escape(questions[index]))
            payload = message(f"{text}\n{ask}", [section(text), section(ask), actions(
                button(t("checkin.dm.form_button", lang), "checkin_form", str(run.id), style="primary"))])
            channel, run_id = run.channel_id, int(run.id or 0)
        client.chat_postMessage(channel=channel, **payload)
        with session_scope(deps.engine) as session:
            checkin_store.mark_reminded(session, run_id, now=clock.now())

    def on_failed(self, item: DueDelivery, reason: str, client: Any, deps: Deps) -> None:
        log.warning("reflection reminder to %s failed: %s", item.recipient, reason)


class ReviewSource:
    """When a round closes, the manager gets the review in their DM: the message, then the same as a PDF."""

    kind = "review"
    grace = timedelta(days=2)

    def due(self, session: Session, now: datetime) -> list[DueDelivery]:
        rounds = store.rounds_closed(session, now, lookback=self.grace)
        if not rounds:
            return []
        done = deliveries.delivered_keys(session, kind=self.kind, schedule_ids=[int(r.id or 0) for r in rounds],
                                         since=now - self.grace - timedelta(days=1))
        return [
            DueDelivery(r.team_id, self.kind, int(r.id or 0), deliveries.as_utc(r.closes_at), r.manager_user_id, {})
            for r in rounds
            if (r.id, deliveries.as_utc(r.closes_at).replace(tzinfo=None), r.manager_user_id) not in done
        ]

    def deliver(self, item: DueDelivery, client: Any, deps: Deps) -> None:
        with Session(deps.engine) as session:
            review = session.get(ReviewRound, item.schedule_id)
            if review is None:
                return
            manager = member_by_slack_id(session, review.team_id, review.manager_user_id)
            ws = session.get(Workspace, review.team_id)
            lang = _lang_of(manager, ws)
            period = round_period(review, _fiscal(session, review.team_id, deps))
            timezone = (manager.timezone if manager else None) or (ws.timezone if ws else "UTC")
        today = item.occurrence.astimezone(ZoneInfo(timezone or "UTC")).date()  # the day the round closed
        doc = build(deps, review.team_id, review.manager_user_id, period, review.cadence, lang, today)
        dm = client.conversations_open(users=review.manager_user_id)["channel"]["id"]
        client.chat_postMessage(channel=dm, text=mrkdwn.plain(doc.title.strip("*")), blocks=review_blocks(doc))
        client.files_upload_v2(channel=dm, **pdf_upload(doc))

    def on_failed(self, item: DueDelivery, reason: str, client: Any, deps: Deps) -> None:
        log.warning("review %s for %s failed: %s", item.schedule_id, item.recipient, reason)


def job_sources() -> list[Any]:
    return [ReviewAskSource(), ReviewReminderSource(), ReviewSource()]


def register(app: Any) -> None:
    app.command("/review")(ack=ack_review, lazy=[answer_review])
