"""`/ask`: a tracked request to another team's channel, its Take and Close buttons, the asker's DMs, and the
reminders before and after the due date.

`/ask #presales "demo environment for Cancity by Friday"` · `/ask #售前 "给 Cancity 准备演示环境" 周五前` ·
`/ask list` · `/ask checkin #presales` (managers: where a check-in's "support needed" answer goes with the
summary's button) · `/ask checkin off`. Grammar and wording: reports/team_requests.py; rows: db/team_requests.py.
The request is stored, then posted to the channel with [Take it] [Close it]; each click updates that post and
tells the asker in a DM. `ReminderSource` and `OverdueSource` are scheduler job sources: one reminder the working
day before the due date and one overdue note after it, each recorded in the delivery ledger (request id, moment),
so each goes once across restarts and instances.
"""

import json
import logging
from datetime import UTC, datetime, timedelta
from typing import Any

from slack_bolt import Ack, Respond
from slack_sdk.errors import SlackApiError
from sqlmodel import Session

from db import clock, deliveries
from db import team_requests as store
from db.engine import session_scope
from db.feedback import account_names as known_accounts
from db.models import CheckinRun, Member, TeamRequest, Workspace
from handlers.blocks import Block, actions, button, context, message, section
from handlers.context import Asker, Deps, asker_of, deps_of
from handlers.digest import resolve_channel
from handlers.jobs import DueDelivery
from handlers.replies import managers_only, not_understood_reply
from reports import mrkdwn
from reports import team_requests as domain
from reports.checkins import run_views
from reports.i18n import add_messages, command_words, language_for, msg, simplified, t

log = logging.getLogger("salesbot.ask")

add_messages(
    msg("ask.help_title", "/ask — requests to another team"),
    msg("ask.help", "Ask another team's channel for something, with a due date; they take it and close it with "
        "buttons, you get a DM at each step, reminders go the working day before the due date, and open requests "
        "show in the 1:1 brief and the weekly digest.\n`/ask #presales \"demo environment for Cancity by Friday\"` "
        "· `/ask #presales \"pricing sheet\" by 2026-12-10` · `/ask list` · managers: `/ask checkin #presales` "
        "(where a check-in's support need goes with one button), `/ask checkin off`."),
    msg("ask.no_channel", "Which team? Start with its channel, e.g. `{example}`."),
    msg("ask.no_text", "What do you need from {channel}? Put it in quotes, e.g. `{example}`."),
    msg("ask.bad_due", "I could not read the due date “{phrase}”. Write a day: `by Friday`, `by 2026-12-10`, "
        "`周五前` — e.g. `{example}`."),
    msg("ask.past_due", "The due date {day} is in the past. Pick today or later, e.g. `{example}`."),
    msg("ask.unknown_channel", "I could not find the channel #{name}. Pick it from the list as you type `#`, e.g. "
        "`{example}`."),
    msg("ask.not_in_channel", "I am not in {channel} yet: `/invite @salesbot` there, then ask again (nothing was "
        "sent)."),
    msg("ask.did_you_mean", "I don't know the account *{typed}*. Did you mean *{name}*?"),
    msg("ask.use_account", "Yes, {name}"),
    msg("ask.keep_typed", "No, send as written"),
    msg("ask.sent", "Sent to {channel} as request #{id} ({due}). I'll DM you when someone takes or closes it."),
    msg("ask.take", "Take it"),
    msg("ask.close", "Close it"),
    msg("ask.taken_dm", "{who} took your request “{text}” in {channel}."),
    msg("ask.closed_dm", "{who} closed your request “{text}” in {channel}."),
    msg("ask.already_taken", "Request #{id} is already taken by {who}."),
    msg("ask.already_closed", "Request #{id} is closed already."),
    msg("ask.gone", "That request no longer exists."),
    msg("ask.none_open", "No open requests to other teams. Ask one: `{example}`."),
    msg("ask.list_title", "Open requests to other teams ({count})"),
    msg("ask.what_setting", "choose the channel for check-in support needs"),
    msg("ask.checkin_set", "A check-in's “support needed” answer now goes to {channel} with the summary's "
        "*Ask a team* button."),
    msg("ask.checkin_off", "No team channel for check-in support needs: the summary's button tells the manager "
        "how to set one (`/ask checkin #presales`)."),
    msg("ask.checkin_button", "Ask a team for it"),
    msg("ask.checkin_no_channel", "No team channel is set for check-in support needs yet. Set one with "
        "`/ask checkin #presales` and click again, or ask directly: `{example}`"),
    msg("ask.checkin_done", "Already sent to {channel} as request #{id}."),
    msg("ask.checkin_nothing", "That check-in names no support need."),
)

