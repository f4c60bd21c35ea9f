"""`/target`: set, list and delete targets (managers); reps may list their own and the team's.

`/target set revenue 100000 this quarter @alice` stores 100,000.00 in the workspace currency for Q4 for
Alice; the same line again replaces the value. Attainment pro-rates targets by days when the asked period
differs (reports/targets.py). Acknowledged at once, answered after the ack through `response_url`.
"""

import re
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from slack_bolt import Ack, Respond

from db.engine import session_scope
from db.importers.values import MAX_AMOUNT, currency_code
from db.models import Member
from db.rates import BadRate, parse_currency
from db.targets import Smart, delete_target, delete_targets, list_targets, set_target
from handlers import kpi_views as views
from handlers.blocks import context, section, sections
from handlers.context import asker_of, deps_of
from handlers.kpi import local_today
from handlers.people import prepare_people
from handlers.replies import managers_only, not_understood, not_understood_reply, person_unclear
from reports import kpi_engine as engine
from reports import mrkdwn, target_words
from reports import smart_targets as smart
from reports.formatting import date_short, percent
from reports.i18n import add_messages, as_typed, msg, simplified, t
from reports.kpi_grammar import parse_kpi
from reports.kpi_people import known_values, workspace_prefs
from reports.kpi_period import PeriodProblem, date_range_text, resolve_period
from reports.people import resolve_person
from reports.periods import Period
from reports.standing import standing
from reports.targets import ADDITIVE, TargetUse, as_row, in_reporting_currency

add_messages(
    msg("target.help", "*/target* — targets per team or rep (managers set and delete)\n`/target set revenue 100000 "
        "this quarter @alice` · `/target set win rate 60% 2026` · `/target set revenue +10% next quarter` · "
        "`/target set revenue 110% of last quarter` · `/target set revenue +10% next quarter vs last year` · "
        "`/target set win rate +5 pts next quarter` · `/target set revenue 50000 this quarter product GTX Pro` · "
        "`/target list` · `/target list @alice` · `/target delete 12` · `/target delete revenue this quarter "
        "@alice`\nAmounts: `100000`, `100k`, `1.5m`, `10万`. The target set for exactly the asked period wins; "
        "otherwise a longer one is pro-rated by days."),
    msg("target.set", "Target {verb}: *{metric}* · {who} · {period} · *{value}*"),
    msg("target.created", "set"),
    msg("target.replaced", "updated"),
    msg("target.so_far", "So far {actual} · attainment {pct}"),
    msg("target.in_reporting", "Compared as {value} ({how})"),
    msg("target.none", "No targets yet. Set one: `/target set revenue 100000 this quarter`"),
    msg("target.list_title", "Targets"),
    msg("target.deleted", "Deleted {n} target(s)."),
    msg("target.not_found", "No such target. `/target list` shows their numbers."),
    msg("target.what_set", "set or delete targets"),
    msg("target.need_amount", "the amount"),
    msg("target.too_large", "A target goes up to {limit} (in the currency's major unit). Example: `/target set "
        "revenue 100000 this quarter`"),
    msg("target.no_metric", "a metric"),
    msg("target.team", "team"),
    msg("target.product", "product {name}"),
    msg("target.account", "account {name}"),
    msg("target.based_on", "Based on {rule}"),
    msg("target.base_running", "⚠ {period} is still running (day {n} of {total}): its figure is projected to the "
        "whole period from the days so far. Set the target again after {last} to base it on the actual figure."),
    msg("target.no_base", "No {metric} in {period} to build on: set an amount instead, e.g. `/target set revenue "
        "100000 next quarter`."),
    msg("target.need_period", "the period the target is for (e.g. `next quarter`)"),
    msg("target.list_window", "periods ending after {since} · `/target list 2025` for older ones"),
    msg("target.list_narrow", "Too many to show at once: narrow it, e.g. `/target list @alice` or `/target list "
        "this quarter`."),
)

