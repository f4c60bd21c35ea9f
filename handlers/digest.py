"""`/digest`: subscribe a channel to performance digests, list, unsubscribe, preview; and the scheduled post.

The scheduled post and `/digest preview` use the same composition (reports/digest.py) and the same renderer
(`render`): one message per digest, the charts uploaded with files_upload_v2 and the digest's text as the
message. Delivery goes through the one scheduler, so each occurrence is posted once per channel.
"""

import logging
import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from slack_bolt import Ack, Respond
from slack_sdk.errors import SlackApiError
from sqlmodel import Session

from db import clock, deliveries
from db.digests import all_active, list_active, subscribe, unsubscribe
from db.engine import session_scope
from db.models import DigestSubscription, Workspace
from db.setup_status import without_deal_data
from handlers.blocks import Block, section, sections
from handlers.blocks import context as context_block
from handlers.checklist import checklist_blocks, status_of
from handlers.context import Asker, Deps, asker_of, deps_of
from handlers.jobs import DueDelivery
from handlers.replies import managers_only, not_understood
from reports import mrkdwn
from reports.charts import Chart, funnel_chart, rep_bars_chart, trend_chart
from reports.digest import Digest, build_digest, digest_lines
from reports.digest_grammar import CADENCES, SubscriptionRequest, parse_subscription
from reports.digest_shared import build_shared, shared_lines
from reports.formatting import weekday_name
from reports.i18n import add_messages, msg, simplified, t
from reports.money_notes import chart_notes
from reports.recurrence import Recurrence, latest_at_or_before, next_after, parse_time_of_day

log = logging.getLogger("salesbot.digest")

add_messages(
    msg("digest.help", "*/digest* — performance digests with charts, posted on schedule (managers)\n`/digest subscribe "
        "#sales weekly on monday at 09:00` (defaults: this channel, weekly, Monday 09:00, the team's time zone; "
        "`monthly` / `quarterly` give the review)\n`/digest list` · `/digest unsubscribe 3` · `/digest preview "
        "[#channel] [weekly|monthly|quarterly]` (to you only)"),
    msg("digest.what", "manage digests"),
    msg("digest.chart.reps_to_date", "Revenue vs target to date"),
    msg("digest.invite", "I am not in <#{channel}> yet: `/invite @salesbot` there so the digest can be posted."),
    msg("digest.no_channel", "I could not find the channel #{name}. Pick it from the list as you type `#`, or run "
        "`/digest subscribe` in that channel."),
    msg("digest.subscribed", "Subscribed <#{channel}> to the {cadence} digest: {when} ({tz}). Next: {next}. ID {id}."),
    msg("digest.none", "No digest subscriptions yet. Try `/digest subscribe #sales weekly on monday at 09:00`."),
    msg("digest.list_line", "*{id}* · <#{channel}> · {cadence} · {when} ({tz}) · next {next}"),
    msg("digest.unsubscribed", "Unsubscribed {id}: <#{channel}> gets no more {cadence} digests."),
    msg("digest.no_such", "There is no active digest subscription {id}. `/digest list` shows them."),
    msg("digest.building", "Building the digest preview…"),
    msg("digest.preview_note", "Preview, only for you; the charts are in your DM with me."),
    msg("digest.failed", "I could not post the {cadence} digest {id} to <#{channel}>: `{reason}`. Invite me to the "
        "channel (`/invite @salesbot`) or `/digest unsubscribe {id}`."),
    msg("digest.cadence.weekly", "weekly"),
    msg("digest.cadence.monthly", "monthly"),
    msg("digest.cadence.quarterly", "quarterly"),
    msg("digest.first_without_data.weekly",
        "The weekly digest starts here the first week there is deal data: until then nothing more is posted. "
        "What to do first:"),
    msg("digest.first_without_data.monthly",
        "The monthly digest starts here the first month there is deal data: until then nothing more is posted. "
        "What to do first:"),
    msg("digest.first_without_data.quarterly",
        "The quarterly digest starts here the first quarter there is deal data: until then nothing more is posted. "
        "What to do first:"),
    msg("digest.when.weekly", "{day} {time}"),
    msg("digest.when.monthly", "first {day} of the month, {time}"),
    msg("digest.when.quarterly", "first {day} of the quarter, {time}"),
)

