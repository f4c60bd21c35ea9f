"""`/kpi`: any KPI for you, a rep or the team, over any period, compared and against target.

Slack rules: `ack_kpi` acknowledges at once (help is answered in the ack itself); `answer_kpi` runs after
the ack as a Bolt lazy listener, queries the one KPI engine and answers through `response_url`,
ephemeral, with a "Share in channel" button. Charts (`by week`) and CSV exports go to the asker's DM,
so per-rep figures never land in a channel nobody chose.
"""

import json
import logging
import secrets
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any, NamedTuple

from slack_bolt import Ack, Respond

from db import clock
from db.csv_export import csv_bytes
from db.engine import session_scope
from db.models import Member
from handlers import kpi_history
from handlers import kpi_views as views
from handlers.blocks import context, section
from handlers.checklist import checklist_message, status_of
from handlers.context import Asker, Deps, asker_of, deps_of
from handlers.delivery_client import UNSURE, call_once, upload_once
from handlers.people import prepare_people
from handlers.replies import managers_only, not_understood, person_unclear
from reports import breakdown_compare as compare_rows
from reports import kpi_engine as engine
from reports import mrkdwn, target_words
from reports.changes import change_text
from reports.charts import trend_chart
from reports.formatting import currency_sign, date_short
from reports.i18n import Texts, add_messages, as_typed, msg, simplified, t, tn
from reports.kpi_grammar import METRIC_NAMES, canonical_name, close_names, parse_kpi
from reports.kpi_people import close_date_span, known_values, names_by_slack_id, owns_deals, workspace_prefs
from reports.kpi_period import PeriodProblem, resolve_period
from reports.money_notes import chart_notes, left_out_csv, merge
from reports.people import resolve_person
from reports.standing import is_partial, period_state, standing
from reports.targets import ADDITIVE, TargetUse, rep_targets

log = logging.getLogger("salesbot.kpi")

add_messages(
    msg("kpi.help_title", "/kpi — ask for any number"),
    msg("kpi.help", "*Metrics*: revenue (sales), deals won, win rate, average deal size, sales cycle, pipeline "
        "(`pipeline on 2026-10-01`: then vs now), stage conversion, time in stage, new deals, attainment, pace, "
        "CSAT, NPS, check-in rate, leaderboard\n*Who*: `me`, `@user`, `team`, `product X`, `account Y`\n*When*: "
        "today, this/last week, this/last month, this/last quarter, Q3 2026, 2026, March, last 30 days, month to "
        "date, since 2026-03-01, 2026-07-01 to 2026-09-30\n*More*: `by rep|product|account|week`, `vs last year`, "
        "`export` (CSV)\n`/kpi` alone shows your headline numbers for this month."),
    msg("kpi.did_you_mean", "Did you mean *{metric}*?"),
    msg("kpi.unknown_name", "No {kind} called *{name}* in your deals, so there is no figure to show."),
    msg("kpi.unknown_name.close", "Did you mean {names}?"),
    msg("kpi.unknown_name.some", "Some {kind}s: {names}"),
    # i18n: {kind} is "product"/"account" as typed in English commands, {what} the word in the reader's language
    msg("kpi.unknown_name.example", "/kpi revenue {kind} \"{name}\" this quarter"),
    msg("kpi.outside_data", "No deals close in this period: your deals close between {first} and {last} — try "
        "`{example}`"),
    msg("kpi.no_deals_linked", "No deals are linked to {who} yet. If the CRM writes the name differently, a manager "
        "links it with `/salesbot link \"Name in the CRM\" {who}` (`/salesbot unlinked` lists the names waiting)."),
    msg("kpi.kind.product", "product"),
    msg("kpi.kind.account", "account"),
    msg("kpi.what_others", "see another rep's figures"),
    msg("kpi.what_ranking", "see figures per rep or the leaderboard"),
    msg("kpi.file_unsure", ":hourglass: Slack did not confirm that *{file}* reached your DM with me. It may still "
        "appear there: look before asking again."),
    msg("kpi.file_refused", ":warning: I could not put *{file}* in your DM (Slack answered `{error}`); nothing was "
        "sent. Ask again with the same words to get it."),
    msg("kpi.failed", "Sorry, I could not compute that. The error was logged; please try again."),
    msg("kpi.export_comment", "{title}"),
    msg("kpi.week_of", "week of {day}"),
    msg("kpi.week_partial", "week of {day} (partial: {n} of 7 days)"),
    msg("kpi.same_days_before", "the same {n} days of the week before"),
    msg("kpi.row_vs", "{change} vs {period} ({value})"),
    msg("kpi.period_vs", "{period} vs {then}"),
)