EXAMPLES = ["/target set revenue 100000 this quarter @alice", "/target list", "/target delete 12"]
_AMOUNT = re.compile(
    r"(?<![\w.-])(?P<pre>(?:US|CN|JP|HK|NT|CA|A|C|S)?[$¥￥€£]|(?:USD|CNY|EUR|GBP|JPY|HKD|RMB)\s?)?"
    r"(?P<digits>\d[\d,]*(?:\.\d+)?)\s*(?P<scale>k|m|w|万|亿|%)?"
    r"(?P<post>\s?(?:USD|CNY|EUR|GBP|JPY|HKD|RMB|人民币|美元|欧元|英镑|日元|港币|元))?(?![\w-])",
    re.IGNORECASE,
)
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


def answer_target(body: dict[str, Any], respond: Respond, client: Any, context: Any) -> None:
    text = (body.get("text") or "").strip()
    if text.lower() in ("", "help", "帮助", "?"):
        return
    asker, deps = asker_of(context), deps_of(context)
    prepare_people(client, deps, asker.team_id, text)
    message = target_command(text, asker=asker, deps=deps, today=local_today(asker.timezone))
    respond(**{"response_type": "ephemeral", **message})


def parse_amount(text: str) -> tuple[Decimal | None, bool, str, str | None]:
    """(amount, was a percentage, text without it, its currency when written: '¥700,000', 'US$100k', '70万元',
    '50000 EUR'): the first standalone number that is not part of a date."""
    for match in _AMOUNT.finditer(text):
        digits, suffix = match.group("digits"), (match.group("scale") or "").lower()
        written = (match.group("pre") or match.group("post") or "").strip()
        if re.fullmatch(r"(19|20)\d\d", digits) and not suffix and not written:
            continue  # a year belongs to the period
        try:
            value = Decimal(digits.replace(",", "")) * _SCALE.get(suffix, 1)
        except InvalidOperation:
            continue
        return value, suffix == "%", text[: match.start()] + " " + text[match.end() :], _currency_of(written)
    return None, False, text, None


def _currency_of(written: str) -> str | None:
    """The ISO code of a sign or word next to an amount ('¥' and '元' are the yuan; '$' the US dollar)."""
    if not written:
        return None
    code = currency_code(written.upper() if written.isascii() else written, "")
    if code:
        return code
    try:
        return parse_currency(written)
    except BadRate:
        return None


def to_stored(metric: str, amount: Decimal, percent_sign: bool, *, raw: bool = False) -> int:
    """The Target.value_cents of an amount: cents for money, hundredths of a unit, or of a percent point.
    `raw`: a measured value (a rate as 0..1), never read as a percentage."""
    unit = engine.UNITS[metric]
    if unit == "ratio":
        ratio = amount / 100 if not raw and (percent_sign or amount > 1) else amount
        return int((ratio * 10000).to_integral_value())
    return int((amount * 100).to_integral_value())