add_messages(
    msg("digest.shared", "Sharing the {view} view with <#{channel}>: {what}. {cadence}, {when} ({tz}). Next: {next}. "
        "ID {id} (`/digest unsubscribe {id}` stops it)."),
    msg("digest.view_what.marketing", "the market section and what customers say"),
    msg("digest.view_what.product", "quality signals, complaint themes and feature requests"),
    msg("digest.list_view", " · {view} view"),
    msg("digest.share_which", "Which view? `marketing` (the market section and what customers say) or `product` "
        "(quality signals, complaint themes and feature requests), one per channel: {examples}"),
)

EXAMPLES = ["/digest subscribe #sales weekly on monday at 09:00", "/digest preview", "/digest list"]
VERBS = {
    "subscribe": "subscribe",
    "订阅": "subscribe",
    "list": "list",
    "列表": "list",
    "查看": "list",
    "unsubscribe": "unsubscribe",
    "取消": "unsubscribe",
    "退订": "unsubscribe",
    "preview": "preview",
    "预览": "preview",
    "help": "help",
    "帮助": "help",
    "share": "share",
    "分享": "share",
    "共享": "share",
}
# The views a digest can be shared in with another team (reports/digest_shared.py), by the words that name them.
VIEW_WORDS = {"marketing": "marketing", "market": "marketing", "市场": "marketing", "市场部": "marketing",
              "市場": "marketing", "市場部": "marketing", "product": "product", "产品": "product", "產品": "product",
              "产品部": "product", "產品部": "product"}
SHARE_EXAMPLES = ["/digest share #marketing marketing", "/digest share #product product weekly on monday at 10:00"]
STAGE_ORDER = ["prospecting", "qualification", "needs analysis", "proposal", "negotiation", "commit"]


# ---------------------------------------------------------------------------------------------- command
def ack_digest(ack: Ack, command: dict[str, Any], context: Any) -> None:
    """Database-only verbs (list, unsubscribe) answer in the ack; `subscribe` (which asks Slack about the
    channel) and `preview` are acknowledged at once and done after the ack: nothing here waits on Slack."""
    asker = asker_of(context)
    lang = asker.language
    words = simplified(command.get("text") or "").strip().split(None, 1)
    verb = VERBS.get(words[0].lower(), "") if words else "help"
    rest = words[1] if len(words) > 1 else ""
    if verb == "help":
        ack(blocks=[section(t("digest.help", lang))], text=t("digest.help", lang))
        return
    if not verb:
        ack(blocks=not_understood(understood=[], rest=command.get("text") or "", examples=EXAMPLES, language=lang))
        return
    if not asker.is_manager:
        ack(blocks=managers_only(t("digest.what", lang), lang))
        return
    deps = deps_of(context)
    if verb in ("subscribe", "share"):
        ack()
    elif verb == "list":
        ack(**_list(deps, asker))
    elif verb == "unsubscribe":
        ack(**_unsubscribe(deps, asker, rest))
    else:
        ack(text=t("digest.building", lang))


def after_ack(command: dict[str, Any], respond: Respond, client: Any, context: Any) -> None:
    """The verbs that talk to Slack, after the ack: subscribe (channel lookups) and preview."""
    words = simplified(command.get("text") or "").strip().split(None, 1)
    verb = VERBS.get(words[0].lower()) if words else None
    asker = asker_of(context)
    if verb not in ("subscribe", "preview", "share") or not asker.is_manager:
        return
    rest = words[1] if len(words) > 1 else ""
    if verb in ("subscribe", "share"):
        make = _subscribe if verb == "subscribe" else _share
        answer = make(deps_of(context), asker, rest, command.get("channel_id") or "", client,
                      typed=command.get("text") or "")
        respond(response_type="ephemeral", replace_original=False, **answer)
        return
    preview_digest(rest, respond, client, context)


def preview_digest(rest: str, respond: Respond, client: Any, context: Any) -> None:
    """Build the digest now and show it to the asker only: the text here, and the same message the channel
    would get (charts and text) in the asker's DM with the bot."""
    asker, deps = asker_of(context), deps_of(context)
    cadence, language, timezone = _preview_settings(deps, asker, rest, client)
    today = clock.today(timezone)
    digest, charts = compose(deps, asker.team_id, cadence, today, language)
    text = render(digest, timezone)
    status = status_of(deps, asker.team_id)
    # day one: first what to do so that the digest has figures, then what the channel would get (reviews and
    # trainings still say something without deals)
    first = [] if status.has_data else checklist_blocks(status, language, no_data_note=True)
    respond(
        response_type="ephemeral",
        replace_original=False,
        text=text if status.has_data else f"{t('setup.no_data', language)}\n{text}",
        blocks=first + render_blocks(digest, timezone) + [context_block(t("digest.preview_note", asker.language))],
    )
    dm = client.conversations_open(users=asker.user_id)["channel"]["id"]
    upload(client, dm, digest, charts, timezone)


