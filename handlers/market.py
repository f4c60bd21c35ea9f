"""`/market`: where the team wins, where it loses, and to whom; the competitors a manager keeps.

`/market [period] [chart]` (`/market 上季度`), `/market competitors [add|remove NAME]` (`/market 竞争对手 添加 X`),
`/market trend [by product|segment|region|size] [period] [chart]` (`/market 趋势 按规模`): reports/market_trend*.py.
Help is answered in the ack; everything else after it (a Bolt lazy listener) through `response_url`,
ephemeral. The chart goes to the asker's DM, like /kpi's. Domain: reports/market.py, words:
reports/market_text.py, chart: reports/market_chart.py, the kept list: db/competitors.py.
"""

import logging
import re
from dataclasses import dataclass
from typing import Any

from slack_bolt import Ack, Respond

from db.accounts import has_accounts
from db.competitors import add_competitor, competitors_of, remove_competitor
from db.engine import session_scope
from handlers.blocks import context, message, section
from handlers.blocks import context as context_block
from handlers.checklist import checklist_message, status_of
from handlers.context import Asker, Deps, asker_of, deps_of
from handlers.kpi import Upload, _send_files, local_today
from handlers.replies import managers_only, not_understood
from reports import mrkdwn
from reports.i18n import Texts, add_messages, msg, simplified, t
from reports.kpi_period import PeriodProblem, resolve_period
from reports.market import market_view
from reports.market_chart import loss_chart
from reports.market_text import market_lines, previous_name
from reports.market_trend import market_trend, trend_buckets
from reports.market_trend_chart import trend_chart
from reports.market_trend_text import trend_lines
from reports.money_notes import chart_notes

log = logging.getLogger("salesbot.market")

add_messages(
    msg("market.help_title", "/market — where we win, where we lose, and to whom"),
    msg("market.help", "`/market [period]`: deals lost with their loss reasons and competitors (counts, money lost, "
        "trend vs the previous period), products and segments whose demand moved, and competitors named in "
        "check-ins and feedback. Add `chart` for a chart in your DM.\n`/market competitors` lists the competitors "
        "the team keeps; managers: `/market competitors add NAME`, `/market competitors remove NAME`.\nLoss reasons "
        "and competitors come from the CRM export (`Loss Reason`, `Closed lost reason`, `输单原因`, `Competitor`, "
        "`竞争对手`); segments from `Industry` / `行业`, else the account's sector.\n"
        "`/market trend [by product|segment|region|size] [period] [chart]`: win rate and revenue won of the top "
        "groups per quarter (the last 4 by default; the months of a period up to a year), with the change from "
        "first to last. Region and size (by employees: small 1–99, mid-market 100–999, enterprise 1,000+) come "
        "from an account export (`salesbot import accounts FILE`, or the file dropped in my DM)."),
    msg("market.what_edit", "change the competitor list"),
    msg("market.added", "Added *{name}* to the competitors. I count it in check-in answers and feedback from now on "
        "(`/market`)."),
    msg("market.already", "*{name}* is already on the competitor list."),
    msg("market.removed", "Removed *{name}* from the competitors."),
    msg("market.not_kept", "*{name}* is not on the competitor list: {names}"),
    msg("market.list", "*Competitors the team keeps* ({n}): {names}"),
    msg("market.list_empty", "The team keeps no competitors yet. A manager adds one with `/market competitors add "
        "NAME`."),
    msg("market.no_name", "Which competitor? e.g. `/market competitors add Acme`"),
    msg("market.chart_title", "Deals lost by {by} · {period}"),
    msg("market.by.reason", "loss reason"),
    msg("market.by.competitor", "competitor"),
    msg("market.trend_by", "Trend by what? `/market trend by product`, `by segment`, `by region` or `by size`."),
    msg("market.failed", "Sorry, I could not compute the market view. The error was logged; please try again."),
)

EXAMPLES = Texts(  # a command's examples, in the reader's language: EXAMPLES[language]
    msg("market.example.1", "/market last quarter"),
    msg("market.example.2", "/market this month chart"),
    msg("market.example.3", "/market competitors add Acme"),
    msg("market.example.4", "/market trend by size"),
)
HELP_WORDS = {"help", "帮助", "?", "？"}
_COMPETITORS = re.compile(r"^(competitors?|竞争对手|竞品)\s*", re.IGNORECASE)
_ADD = re.compile(r"^(add|添加|增加|新增)\s*", re.IGNORECASE)
_REMOVE = re.compile(r"^(remove|delete|删除|移除)\s*", re.IGNORECASE)
_CHART = re.compile(r"(?:^|\s)(chart|图表)(?:\s|$)", re.IGNORECASE)
_TREND = re.compile(r"^(trends?|趋势|走势)(?:\s+|$|(?=按))", re.IGNORECASE)
_BY = re.compile(r"(?:^|\s)(?:by\s+(\w+)|按\s*(产品|行业|细分|细分市场|地区|区域|国家|规模|客户规模))(?=\s|$)",
                 re.IGNORECASE)