def target_command(text: str, *, asker: Any, deps: Any, today: date) -> dict[str, Any]:
    """Everything /target does, as the message to answer with."""
    lang = asker.language
    verb_word, _, rest = text.partition(" ")
    verb = _VERBS.get(simplified(verb_word).lower())  # /target 設定 as 设定
    if verb is None and smart.take_growth(text, unit=None, today=today, language=lang)[0] is not None:
        verb, rest = "set", text  # `/target 下季度 销售额 增长10%` sets without the word "set"
    if verb is None:
        return not_understood_reply(understood=[], rest=text, examples=EXAMPLES, language=lang)
    if verb in ("set", "delete") and not asker.is_manager:
        return {"text": t("target.what_set", lang), "blocks": managers_only(t("target.what_set", lang), lang)}
    with session_scope(deps.engine) as session:
        prefs = workspace_prefs(session, asker.team_id)
        if verb == "delete" and re.fullmatch(r"#?\d+", rest.strip()):
            ok = delete_target(session, team_id=asker.team_id, target_id=int(rest.strip().lstrip("#")))
            key = "target.deleted" if ok else "target.not_found"
            return {"text": t(key, lang, n=1), "blocks": [section(t(key, lang, n=1))]}
        req = _parse(session, asker.team_id, rest)
        rule, amount, is_percent, written_currency = None, None, False, None
        if verb == "set":
            unit = engine.UNITS.get(req.metric or "")
            fy = prefs.fiscal_year_start_month
            rule, without = smart.take_growth(rest, unit=unit, today=today, language=lang, fy=fy)
            if rule is None:
                amount, is_percent, without, written_currency = parse_amount(rest)
            if amount is not None and amount > MAX_AMOUNT:  # the importers' range: no BIGINT overflow either
                too_large = t("target.too_large", lang, limit=f"{MAX_AMOUNT:,}")
                return {"text": too_large, "blocks": [section(too_large)]}
            req = _parse(session, asker.team_id, without)
        member_id, who = None, t("target.team", lang)
        if req.user:
            match = resolve_person(session, asker.team_id, req.user)
            member = session.get(Member, match.member_id) if match.found else None
            if member is None:
                blocks = person_unclear(match, language=lang, example="/target set revenue 100000 this quarter {who}")
                return {"text": blocks[0]["text"]["text"], "blocks": blocks}
            member_id, who = member.id, mrkdwn.escape(member.display_name or member.crm_name or req.user)
        elif req.me:
            member_id, who = asker.member_id, mrkdwn.escape(asker.display_name or asker.user_id)
        if req.product:
            who = t("target.product", lang, name=mrkdwn.escape(req.product))
        if req.account:
            who = t("target.account", lang, name=mrkdwn.escape(req.account))
        if verb == "list":
            if not asker.is_manager and member_id not in (None, asker.member_id):
                return {"text": t("target.what_set", lang), "blocks": managers_only(t("target.what_set", lang), lang)}
            return _list(session, asker, prefs, member_id, req, today)
        metric = req.metric
        missing = [] if metric else [t("target.no_metric", lang)]
        if verb == "set" and amount is None and rule is None:
            missing.append(t("target.need_amount", lang))
        if missing or metric is None:
            return not_understood_reply(
                understood=req.understood, rest=" · ".join(missing), examples=EXAMPLES, language=lang, typed=text
            )
        scope = engine.Scope(asker.team_id, member_id, req.product, req.account)
        try:
            if rule is not None and rule.base is not None and not req.period_text:
                after = smart.period_after(rule.base)
                if after is None:
                    raise PeriodProblem(t("target.need_period", lang))
                period = after
            else:
                period = resolve_period(  # "Q1" set in December is next year's
                    req.period_text,
                    today=today,
                    language=lang,
                    fiscal_year_start_month=prefs.fiscal_year_start_month,
                    upcoming=verb == "set",
                )
        except PeriodProblem as problem:
            blocks = not_understood(
                understood=req.understood, rest=req.period_text, examples=EXAMPLES, language=lang, typed=text
            )
            if problem.hint:
                blocks.append(context(problem.hint))
            said = str(problem).replace(req.period_text, as_typed(req.period_text, text) or req.period_text)
            return {"text": said, "blocks": blocks}
        which: dict[str, Any] = {
            "team_id": asker.team_id,
            "metric": metric,
            "start": period.start,
            "end": period.end,
            "member_id": member_id,
            "product": req.product,
            "account": req.account,
        }
        if verb == "delete":
            n = delete_targets(session, **which)
            return {"text": t("target.deleted", lang, n=n), "blocks": [section(t("target.deleted", lang, n=n))]}
        base = None
        if rule is not None:
            base_period = smart.base_period(rule, period, vs_last_year=req.vs_last_year)
            base_value = _base_value(session, metric, scope, base_period, today)
            if base_value is None or (base_value == 0 and rule.kind != "points"):
                label = base_period.label(lang)
                line = t("target.no_base", lang, metric=views.metric_name(metric, lang), period=label)
                return {"text": line, "blocks": [section(line)]}
            stored = smart.apply(rule, base_value, ceiling=10000 if engine.UNITS[metric] == "ratio" else None)
            base = Smart(base_period.start, base_period.end, base_value, rule.kind, rule.bp)
        else:
            assert amount is not None
            stored = to_stored(metric, amount, is_percent)
        # A money target keeps the currency it was written in (¥700,000, 50000 EUR); anything else, the workspace's.
        currency = written_currency if written_currency and engine.UNITS[metric] == "money" else prefs.currency
        target, created = set_target(
            session,
            **which,
            value_cents=stored,
            currency=currency,
            created_by=asker.user_id,
            smart=base,
        )
        frame = views.Frame(lang, prefs.currency, period.label(lang), who, None)
        own = replace(frame, currency=currency)  # the target as it was set, in its own currency
        line = t(
            "target.set",
            lang,
            verb=t("target.created" if created else "target.replaced", lang),
            metric=views.metric_name(metric, lang),
            who=who,
            period=period.label(lang),
            value=views.fmt(_as_value(metric, stored), own),
        )
        blocks = [section(line)]
        rule_text = target_words.smart_text(target, lang, lambda raw: views.fmt(_as_value(metric, raw), own))
        if rule_text:
            blocks.append(context(t("target.based_on", lang, rule=rule_text)))
            if target.base_start is not None and target.base_start <= today < target.base_end:
                # A base still running is only part of its period: say so, and how to base it on the whole.
                blocks.append(context(t(
                    "target.base_running",
                    lang,
                    period=target_words.named_period(target.base_start, target.base_end, lang),
                    n=(today - target.base_start).days + 1,
                    total=(target.base_end - target.base_start).days,
                    last=date_short(target.base_end - timedelta(days=1), lang),
                )))
        use = engine.target_use(session, scope, metric, period)  # the one just set, converted when it must be
        if use is not None and use.conversions:
            if use.value is None:
                names = {asker.user_id: asker.display_name or ""}
                blocks.append(context(target_words.not_compared(use, lang, names)))
                return {"text": line, "blocks": blocks}
            converted = views.fmt(_as_value(metric, use.value), frame)
            conversion = target_words.conversion_text(use.conversions, lang)
            blocks.append(context(t("target.in_reporting", lang, value=converted, how=conversion)))
        goal = _as_value(metric, use.value if use is not None and use.value is not None else stored)
        actual = engine.compute(session, metric, scope, period, today=today)
        st = standing(metric, actual.value, goal.value, period.start, period.end, today)
        if st.state != "upcoming":
            pct = percent(st.attainment, lang, 0)
            blocks.append(context(t("target.so_far", lang, actual=views.fmt(actual, frame), pct=pct)))
        return {"text": line, "blocks": blocks}