def _preview_settings(deps: Deps, asker: Asker, text: str, client: Any) -> tuple[str, str, str]:
    """Cadence, language and time zone of the preview: those of the channel's subscription when a channel is
    named, a cadence word overriding; else weekly, in the asker's language and zone."""
    req = parse_subscription(text)
    cadence, language, timezone = req.cadence, asker.language, req.timezone or asker.timezone
    explicit = any(w.lower() in CADENCES for w in req.understood)
    if req.channel:
        channel = channel_of(client, req)
        with Session(deps.engine) as session:
            sub = next((s for s in list_active(session, asker.team_id) if s.channel_id == channel), None)
        if sub is not None:
            cadence = cadence if explicit else sub.cadence
            language, timezone = sub.language, req.timezone or sub.timezone
    return cadence, language, timezone


def channel_of(client: Any, req: SubscriptionRequest) -> str | None:
    """The channel id the request names: from a mention as is, a plain `#name` looked up."""
    return resolve_channel(client, req.channel) if req.channel and req.channel_is_name else req.channel


def resolve_channel(client: Any, name: str) -> str | None:
    """A channel id for `#name` (Slack sends plain names when the command does not escape them)."""
    wanted = name.lstrip("#").lower()
    cursor = None
    for _ in range(10):  # 10 pages of 1000 channels
        try:
            page = client.conversations_list(
                types="public_channel,private_channel", exclude_archived=True, limit=1000, cursor=cursor
            )
        except SlackApiError:
            return None
        for channel in page.get("channels") or []:
            if str(channel.get("name", "")).lower() == wanted:
                return str(channel["id"])
        cursor = (page.get("response_metadata") or {}).get("next_cursor")
        if not cursor:
            break
    return None


def _subscribe(deps: Deps, asker: Asker, text: str, channel_id: str, client: Any, typed: str = "") -> dict[str, Any]:
    """`text` is the command read through simplified(); `typed` as the user wrote it, for echoing back."""
    lang = asker.language
    req = parse_subscription(text)
    if req.rest:
        return {"blocks": not_understood(understood=req.understood, rest=req.rest, examples=EXAMPLES, language=lang,
                                         typed=typed)}
    channel = channel_of(client, req) if req.channel else channel_id
    if not channel:
        return {"text": t("digest.no_channel", lang, name=mrkdwn.escape(mrkdwn.capped(req.channel)))}
    with session_scope(deps.engine) as session:
        ws = session.get(Workspace, asker.team_id)
        tz = req.timezone or (ws.timezone if ws else deps.timezone)
        sub = subscribe(
            session,
            team_id=asker.team_id,
            channel_id=channel,
            cadence=req.cadence,
            weekday=req.weekday,
            time_of_day=req.time_of_day,
            timezone=tz,
            language=lang,
            created_by=asker.user_id,
        )
        line = t(
            "digest.subscribed",
            lang,
            channel=channel,
            cadence=t(f"digest.cadence.{sub.cadence}", lang),
            when=_when(sub, lang),
            tz=tz,
            next=_next(sub, lang),
            id=sub.id,
        )
    if not _bot_is_member(client, channel):
        line += "\n" + t("digest.invite", lang, channel=channel)
    return {"text": line}