_DIMENSION_WORDS = {
    "product": "product", "products": "product", "产品": "product",
    "segment": "segment", "segments": "segment", "sector": "segment", "industry": "segment", "行业": "segment",
    "细分": "segment", "细分市场": "segment",
    "region": "region", "regions": "region", "country": "region", "location": "region", "地区": "region",
    "区域": "region", "国家": "region",
    "size": "size", "sizes": "size", "规模": "size", "客户规模": "size",
}  # fmt: skip


@dataclass
class Request:
    kind: str  # view | trend | list | add | remove
    rest: str = ""  # the period phrase, or the competitor's name
    chart: bool = False
    by: str = "product"  # trend: product | segment | region | size


def parse_request(text: str) -> Request:
    text = " ".join(text.split())
    words = simplified(text)  # 競爭對手 新增 as 竞争对手 新增 (same length: the name is cut from what was typed)
    if m := _COMPETITORS.match(words):
        rest, rest_words = text[m.end():], words[m.end():]
        for kind, pattern in (("add", _ADD), ("remove", _REMOVE)):
            if op := pattern.match(rest_words):
                return Request(kind, rest[op.end():].strip().strip("\"'“”「」"))
        return Request("list", rest)
    chart = bool(_CHART.search(words))
    if m := _TREND.match(words):
        rest = _CHART.sub(" ", words[m.end():]).strip()
        by = "product"
        if found := _BY.search(rest):
            word = (found.group(1) or found.group(2) or "").lower()
            if word not in _DIMENSION_WORDS:
                return Request("trend", rest, chart, by="")
            by = _DIMENSION_WORDS[word]
            rest = (rest[:found.start()] + " " + rest[found.end():]).strip()
        return Request("trend", rest, chart, by=by)
    return Request("view", _CHART.sub(" ", text).strip(), chart)


def help_message(language: str) -> dict[str, Any]:
    blocks = [section(f"*{t('market.help_title', language)}*"), section(t("market.help", language)),
              context(" · ".join(f"`{e}`" for e in EXAMPLES[language]))]
    return message(t("market.help_title", language), blocks)


# ------------------------------------------------------------------------------------------ listeners


def ack_market(ack: Ack, body: dict[str, Any], context: Any) -> None:
    if (body.get("text") or "").strip().lower() in HELP_WORDS:
        ack(**help_message(asker_of(context).language))
        return
    ack()


def answer_market(body: dict[str, Any], respond: Respond, client: Any, context: Any) -> None:
    text = (body.get("text") or "").strip()
    if text.lower() in HELP_WORDS:
        return
    asker, deps = asker_of(context), deps_of(context)
    try:
        reply, uploads = handle(text, asker=asker, deps=deps)
    except Exception:
        log.exception("market command failed: %r", text)
        reply, uploads = {"text": t("market.failed", asker.language)}, []
    if uploads:
        notes = _send_files(client, asker, uploads)
        if notes:
            reply = {**reply, "blocks": [*reply.get("blocks", []), *(context_block(n) for n in notes)]}
    respond(**{"response_type": "ephemeral", **reply})