add_messages(msg("ask.example", "/ask #presales \"demo environment for Cancity by Friday\""))
HELP_WORDS = {"help", "帮助", "?", "？"}
LIST_WORDS = {"list", "列表", "查看"}
CHECKIN_WORDS = {"checkin", "check-in", "进展汇报"}  # read through simplified(): 進展匯報 too
OFF_WORDS = {"off", "关闭", "none"}
TAKE, CLOSE, CONFIRM, FROM_CHECKIN = "ask_take", "ask_close", "ask_confirm", "ask_from_checkin"


def _example(lang: str) -> str:
    return t("ask.example", lang)


def help_message(language: str) -> dict[str, Any]:
    blocks = [section(f"*{t('ask.help_title', language)}*"), section(t("ask.help", language)),
              context(f"`{_example(language)}`")]
    return message(t("ask.help_title", language), blocks)


def ack_ask(ack: Ack, body: dict[str, Any], context: Any) -> None:
    """Help in the ack; everything else after it (a `#name` is looked up in Slack)."""
    if simplified((body.get("text") or "").strip()).lower() in HELP_WORDS or not (body.get("text") or "").strip():
        ack(**help_message(asker_of(context).language))
        return
    ack()


def answer_ask(body: dict[str, Any], respond: Respond, client: Any, context: Any) -> None:
    text = " ".join((body.get("text") or "").split())
    if not text or simplified(text).lower() in HELP_WORDS:  # 幫助 as 帮助
        return
    asker, deps = asker_of(context), deps_of(context)
    # a Traditional reader (zh-TW) stays Traditional; otherwise Chinese command words answer in Chinese
    lang = asker.language if asker.language == "zh" else language_for(text=command_words(text), default=asker.language)
    try:
        reply = handle(text, asker=asker, deps=deps, client=client, language=lang)
    except Exception:
        log.exception("ask command failed: %r", text)
        reply = {"text": t("kpi.failed", lang)}
    respond(**{"response_type": "ephemeral", **reply})


def handle(text: str, *, asker: Asker, deps: Deps, client: Any, language: str) -> dict[str, Any]:
    first, _, rest = text.partition(" ")
    verb = simplified(first).lower()  # /ask 進展匯報 as 进展汇报; the request text stays as typed
    if verb in LIST_WORDS and not rest:
        return _list(asker, deps, language)
    if verb in CHECKIN_WORDS:
        return _checkin_setting(rest.strip(), asker, deps, client, language)
    today = clock.today(asker.timezone)
    parsed = domain.parse_ask(text, today=today, language=language)
    example = _example(language)
    if parsed.problem == "no_channel":
        return {"text": t("ask.no_channel", language, example=example)}
    channel = _channel_id(client, parsed.channel, parsed.channel_is_name)
    if channel is None:
        return {"text": t("ask.unknown_channel", language, name=mrkdwn.escape(mrkdwn.capped(parsed.channel)),
                          example=example)}
    if parsed.problem == "no_text":
        return {"text": t("ask.no_text", language, channel=f"<#{channel}>", example=example)}
    if parsed.problem == "bad_due":
        return {"text": t("ask.bad_due", language, phrase=mrkdwn.escape(mrkdwn.capped(parsed.due_phrase)),
                          example=example)}
    if parsed.problem == "past_due" and parsed.due is not None:
        return {"text": t("ask.past_due", language, day=domain.date_short(parsed.due, language), example=example)}
    with Session(deps.engine) as session:
        found = domain.find_account(parsed.text, known_accounts(session, asker.team_id))
    draft = {"c": channel, "x": parsed.text[:1000], "d": parsed.due.isoformat() if parsed.due else None, "l": language}
    if found.name is None and found.suggestions:
        return _did_you_mean(draft, found, language)
    return _create_and_answer(client, deps, asker, draft, found.name, language)


