"""`/feedback`: log customer feedback, read the summary, and alert on bad feedback at once.

`/feedback Cancity 2 delivery late again` logs a 2 of 5 (`nps 7` or `7/10` for the 0-10 scale);
`/feedback`, `/feedback summary last month` or `/feedback 汇总 上个月` show CSAT, NPS, themes and accounts at
risk — the team's for managers, their own accounts' for reps. Acknowledged at once; the work runs after the
ack (lazy listener) and answers through `response_url`.

Bad feedback (1-2 of 5, 0-6 of 10) is DMed right after it is stored to the account owner's manager and to
the rep, minus whoever logged it. Each DM is recorded in the delivery ledger under (feedback id, recipient)
before it is sent, so it goes out once even if the request is processed twice; a failed send is retried by
the scheduler (`FeedbackAlerts` job source), which also alerts on bad feedback that arrives by import.
"""

import logging
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from slack_bolt import Ack, Respond
from slack_sdk.errors import SlackApiError
from sqlalchemy import or_, select
from sqlmodel import Session

from db import clock, deliveries
from db import feedback as store
from db.engine import session_scope
from db.models import Deal, Delivery, Feedback, Member
from db.repeats import first_time
from handlers import feedback_views
from handlers.blocks import Block, context, message, section
from handlers.context import Asker, Deps, asker_of, deps_of
from handlers.delivery_client import AMBIGUOUS, DeliveryClient, delivery_key
from handlers.feedback_themes import theme_line, themes_reply
from handlers.jobs import PERMANENT_SLACK_ERRORS, DueDelivery, PermanentFailure
from handlers.kpi import local_today
from handlers.replies import not_understood, repeated
from reports import account_names, feedback_signals, mrkdwn
from reports import feedback_analysis as analysis
from reports import feedback_themes as themes
from reports.changes import change_text
from reports.formatting import date_short, number, percent
from reports.i18n import Texts, add_messages, has_cjk, language_for, msg, nmsg, simplified, t, tn
from reports.kpi_period import PeriodProblem, resolve_period

log = logging.getLogger("salesbot.feedback")

add_messages(
    msg("feedback.help_title", "/feedback — customer feedback"),
    msg("feedback.help", "*Log*: `/feedback ACCOUNT RATING COMMENT` — rating 1-5, or `nps 0-10`\n`/feedback Cancity "
        "2 third late shipment` · `/feedback \"Bluth Co\" nps 9 great support`\n*Form*: `/feedback` alone · on any "
        "message: ⋯ → *Log as customer feedback*\n*Summary*: `/feedback summary` (this month) · `/feedback summary "
        "last month` · `/feedback summary Q3`\n*Themes*: `/feedback themes product \"GTX Pro\" last quarter` · "
        "`/feedback themes account Cancity` · `/feedback themes by product` (or `by account`)\nManagers see the "
        "team, reps their own accounts. A rating of 1-2 (or NPS 0-6) alerts the account's rep and their manager at "
        "once."),
    msg("feedback.logged", "Feedback logged"),
    msg("feedback.owner", "owner {name}"),
    msg("feedback.no_rating", "no rating"),
    msg("feedback.sounds", "sounds {tone}"),
    msg("feedback.alerted", "⚠ Bad feedback: alert sent to {names}."),
    msg("feedback.alert_nobody", "⚠ Bad feedback, but there is no one else to alert (no rep or manager linked to "
        "this account)."),
    msg("feedback.alert_title", "⚠ Bad feedback from *{account}*: {rating}"),
    msg("feedback.alert_by", "Logged by {who} · {day}"),
    msg("feedback.alert_imported", "Imported · {day}"),
    msg("feedback.alert_recent", "{n} low ratings from {account} in 30 days"),
    msg("feedback.alert_more", "`/feedback summary` for the themes and the accounts at risk"),
    msg("feedback.title", "Customer feedback · {period}"),
    msg("feedback.title_mine", "Feedback on your accounts · {period}"),
    nmsg("feedback.items", "{n} item", "{n} items"),
    msg("feedback.vs", "Items in the previous period: {n}"),
    msg("feedback.top_complaints", "Top complaints"),
    msg("feedback.top_praise", "Top praise"),
    msg("feedback.avg_over", "avg {stars}★ over {n} mentions"),
    msg("feedback.at_risk", "At risk: {accounts}"),
    msg("feedback.risk_low", "{n} low ratings in 30 days"),
    msg("feedback.risk_drop", "avg {before} → {after}"),
    msg("feedback.more_accounts", "+{n} more"),
    msg("feedback.no_risk", "No account at risk."),
    msg("feedback.unrated", "Comments without a rating: {n}, negative in tone: {neg}"),
    msg("feedback.none", "No feedback in {period}. Log some: `/feedback Cancity 4 quick delivery`"),
    msg("feedback.outside_data", "No feedback in {period}: the feedback received runs from {first} to {last} — try "
        "`{example}`"),
    msg("feedback.what", "feedback"),
    msg("feedback.check", "`/feedback summary` shows it."),
    msg("feedback.failed", "Sorry, something went wrong while I was answering; the error was logged. What you sent "
        "may already be saved: `/feedback summary` shows it. The same line sent again within 2 minutes is "
        "recognised and never stored twice."),
    msg("feedback.bad_rating", "a rating of {n}: use 1-5, or `nps {n}` for the 0-10 scale"),
    msg("feedback.need_account", "which account"),
    msg("feedback.understood_rating", "rating {rating}"),
    msg("feedback.signal.title", "Quality signal"),
    msg("feedback.signal.items", "From Slack: {links}"),
    msg("feedback.signal.more", "`/feedback summary last 30 days` for every theme"),
    msg("feedback.signal.rising", "Rising complaints"),
    msg("feedback.tone.negative", "negative"),
    msg("feedback.tone.neutral", "neutral"),
    msg("feedback.tone.positive", "positive"),
)