EXAMPLES = Texts(  # a command's examples, in the reader's language: EXAMPLES[language]
    msg("kpi.example.1", "/kpi revenue last quarter"),
    msg("kpi.example.2", "/kpi win rate @alice Q3 by product"),
    msg("kpi.example.3", "/kpi revenue 2026-07-01 to 2026-09-30"),
)
HEADLINE = ["revenue", "deals_won", "win_rate", "avg_deal_size", "pipeline", "attainment", "pace"]


def local_today(timezone: str) -> date:
    """The asker's calendar day, from the one clock."""
    return clock.today(timezone)


class Upload(NamedTuple):
    """A file for the asker's DM: a chart carries alt text (what a screen reader, a search and a notification
    say instead of the picture), an export none."""

    filename: str
    content: bytes
    title: str
    alt: str = ""


@dataclass
class Answer:
    """The reply, plus files that go to the asker's DM (chart PNG, CSV export)."""

    message: dict[str, Any]
    uploads: list[Upload] = field(default_factory=list)


def _unknown_name(kind: str, typed: str, known: list[str], lang: str, examples: list[str]) -> dict[str, Any]:
    """A product or account nobody sold: what was asked, the names it may have meant, a line that works."""
    what = t(f"kpi.kind.{kind}", lang)
    head = t("kpi.unknown_name", lang, kind=what, name=mrkdwn.escape(mrkdwn.capped(typed)))
    close = close_names(typed, known)
    sep = "、" if lang == "zh" else ", "
    if close:
        hint = t("kpi.unknown_name.close", lang, names=sep.join(f"`{mrkdwn.escape(n)}`" for n in close))
    else:
        some = sorted(known)[:8]
        hint = t("kpi.unknown_name.some", lang, kind=what, names=sep.join(f"`{mrkdwn.escape(n)}`" for n in some))
    example = t("kpi.unknown_name.example", lang, kind=kind, what=what, name=close[0]) if close else examples[0]
    blocks = [section(head), context(hint), context(f"`{mrkdwn.escape(example)}`")]
    return {"text": head, "blocks": blocks}


# ----------------------------------------------------------------------------------------- listeners


def ack_kpi(ack: Ack, body: dict[str, Any], context: Any) -> None:
    """Answer help at once; everything else is acknowledged now and answered by `answer_kpi`."""
    text = (body.get("text") or "").strip()
    if text.lower() in ("help", "帮助", "?", "？"):
        ack(**help_message(asker_of(context).language))
        return
    ack()


def answer_kpi(body: dict[str, Any], respond: Respond, client: Any, context: Any) -> None:
    text = (body.get("text") or "").strip()
    if text.lower() in ("help", "帮助", "?", "？"):
        return
    asker, deps = asker_of(context), deps_of(context)
    status = status_of(deps, asker.team_id)
    if not status.has_data:  # day one: what is missing, not a screen of $0.00
        respond(response_type="ephemeral", **checklist_message(status, asker.language))
        return
    prepare_people(client, deps, asker.team_id, text)
    today = local_today(asker.timezone)
    _answer(text, today, asker, deps, respond, client, share=True)


def ack_share(ack: Ack) -> None:
    ack()


def share_kpi(body: dict[str, Any], respond: Respond, client: Any, context: Any) -> None:
    """Post the same answer in the channel, recomputed for the day it was asked (the button carries both)."""
    asker, deps = asker_of(context), deps_of(context)
    try:
        value = json.loads(body["actions"][0].get("value") or "{}")
        text, today = str(value.get("t", "")), date.fromisoformat(value["d"])
    except (KeyError, ValueError, IndexError, TypeError):
        return
    _answer(text, today, asker, deps, respond, client, share=False)