def _channel_id(client: Any, channel: str, is_name: bool) -> str | None:
    return resolve_channel(client, channel) if is_name else channel


def _did_you_mean(draft: dict[str, Any], found: domain.AccountFound, language: str) -> dict[str, Any]:
    """Ask before taking a close name for the typed one; the buttons carry the whole request (nothing is lost)."""
    name = found.suggestions[0]
    line = t("ask.did_you_mean", language, typed=mrkdwn.escape(found.typed), name=mrkdwn.escape(name))
    yes = json.dumps({**draft, "a": name}, ensure_ascii=False)
    no = json.dumps({**draft, "a": None}, ensure_ascii=False)
    blocks = [section(line), actions(
        button(t("ask.use_account", language, name=name), CONFIRM, yes, style="primary"),
        button(t("ask.keep_typed", language), CONFIRM, no))]
    return message(line, blocks)


def _create_and_answer(client: Any, deps: Deps, asker: Asker, draft: dict[str, Any], account: str | None,
                       language: str) -> dict[str, Any]:
    due = datetime.fromisoformat(draft["d"]).date() if draft.get("d") else None
    request_id, error = create_and_post(client, deps, team_id=asker.team_id, channel=draft["c"], text=draft["x"],
                                        account=account, due=due, member_id=asker.member_id, asked_by=asker.user_id,
                                        language=language)
    if request_id is None:
        return {"text": t("ask.not_in_channel", language, channel=f"<#{draft['c']}>")
                if error in ("not_in_channel", "channel_not_found", "is_archived") else t("kpi.failed", language)}
    return {"text": t("ask.sent", language, channel=f"<#{draft['c']}>", id=request_id,
                      due=domain.due_words(due, language))}


def create_and_post(client: Any, deps: Deps, *, team_id: str, channel: str, text: str, account: str | None,
                    due: Any, member_id: int | None, asked_by: str, language: str,
                    checkin_run_id: int | None = None) -> tuple[int | None, str]:
    """Store the request and post it to the channel with its buttons: (its id, "") or (None, Slack's error) —
    a request Slack refused is not kept."""
    with session_scope(deps.engine) as session:
        row = store.create(session, team_id=team_id, channel_id=channel, text=text, account=account, due_date=due,
                           member_id=member_id, asked_by=asked_by, language=language, checkin_run_id=checkin_run_id)
        request_id = int(row.id or 0)
        payload = _post_payload(session, row)
    try:
        posted = client.chat_postMessage(channel=channel, **payload)
    except SlackApiError as error:
        with session_scope(deps.engine) as session:
            found = session.get(TeamRequest, request_id)
            if found is not None:
                session.delete(found)
                session.commit()
        return None, str(error.response.get("error", "")) if error.response else "error"
    with session_scope(deps.engine) as session:
        store.posted(session, request_id, channel_id=str(posted.get("channel") or channel), ts=str(posted["ts"]))
    return request_id, ""


def _post_payload(session: Any, row: TeamRequest) -> dict[str, Any]:
    """The channel's post of a request as it now stands: what, who asked, due, state, and the buttons it allows."""
    lang = row.language
    rep_name = None
    if row.checkin_run_id is not None and row.member_id is not None:
        rep = session.get(Member, row.member_id)
        rep_name = rep.display_name if rep else None
    lines = domain.post_lines(asker=f"<@{row.asked_by}>", text=row.text, account=row.account, due=row.due_date,
                              rep_name=rep_name, language=lang)
    who = row.closed_by if row.status == "closed" else row.taken_by
    blocks: list[Block] = [section("\n".join(lines)),
                           context(domain.state_line(row.status, f"<@{who}>" if who else None, lang))]
    value = str(row.id)
    if row.status == "open":
        blocks.append(actions(button(t("ask.take", lang), TAKE, value, style="primary"),
                              button(t("ask.close", lang), CLOSE, value), block_id=f"ask_{row.id}"))
    elif row.status == "taken":
        blocks.append(actions(button(t("ask.close", lang), CLOSE, value), block_id=f"ask_{row.id}"))
    return message(lines[0].strip("*"), blocks)