def _share(deps: Deps, asker: Asker, text: str, channel_id: str, client: Any, typed: str = "") -> dict[str, Any]:
    """`/digest share #marketing marketing [schedule]`: the view made for another team, posted to its channel on the
    digest's schedule (the team's first sales digest's cadence, day, time and zone unless others are given)."""
    lang = asker.language
    words = text.split()
    views_named = [VIEW_WORDS[w.lower()] for w in words if w.lower() in VIEW_WORDS]
    req = parse_subscription(" ".join(w for w in words if w.lower() not in VIEW_WORDS))
    if req.rest:
        return {"blocks": not_understood(understood=[*req.understood, *views_named], rest=req.rest,
                                         examples=SHARE_EXAMPLES, language=lang, typed=typed)}
    if len(views_named) != 1:
        return {"text": t("digest.share_which", lang, examples=" · ".join(f"`{e}`" for e in SHARE_EXAMPLES))}
    channel = channel_of(client, req) if req.channel else channel_id
    if not channel:
        return {"text": t("digest.no_channel", lang, name=mrkdwn.escape(mrkdwn.capped(req.channel or "")))}
    with session_scope(deps.engine) as session:
        ws = session.get(Workspace, asker.team_id)
        schedule = next((s for s in list_active(session, asker.team_id) if s.view == "team"), None)
        schedule_given = len(req.understood) > (1 if req.channel else 0)  # words beyond the channel's
        if schedule is not None and not schedule_given:
            cadence, weekday, at, tz = schedule.cadence, schedule.weekday, schedule.time_of_day, schedule.timezone
        else:
            cadence, weekday, at = req.cadence, req.weekday, req.time_of_day
            tz = req.timezone or (ws.timezone if ws else deps.timezone)
        sub = subscribe(session, team_id=asker.team_id, channel_id=channel, cadence=cadence, weekday=weekday,
                        time_of_day=at, timezone=tz, language=lang, created_by=asker.user_id, view=views_named[0])
        line = t("digest.shared", lang, channel=channel, view=t(f"digest.view.{sub.view}", lang),
                 what=t(f"digest.view_what.{sub.view}", lang), cadence=t(f"digest.cadence.{sub.cadence}", lang),
                 when=_when(sub, lang), tz=tz, next=_next(sub, lang), id=sub.id)
    if not _bot_is_member(client, channel):
        line += "\n" + t("digest.invite", lang, channel=channel)
    return {"text": line}


def _bot_is_member(client: Any, channel: str) -> bool:
    """Whether the bot can post there; True when Slack cannot tell (the first delivery will say)."""
    try:
        info = client.conversations_info(channel=channel).get("channel") or {}
    except Exception:  # a courtesy check: the subscription is stored whatever Slack answers, or fails to
        log.warning("could not check whether the bot is in %s", channel, exc_info=True)
        return True
    return bool(info.get("is_member", True)) or channel.startswith("D")


def _list(deps: Deps, asker: Asker) -> dict[str, Any]:
    lang = asker.language
    with Session(deps.engine) as session:
        subs = list_active(session, asker.team_id)
        lines = [
            t(
                "digest.list_line",
                lang,
                id=s.id,
                channel=s.channel_id,
                cadence=t(f"digest.cadence.{s.cadence}", lang),
                when=_when(s, lang),
                tz=s.timezone,
                next=_next(s, lang),
            )
            + (t("digest.list_view", lang, view=t(f"digest.view.{s.view}", lang)) if s.view != "team" else "")
            for s in subs
        ]
    return {"text": "\n".join(lines) if lines else t("digest.none", lang)}


def _unsubscribe(deps: Deps, asker: Asker, text: str) -> dict[str, Any]:
    lang = asker.language
    ident = text.strip().lstrip("#")
    if not ident.isdigit():
        return {
            "blocks": not_understood(
                understood=["unsubscribe"], rest=text, examples=["/digest unsubscribe 3", "/digest list"], language=lang
            )
        }
    with session_scope(deps.engine) as session:
        sub = unsubscribe(session, team_id=asker.team_id, subscription_id=int(ident))
        if sub is None:
            return {"text": t("digest.no_such", lang, id=ident)}
        return {
            "text": t(
                "digest.unsubscribed",
                lang,
                id=sub.id,
                channel=sub.channel_id,
                cadence=t(f"digest.cadence.{sub.cadence}", lang),
            )
        }


def _recurrence(sub: DigestSubscription) -> Recurrence:
    return Recurrence(sub.cadence, sub.weekday, parse_time_of_day(sub.time_of_day), sub.timezone)


def _when(sub: DigestSubscription, lang: str) -> str:
    return t(f"digest.when.{sub.cadence}", lang, day=weekday_name(sub.weekday, lang), time=sub.time_of_day)


def _next(sub: DigestSubscription, lang: str) -> str:
    moment = next_after(_recurrence(sub), clock.now()).astimezone(ZoneInfo(sub.timezone))
    return moment.strftime("%Y-%m-%d %H:%M")


# ---------------------------------------------------------------------------------------------- content
def compose(deps: Deps, team_id: str, cadence: str, today: Any, language: str) -> tuple[Digest, list[Chart]]:
    """The digest and its three charts for the period that ended before `today`."""
    with Session(deps.engine) as session:
        ws = session.get(Workspace, team_id)
        currency = ws.currency if ws else "USD"
        fiscal = ws.fiscal_year_start_month if ws else deps.fiscal_year_start_month
        digest = build_digest(
            session,
            team_id=team_id,
            cadence=cadence,
            today=today,
            language=language,
            currency=currency,
            fiscal_year_start_month=fiscal,
        )
    return digest, charts_for(digest)