EXAMPLES = Texts(  # a command's examples, in the reader's language: EXAMPLES[language]
    msg("feedback.example.1", "/feedback Cancity 2 third late shipment"),
    msg("feedback.example.2", "/feedback Isdom nps 9 great onboarding"),
    msg("feedback.example.3", "/feedback summary"),
)
HELP_WORDS = {"help", "帮助", "?", "？"}
SUMMARY_WORDS = ("summary", "summarize", "summarise", "report", "汇总", "总结", "概况", "统计")
THEMES_WORDS = ("themes", "theme", "topics", "话题", "主题", "話題", "主題")
ALERT_KIND = "feedback_alert"
ALERT_LOOKBACK = timedelta(days=2)  # bad feedback received or stored longer ago than this is not alerted
MAX_RISKS_SHOWN = 4
MAX_COMPLAINTS_SHOWN = 5
MAX_SIGNALS_SHOWN = 3
MAX_PRAISE_SHOWN = 3

_QUOTED = re.compile(r'^\s*["“「『](?P<account>[^"”」』]+)["”」』]\s*(?P<rest>.*)$', re.S)
_RATING = re.compile(
    r"(?:(?<=\s)|^)(?:(?P<nps>nps)\s*[:=]?\s*(?P<nps_n>\d{1,2})(?:\s*/\s*10)?"
    r"|(?P<n>\d{1,2})\s*(?:/\s*(?P<of>5|10)|★+|星|分|stars?\b)?)"
    r"(?=\s|$|[\u3400-\u9fff，,。.!！:：;；-])",
    re.IGNORECASE,
)


# -------------------------------------------------------------------------------------------- parsing


@dataclass(frozen=True)
class Request:
    """What a `/feedback` line asks for: help, a summary over a period, or one item to log."""

    kind: str  # help | summary | themes | log | bad
    period_text: str = ""
    account: str = ""
    rating: int | None = None
    scale: int = 5
    comment: str = ""
    problem: str = ""  # for 'bad': what was not understood


