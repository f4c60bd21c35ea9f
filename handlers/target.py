"""`/target`: set, list and delete targets (managers); reps may list their own and the team's.

`/target set revenue 100000 this quarter @alice` stores 100,000.00 in the workspace currency for Q4 for
Alice; the same line again replaces the value. Attainment pro-rates targets by days when the asked period
differs (reports/targets.py). Acknowledged at once, answered after the ack through `response_url`.
"""

import re
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from slack_bolt import Ack, Respond

from db.engine import session_scope
from db.targets import delete_target, delete_targets, list_targets, set_target
from handlers import kpi_views as views
from handlers.blocks import context, section
from handlers.context import asker_of, deps_of
from handlers.kpi import local_today
from handlers.replies import managers_only, not_understood
from reports import kpi_engine as engine
from reports.formatting import percent
from reports.i18n import add_catalog, t
from reports.kpi_grammar import parse_kpi
from reports.kpi_people import find_member, workspace_prefs
from reports.kpi_period import PeriodProblem, date_range_text, resolve_period

add_catalog(
    {
        "target.help": {
            "en": "*/target* — targets per team or rep (managers set and delete)\n"
            "`/target set revenue 100000 this quarter @alice` · `/target set win rate 60% 2026` · "
            "`/target list` · `/target list @alice` · `/target delete 12` · "
            "`/target delete revenue this quarter @alice`\n"
            "Amounts: `100000`, `100k`, `1.5m`, `10万`; a target for a longer period is pro-rated by days.",
            "zh": "*/target* — 团队或个人目标（经理可设置和删除）\n"
            "`/target set 销售额 100000 本季度 @张三` · `/target set 赢单率 60% 今年` · "
            "`/target list` · `/target delete 12`\n"
            "金额：`100000`、`100k`、`10万`；较长期间的目标按天数折算。",
        },
        "target.set": {
            "en": "Target {verb}: *{metric}* · {who} · {period} · *{value}*",
            "zh": "目标已{verb}：*{metric}* · {who} · {period} · *{value}*",
        },
        "target.created": {"en": "set", "zh": "设置"},
        "target.replaced": {"en": "updated", "zh": "更新"},
        "target.so_far": {"en": "So far {actual} · attainment {pct}", "zh": "目前 {actual} · 完成率 {pct}"},
        "target.none": {
            "en": "No targets yet. Set one: `/target set revenue 100000 this quarter`",
            "zh": "还没有目标。设置：`/target set 销售额 100000 本季度`",
        },
        "target.list_title": {"en": "Targets", "zh": "目标"},
        "target.deleted": {"en": "Deleted {n} target(s).", "zh": "已删除 {n} 个目标。"},
        "target.not_found": {
            "en": "No such target. `/target list` shows their numbers.",
            "zh": "没有找到该目标。`/target list` 可查看编号。",
        },
        "target.what_set": {"en": "set or delete targets", "zh": "设置或删除目标"},
        "target.need_amount": {"en": "the amount", "zh": "金额"},
        "target.no_metric": {"en": "a metric", "zh": "指标"},
        "target.team": {"en": "team", "zh": "团队"},
        "target.unknown_user": {"en": "I don't know who *@{name}* is.", "zh": "我不认识 *@{name}*。"},
    }
)

EXAMPLES = ["/target set revenue 100000 this quarter @alice", "/target list", "/target delete 12"]
_AMOUNT = re.compile(r"(?<![\w.-])[$¥￥]?(\d[\d,]*(?:\.\d+)?)\s*(k|m|w|万|亿|%)?(?![\w-])", re.IGNORECASE)
_SCALE = {"k": 1000, "m": 1_000_000, "w": 10_000, "万": 10_000, "亿": 100_000_000, "%": 1}
_VERBS = {
    "set": "set",
    "设置": "set",
    "设定": "set",
    "add": "set",
    "list": "list",
    "列表": "list",
    "查看": "list",
    "show": "list",
    "delete": "delete",
    "remove": "delete",
    "删除": "delete",
}


def ack_target(ack: Ack, body: dict[str, Any], context: Any) -> None:
    text = (body.get("text") or "").strip()
    if text.lower() in ("", "help", "帮助", "?"):
        ack(blocks=[section(t("target.help", asker_of(context).language))], text="/target")
        return
    ack()


def answer_target(body: dict[str, Any], respond: Respond, context: Any) -> None:
    text = (body.get("text") or "").strip()
    if text.lower() in ("", "help", "帮助", "?"):
        return
    asker, deps = asker_of(context), deps_of(context)
    message = target_command(text, asker=asker, deps=deps, today=local_today(asker.timezone))
    respond(**{"response_type": "ephemeral", **message})


def parse_amount(text: str) -> tuple[Decimal | None, bool, str]:
    """(amount, was a percentage, text without it): the first standalone number that is not part of a date."""
    for match in _AMOUNT.finditer(text):
        digits, suffix = match.group(1), (match.group(2) or "").lower()
        if re.fullmatch(r"(19|20)\d\d", digits) and not suffix:
            continue  # a year belongs to the period
        try:
            value = Decimal(digits.replace(",", "")) * _SCALE.get(suffix, 1)
        except InvalidOperation:
            continue
        return value, suffix == "%", text[: match.start()] + " " + text[match.end() :]
    return None, False, text


def to_stored(metric: str, amount: Decimal, percent_sign: bool) -> int:
    """The Target.value_cents of an amount: cents for money, hundredths of a unit, or of a percent point."""
    unit = engine.UNITS[metric]
    if unit == "ratio":
        ratio = amount / 100 if percent_sign or amount > 1 else amount
        return int((ratio * 10000).to_integral_value())
    return int((amount * 100).to_integral_value())


