"""Where a target shown in an answer comes from, in words: "set for Q4 2026 by Maria Lopez", "pro-rated from
the Q4 2026 target", "sum of 3 monthly targets", "sum of the targets of 5 rep(s)", and for a SMART target its base:
"+10% on Q3 2026 ($90,000.00)". Values are formatted by the caller (`fmt(value_cents)`), which knows the unit.
"""

from collections.abc import Callable
from datetime import date
from typing import Any

import reports.changes  # noqa: F401  (the change.pts string)
from db.rates import rate_text
from reports.formatting import currency_sign, money
from reports.i18n import add_messages, msg, t
from reports.mrkdwn import escape
from reports.periods import Period, month_of, quarter_of, week_of
from reports.targets import Conversion, TargetUse

add_messages(
    msg("target.src.exact", "set for {period} by {who}"),
    msg("target.src.exact_anon", "set for {period}"),
    msg("target.src.prorated", "pro-rated by days from the {period} target ({value})"),
    msg("target.src.combined", "sum of {n} {kind}targets"),
    msg("target.src.averaged", "day-weighted from {n} {kind}targets"),
    msg("target.src.reps", "sum of the targets of {n} rep(s)"),
    msg("target.kind.week", "weekly "),
    msg("target.kind.month", "monthly "),
    msg("target.kind.quarter", "quarterly "),
    msg("target.kind.year", "yearly "),
    msg("target.smart.plus", "{growth} on {period} ({base})"),
    msg("target.smart.of", "{growth} of {period} ({base})"),
    msg("target.smart.points", "{growth} on {period} ({base})"),
    msg("target.converted", "set as {amount}, at the {code} rate of {day}: {rate}"),
    msg("target.converted_many", "{n} set in {signs}, each at the rate of its period's last day"),
    msg("target.not_compared_one", "Target not compared: it was set as {amount} ({source}) and there is no {code} rate "
        "for {day} — add one with `/salesbot rate {code} …`"),
    msg("target.not_compared_many", "Target not compared: {n} of its targets were set in {signs} with no rate for "
        "their periods' last days ({codes}) — add one with `/salesbot rate {code} …`"),
    msg("target.reps_not_compared", "Targets not compared for {names}: set in {signs} with no rate for their periods' "
        "last days ({codes}) — add one with `/salesbot rate {code} …`"),
    msg("target.row_not_compared", "target not compared (no rate)"),
)


def named_period(start: date, end: date, language: str, fiscal_year_start_month: int = 1) -> str:
    """A target's period by its calendar name when it is one ("Q4 2026", "November 2026"), else its dates."""
    return _as_period(start, end, fiscal_year_start_month).label(language).split(" (")[0].split("（")[0]


def _as_period(start: date, end: date, fy: int = 1) -> Period:
    for candidate in (week_of(start), month_of(start), quarter_of(start, fy)):
        if (candidate.start, candidate.end) == (start, end):
            return candidate
    if start.month == end.month and start.day == end.day == 1 and end.year == start.year + 1:
        return Period(start, end, "year", start.month)
    return Period(start, end, "range")


def _kind(rows: tuple[Any, ...], language: str) -> str:
    kinds = {_as_period(r.period_start, r.period_end).kind for r in rows}
    if len(kinds) == 1 and kinds <= {"week", "month", "quarter", "year"}:
        return t(f"target.kind.{kinds.pop()}", language)
    return ""


def smart_text(row: Any, language: str, fmt: Callable[[int], str]) -> str:
    """'+10% on Q3 2026 ($90,000.00)' for a SMART target row; '' for a plain one."""
    if not getattr(row, "growth_kind", None) or row.base_start is None:
        return ""
    bp = int(row.growth_bp or 0)
    if row.growth_kind == "of":
        growth = f"{bp / 100:g}%"
    elif row.growth_kind == "points":
        growth = t("change.pts", language, arrow="+" if bp >= 0 else "−", sep="", n=f"{abs(bp) / 100:g}")
    else:
        growth = f"{'+' if bp >= 0 else '−'}{abs(bp) / 100:g}%"
    period = named_period(row.base_start, row.base_end, language)
    base = fmt(int(row.base_cents or 0))
    return t(f"target.smart.{row.growth_kind}", language, growth=growth, period=period, base=base)