def _answer(text: str, today: date, asker: Asker, deps: Deps, respond: Respond, client: Any, *, share: bool) -> None:
    try:
        answer = build_answer(text, today=today, asker=asker, deps=deps, share=share)
    except Exception:
        log.exception("kpi query failed: %r", text)
        respond(text=t("kpi.failed", asker.language), response_type="ephemeral")
        return
    message = answer.message if share else views.shared(answer.message, asker.user_id, asker.language)
    if answer.uploads and share:
        notes = _send_files(client, asker, answer.uploads)
        if notes:
            message = {**message, "blocks": [*message.get("blocks", []), *(context(n) for n in notes)]}
    respond(**{"response_type": "ephemeral", **message})


def _send_files(client: Any, asker: Asker, uploads: list[Upload]) -> list[str]:
    """Put the chart/CSV in the asker's DM, each at most once (upload_once); what to tell them if one did not
    arrive or may not have."""
    lang, notes = asker.language, []
    opened: list[str] = []
    outcome = call_once("kpi files: opening the DM", lambda: opened.append(
        client.conversations_open(users=asker.user_id)["channel"]["id"]))
    for filename, content, title, alt in uploads:
        shown = mrkdwn.escape(filename)
        if not outcome.done:  # no DM to put them in: Slack was asked nothing else
            notes.append(t("kpi.file_refused", lang, file=shown, error=outcome.error or "no answer"))
            continue
        key = f"kpi:{asker.user_id}:{secrets.token_hex(6)}"
        sent = upload_once(client, key, since=clock.wall(), what=f"kpi file {filename}", channel=opened[0],
                           file=content, filename=filename, title=mrkdwn.plain(title), initial_comment=title,
                           **({"alt_txt": alt} if alt else {}))
        if sent.status == UNSURE:
            notes.append(t("kpi.file_unsure", lang, file=shown))
        elif not sent.done:
            notes.append(t("kpi.file_refused", lang, file=shown, error=mrkdwn.escape(sent.error)))
    return notes


def help_message(language: str) -> dict[str, Any]:
    blocks = [
        section(f"*{t('kpi.help_title', language)}*"),
        section(t("kpi.help", language)),
        context(" · ".join(f"`{e}`" for e in EXAMPLES[language])),
    ]
    return {"text": t("kpi.help_title", language), "blocks": blocks}


# ------------------------------------------------------------------------------------ the answer