# ------------------------------------------------------------------------------------------ list, setting


def _list(asker: Asker, deps: Deps, language: str) -> dict[str, Any]:
    """Managers see the team's open requests; a rep the ones they asked or that are for them."""
    today = clock.today(asker.timezone)
    with Session(deps.engine) as session:
        if asker.is_manager:
            found = store.open_requests(session, asker.team_id)
        else:
            found = store.open_requests(session, asker.team_id, member_id=asker.member_id, asked_by=asker.user_id)
    if not found:
        return {"text": t("ask.none_open", language, example=_example(language))}
    lines = [f"*{t('ask.list_title', language, count=len(found))}*"]
    lines += [f"• #{r.id} " + domain.item_line(r, today, language) for r in found[:40]]
    return message(lines[0], [section("\n".join(lines))])


def _checkin_setting(rest: str, asker: Asker, deps: Deps, client: Any, language: str) -> dict[str, Any]:
    if not asker.is_manager:
        blocks = managers_only(t("ask.what_setting", language), language)
        return message(blocks[0]["text"]["text"], blocks)
    if simplified(rest).lower() in OFF_WORDS:  # 關閉 as 关闭
        with session_scope(deps.engine) as session:
            store.set_checkin_channel(session, asker.team_id, None, by=asker.user_id)
        return {"text": t("ask.checkin_off", language)}
    parsed = domain.parse_ask(rest, today=clock.today(asker.timezone), language=language)
    if not parsed.channel:
        return not_understood_reply(understood=["checkin"], rest=rest, examples=["/ask checkin #presales",
                                                                                  "/ask checkin off"],
                                    language=language)
    channel = _channel_id(client, parsed.channel, parsed.channel_is_name)
    if channel is None:
        return {"text": t("ask.unknown_channel", language, name=mrkdwn.escape(mrkdwn.capped(parsed.channel)),
                          example="/ask checkin #presales")}
    with session_scope(deps.engine) as session:
        store.set_checkin_channel(session, asker.team_id, channel, by=asker.user_id)
    return {"text": t("ask.checkin_set", language, channel=f"<#{channel}>")}


# ------------------------------------------------------------------------------------------ buttons


def ack_button(ack: Ack) -> None:
    ack()


def _action_value(body: dict[str, Any]) -> str:
    try:
        return str(body["actions"][0].get("value") or "")
    except (KeyError, IndexError, TypeError):
        return ""


def _clicked_id(body: dict[str, Any]) -> int | None:
    """The id a button carries (a request's or a check-in's), None for anything else."""
    value = _action_value(body)
    return int(value) if value.isdigit() else None


def on_take(body: dict[str, Any], respond: Respond, client: Any, context: Any) -> None:
    _move(body, respond, client, context, take=True)


def on_close(body: dict[str, Any], respond: Respond, client: Any, context: Any) -> None:
    _move(body, respond, client, context, take=False)


def _move(body: dict[str, Any], respond: Respond, client: Any, context: Any, *, take: bool) -> None:
    """Take or close: the channel's post is updated for everyone, the asker gets a DM; a click that lost the race
    (taken or closed already) is told so, only to the clicker."""
    asker, deps, value = asker_of(context), deps_of(context), _clicked_id(body)
    if value is None:
        return
    lang = asker.language
    with session_scope(deps.engine) as session:
        moved = (store.take if take else store.close)(session, asker.team_id, value, by=asker.user_id)
        row = store.get(session, asker.team_id, value)
        if row is None:
            respond(response_type="ephemeral", replace_original=False, text=t("ask.gone", lang))
            return
        payload = _post_payload(session, row)
        channel, ts, asked_by, text = row.channel_id, row.message_ts, row.asked_by, row.text
        asker_lang, status, taken_by = row.language, row.status, row.taken_by
    if not moved:
        line = (t("ask.already_taken", lang, id=value, who=f"<@{taken_by}>") if take and status == "taken"
                else t("ask.already_closed", lang, id=value))
        respond(response_type="ephemeral", replace_original=False, text=line)
        return
    if ts:
        client.chat_update(channel=channel, ts=ts, **payload)
    if asked_by != asker.user_id:
        key = "ask.taken_dm" if take else "ask.closed_dm"
        dm = client.conversations_open(users=asked_by)["channel"]["id"]
        client.chat_postMessage(channel=dm, text=t(key, asker_lang, who=f"<@{asker.user_id}>",
                                                   text=mrkdwn.escape(mrkdwn.capped(text, 200)),
                                                   channel=f"<#{channel}>"))