def parse_request(text: str, known_accounts: Any = None) -> Request:
    """Read a `/feedback` line. `known_accounts(name_prefix_text) -> str | None` finds an account at the start
    of a line without a rating (a comment-only item)."""
    text = " ".join((text or "").split())
    lowered = simplified(text).lower()  # 彙總 / 話題 as 汇总 / 话题 (same length; names and comments stay as typed)
    if not text:
        return Request("summary")
    if lowered in HELP_WORDS:
        return Request("help")
    for kind, verbs in (("summary", SUMMARY_WORDS), ("themes", THEMES_WORDS)):
        for word in verbs:
            if lowered == word or lowered.startswith(word + " ") or (has_cjk(word) and lowered.startswith(word)):
                return Request(kind, period_text=text[len(word) :].strip())
    quoted = _QUOTED.match(text)
    head, rest = (quoted["account"].strip(), quoted["rest"]) if quoted else ("", text)
    match = _RATING.search(rest)
    if match and (quoted is None or match.start() == 0):
        account = (head or rest[: match.start()]).strip(" :：,，-")
        comment = rest[match.end() :].strip(" :：,，-")
        if match["nps"] or match["of"] == "10":
            rating, scale = int(match["nps_n"] or match["n"]), 10
        else:
            rating, scale = int(match["n"]), 5
        low_end = 0 if scale == 10 else 1
        if not low_end <= rating <= scale:
            return Request("bad", account=account, rating=rating, scale=scale, problem="rating")
        if not account:
            return Request("bad", rating=rating, scale=scale, problem="account")
        return Request("log", account=account, rating=rating, scale=scale, comment=comment)
    if quoted:
        return Request("log", account=head, rating=None, comment=rest.strip())
    account = known_accounts(text) if known_accounts else None
    if account:
        return Request("log", account=account, rating=None, comment=text[len(account) :].strip(" :：,，-"))
    return Request("summary", period_text=text)  # perhaps a period alone: "/feedback last month"


def account_prefix(session: Session, team_id: str, text: str) -> str | None:
    """The longest known account name (from deals and feedback) that starts `text`, in the text's spelling."""
    lowered = text.lower()
    best = None
    for column, team in ((Deal.account, Deal.team_id), (Feedback.account, Feedback.team_id)):
        names = session.execute(select(column).where(team == team_id, column != "").distinct()).scalars()
        for name in names:
            n = name.lower()
            if lowered.startswith(n) and (len(lowered) == len(n) or not lowered[len(n)].isalnum() or has_cjk(n)):
                if best is None or len(name) > len(best):
                    best = text[: len(name)]
    return best


# ------------------------------------------------------------------------------------------ listeners


def ack_feedback(ack: Ack, body: dict[str, Any], context: Any) -> None:
    """Help is answered in the ack itself; anything else is acknowledged now and done by `answer_feedback`."""
    if (body.get("text") or "").strip().lower() in HELP_WORDS:
        ack(**help_message(asker_of(context).language))
        return
    ack()


def answer_feedback(body: dict[str, Any], respond: Respond, client: Any, context: Any) -> None:
    text = (body.get("text") or "").strip()
    if text.lower() in HELP_WORDS:
        return
    asker, deps = asker_of(context), deps_of(context)
    if not text and body.get("trigger_id"):
        try:
            feedback_views.open_form(client, str(body["trigger_id"]), asker.language)
            return
        except SlackApiError as exc:  # no form where Slack cannot show one: the summary instead
            log.info("feedback form not opened: %s", exc.response.get("error"))
    try:
        reply = handle(
            text,
            asker=asker,
            deps=deps,
            client=client,
            today=local_today(asker.timezone),
            external_id=str(body.get("trigger_id") or f"{asker.user_id}:{clock.now().isoformat()}"),
        )
    except Exception:
        log.exception("feedback command failed: %r", text)
        reply = {"text": t("feedback.failed", asker.language)}
    respond(**{"response_type": "ephemeral", **reply})


def help_message(language: str) -> dict[str, Any]:
    blocks = [
        section(f"*{t('feedback.help_title', language)}*"),
        section(t("feedback.help", language)),
        context(" · ".join(f"`{e}`" for e in EXAMPLES[language])),
    ]
    return message(t("feedback.help_title", language), blocks)


def handle(text: str, *, asker: Asker, deps: Deps, client: Any, today: date, external_id: str) -> dict[str, Any]:
    """Parse and do one `/feedback` line; returns the ephemeral reply."""
    lang = asker.language
    with session_scope(deps.engine) as session:
        request = parse_request(text, lambda line: account_prefix(session, asker.team_id, line))
    if request.kind == "help":
        return help_message(lang)
    if request.kind == "bad":
        return _not_understood(request, text, lang)
    if request.kind == "log":
        return log_feedback(request, asker=asker, deps=deps, client=client, today=today, external_id=external_id)
    if request.kind == "themes":
        return themes_reply(request.period_text, asker=asker, deps=deps, today=today)
    return summary_reply(request.period_text, asker=asker, deps=deps, today=today, whole_text=text)