def target_command(text: str, *, asker: Any, deps: Any, today: date) -> dict[str, Any]:
    """Everything /target does, as the message to answer with."""
    lang = asker.language
    verb_word, _, rest = text.partition(" ")
    verb = _VERBS.get(verb_word.lower())
    if verb is None:
        return {"text": text, "blocks": not_understood(understood=[], rest=text, examples=EXAMPLES, language=lang)}
    if verb in ("set", "delete") and not asker.is_manager:
        return {"text": t("target.what_set", lang), "blocks": managers_only(t("target.what_set", lang), lang)}
    with session_scope(deps.engine) as session:
        prefs = workspace_prefs(session, asker.team_id)
        if verb == "delete" and re.fullmatch(r"#?\d+", rest.strip()):
            ok = delete_target(session, team_id=asker.team_id, target_id=int(rest.strip().lstrip("#")))
            key = "target.deleted" if ok else "target.not_found"
            return {"text": t(key, lang, n=1), "blocks": [section(t(key, lang, n=1))]}
        amount, is_percent, rest_wo_amount = parse_amount(rest) if verb == "set" else (None, False, rest)
        req = parse_kpi(rest_wo_amount)
        member_id, who = None, t("target.team", lang)
        if req.user:
            member = find_member(session, asker.team_id, req.user)
            if member is None:
                return {
                    "text": t("target.unknown_user", lang, name=req.user),
                    "blocks": [section(t("target.unknown_user", lang, name=req.user))],
                }
            member_id, who = member.id, member.display_name or member.crm_name or req.user
        elif req.me:
            member_id, who = asker.member_id, asker.display_name or asker.user_id
        if verb == "list":
            if not asker.is_manager and member_id not in (None, asker.member_id):
                return {"text": t("target.what_set", lang), "blocks": managers_only(t("target.what_set", lang), lang)}
            return _list(session, asker, prefs.currency, member_id, req, today)
        metric = req.metric
        missing = [] if metric else [t("target.no_metric", lang)]
        if verb == "set" and amount is None:
            missing.append(t("target.need_amount", lang))
        if missing or metric is None:
            return {
                "text": text,
                "blocks": not_understood(
                    understood=req.understood, rest=" · ".join(missing), examples=EXAMPLES, language=lang
                ),
            }
        try:
            period = resolve_period(
                req.period_text, today=today, language=lang, fiscal_year_start_month=prefs.fiscal_year_start_month
            )
        except PeriodProblem as problem:
            blocks = not_understood(understood=req.understood, rest=req.period_text, examples=EXAMPLES, language=lang)
            if problem.hint:
                blocks.append(context(problem.hint))
            return {"text": str(problem), "blocks": blocks}
        if verb == "delete":
            n = delete_targets(
                session, team_id=asker.team_id, metric=metric, start=period.start, end=period.end, member_id=member_id
            )
            return {"text": t("target.deleted", lang, n=n), "blocks": [section(t("target.deleted", lang, n=n))]}
        assert amount is not None
        stored = to_stored(metric, amount, is_percent)
        _, created = set_target(
            session,
            team_id=asker.team_id,
            metric=metric,
            start=period.start,
            end=period.end,
            value_cents=stored,
            member_id=member_id,
            currency=prefs.currency,
            created_by=asker.user_id,
        )
        frame = views.Frame(lang, prefs.currency, period.label(lang), who, None)
        line = t(
            "target.set",
            lang,
            verb=t("target.created" if created else "target.replaced", lang),
            metric=views.metric_name(metric, lang),
            who=who,
            period=period.label(lang),
            value=views.fmt(_as_value(metric, stored), frame),
        )
        blocks = [section(line)]
        if metric == "revenue":
            scope = engine.Scope(asker.team_id, member_id)
            actual = engine.compute(session, "revenue", scope, period, today=today)
            ratio = engine.attainment(session, scope, period, today=today)
            blocks.append(
                context(t("target.so_far", lang, actual=views.fmt(actual, frame), pct=percent(ratio, lang, 0)))
            )
        return {"text": line, "blocks": blocks}


def _as_value(metric: str, stored: int) -> engine.KpiValue:
    unit = engine.UNITS[metric]
    value: float | int = stored if unit == "money" else stored / 10000 if unit == "ratio" else stored / 100
    return engine.KpiValue(metric, value, unit)


def _list(session: Any, asker: Any, currency: str, member_id: int | None, req: Any, today: date) -> dict[str, Any]:
    lang = asker.language
    overlapping = None
    if req.period_text:
        try:
            p = resolve_period(req.period_text, today=today, language=lang)
            overlapping = (p.start, p.end)
        except PeriodProblem:
            overlapping = None
    if overlapping is None:
        overlapping = (today - timedelta(days=92), date(today.year + 5, 1, 1))
    rows = list_targets(session, team_id=asker.team_id, member_id=member_id, metric=req.metric, overlapping=overlapping)
    if not asker.is_manager:
        rows = [(tg, m) for tg, m in rows if tg.member_id in (None, asker.member_id)]
    if not rows:
        return {"text": t("target.none", lang), "blocks": [section(t("target.none", lang))]}
    frame = views.Frame(lang, currency, "", "", None)
    lines = []
    for target, member in rows[:40]:
        who = (member.display_name or member.crm_name) if member else t("target.team", lang)
        span = date_range_text(target.period_start, target.period_end, lang)
        value = views.fmt(_as_value(target.metric, target.value_cents), frame)
        lines.append(f"`#{target.id}` {views.metric_name(target.metric, lang)} · {who} · {span} · *{value}*")
    title = f"*{t('target.list_title', lang)}* ({len(rows)})"
    return {"text": title, "blocks": [section(title), section("\n".join(lines))]}


def register(app: Any) -> None:
    app.command("/target")(ack=ack_target, lazy=[answer_target])
