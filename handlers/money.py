"""`/salesbot currency` and `/salesbot rate`: the workspace's reporting currency and the team's exchange rates.

`/salesbot currency` shows it, `/salesbot currency EUR` (managers) changes it. `/salesbot rate CNY 0.1385 from
2026-01-01` (managers; 中文：`/salesbot 汇率 人民币 0.1385 从 2026-01-01`) says what one CNY is worth in the
reporting currency from that day on; without a date, from today. `/salesbot rates` lists them. Quick work:
answered in the ack (called from handlers/admin.py).
"""

from datetime import date
from typing import Any

from babel.numbers import get_currency_name

from db import clock
from db.engine import session_scope
from db.importers.values import BadValue, parse_date_text
from db.models import Deal
from db.rates import BadRate, parse_currency, parse_rate, rate_text, rates_of, set_rate, set_reporting_currency
from handlers.blocks import Block, context, section
from handlers.replies import managers_only, not_understood
from reports.formatting import date_short, locale_for
from reports.i18n import Texts, add_messages, msg, simplified, t
from reports.kpi_people import workspace_prefs
from reports.money_notes import currency_label

CURRENCY_VERBS = ("currency", "币种", "货币", "本位币")
RATE_VERBS = ("rate", "rates", "汇率")
FROM_WORDS = ("from", "since", "从", "自", "起")

add_messages(
    msg("money.currency_is", "Reporting currency: *{code}* ({symbol}). Every total is converted into it with your "
        "rates. Change it with `/salesbot currency EUR`."),
    msg("money.currency_set", "Reporting currency is now *{code}* ({symbol}). Totals use rates to {code}: {count} on "
        "file."),
    msg("money.currency_set_hint", "Rates you gave to {old} no longer apply. Add rates to {code}: `/salesbot rate CNY "
        "0.13 from 2026-01-01`, or `salesbot import rates FILE`."),
    msg("money.rate_set", "From {day}, 1 {code} = {rate} {to}. Totals with {code} deals closed since then use it."),
    msg("money.rate_updated", " (was {old})"),
    msg("money.rate_same", "From {day}, 1 {code} = {rate} {to}: already so."),
    msg("money.rates_title", "Exchange rates to {to}"),
    msg("money.rates_none", "No exchange rates to {to} yet. Add one: `/salesbot rate CNY 0.1385 from 2026-01-01`."),
    msg("money.rates_missing", "Deals in {codes} have no rate at all: they are left out of every total until you add "
        "one."),
    msg("money.bad_currency", "I don't know the currency *{value}*: use an ISO code such as CNY, EUR or USD."),
    msg("money.bad_rate", "*{value}* is not a rate: give what one unit is worth in {to}, a positive number with at "
        "most 6 decimals (e.g. 0.1385)."),
    msg("money.same_currency", "{code} is the reporting currency: its rate is always 1."),
    msg("money.bad_date", "date *{value}*"),
    msg("money.what_currency", "change the reporting currency"),
    msg("money.what_rate", "set exchange rates"),
)

EXAMPLES = Texts(  # a command's examples, in the reader's language: EXAMPLES[language]
    msg("money.example.1", "/salesbot rate CNY 0.1385 from 2026-01-01"),
    msg("money.example.2", "/salesbot rates"),
    msg("money.example.3", "/salesbot currency EUR"),
)


def answer(words: list[str], *, asker: Any, deps: Any) -> dict[str, Any] | None:
    """The reply to `/salesbot currency|rate|rates …`, or None when the words are not about money."""
    verb = simplified(words[0]).lower() if words else ""  # /salesbot 匯率 as 汇率
    if verb in CURRENCY_VERBS:
        return _currency(words[1:], asker, deps)
    if verb in RATE_VERBS:
        rest = words[1:]
        if verb == "rates" or not rest:
            return _list(asker, deps)
        return _rate(rest, asker, deps)
    return None


def _message(text: str, blocks: list[Block] | None = None) -> dict[str, Any]:
    return {"text": text, "blocks": blocks or [section(text)]}