def _not_understood(request: Request, text: str, lang: str) -> dict[str, Any]:
    examples = EXAMPLES[lang]
    understood = [request.account] if request.account else []
    if request.problem == "rating":
        blocks = not_understood(understood=understood, rest=str(request.rating), examples=examples, language=lang)
        blocks.insert(1, context(t("feedback.bad_rating", lang, n=request.rating)))
    else:
        understood.append(t("feedback.understood_rating", lang, rating=_rating_text(request.rating, request.scale)))
        rest = t("feedback.need_account", lang)
        blocks = not_understood(understood=understood, rest=rest, examples=examples, language=lang)
    return message(blocks[0]["text"]["text"], blocks)


# ------------------------------------------------------------------------------------------ logging


def log_feedback(
    request: Request, *, asker: Asker, deps: Deps, client: Any, today: date, external_id: str
) -> dict[str, Any]:
    """A `/feedback ACCOUNT RATING COMMENT` line: the account as known ("Bluth Co" -> "Bluth Co."), or "did you
    mean" when the name is new but close to a known one, else a new account."""
    with Session(deps.engine) as session:
        found = account_names.match(request.account, store.account_names(session, asker.team_id))
    if found.same is None and found.suggestions:
        return feedback_views.did_you_mean(request, found, lang=asker.language, external_id=external_id)
    return store_and_confirm(
        account=found.same or request.account,
        rating=request.rating,
        scale=request.scale,
        comment=request.comment,
        asker=asker,
        deps=deps,
        client=client,
        today=today,
        external_id=external_id,
    )


def store_and_confirm(
    *,
    account: str,
    rating: int | None,
    scale: int,
    comment: str,
    asker: Asker,
    deps: Deps,
    client: Any,
    today: date,
    external_id: str,
    product: str = "",
    link: str = "",
    rep_member_id: int | None = None,
) -> dict[str, Any]:
    """Store one item (once: the same item sent again within 2 minutes is recognised), alert on bad feedback,
    and return the confirmation the person who logged it sees. The rep is the one chosen, else the account's
    owner, else the rep who logged it."""
    lang = asker.language
    with session_scope(deps.engine) as session:
        earlier = first_time(session, team_id=asker.team_id, user_id=asker.user_id, action="feedback",
                             content=f"{account}|{rating}|{scale}|{comment}|{product}", now=clock.now())
        if earlier is not None:
            blocks = repeated(what=t("feedback.what", lang), at=earlier, timezone=asker.timezone,
                              check=t("feedback.check", lang), language=lang)
            return message(blocks[0]["text"]["text"], blocks)
        member_id = rep_member_id
        if member_id is None:
            owner = store.account_owner(session, asker.team_id, account)
            member_id = owner.id if owner else (None if asker.is_manager else asker.member_id)
        row, _created = store.add_feedback(
            session,
            team_id=asker.team_id,
            external_id=external_id,
            received_on=today,
            account=account,
            rating=rating,
            scale=scale,
            comment=comment,
            member_id=member_id,
            language="zh" if has_cjk(comment) else "en",
            created_by=asker.user_id,
            product=product,
            link=link,
        )
        owner_name = _name(session.get(Member, member_id)) if member_id else None
        feedback_id = int(row.id or 0)
    rating_text = _rating_text(rating, scale) if rating is not None else t("feedback.no_rating", lang)
    parts = [f"*{mrkdwn.escape(account)}*"]
    if product:
        parts.append(mrkdwn.escape(product))
    parts.append(rating_text)
    if comment:
        parts.append(f"“{mrkdwn.escape(analysis.shorten(comment))}”")
    if rating is None and comment:
        tone = analysis.sentiment(comment)
        parts.append(t("feedback.sounds", lang, tone=t(f"feedback.tone.{tone}", lang)))
    if owner_name:
        parts.append(t("feedback.owner", lang, name=owner_name))
    lines = [f"{t('feedback.logged', lang)} · " + " · ".join(parts)]
    if store.is_low(rating, scale):
        alerted = send_alerts(feedback_id, client=client, deps=deps, now=clock.now())
        lines.append(
            t("feedback.alerted", lang, names=", ".join(alerted)) if alerted else t("feedback.alert_nobody", lang)
        )
    return message(lines[0], [section("\n".join(lines))])