def on_confirm(body: dict[str, Any], respond: Respond, client: Any, context: Any) -> None:
    """The did-you-mean answer: the request as typed, with the account picked (or none)."""
    asker, deps = asker_of(context), deps_of(context)
    try:
        draft = json.loads(_action_value(body))
        assert isinstance(draft, dict) and draft.get("c") and draft.get("x")
    except (ValueError, AssertionError):
        return
    lang = draft.get("l") or asker.language
    reply = _create_and_answer(client, deps, asker, draft, draft.get("a"), lang)
    respond(response_type="ephemeral", replace_original=True, **reply)


def checkin_button(run_id: int, language: str) -> Block:
    """The check-in summary's button that turns the rep's support need into a request."""
    return actions(button(t("ask.checkin_button", language), FROM_CHECKIN, str(run_id)), block_id=f"ask_run_{run_id}")


def on_from_checkin(body: dict[str, Any], respond: Respond, client: Any, context: Any) -> None:
    """One click: the rep's "support needed" answer becomes a request to the team channel a manager set
    (`/ask checkin #presales`), for the rep, with the account and due date its words name; once per check-in."""
    asker, deps, value = asker_of(context), deps_of(context), _clicked_id(body)
    if value is None:
        return
    lang = asker.language
    with Session(deps.engine) as session:
        run = session.get(CheckinRun, value)
        if run is None or run.team_id != asker.team_id:
            return
        earlier = store.of_checkin_run(session, run.id or 0)
        view = run_views(session, [run])[0]
        channel = store.checkin_channel(session, asker.team_id)
        known = known_accounts(session, asker.team_id)
    if earlier is not None:
        respond(response_type="ephemeral", replace_original=False,
                text=t("ask.checkin_done", lang, channel=f"<#{earlier.channel_id}>", id=earlier.id))
        return
    need = view.support
    if not need:
        respond(response_type="ephemeral", replace_original=False, text=t("ask.checkin_nothing", lang))
        return
    if channel is None:
        example = f'/ask #presales "{need[:120]}"'
        respond(response_type="ephemeral", replace_original=False,
                text=t("ask.checkin_no_channel", lang, example=mrkdwn.escape(example)))
        return
    parsed = domain.parse_ask(f'<#{channel}> "{need}"', today=clock.today(asker.timezone), language=lang)
    due = parsed.due if parsed.problem != "past_due" else None
    found = domain.find_account(parsed.text or need, known)
    request_id, error = create_and_post(client, deps, team_id=asker.team_id, channel=channel, text=parsed.text or need,
                                        account=found.name, due=due, member_id=run.member_id, asked_by=asker.user_id,
                                        language=lang, checkin_run_id=run.id)
    if request_id is None:
        respond(response_type="ephemeral", replace_original=False,
                text=t("ask.not_in_channel", lang, channel=f"<#{channel}>"))
        return
    respond(response_type="ephemeral", replace_original=False,
            text=t("ask.sent", lang, channel=f"<#{channel}>", id=request_id, due=domain.due_words(due, lang)))


# ------------------------------------------------------------------------------------------ reminders


def _zone(session: Any, team_id: str) -> str:
    ws = session.get(Workspace, team_id)
    return ws.timezone if ws is not None else "UTC"