def handle(text: str, *, asker: Asker, deps: Deps) -> tuple[dict[str, Any], list[Upload]]:
    """One `/market` line: the reply, and the files for the asker's DM (the chart)."""
    lang = asker.language
    request = parse_request(text)
    if request.kind == "view":
        return view_reply(request, asker=asker, deps=deps)
    if request.kind == "trend":
        return trend_reply(request, asker=asker, deps=deps)
    if request.kind in ("add", "remove") and not asker.is_manager:
        blocks = managers_only(t("market.what_edit", lang), lang)
        return message(blocks[0]["text"]["text"], blocks), []
    if request.kind in ("add", "remove") and not request.rest:
        return {"text": t("market.no_name", lang)}, []
    with session_scope(deps.engine) as session:
        if request.kind == "add":
            added = add_competitor(session, asker.team_id, request.rest, created_by=asker.user_id)
            key = "market.added" if added else "market.already"
            return {"text": t(key, lang, name=mrkdwn.escape(request.rest))}, []
        if request.kind == "remove":
            kept = remove_competitor(session, asker.team_id, request.rest)
            if kept is not None:
                return {"text": t("market.removed", lang, name=mrkdwn.escape(kept))}, []
        names = [c.name for c in competitors_of(session, asker.team_id)]
    shown = ", ".join(mrkdwn.escape(n) for n in names) if names else "—"
    if request.kind == "remove":
        return {"text": t("market.not_kept", lang, name=mrkdwn.escape(request.rest), names=shown)}, []
    if not names:
        return {"text": t("market.list_empty", lang)}, []
    return {"text": t("market.list", lang, n=len(names), names=shown)}, []


def view_reply(request: Request, *, asker: Asker, deps: Deps) -> tuple[dict[str, Any], list[Upload]]:
    lang = asker.language
    status = status_of(deps, asker.team_id)
    if not status.has_data:
        return checklist_message(status, lang), []
    today = local_today(asker.timezone)
    try:
        period = resolve_period(request.rest, today=today, language=lang,
                                fiscal_year_start_month=deps.fiscal_year_start_month)
    except PeriodProblem as problem:
        blocks = not_understood(understood=["/market"], rest=request.rest, examples=EXAMPLES[lang], language=lang)
        if problem.hint:
            blocks.append(context(problem.hint))
        return message(blocks[0]["text"]["text"], blocks), []
    member_id = None if asker.is_manager else asker.member_id
    with session_scope(deps.engine) as session:
        view = market_view(session, asker.team_id, period, today=today, member_id=member_id)
    lines = market_lines(view, lang, mine=member_id is not None)
    blocks = [section(lines[0]), section("\n".join(lines[1:]))] if len(lines) > 1 else [section(lines[0])]
    uploads: list[Upload] = []
    if request.chart and not view.empty:
        by, rows = ("reason", view.reasons) if view.reasons else ("competitor", view.competitors)
        title = t("market.chart_title", lang, by=t(f"market.by.{by}", lang), period=period.label(lang))
        chart = loss_chart(rows, title=title, period=period.label(lang), previous=previous_name(view, lang),
                           currency=view.currency, language=lang, notes=chart_notes(view.left_out, lang))
        uploads.append(Upload(chart.filename, chart.png, title, chart.alt_text))
    return message(lines[0].strip("*"), blocks), uploads


def trend_reply(request: Request, *, asker: Asker, deps: Deps) -> tuple[dict[str, Any], list[Upload]]:
    """`/market trend [by …] [period] [chart]`: win rate and revenue won per quarter (or month) by group."""
    lang = asker.language
    status = status_of(deps, asker.team_id)
    if not status.has_data:
        return checklist_message(status, lang), []
    if not request.by:
        return {"text": t("market.trend_by", lang)}, []
    today = local_today(asker.timezone)
    try:
        period = resolve_period(request.rest, today=today, language=lang,
                                fiscal_year_start_month=deps.fiscal_year_start_month) if request.rest else None
    except PeriodProblem as problem:
        blocks = not_understood(understood=["/market trend"], rest=request.rest, examples=EXAMPLES[lang],
                                language=lang)
        if problem.hint:
            blocks.append(context(problem.hint))
        return message(blocks[0]["text"]["text"], blocks), []
    member_id = None if asker.is_manager else asker.member_id
    buckets = trend_buckets(period, today, deps.fiscal_year_start_month)
    with session_scope(deps.engine) as session:
        trend = market_trend(session, asker.team_id, request.by, buckets, member_id=member_id)
        accounts = has_accounts(session, asker.team_id) if request.by in ("region", "size") else True
    lines = trend_lines(trend, lang, mine=member_id is not None, has_accounts=accounts)
    blocks = [section(lines[0]), section("\n".join(lines[1:]))] if len(lines) > 1 else [section(lines[0])]
    uploads: list[Upload] = []
    if request.chart and not trend.empty:
        title = lines[0].strip("*")
        chart = trend_chart(trend, title=title, language=lang, notes=chart_notes(trend.total.left_out, lang))
        uploads.append(Upload(chart.filename, chart.png, title, chart.alt_text))
    return message(lines[0].strip("*"), blocks), uploads


def register(app: Any) -> None:
    app.command("/market")(ack=ack_market, lazy=[answer_market])