def _parse(session: Any, team_id: str, text: str) -> Any:
    """The metric, who, product or account, and period of a /target line (the /kpi grammar)."""
    lowered = text.lower()
    products = known_values(session, team_id, "product") if ("product" in lowered or "产品" in text) else None
    accounts = (
        known_values(session, team_id, "account")
        if any(w in lowered for w in ("account", "customer")) or "客户" in text
        else None
    )
    return parse_kpi(text, products=products, accounts=accounts)


def _base_value(session: Any, metric: str, scope: engine.Scope, base: Any, today: date) -> int | None:
    """The base of a SMART target in Target.value_cents units; a base period still running is projected to
    its end (additive metrics) so "+10% next quarter" in November builds on the whole of Q4, not 57 days."""
    value = engine.compute(session, metric, scope, base, today=today).value
    if value is None:
        return None
    if metric in ADDITIVE and base.start <= today < base.end:
        value = value * base.days / ((today - base.start).days + 1)
    return to_stored(metric, Decimal(str(value)) / (100 if engine.UNITS[metric] == "money" else 1), False, raw=True)


def _as_value(metric: str, stored: int) -> engine.KpiValue:
    unit = engine.UNITS[metric]
    value: float | int = stored if unit == "money" else stored / 10000 if unit == "ratio" else stored / 100
    return engine.KpiValue(metric, value, unit)