def build_answer(text: str, *, today: date, asker: Asker, deps: Deps, share: bool = True) -> Answer:
    """Parse, check access, query the engine and render; pure enough to call from tests and the share button."""
    lang = asker.language
    examples = EXAMPLES[lang]
    with session_scope(deps.engine) as session:
        prefs = workspace_prefs(session, asker.team_id)
        lowered = simplified(text).lower()  # 產品 / 客戶 as 产品 / 客户
        wants_products = "product" in lowered or "产品" in lowered
        products = known_values(session, asker.team_id, "product") if wants_products else None
        accounts = (
            known_values(session, asker.team_id, "account")
            if any(w in lowered for w in ("account", "customer")) or "客户" in lowered.replace("按客户", "")
            else None
        )
        req = parse_kpi(text, products=products, accounts=accounts)
        for kind, known in (("product", products), ("account", accounts)):
            typed = getattr(req, kind)
            if typed is None or known is None:
                continue
            name = canonical_name(typed, known)
            if name is None:  # a name the deals never use: saying so beats a confident US$0.00
                return Answer(_unknown_name(kind, typed, known, lang, examples))
            req = replace(req, **{kind: name})
        if req.help:
            return Answer(help_message(lang))
        if req.suggestion:
            name = METRIC_NAMES[req.suggestion]
            blocks = not_understood(
                understood=req.understood, rest=req.misspelt or "", examples=examples, language=lang, typed=text
            )
            blocks.insert(1, section(t("kpi.did_you_mean", lang, metric=name)))
            return Answer({"text": t("kpi.did_you_mean", lang, metric=name), "blocks": blocks})
        try:
            period = resolve_period(
                kpi_history.default_period(req, lang), today=today, language=lang,
                fiscal_year_start_month=prefs.fiscal_year_start_month,
            )
        except PeriodProblem as problem:
            blocks = not_understood(
                understood=req.understood, rest=req.period_text, examples=examples, language=lang, typed=text
            )
            if problem.hint:
                blocks.append(context(problem.hint))
            return Answer({"text": blocks[0]["text"]["text"], "blocks": blocks})

        # Whose numbers, and may the asker see them?
        member_id: int | None = None
        subject = t("kpi.team", lang)
        wants_team = req.team or req.leaderboard or req.by == "rep"  # a ranking is of the team
        if req.user:
            match = resolve_person(session, asker.team_id, req.user)
            member = session.get(Member, match.member_id) if match.found else None
            if member is None:
                blocks = person_unclear(match, language=lang, example="/kpi revenue {who} last month")
                return Answer({"text": blocks[0]["text"]["text"], "blocks": blocks})
            member_id, subject = member.id, mrkdwn.escape(member.display_name or member.crm_name or req.user)
        elif req.me or (not wants_team and not asker.is_manager):
            member_id, subject = asker.member_id, t("kpi.you", lang)
        elif req.headline and not req.team and not req.product and not req.account:
            if not asker.is_manager or owns_deals(session, asker.team_id, asker.member_id):
                member_id, subject = asker.member_id, t("kpi.you", lang)
        open_board = asker.is_manager or deps.open_leaderboard
        if member_id is not None and member_id != asker.member_id and not open_board:
            return Answer(
                {"text": t("kpi.what_others", lang), "blocks": managers_only(t("kpi.what_others", lang), lang)}
            )
        by = "rep" if req.leaderboard else req.by
        if by == "rep" and not open_board:
            return Answer(
                {"text": t("kpi.what_ranking", lang), "blocks": managers_only(t("kpi.what_ranking", lang), lang)}
            )
        if req.product:
            subject += f" · {mrkdwn.escape(req.product)}"
        if req.account:
            subject += f" · {mrkdwn.escape(req.account)}"

        scope = engine.Scope(asker.team_id, member_id, req.product, req.account)
        share_value = json.dumps({"t": text[:1500], "d": today.isoformat()}, ensure_ascii=False) if share else None
        frame = views.Frame(lang, prefs.currency, period.label(lang), subject, share_value)
        if kpi_history.wants_history(req, period, today):
            return Answer(kpi_history.history_message(session, req, scope, period, frame, timezone=asker.timezone,
                                                      today=today))
        metric = req.metric or "revenue"
        if req.leaderboard:
            return _leaderboard(session, metric, scope, period, frame, today, export=req.export)
        if by is not None:
            return _breakdown(
                session, metric, scope, period, by, frame, today, export=req.export, vs_last_year=req.vs_last_year
            )
        if req.headline:
            return _headline(session, scope, period, frame, today, mine=member_id == asker.member_id)
        return _figure(
            session,
            metric,
            scope,
            period,
            frame,
            today,
            vs_last_year=req.vs_last_year,
            export=req.export,
            target_hint=as_typed(req.period_text, text) or "this month",
        )


def _headline(session: Any, scope: engine.Scope, period: Any, frame: views.Frame, today: date, *, mine: bool) -> Answer:
    values = engine.compute_many(session, HEADLINE, scope, period, today=today)
    cmp = engine.compare(session, "revenue", scope, period, today=today)
    line = target_line(session, "revenue", scope, period, frame, today, values["revenue"], pace=values["pace"].value)
    title = t("kpi.your_numbers" if mine else "kpi.team_numbers", frame.language)
    if scope.member_id is not None and not mine:
        title = frame.subject
    message = views.headline_message(values, cmp, frame, target_line=line, title=title)
    empty = not values["revenue"].value and not values["deals_won"].value and values["win_rate"].value is None
    message = _outside_data(message, session, scope, period, frame, empty=empty)
    return Answer(_partial_note(message, period, today, frame))


def _outside_data(message: dict[str, Any], session: Any, scope: engine.Scope, period: Any, frame: views.Frame,
                  *, empty: bool) -> dict[str, Any]:
    """An empty answer for a period the team's deals never reach (an export of past years, read in 2026) says
    where the data is, so a first look is not a screen of zeros with no way forward."""
    if not empty:
        return message
    if scope.member_id is not None and not scope.product and not scope.account and not owns_deals(
        session, scope.team_id, scope.member_id
    ):  # a person with no deals at all, in a team that has some: most likely not linked to their CRM name
        person = session.get(Member, scope.member_id)
        if person is not None and person.slack_user_id and not person.crm_name:
            first, _ = close_date_span(session, scope.team_id)
            if first is not None:
                return views.note(message, t("kpi.no_deals_linked", frame.language, who=f"<@{person.slack_user_id}>"))
    first, last = close_date_span(session, scope.team_id)
    if first is None or period.start <= last and first < period.end:
        return message
    lang = frame.language
    example = f"/kpi {last.year}年 销售额" if lang == "zh" else f"/kpi revenue {last.year}"
    dates = {"first": first.isoformat(), "last": last.isoformat()}
    return views.note(message, t("kpi.outside_data", lang, example=example, **dates))