def _rating_text(rating: int | None, scale: int) -> str:
    if rating is None:
        return "—"
    return f"NPS {rating}/10" if scale == 10 else f"{rating}★"


def _name(member: Member | None) -> str:
    """A person's name for a message, escaped for mrkdwn ("" when unknown)."""
    if member is None:
        return ""
    return mrkdwn.escape(member.display_name or member.crm_name or member.slack_user_id or "")


# ------------------------------------------------------------------------------------------- alerts


def alert_recipients(session: Session, item: Feedback, extra_managers: tuple[str, ...] = ()) -> list[Member | str]:
    """Who hears about bad feedback: the account's rep and the rep's manager (every manager when the rep has
    none linked, or the account has no rep) — never the person who logged it. Slack ids when no member."""
    owner = session.get(Member, item.member_id) if item.member_id else None
    people: list[Member | str] = []
    if owner is not None and owner.slack_user_id:
        people.append(owner)
    manager = session.get(Member, owner.manager_id) if owner is not None and owner.manager_id else None
    if manager is not None and manager.slack_user_id:
        people.append(manager)
    else:
        managers = list(
            session.execute(
                select(Member)
                .where(
                    Member.team_id == item.team_id,
                    Member.role == "manager",
                    Member.active.is_(True),
                    Member.slack_user_id.is_not(None),
                )
                .order_by(Member.id)
            ).scalars()
        )
        people.extend(managers)
        known = {m.slack_user_id for m in managers}
        people.extend(uid for uid in extra_managers if uid not in known)
    seen: set[str] = set()
    out: list[Member | str] = []
    for person in people:
        uid = person if isinstance(person, str) else str(person.slack_user_id)
        if uid != item.created_by and uid not in seen:
            seen.add(uid)
            out.append(person)
    return out


def _occurrence(item: Feedback) -> datetime:
    return datetime.combine(item.received_on, time.min, tzinfo=UTC)


def send_alerts(feedback_id: int, *, client: Any, deps: Deps, now: datetime) -> list[str]:
    """DM each recipient of a bad item now, each once (ledger); the names of those it went to or will go to."""
    source = FeedbackAlerts()
    names: list[str] = []
    with Session(deps.engine) as session:
        item = session.get(Feedback, feedback_id)
        if item is None:
            return names
        for person in alert_recipients(session, item, deps.manager_ids):
            uid = person if isinstance(person, str) else str(person.slack_user_id)
            names.append(_name(person) if not isinstance(person, str) else f"<@{uid}>")
            due = DueDelivery(item.team_id, ALERT_KIND, int(item.id or 0), _occurrence(item), uid)
            claimed = deliveries.claim(
                session,
                team_id=item.team_id,
                kind=ALERT_KIND,
                schedule_id=due.schedule_id,
                occurrence=due.occurrence,
                recipient=uid,
                now=now,
            )
            if claimed is None:
                continue  # already sent (or being sent) by another request, instance or tick
            key = delivery_key(ALERT_KIND, due.schedule_id, due.occurrence, uid)
            try:
                source.deliver(due, DeliveryClient(client, key, look_first=claimed.attempts > 1,
                                                 since=claimed.first_attempt_at), deps)
            except AMBIGUOUS as exc:  # Slack may have posted it: the next tick looks before sending again
                deliveries.retry_later(session, claimed, now=now, delay=timedelta(seconds=30),
                                       error=f"no answer from Slack: {exc!r}")
                log.warning("feedback alert %s to %s: no answer from Slack; the next tick checks", feedback_id, uid)
                continue
            except (SlackApiError, PermanentFailure) as exc:
                error = str(exc.response.get("error")) if isinstance(exc, SlackApiError) else str(exc)
                if isinstance(exc, PermanentFailure) or error in PERMANENT_SLACK_ERRORS:
                    deliveries.mark_failed(session, int(claimed.id or 0), error=error)
                else:  # the scheduler's next tick retries it
                    deliveries.retry_later(session, claimed, now=now, delay=timedelta(seconds=30), error=error)
                log.warning("feedback alert %s to %s not sent now: %s", feedback_id, uid, error)
                continue
            deliveries.mark_sent(session, int(claimed.id or 0), now=now)
    return names