class _DueDateSource:
    """Open requests with a due date near now; one moment each (`moment`), keyed (request, moment, channel)."""

    kind = ""
    grace = timedelta(days=1)

    def moment(self, due: Any, timezone: str) -> datetime:
        raise NotImplementedError

    def due(self, session: Session, now: datetime) -> list[DueDelivery]:
        day = now.astimezone(UTC).date()
        rows = store.with_due_dates_between(session, day - timedelta(days=5), day + timedelta(days=5))
        if not rows:
            return []
        done = deliveries.delivered_keys(session, kind=self.kind, schedule_ids=[int(r.id or 0) for r in rows],
                                         since=now - timedelta(days=10))
        zones: dict[str, str] = {}
        items = []
        for row in rows:
            zone = zones.setdefault(row.team_id, _zone(session, row.team_id))
            moment = self.moment(row.due_date, zone).astimezone(UTC)
            created = deliveries.as_utc(row.created_at)
            if moment > now or moment <= created:
                continue
            if (row.id, moment.replace(tzinfo=None), row.channel_id) in done:
                continue
            items.append(DueDelivery(row.team_id, self.kind, int(row.id or 0), moment, row.channel_id,
                                     {"timezone": zone}))
        return items

    def send(self, row: TeamRequest, client: Any) -> None:
        raise NotImplementedError

    def deliver(self, item: DueDelivery, client: Any, deps: Deps) -> None:
        """Nothing goes for a request closed (or deleted) since it was found due."""
        with Session(deps.engine) as session:
            row = session.get(TeamRequest, item.schedule_id)
            if row is None or row.status == "closed" or row.due_date is None:
                return
            session.expunge(row)
        self.send(row, client)

    def on_failed(self, item: DueDelivery, reason: str, client: Any, deps: Deps) -> None:
        log.warning("%s for request %s failed for good: %s", self.kind, item.schedule_id, reason)


def _to_taker_or_channel(client: Any, taker: str | None, channel: str, ts: str | None, line: str) -> None:
    """A DM to whoever took the request; when nobody has, a reply in the request's thread, shown in the channel."""
    if taker:
        dm = client.conversations_open(users=taker)["channel"]["id"]
        client.chat_postMessage(channel=dm, text=line)
    else:
        thread = {"thread_ts": ts, "reply_broadcast": True} if ts else {}
        client.chat_postMessage(channel=channel, text=line, **thread)


class ReminderSource(_DueDateSource):
    """The working day before the due date, 09:00 local: to whoever took it (DM), else to the channel, in the
    request's thread."""

    kind = "ask_reminder"

    def moment(self, due: Any, timezone: str) -> datetime:
        return domain.reminder_moment(due, timezone)

    def send(self, row: TeamRequest, client: Any) -> None:
        line = domain.reminder_text(text=row.text, due=row.due_date, asker=f"<@{row.asked_by}>",  # type: ignore[arg-type]
                                    language=row.language)
        taker = row.taken_by
        _to_taker_or_channel(client, taker, row.channel_id, row.message_ts,
                             line + (f" · <#{row.channel_id}>" if taker else ""))


class OverdueSource(_DueDateSource):
    """The working day after the due date, 09:00 local, while still not closed: to the taker (or the channel) and
    to the asker."""

    kind = "ask_overdue"
    grace = timedelta(days=3)

    def moment(self, due: Any, timezone: str) -> datetime:
        return domain.overdue_moment(due, timezone)

    def send(self, row: TeamRequest, client: Any) -> None:
        line = domain.overdue_text(text=row.text, due=row.due_date, asker=f"<@{row.asked_by}>",  # type: ignore[arg-type]
                                   channel=f"<#{row.channel_id}>", language=row.language)
        _to_taker_or_channel(client, row.taken_by, row.channel_id, row.message_ts, line)
        if row.asked_by != row.taken_by:
            dm = client.conversations_open(users=row.asked_by)["channel"]["id"]
            client.chat_postMessage(channel=dm, text=line)


def job_sources() -> list[Any]:
    return [ReminderSource(), OverdueSource()]


def register(app: Any) -> None:
    app.command("/ask")(ack=ack_ask, lazy=[answer_ask])
    app.action(TAKE)(ack=ack_button, lazy=[on_take])
    app.action(CLOSE)(ack=ack_button, lazy=[on_close])
    app.action(CONFIRM)(ack=ack_button, lazy=[on_confirm])
    app.action(FROM_CHECKIN)(ack=ack_button, lazy=[on_from_checkin])