def describe(
    use: TargetUse, language: str, fmt: Callable[[int], str], names: dict[str, str], *, additive: bool = True
) -> str:
    """How `use` was found, in words, with the SMART base of a target set for the very period."""
    lang = language
    converted = conversion_text(use.conversions, lang)
    tail = f" · {converted}" if converted else ""
    if use.how == "exact":
        row = use.rows[0]
        period = named_period(row.period_start, row.period_end, lang)
        who = escape(names.get(row.created_by or "", ""))  # a Slack profile name, into mrkdwn
        text = t("target.src.exact" if who else "target.src.exact_anon", lang, period=period, who=who)
        smart = smart_text(row, lang, fmt)
        return (f"{text} · {smart}" if smart else text) + tail
    if use.how == "prorated":
        row = use.rows[0]
        return (
            t(
                "target.src.prorated",
                lang,
                period=named_period(row.period_start, row.period_end, lang),
                value=fmt(int(row.value_cents)),
            )
            + tail
        )
    if use.how == "reps":
        return t("target.src.reps", lang, n=use.count) + tail
    key = "target.src.combined" if additive else "target.src.averaged"
    return t(key, lang, n=len(use.rows), kind=_kind(use.rows, lang)) + tail


def conversion_text(conversions: tuple[Conversion, ...], language: str) -> str:
    """How targets set in another currency were converted: 'set as CN¥700,000.00, at the CNY rate of Thu 31 Dec:
    0.1401'; '' when none was."""
    if not conversions:
        return ""
    if len(conversions) == 1:
        c = conversions[0]
        return t(
            "target.converted",
            language,
            amount=money(c.cents, c.currency, language),
            code=c.currency,
            day=_day(c.on, language),
            rate=rate_text(c.rate_micros or 0),
        )
    signs = "/".join(sorted({currency_sign(c.currency, language) for c in conversions}))
    return t("target.converted_many", language, n=len(conversions), signs=signs)


def not_compared(use: TargetUse, language: str, names: dict[str, str]) -> str:
    """Why a target cannot be compared: set in a currency with no rate for the day it converts at."""
    missing = use.missing
    first = missing[0]
    if len(missing) == 1 and use.how == "exact":
        row = use.rows[0]
        period = named_period(row.period_start, row.period_end, language)
        who = escape(names.get(row.created_by or "", ""))
        source = t("target.src.exact" if who else "target.src.exact_anon", language, period=period, who=who)
        return t(
            "target.not_compared_one",
            language,
            amount=money(first.cents, first.currency, language),
            source=source,
            code=first.currency,
            day=_day(first.on, language),
        )
    signs = "/".join(sorted({currency_sign(c.currency, language) for c in missing}))
    codes = ", ".join(sorted({c.currency for c in missing}))
    return t("target.not_compared_many", language, n=len(missing), signs=signs, codes=codes, code=first.currency)


def reps_not_compared(uses: dict[str, TargetUse], language: str) -> str:
    """One line for every rep whose target is in a currency without a rate, so a leaderboard row that says
    "target not compared" is explained once under the table. `uses`: {display name: that rep's TargetUse}."""
    missing = [c for use in uses.values() for c in use.missing]
    names = (", " if language != "zh" else "、").join(escape(n) for n in sorted(uses))
    signs = "/".join(sorted({currency_sign(c.currency, language) for c in missing}))
    codes = ", ".join(sorted({c.currency for c in missing}))
    code = missing[0].currency if missing else ""
    return t("target.reps_not_compared", language, names=names, signs=signs, codes=codes, code=code)


def _day(day: date, _language: str) -> str:
    """A rate's day as rates are set and listed (`/salesbot rate CNY 0.14 from 2026-12-31`)."""
    return day.isoformat()


def setters(uses: list[TargetUse | None]) -> set[str]:
    """The Slack ids of whoever set the targets used (to look their names up once)."""
    return {r.created_by for u in uses if u for r in u.rows if getattr(r, "created_by", None)}