class FeedbackAlerts:
    """Job source: bad feedback not yet alerted (a failed send, or an import) goes out on the next tick."""

    kind = ALERT_KIND
    grace = ALERT_LOOKBACK + timedelta(days=1)

    def due(self, session: Session, now: datetime) -> list[DueDelivery]:
        since = now - ALERT_LOOKBACK
        f = Feedback
        rows = (
            session.execute(
                select(f).where(
                    f.received_on >= since.date(),
                    f.created_at >= since,
                    f.source != "demo",
                    f.rating.is_not(None),
                    or_(
                        (f.scale == 5) & (f.rating <= store.LOW_CSAT_TO),
                        (f.scale == 10) & (f.rating <= store.LOW_NPS_TO),
                    ),
                )
            )
            .scalars()
            .all()
        )
        if not rows:
            return []
        done = {
            (sid, rcpt)
            for sid, rcpt in session.execute(
                select(Delivery.schedule_id, Delivery.recipient).where(
                    Delivery.kind == ALERT_KIND,
                    Delivery.schedule_id.in_([r.id for r in rows]),
                    Delivery.status != "pending",
                )
            )
        }
        out = []
        for item in rows:
            for person in alert_recipients(session, item):
                uid = person if isinstance(person, str) else str(person.slack_user_id)
                if (item.id, uid) not in done:
                    out.append(DueDelivery(item.team_id, ALERT_KIND, int(item.id or 0), _occurrence(item), uid))
        return out

    def deliver(self, item: DueDelivery, client: Any, deps: Deps) -> None:
        with Session(deps.engine) as session:
            fb = session.get(Feedback, item.schedule_id)
            if fb is None:
                raise PermanentFailure("the feedback was deleted")
            recipient = session.execute(
                select(Member).where(Member.team_id == fb.team_id, Member.slack_user_id == item.recipient)
            ).scalar()
            lang = _language_of(recipient, deps)
            payload = alert_message(session, fb, lang)
        client.chat_postMessage(channel=item.recipient, **payload)

    def on_failed(self, item: DueDelivery, reason: str, client: Any, deps: Deps) -> None:
        log.error("feedback alert %s could not reach %s: %s", item.schedule_id, item.recipient, reason)


def _language_of(member: Member | None, deps: Deps) -> str:
    if member is not None and member.locale:
        return language_for(locale=member.locale)  # zh-TW reads Traditional
    return deps.language if deps.language in ("en", "zh") else "en"


def alert_message(session: Session, item: Feedback, lang: str) -> dict[str, Any]:
    """The DM about one bad item: who, how bad, what they said, and whether it is a pattern."""
    account = mrkdwn.escape(item.account or "?")
    title = t("feedback.alert_title", lang, account=account, rating=_rating_text(item.rating, item.scale))
    lines = [title]
    if item.comment:
        lines.append(f"> {mrkdwn.escape(analysis.shorten(item.comment, 300))}")
    by = (
        session.execute(
            select(Member).where(Member.team_id == item.team_id, Member.slack_user_id == item.created_by)
        ).scalar()
        if item.created_by
        else None
    )
    day = date_short(item.received_on, lang)
    facts = [
        t("feedback.alert_by", lang, who=_name(by) or f"<@{item.created_by}>", day=day)
        if item.created_by
        else t("feedback.alert_imported", lang, day=day)
    ]
    owner = session.get(Member, item.member_id) if item.member_id else None
    if owner is not None:
        facts.append(t("feedback.owner", lang, name=_name(owner)))
    if item.account:
        since, until = store.window(item.received_on + timedelta(days=1), analysis.AT_RISK_WINDOW_DAYS)
        n = store.recent_low(session, item.team_id, since=since, until=until).get(item.account, 0)
        if n > 1:
            facts.append(t("feedback.alert_recent", lang, n=n, account=account))
    blocks: list[Block] = [
        section("\n".join(lines)),
        context(" · ".join(facts)),
        context(t("feedback.alert_more", lang)),
    ]
    return message(title.replace("*", ""), blocks)


# ------------------------------------------------------------------------------------------ summary