def target_line(
    session: Any,
    metric: str,
    scope: engine.Scope,
    period: Any,
    frame: views.Frame,
    today: date,
    actual: engine.KpiValue,
    *,
    pace: float | None = None,
) -> str:
    """The target of exactly this scope and period (the rule of reports/targets.py), where it comes from, and
    the standing by the calendar (pace while running, hit or missed once over); '' without a target."""
    use = engine.target_use(session, scope, metric, period)
    if use is None:
        return ""
    names = names_by_slack_id(session, scope.team_id, target_words.setters([use]))
    if use.value is None:  # set in a currency without a rate: said, never compared one for one
        return target_words.not_compared(use, frame.language, names)
    target = _target_value(metric, use.value)
    assert target is not None
    source = target_words.describe(
        use, frame.language, lambda raw: views.fmt(_target_value(metric, raw), frame), names,  # type: ignore[arg-type]
        additive=metric in ADDITIVE,
    )
    st = standing(metric, actual.value, target.value, period.start, period.end, today, pace=pace)
    gap = engine.KpiValue(metric, int(st.gap) if target.unit == "money" else st.gap, target.unit) if st.gap else None
    return views.standing_line(target, source, st, frame, gap=gap)


def _partial_note(message: dict[str, Any], period: Any, today: date, frame: views.Frame) -> dict[str, Any]:
    """Say that a running period is partial and compared like for like (same number of days)."""
    if not is_partial(period.start, period.end, today):
        return message
    n, total = (today - period.start).days + 1, (period.end - period.start).days
    return views.note(message, t("kpi.partial", frame.language, n=n, total=total))


def _figure(
    session: Any,
    metric: str,
    scope: engine.Scope,
    period: Any,
    frame: views.Frame,
    today: date,
    *,
    vs_last_year: bool,
    export: bool,
    target_hint: str,
) -> Answer:
    pace, extra = None, []
    if metric == "revenue":
        running = period.start <= today < period.end  # a finished period has no pace, only attainment
        wanted = ["revenue", "deals_won", "avg_deal_size", "win_rate"] + (["pace"] if running else [])
        more = engine.compute_many(session, wanted, scope, period, today=today)
        pace = more["pace"].value if running else None
        cmp = engine.compare(session, metric, scope, period, today=today, current=more["revenue"])
        extra.append(
            tn(
                "kpi.revenue_context",
                more["deals_won"].value or 0,
                frame.language,
                won=views.fmt(more["deals_won"], frame),
                avg=views.fmt(more["avg_deal_size"], frame),
                win_rate=views.fmt(more["win_rate"], frame),
            )
        )
    else:
        cmp = engine.compare(session, metric, scope, period, today=today)
    line = target_line(session, metric, scope, period, frame, today, cmp.current, pace=pace)
    message = views.figure_message(
        cmp,
        frame,
        target_line=line,
        extra=extra,
        vs_last_year_first=vs_last_year,
        target_hint=target_hint,
    )
    message = _outside_data(message, session, scope, period, frame, empty=cmp.current.value in (0, None))
    message = _partial_note(message, period, today, frame)
    uploads: list[Upload] = []
    if export:
        target = _target_value(metric, engine.target_for(session, scope, metric, period))
        signed = f" ({currency_sign(frame.currency, 'en')})" if _is_money(metric) else ""
        rows = [
            (
                "period",
                "metric",
                f"value{signed}",
                f"previous{signed}",
                f"year_ago{signed}",
                f"target{signed}",
                "currency",
                "left_out",
            )
        ]
        rows.append(
            (
                frame.period_label,
                metric,
                _csv_value(cmp.current),
                _csv_value(cmp.previous),
                _csv_value(cmp.year_ago),
                _csv_value(target) if target else "",
                frame.currency if _is_money(metric) else "",
                left_out_csv(cmp.current.left_out),
            )
        )
        uploads.append(_csv_upload(f"kpi-{metric}-{period.start.isoformat()}.csv", rows, message["text"]))
        message = views.note(message, t("kpi.export_sent", frame.language, n=1))
    return Answer(message, uploads)