def chart_titles(d: Digest) -> list[str]:
    """The titles of the three charts, drawn on them and shown above each file in Slack."""
    lang = d.language
    basis = d.status_period or d.period
    reps = t("digest.chart.reps_to_date" if basis != d.period else "digest.chart.reps", lang)
    return [f"{reps} · {basis.label(lang)}", t("digest.chart.trend", lang), t("digest.chart.funnel", lang)]


def charts_for(d: Digest) -> list[Chart]:
    """Reps against target on the same basis as the text's statuses (so colours and words agree), the trend
    ending with this period, and the open pipeline from the first stage to the last."""
    lang, cur = d.language, d.currency
    reps_title, trend_title, funnel_title = chart_titles(d)
    stages = sorted(
        d.stages,
        key=lambda s: (STAGE_ORDER.index(s[0].lower()) if s[0].lower() in STAGE_ORDER else len(STAGE_ORDER), -s[2]),
    )
    per_period_target = d.team_target if d.team_target and d.trend else None
    # What each chart's amounts could not include (no rate) is written on the chart itself, not only in the text.
    rep_notes = [note for r in d.reps for note in chart_notes(r.basis_left_out, lang, who=r.name)]
    if d.reps_not_compared:  # a grey bar would read "no target": the figure says one was set, not compared
        rep_notes.append(mrkdwn.plain(d.reps_not_compared))
    return [
        rep_bars_chart(
            [(r.name, r.basis_revenue, r.basis_target) for r in d.reps],
            title=reps_title,
            currency=cur,
            language=lang,
            finished=d.cadence != "weekly",  # a review's period is over: hit or missed, no "at risk"
            notes=rep_notes,
        ),
        trend_chart(
            d.trend,
            title=trend_title,
            currency=cur,
            language=lang,
            target=per_period_target,
            notes=chart_notes(d.trend_left_out, lang),
        ),
        funnel_chart(
            stages,
            title=funnel_title,
            currency=cur,
            language=lang,
            cumulative=False,
            notes=chart_notes(d.stages_left_out, lang),
        ),
    ]


def render(d: Digest, timezone: str = "") -> str:
    """The one renderer of a digest's text (channel post and preview)."""
    return "\n".join(digest_lines(d, timezone=timezone))


def render_blocks(d: Digest, timezone: str = "") -> list[Block]:
    """The same lines as Block Kit: the title and headline first, the explanation under them."""
    lines = digest_lines(d, timezone=timezone)
    blocks = [section("\n".join(lines[:2]))]
    if len(lines) > 2:
        blocks.append(section("\n".join(lines[2:])))
    return blocks


def upload(client: Any, channel: str, d: Digest, charts: list[Chart], timezone: str = "") -> None:
    """One message: the charts as files with the digest's text as the message (files_upload_v2)."""
    titles = chart_titles(d)
    client.files_upload_v2(
        channel=channel,
        initial_comment=render(d, timezone),
        file_uploads=[
            {"content": c.png, "filename": c.filename, "title": title, "alt_txt": c.alt_text}
            for c, title in zip(charts, titles, strict=True)
        ],
    )


# ---------------------------------------------------------------------------------------------- schedule
class RecentDigests:
    """Digests built in the last few minutes, so the channels due at one tick with the same digest (team,
    cadence, day, language, zone) share one build instead of querying and drawing it a hundred times."""

    def __init__(self, ttl: float = 300) -> None:
        self.ttl = ttl
        self._lock = threading.Lock()
        self._items: dict[tuple, tuple[float, Any]] = {}
        self._building: dict[tuple, threading.Lock] = {}

    def get(self, key: tuple, build: Any) -> Any:
        with self._lock:
            now = time.monotonic()
            self._items = {k: v for k, v in self._items.items() if v[0] > now}
            if key in self._items:
                return self._items[key][1]
            building = self._building.setdefault(key, threading.Lock())
        with building:  # one thread builds; the others wait for its result
            with self._lock:
                if key in self._items:
                    return self._items[key][1]
            value = build()
            with self._lock:
                self._items[key] = (time.monotonic() + self.ttl, value)
                self._building.pop(key, None)
            return value