def summary_reply(period_text: str, *, asker: Asker, deps: Deps, today: date, whole_text: str) -> dict[str, Any]:
    lang = asker.language
    try:
        period = resolve_period(
            period_text, today=today, language=lang, fiscal_year_start_month=deps.fiscal_year_start_month
        )
    except PeriodProblem as problem:
        blocks = not_understood(
            understood=[],
            rest=period_text or whole_text,
            examples=EXAMPLES[lang],
            language=lang,
            typed=whole_text,
        )
        if problem.hint:
            blocks.append(context(problem.hint))
        return message(blocks[0]["text"]["text"], blocks)
    member_id = None if asker.is_manager else asker.member_id
    with Session(deps.engine) as session:
        summary = analysis.summarise(session, asker.team_id, period, member_id=member_id, today=today)
        span = store.received_span(session, asker.team_id, member_id) if summary.items == 0 else (None, None)
    if span[0] is not None and span[1] is not None and span[0] < period.end and period.start <= span[1]:
        span = (None, None)  # the period lies within the feedback's span: simply none in it
    return render_summary(summary, period.label(lang), lang, mine=member_id is not None, span=span)


def _nps_text(nps: float, lang: str) -> str:
    value = round(nps)
    return ("+" if value > 0 else "−" if value < 0 else "") + number(abs(value), lang)


def _change(unit: str, current: float | None, previous: float | None, lang: str) -> str:
    """CSAT in percentage points, NPS in points, as every other answer writes them (reports/changes.py);
    '' without a previous period to compare with."""
    return change_text(unit, current, previous, lang) if current is not None and previous is not None else ""


def render_summary(
    s: analysis.FeedbackSummary,
    period_label: str,
    lang: str,
    *,
    mine: bool,
    span: tuple[date | None, date | None] = (None, None),
) -> dict[str, Any]:
    """The summary as the UX sketch reads: headline figures, top themes, accounts at risk. An empty period with
    feedback elsewhere (`span`: first and last day received) says where it is instead of "log some"."""
    title = t("feedback.title_mine" if mine else "feedback.title", lang, period=period_label)
    if s.items == 0:
        first, last = span
        if first is not None and last is not None:
            example = f"/feedback 汇总 {last.year}年" if lang == "zh" else f"/feedback summary {last.year}"
            text = t("feedback.outside_data", lang, period=period_label, first=first.isoformat(),
                     last=last.isoformat(), example=example)
        else:
            text = t("feedback.none", lang, period=period_label)
        return message(text, [section(f"*{title}*"), context(text)])
    lp, rp = ("（", "）") if lang == "zh" else (" (", ")")
    head = [f"*{title}*", tn("feedback.items", s.items, lang, n=number(s.items, lang))]
    if s.csat is not None:
        change = _change("ratio", s.csat, s.previous_csat, lang)
        head.append(f"CSAT {percent(s.csat, lang, 0)}" + (f"{lp}{change}{rp}" if change else ""))
    if s.nps is not None:
        change = _change("score", s.nps, s.previous_nps, lang)
        head.append(f"NPS {_nps_text(s.nps, lang)}" + (f"{lp}{change}{rp}" if change else ""))
    blocks: list[Block] = [section(" · ".join(head))]
    for side, title_key, shown in (
        (themes.COMPLAINT, "feedback.top_complaints", MAX_COMPLAINTS_SHOWN),
        (themes.PRAISE, "feedback.top_praise", MAX_PRAISE_SHOWN),
    ):
        mine = [th for th in s.themes if th.side == side][:shown]
        lines = [theme_line(theme, lang, compare=s.previous_items > 0) for theme in mine]
        if lines:
            blocks.append(section("\n".join([f"*{t(title_key, lang)}*", *lines])))
    if s.signals:
        rising = [f"⚠ {feedback_signals.line(signal, lang)}" for signal in s.signals[:MAX_SIGNALS_SHOWN]]
        blocks.append(section("\n".join([f"*{t('feedback.signal.rising', lang)}*", *rising])))
    risks = []
    for risk in s.at_risk[:MAX_RISKS_SHOWN]:
        if risk.dropped:
            why = t(
                "feedback.risk_drop",
                lang,
                before=number(risk.before or 0, lang, 1),
                after=number(risk.after or 0, lang, 1),
            )
        else:
            why = t("feedback.risk_low", lang, n=risk.low_ratings)
        risks.append(f"*{mrkdwn.escape(risk.account)}*{lp}{why}{rp}")
    if len(s.at_risk) > MAX_RISKS_SHOWN:
        risks.append(t("feedback.more_accounts", lang, n=len(s.at_risk) - MAX_RISKS_SHOWN))
    sep = "、" if lang == "zh" else ", "
    blocks.append(
        section(t("feedback.at_risk", lang, accounts=sep.join(risks)) if risks else t("feedback.no_risk", lang))
    )
    notes = [t("feedback.vs", lang, n=number(s.previous_items, lang))]
    if s.unrated:
        notes.append(t("feedback.unrated", lang, n=s.unrated, neg=s.unrated_negative))
    blocks.append(context(" · ".join(notes)))
    return message(" · ".join(head).replace("*", ""), blocks)