def _list(session: Any, asker: Any, prefs: Any, member_id: int | None, req: Any, today: date) -> dict[str, Any]:
    """Every target in the window (the count in the title is the number of lines), each with its actual,
    attainment and standing: pace while running, hit or missed by … once over."""
    lang = asker.language
    overlapping, since = None, None
    if req.period_text:
        try:
            p = resolve_period(req.period_text, today=today, language=lang)
            overlapping = (p.start, p.end)
        except PeriodProblem:
            overlapping = None
    if overlapping is None:
        since = today - timedelta(days=92)
        overlapping = (since, date(today.year + 5, 1, 1))
    rows = list_targets(session, team_id=asker.team_id, member_id=member_id, metric=req.metric, overlapping=overlapping)
    if not asker.is_manager:
        rows = [(tg, m) for tg, m in rows if tg.member_id in (None, asker.member_id)]
    if not rows:
        return {"text": t("target.none", lang), "blocks": [section(t("target.none", lang))]}
    frame = views.Frame(lang, prefs.currency, "", "", None)
    lines = [_list_line(session, target, member, frame, today) for target, member in rows]
    title = f"*{t('target.list_title', lang)}* ({len(rows)})"
    if since is not None:
        title += " · " + t("target.list_window", lang, since=date_range_text(since, since + timedelta(days=1), lang))
    blocks = [section(title), *sections(lines)]  # every line is shown, in as many sections as needed
    if len(blocks) > 50:
        blocks = blocks[:49] + [context(t("target.list_narrow", lang))]
    return {"text": title, "blocks": blocks}


def _list_line(session: Any, target: Any, member: Any, frame: views.Frame, today: date) -> str:
    lang, metric = frame.language, target.metric
    who = mrkdwn.escape(member.display_name or member.crm_name) if member else t("target.team", lang)
    if target.product:
        who = t("target.product", lang, name=mrkdwn.escape(target.product))
    if target.account:
        who = t("target.account", lang, name=mrkdwn.escape(target.account))
    span = target_words.named_period(target.period_start, target.period_end, lang)
    own = replace(frame, currency=target.currency) if engine.UNITS[metric] == "money" else frame
    goal = _as_value(metric, target.value_cents)
    line = f"`#{target.id}` {views.metric_name(metric, lang)} · {who} · {span} · *{views.fmt(goal, own)}*"
    rule = target_words.smart_text(target, lang, lambda raw: views.fmt(_as_value(metric, raw), own))
    if rule:
        line += f" ({rule})"
    # Set in another currency: compared at the rate of its period's last day, or not at all without one.
    (row,), conversions = in_reporting_currency(session, target.team_id, metric, [as_row(target)])
    conversion = conversions.get(target.id)
    if conversion is not None:
        if conversion.rate_micros is None:
            use = TargetUse(None, "exact", (row,), conversions=(conversion,))
            return f"{line} — {target_words.not_compared(use, lang, {})}"
        goal = _as_value(metric, row.value_cents)
        line += f" = {views.fmt(goal, frame)} ({target_words.conversion_text((conversion,), lang)})"
    scope = engine.Scope(target.team_id, target.member_id, target.product, target.account)
    window = Period(target.period_start, target.period_end, "range")
    actual = engine.compute(session, metric, scope, window, today=today)
    st = standing(metric, actual.value, goal.value, window.start, window.end, today)
    if st.status == "upcoming":
        return f"{line} — {t('kpi.status.upcoming', lang)}"
    gap = engine.KpiValue(metric, int(st.gap) if goal.unit == "money" else st.gap, goal.unit) if st.gap else None
    judged = views.standing_line(goal, "", st, frame, gap=gap).split(" · ", 1)[1]
    return f"{line} — {views.fmt(actual, frame)} · {judged}"


def register(app: Any) -> None:
    app.command("/target")(ack=ack_target, lazy=[answer_target])