def _currency(args: list[str], asker: Any, deps: Any) -> dict[str, Any]:
    lang = asker.language
    with session_scope(deps.engine) as session:
        current = workspace_prefs(session, asker.team_id).currency
        if not args:
            return _message(t("money.currency_is", lang, code=current, symbol=currency_label(current, lang)))
        if not asker.is_manager:
            return _message(t("money.what_currency", lang), managers_only(t("money.what_currency", lang), lang))
        try:
            code = parse_currency(args[0])
        except BadRate:
            return _refusal(t("money.bad_currency", lang, value=args[0][:20]), ["currency"], lang)
        set_reporting_currency(session, asker.team_id, code)
        count = len(rates_of(session, asker.team_id, code))
    text = t("money.currency_set", lang, code=code, symbol=currency_label(code, lang), count=count)
    blocks = [section(text)]
    if code != current:
        blocks.append(context(t("money.currency_set_hint", lang, old=current, code=code)))
    return _message(text, blocks)


def _rate(args: list[str], asker: Any, deps: Any) -> dict[str, Any]:
    lang = asker.language
    if not asker.is_manager:
        return _message(t("money.what_rate", lang), managers_only(t("money.what_rate", lang), lang))
    words = [w for w in args if w.lower() not in FROM_WORDS]
    with session_scope(deps.engine) as session:
        reporting = workspace_prefs(session, asker.team_id).currency
        try:
            code = parse_currency(words[0])
        except BadRate:
            return _refusal(t("money.bad_currency", lang, value=words[0][:20]), ["rate"], lang)
        if code == reporting:
            return _refusal(t("money.same_currency", lang, code=code), ["rate", code], lang)
        try:
            micros = parse_rate(words[1] if len(words) > 1 else "")
        except BadRate:
            value = words[1][:20] if len(words) > 1 else "…"
            return _refusal(t("money.bad_rate", lang, value=value, to=reporting), ["rate", code], lang)
        day_text = " ".join(words[2:]).rstrip("起")
        try:
            day = parse_date_text(day_text, "YMD") if day_text else clock.today(asker.timezone)
        except BadValue:
            return _refusal(t("money.bad_date", lang, value=day_text[:30]), ["rate", code, words[1]], lang)
        change = set_rate(
            session,
            team_id=asker.team_id,
            currency=code,
            to_currency=reporting,
            valid_from=day,
            rate_micros=micros,
            created_by=asker.user_id,
        )
    params = {"day": _day(day, lang), "code": code, "rate": rate_text(micros), "to": reporting}
    if change.status == "unchanged":
        return _message(t("money.rate_same", lang, **params))
    text = t("money.rate_set", lang, **params)
    if change.status == "updated" and change.previous_micros is not None:
        text += t("money.rate_updated", lang, old=rate_text(change.previous_micros))
    return _message(text)


def _list(asker: Any, deps: Any) -> dict[str, Any]:
    lang = asker.language
    from sqlalchemy import select

    with session_scope(deps.engine) as session:
        reporting = workspace_prefs(session, asker.team_id).currency
        rates = rates_of(session, asker.team_id, reporting)
        in_deals = {
            c
            for (c,) in session.execute(
                select(Deal.currency).where(Deal.team_id == asker.team_id).group_by(Deal.currency)
            )
        }
    lines = [
        f"• 1 {r.currency} = {rate_text(r.rate_micros)} {reporting} · {_day(r.valid_from, lang)}" for r in rates[-60:]
    ]
    missing = sorted(in_deals - {r.currency for r in rates} - {reporting})
    notes = [t("money.rates_missing", lang, codes=", ".join(_name(c, lang) for c in missing))] if missing else []
    if not lines:
        text = t("money.rates_none", lang, to=reporting)
        return _message(text, [section(text), *([context(*notes)] if notes else [])])
    title = t("money.rates_title", lang, to=reporting)
    blocks = [section(f"*{title}*\n" + "\n".join(lines))]
    if notes:
        blocks.append(context(*notes))
    return _message(title, blocks)


def _name(code: str, language: str) -> str:
    return f"{code} ({get_currency_name(code, locale=locale_for(language))})"


def _day(day: date, language: str) -> str:
    return f"{day.isoformat()} ({date_short(day, language)})"


def _refusal(problem: str, understood: list[str], language: str) -> dict[str, Any]:
    lang = language if language == "zh" else "en"
    blocks = [
        section(problem),
        *not_understood(understood=understood, rest="", examples=EXAMPLES[lang], language=lang)[1:],
    ]
    return _message(problem, blocks)