def _breakdown(
    session: Any,
    metric: str,
    scope: engine.Scope,
    period: Any,
    by: str,
    frame: views.Frame,
    today: date,
    *,
    export: bool,
    vs_last_year: bool = False,
) -> Answer:
    with_pace = by == "rep" and metric == "revenue" and period.start <= today < period.end
    many = engine.breakdown_many(session, [metric] + (["pace"] if with_pace else []), scope, period, by, today=today)
    rows = many[metric]
    paces = {r.key: r.value.value for r in many["pace"]} if with_pace else None
    targets = None
    uncompared: dict[Any, TargetUse] = {}
    if by == "rep" and metric == "revenue" and not scope.product and not scope.account:
        targets, uncompared = _rep_targets(session, scope, period)
    total = (
        engine.compute(session, metric, scope, period, today=today)
        if metric in ("revenue", "deals_won", "new_deals", "pipeline")
        else None
    )
    lang = frame.language
    spans = compare_rows.week_spans(rows, period, today) if by == "week" else {}
    week_labels = {key: _week_label(span, lang) for key, span in spans.items()} if by == "week" else None
    changes = None
    if vs_last_year:  # `… by rep last quarter vs last year`: each row beside its own figure a year earlier
        _, before = compare_rows.year_earlier_rows(session, metric, scope, period, by, rows, today)
        then = target_words.named_period(period.year_earlier().start, period.year_earlier().end, lang)
        changes = {
            r.key: t(
                "kpi.row_vs",
                lang,
                change=change_text(r.value.unit, r.value.value, before[r.key].value, lang),
                period=then,
                value=views.fmt(before[r.key], frame, whole=True),
            )
            for r in rows
        }
        frame = replace(frame, period_label=t("kpi.period_vs", lang, period=frame.period_label, then=then))
    message = views.breakdown_message(
        metric,
        by,
        rows,
        frame,
        targets=targets,
        uncompared=uncompared,
        total=total,
        week_labels=week_labels,
        paces=paces,
        state=period_state(period.start, period.end, today),
        changes=changes,
    )
    message = _partial_note(message, period, today, frame)
    uploads: list[Upload] = []
    if by == "week" and rows and _is_money(metric):
        last = spans[rows[-1].key]
        base = None
        if last.partial and len(rows) >= 2:  # a partial last week meets the same days of the week before
            before_days = compare_rows.same_days_before(session, metric, scope, last, today)
            base = (t("kpi.same_days_before", lang, n=last.days), int(before_days.value or 0))
        chart = trend_chart(
            [(week_labels[r.key] if week_labels else r.label, int(r.value.value or 0)) for r in rows],
            title=mrkdwn.plain(message["text"]),
            currency=frame.currency,
            language=lang,
            base=base,
            notes=chart_notes(merge(r.value.left_out for r in rows), lang),  # on the figure, not only the message
        )
        uploads.append(Upload(chart.filename, chart.png, message["text"], chart.alt_text))
        message = views.note(message, t("kpi.chart_sent", lang))
    if export:
        uploads.append(_export_rows(metric, by, rows, period, message["text"], targets, frame.currency))
        message = views.note(message, t("kpi.export_sent", lang, n=len(rows)))
    return Answer(message, uploads)


def _week_label(span: compare_rows.WeekSpan, language: str) -> str:
    """"week of Mon 28 Sep", or "week of Mon 28 Sep (partial: 3 of 7 days)" when the period's edge or today
    cuts it."""
    day = date_short(span.start, language)
    if span.partial:
        return t("kpi.week_partial", language, day=day, n=span.days)
    return t("kpi.week_of", language, day=day)


def _rep_targets(session: Any, scope: engine.Scope, period: Any) -> tuple[dict[Any, int], dict[Any, TargetUse]]:
    """Each rep's revenue target for the period, and apart from them the reps whose target is in a currency
    with no rate: their rows say "not compared", never "no target" (one was set)."""
    uses = rep_targets(session, team_id=scope.team_id, metric="revenue", start=period.start, end=period.end)
    compared = {k: u.value for k, u in uses.items() if u.value is not None}
    return compared, {k: u for k, u in uses.items() if u.value is None}