class DigestSource:
    """Each subscription's latest occurrence, once per channel (the scheduler's ledger keeps it once)."""

    kind = "digest"
    grace = timedelta(hours=6)

    def __init__(self) -> None:
        self.recent = RecentDigests()

    def due(self, session: Session, now: datetime) -> list[DueDelivery]:
        subs = all_active(session)
        if not subs:
            return []
        done = deliveries.delivered_keys(
            session,
            kind=self.kind,
            schedule_ids=[s.id for s in subs],  # type: ignore[misc]
            since=now - timedelta(days=100),
        )
        owed = []
        for sub in subs:
            occurrence = latest_at_or_before(_recurrence(sub), now)
            created = sub.created_at if sub.created_at.tzinfo else sub.created_at.replace(tzinfo=UTC)
            if occurrence is None or occurrence < created:
                continue
            if (sub.id, occurrence.replace(tzinfo=None), sub.channel_id) in done:
                continue
            owed.append((sub, occurrence))
        # Day one (no deal imported, no CRM connected): a subscription's first digest is the getting-started
        # checklist; the later ones are skipped (logged once each) until there is deal data, not zeros every week.
        empty = without_deal_data(session.connection(), {sub.team_id for sub, _ in owed}) if owed else set()
        told = deliveries.sent_schedule_ids(session, kind=self.kind,
                                            schedule_ids=[int(s.id or 0) for s, _ in owed if s.team_id in empty])
        items = []
        for sub, occurrence in owed:
            extra: dict[str, Any] = {}
            if sub.team_id in empty:
                extra = {"skip": "no deal data yet (nothing imported, no CRM connected)"} if sub.id in told else {
                    "first_without_data": True}
            items.append(
                DueDelivery(
                    sub.team_id,
                    self.kind,
                    sub.id,
                    occurrence,
                    sub.channel_id,  # type: ignore[arg-type]
                    {"cadence": sub.cadence, "language": sub.language, "timezone": sub.timezone, "view": sub.view,
                     **extra},
                )
            )
        return items

    def deliver(self, item: DueDelivery, client: Any, deps: Deps) -> None:
        tz, cadence, language = item.payload["timezone"], item.payload["cadence"], item.payload["language"]
        today = item.occurrence.astimezone(ZoneInfo(tz)).date()
        if item.payload.get("first_without_data"):
            status = status_of(deps, item.team_id)
            if not status.has_deals:  # still nothing (an import may have landed since `due`): the checklist
                lead = t(f"digest.first_without_data.{cadence}", language)
                client.chat_postMessage(channel=item.recipient, text=f"{t('setup.no_data', language)} {lead}",
                                        blocks=[section(lead), *checklist_blocks(status, language, no_data_note=True)])
                return
        if item.payload.get("view", "team") != "team":  # a view shared with another team: text only, no charts
            with Session(deps.engine) as session:
                ws = session.get(Workspace, item.team_id)
                shared = build_shared(session, team_id=item.team_id, view=item.payload["view"], cadence=cadence,
                                      today=today, language=language,
                                      fiscal_year_start_month=ws.fiscal_year_start_month if ws else 1)
            lines = shared_lines(shared)
            client.chat_postMessage(channel=item.recipient, text=lines[0].strip("*"), blocks=sections(lines))
            return
        key = (str(deps.engine.url), item.team_id, cadence, today, language, tz)
        digest, charts = self.recent.get(key, lambda: compose(deps, item.team_id, cadence, today, language))
        upload(client, item.recipient, digest, charts, tz)

    def on_failed(self, item: DueDelivery, reason: str, client: Any, deps: Deps) -> None:
        """Tell the subscriber, once (the ledger fails a delivery only once)."""
        with Session(deps.engine) as session:
            sub = session.get(DigestSubscription, item.schedule_id)
            if sub is None or not sub.created_by:
                return
            lang, owner, cadence = sub.language, sub.created_by, sub.cadence
        dm = client.conversations_open(users=owner)["channel"]["id"]
        client.chat_postMessage(
            channel=dm,
            text=t(
                "digest.failed",
                lang,
                cadence=t(f"digest.cadence.{cadence}", lang),
                id=item.schedule_id,
                channel=item.recipient,
                reason=reason,
            ),
        )


def job_sources() -> list[Any]:
    return [DigestSource()]


def register(app: Any) -> None:
    app.command("/digest")(ack=ack_digest, lazy=[after_ack])