# ------------------------------------------------------------------------------------- quality signals

SIGNAL_KIND = "quality_signal"
SIGNAL_WINDOW = timedelta(days=30)
SIGNAL_CHECK_EVERY = timedelta(hours=1)  # per workspace and instance; the ledger keeps each alert to once


def signal_message(signal: feedback_signals.Signal, lang: str) -> dict[str, Any]:
    lines = [f"⚠ *{t('feedback.signal.title', lang)}* — {feedback_signals.line(signal, lang)}"]
    if signal.quote:
        lines.append(f"> {mrkdwn.escape(signal.quote)}")
    blocks: list[Block] = [section("\n".join(lines))]
    links = " · ".join(f"<{link}|{i}>" for i, link in enumerate(signal.links, 1) if link.startswith("https://"))
    facts = [t("feedback.signal.more", lang)]
    if links:
        facts.insert(0, t("feedback.signal.items", lang, links=links))
    blocks.append(context(" · ".join(facts)))
    return message(lines[0].replace("*", ""), blocks)


class QualityAlerts:
    """Job source: a product theme whose complaints jumped in the last 30 days is DMed to every manager, once
    a month per product and theme (the delivery ledger's key: signal, first day of the month, manager)."""

    kind = SIGNAL_KIND
    grace = timedelta(days=32)

    def __init__(self) -> None:
        self._checked: dict[str, datetime] = {}

    def due(self, session: Session, now: datetime) -> list[DueDelivery]:
        since = (now - SIGNAL_WINDOW).date()
        teams = session.execute(
            select(Feedback.team_id).where(Feedback.received_on >= since, Feedback.source != "demo").distinct()
        ).scalars()
        month = datetime(now.year, now.month, 1, tzinfo=UTC)
        out = []
        for team_id in teams:
            last = self._checked.get(team_id)
            if last is not None and now - last < SIGNAL_CHECK_EVERY and now >= last:
                continue
            self._checked[team_id] = now
            end = now.date() + timedelta(days=1)
            signals = feedback_signals.rising(session, team_id, end - SIGNAL_WINDOW, end)
            if not signals:
                continue
            managers = session.execute(
                select(Member).where(
                    Member.team_id == team_id,
                    Member.role == "manager",
                    Member.active.is_(True),
                    Member.slack_user_id.is_not(None),
                )
            ).scalars().all()
            done = {
                (sid, rcpt)
                for sid, rcpt in session.execute(
                    select(Delivery.schedule_id, Delivery.recipient).where(
                        Delivery.kind == SIGNAL_KIND, Delivery.occurrence == month, Delivery.status != "pending"
                    )
                )
            }
            for signal in signals:
                for manager in managers:
                    uid = str(manager.slack_user_id)
                    if (signal.key, uid) in done:
                        continue
                    lang = language_for(locale=manager.locale or "")
                    payload = signal_message(signal, lang)
                    out.append(DueDelivery(team_id, SIGNAL_KIND, signal.key, month, uid, payload=payload))
        return out

    def deliver(self, item: DueDelivery, client: Any, deps: Deps) -> None:
        if not item.payload:
            raise PermanentFailure("the signal is no longer there")
        client.chat_postMessage(channel=item.recipient, **item.payload)

    def on_failed(self, item: DueDelivery, reason: str, client: Any, deps: Deps) -> None:
        log.error("quality signal %s could not reach %s: %s", item.schedule_id, item.recipient, reason)


def register(app: Any) -> None:
    app.command("/feedback")(ack=ack_feedback, lazy=[answer_feedback])


def job_sources() -> list[Any]:
    return [FeedbackAlerts(), QualityAlerts()]