def _leaderboard(
    session: Any, metric: str, scope: engine.Scope, period: Any, frame: views.Frame, today: date, *, export: bool
) -> Answer:
    running = period.start <= today < period.end
    with_pace = metric == "revenue" and running
    many = engine.breakdown_many(session, [metric] + (["pace"] if with_pace else []), scope, period, "rep", today=today)
    rows = many[metric]
    paces = {r.key: r.value.value for r in many["pace"]} if with_pace else None
    targets: dict[Any, int] = {}
    uncompared: dict[Any, TargetUse] = {}
    if metric == "revenue":
        targets, uncompared = _rep_targets(session, scope, period)
    team_measure = "pace" if running else "attainment"
    team = engine.compute_many(
        session, [metric] + ([team_measure] if metric == "revenue" else []), scope, period, today=today
    )
    total = team[metric]
    team_target = engine.target_for(session, scope, "revenue", period) if metric == "revenue" else None
    team_pace = team[team_measure].value if team_target else None
    message = views.leaderboard_message(
        metric,
        rows,
        frame,
        targets=targets,
        uncompared=uncompared,
        total=total,
        team_target=team_target,
        team_pace=team_pace,
        running=running,
        paces=paces,
    )
    uploads: list[Upload] = []
    if export:
        uploads.append(_export_rows(metric, "rep", rows, period, message["text"], targets, frame.currency))
        message = views.note(message, t("kpi.export_sent", frame.language, n=len(rows)))
    return Answer(message, uploads)


def _is_money(metric: str) -> bool:
    return engine.UNITS[metric] == "money"


def _target_value(metric: str, raw: int | None) -> engine.KpiValue | None:
    """Target.value_cents units -> the metric's own unit (cents stay cents; 6000 -> 60% for rates)."""
    if raw is None:
        return None
    unit = engine.UNITS[metric]
    value: float | int = raw if unit == "money" else raw / 10000 if unit == "ratio" else raw / 100
    return engine.KpiValue(metric, value, unit)


def _csv_value(value: engine.KpiValue | None) -> str:
    if value is None or value.value is None:
        return ""
    if value.unit == "money":
        cents = int(value.value)
        sign = "-" if cents < 0 else ""
        return f"{sign}{abs(cents) // 100}.{abs(cents) % 100:02d}"
    if isinstance(value.value, float):
        return f"{value.value:.6g}"
    return str(value.value)


def _export_rows(
    metric: str,
    by: str,
    rows: list[engine.BreakdownRow],
    period: Any,
    title: str,
    targets: dict[Any, int] | None,
    currency: str,
) -> Upload:
    """One line per row; money columns are numbers in `currency` (its sign in the header, its code in its own
    column, so a spreadsheet still adds them), with what each row left out."""
    money_metric = _is_money(metric)
    sign = f" ({currency_sign(currency, 'en')})" if money_metric else ""
    header = ["rank", by, metric + sign] + (["currency", "left_out"] if money_metric else [])
    if targets is not None:
        header += [f"target ({currency_sign(currency, 'en')})", "attainment"]
    table: list[tuple[Any, ...]] = [tuple(header)]
    for i, row in enumerate(rows, start=1):
        line: list[Any] = [i, row.key.isoformat() if by == "week" else row.label, _csv_value(row.value)]
        if money_metric:
            line += [currency, left_out_csv(row.value.left_out)]
        if targets is not None:
            target = targets.get(row.key)
            line += [
                _csv_value(engine.KpiValue("revenue", target, "money")) if target else "",
                f"{(row.value.value or 0) / target:.4f}" if target else "",
            ]
        table.append(tuple(line))
    return _csv_upload(f"kpi-{metric}-by-{by}-{period.start.isoformat()}.csv", table, title)


def _csv_upload(filename: str, rows: list[tuple[Any, ...]], title: str) -> Upload:
    """An export as a CSV upload; names from data that could start a formula are neutralised."""
    return Upload(filename, csv_bytes(rows), title)


def register(app: Any) -> None:
    app.command("/kpi")(ack=ack_kpi, lazy=[answer_kpi])
    app.action("kpi_share")(ack=ack_share, lazy=[share_kpi])

