"""What a money figure could not include, said where the figure is shown.

Deals in a currency without a rate to the reporting currency are never added one for one (see
reports/kpi_engine.py, `left_out`); every answer that shows such a figure carries one line saying how many
deals, how much money in their own currency, and how to add the rate.
"""

from collections.abc import Iterable

from babel.numbers import get_currency_name

from reports.formatting import currency_sign, locale_for, money, number
from reports.i18n import add_messages, msg, t
from reports.kpi_engine import LeftOut

__all__ = [
    "merge",
    "left_out_line",
    "left_out_lines",
    "left_out_flag",
    "chart_notes",
    "currency_label",
    "left_out_csv",
]

add_messages(
    # i18n: {symbol} is the currency's sign (CN¥), {name} its name (人民币): a translation may use either
    msg("money.left_out", "{deals} in {symbol} ({amount}) left out: no {code} rate for their dates — add one with "
        "`/salesbot rate {code} …`"),
    msg("money.deals", "{n} deals"),
    msg("money.deal", "1 deal"),
    msg("money.of", "{what}: {line}"),
    msg("money.what.revenue", "Revenue"),
    msg("money.what.pipeline", "Pipeline"),
    msg("money.what.lost", "Deals lost"),
    # i18n: {symbol} is the currency's sign (CN¥), {name} its name (人民币): a translation may use either
    msg("money.flag", "{deals} in {symbol} ({amount}) left out"),
    # i18n: {symbol} is the currency's sign (CN¥), {name} its name (人民币): a translation may use either
    msg("money.chart_note", "Not included: {deals} in {symbol} ({amount}), no {code} rate for their dates"),
    msg("money.chart_note_of", "{who} — {note}"),
)


def _lang(language: str) -> str:
    """'zh' (in the reader's script: reports.i18n.TRADITIONAL stays Traditional) or 'en', for the catalogs."""
    return language if language == "zh" else ("zh" if language.startswith("zh") else "en")


def merge(groups: Iterable[Iterable[LeftOut]]) -> tuple[LeftOut, ...]:
    """Several figures' left-out deals, added per currency (rows of a table, weeks of a chart)."""
    total: dict[str, tuple[int, int]] = {}
    for group in groups:
        for item in group:
            n, cents = total.get(item.currency, (0, 0))
            total[item.currency] = (n + item.deals, cents + item.cents)
    return tuple(LeftOut(c, n, cents) for c, (n, cents) in sorted(total.items()))


def currency_label(code: str, language: str) -> str:
    """The currency's sign, as every amount carries it: 'CN¥', '€', 'US$' (reports.formatting.currency_sign)."""
    return currency_sign(code, language)


def left_out_line(item: LeftOut, language: str) -> str:
    """'2 deals in CN¥ (CN¥175,000.00) left out: no CNY rate for their dates — add one with …'."""
    lang = _lang(language)
    deals = t("money.deal", lang) if item.deals == 1 else t("money.deals", lang, n=number(item.deals, language))
    return t(
        "money.left_out",
        lang,
        deals=deals,
        symbol=currency_label(item.currency, language),
        name=get_currency_name(item.currency, locale=locale_for(language)),
        amount=money(item.cents, item.currency, language),
        code=item.currency,
    )


def _params(item: LeftOut, language: str) -> dict[str, str]:
    lang = _lang(language)
    deals = t("money.deal", lang) if item.deals == 1 else t("money.deals", lang, n=number(item.deals, language))
    return {
        "deals": deals,
        "symbol": currency_label(item.currency, language),
        "name": get_currency_name(item.currency, locale=locale_for(language)),
        "amount": money(item.cents, item.currency, language),
        "code": item.currency,
    }


def left_out_flag(left_out: Iterable[LeftOut], language: str) -> str:
    """'⚠ 1 deal in CN¥ (CN¥55,000.00) left out' beside a table row whose figure could not include them; ''
    when nothing was left out. The table's footer says how to add the rate."""
    lang = _lang(language)
    parts = [t("money.flag", lang, **_params(item, language)) for item in left_out]
    return ("⚠ " + "; ".join(parts)) if parts else ""


def chart_notes(left_out: Iterable[LeftOut], language: str, *, who: str = "", limit: int = 4) -> list[str]:
    """Footnotes for a chart whose amounts could not include some deals: one line per currency ('Not included:
    2 deals in CN¥ (CN¥175,000.00), no CNY rate for their dates'), prefixed by whose figure when `who`."""
    lang = _lang(language)
    lines = [t("money.chart_note", lang, **_params(item, language)) for item in left_out]
    if who:
        lines = [t("money.chart_note_of", lang, who=who, note=line) for line in lines]
    return lines[:limit]


def left_out_lines(left_out: Iterable[LeftOut], language: str, *, what: str = "") -> list[str]:
    """One line per currency left out, prefixed by the figure's name when several figures share a message."""
    lines = [left_out_line(item, language) for item in left_out]
    if what:
        lang = _lang(language)
        lines = [t("money.of", lang, what=what, line=line) for line in lines]
    return lines


def left_out_csv(left_out: Iterable[LeftOut]) -> str:
    """'2 deals in CN¥ (CN¥175,000.00) left out: no CNY rate' for an export's column (English, like its
    headers; amounts with their sign, as everywhere)."""
    parts = []
    for item in left_out:
        deals = "1 deal" if item.deals == 1 else f"{item.deals} deals"
        sign, amount = currency_sign(item.currency, "en"), money(item.cents, item.currency, "en")
        parts.append(f"{deals} in {sign} ({amount}) left out: no {item.currency} rate")
    return "; ".join(parts)
