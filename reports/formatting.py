"""Locale-aware numbers, money, percentages and dates for replies and charts (Babel).

Money is always an integer number of cents (hundredths of the currency unit, whatever the currency) plus an
ISO 4217 code; it is turned into a `Decimal` before formatting, so no float rounding ever shows.

`language` is what the rest of the app passes around: 'en' or 'zh', or a Slack locale such as 'en-GB',
'zh-CN' or 'zh-TW'. `locale_for` turns it into a Babel locale; anything unknown formats as en_US.

Choices worth knowing:
- Missing figures read "n/a" in English and "无" in Chinese, both for `percent(None)` and for `change` when
  there is nothing to compare with (previous is None or 0): a change against zero is not a percentage.
- `change` puts a space after the arrow in English ("▲ 12.4%") and none in Chinese ("▲12.4%"); a change
  that rounds to zero shows without an arrow ("0.0%").
- `money_short` keeps at most one decimal and only while the leading part is a single digit:
  "US$1.2M", "US$12K", "US$310K", "¥1.2万", "¥123万", "¥1.2亿".
- Every amount carries an unambiguous sign (`currency_sign`): the locale's symbol, except that a bare "$"
  or "¥" becomes the international one — USD is "US$" in English too (Babel's en_US says "$"), CAD "CA$",
  AUD "A$", TWD "NT$", JPY "JP¥". The one exception is CNY in Chinese, "¥", as Chinese readers write it
  (the yen is "JP¥" there). So "US$1,284,530.00", "CN¥175,000.00", "€1,000.00"; in Chinese "US$54万", "¥123万".
"""

from __future__ import annotations

import numbers
import re
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

from babel import Locale, UnknownLocaleError
from babel.core import get_global
from babel.dates import format_date
from babel.numbers import (
    format_compact_currency,
    format_compact_decimal,
    format_currency,
    format_decimal,
    format_percent,
    get_currency_symbol,
)

from reports.i18n import add_messages, msg, t

__all__ = [
    "locale_for",
    "is_chinese",
    "to_decimal",
    "money",
    "money_short",
    "money_whole",
    "currency_sign",
    "number",
    "number_short",
    "percent",
    "change",
    "date_short",
    "not_available",
    "weekday_name",
    "UP",
    "DOWN",
]

DEFAULT_LOCALE = "en_US"
UP = "▲"
DOWN = "▼"
add_messages(
    msg("format.not_available", "n/a"),
    msg("weekday.0", "Monday"),
    msg("weekday.1", "Tuesday"),
    msg("weekday.2", "Wednesday"),
    msg("weekday.3", "Thursday"),
    msg("weekday.4", "Friday"),
    msg("weekday.5", "Saturday"),
    msg("weekday.6", "Sunday"),
)


def not_available(language: str) -> str:
    """"n/a" / "无" / "無": a figure that cannot be given."""
    return t("format.not_available", language if language == "zh" else _lang(language))


def weekday_name(weekday: int, language: str) -> str:
    """Monday … Sunday / 周一 … 周日 (週一 in Traditional); 0 is Monday."""
    return t(f"weekday.{weekday}", language if language == "zh" else _lang(language))

# Bare languages get the territory the product is built for, not Babel's generic locale.
_BARE = {"en": "en_US", "zh": "zh_CN"}

_LEADING_NUMBER = re.compile(r"\d[\d.,\s\u00a0\u202f']*")


def locale_for(language: str) -> str:
    """The Babel locale for a language or Slack locale: 'en' -> 'en_US', 'zh' -> 'zh_CN',
    'en-GB' -> 'en_GB', 'zh-CN' -> 'zh_CN', 'zh-TW' -> 'zh_TW'. Unknown or empty -> 'en_US'. Chinese in
    Traditional script (reports.i18n.TRADITIONAL, equal to "zh") -> 'zh_TW', so dates read 12月4日 週五."""
    if getattr(language, "script", "") == "Hant":
        return "zh_TW"
    return _locale_for(str(language or ""))


@lru_cache(maxsize=256)
def _locale_for(language: str) -> str:
    raw = (language or "").strip().replace("-", "_")
    if not raw:
        return DEFAULT_LOCALE
    if raw.lower() in _BARE:
        return _BARE[raw.lower()]
    try:
        loc = Locale.parse(raw)
    except (UnknownLocaleError, ValueError, TypeError):
        return DEFAULT_LOCALE
    territory = loc.territory
    if territory is None:
        likely = get_global("likely_subtags").get(str(loc)) or get_global("likely_subtags").get(loc.language)
        if likely:
            territory = Locale.parse(likely).territory
    candidate = f"{loc.language}_{territory}" if territory else loc.language
    try:
        Locale.parse(candidate)
    except (UnknownLocaleError, ValueError):
        return str(loc)
    return candidate


def _lang(language: str) -> str:
    """'zh' or 'en', for the few words this module writes itself."""
    return language if language == "zh" else ("zh" if is_chinese(language) else "en")


def is_chinese(language: str) -> bool:
    return locale_for(language).startswith("zh")


def to_decimal(cents: int) -> Decimal:
    """Integer cents -> exact Decimal units (12345 -> Decimal('123.45'))."""
    if isinstance(cents, bool):
        raise TypeError(f"money amounts are integer cents, got {cents!r}")
    if isinstance(cents, numbers.Integral):
        return Decimal(int(cents)).scaleb(-2)
    if isinstance(cents, Decimal) and cents.is_finite() and cents == cents.to_integral_value():
        return Decimal(int(cents)).scaleb(-2)
    raise TypeError(f"money amounts are integer cents, got {cents!r}")


# Signs that several currencies share: "$" (USD, CAD, AUD, TWD, HKD … in their own locales) and "¥" (CNY, JPY).
_SHARED_SIGNS = frozenset({"$", "¥", "￥"})
_INTERNATIONAL = "en_001"  # international English: US$, CA$, A$, NT$, JP¥, CN¥


@lru_cache(maxsize=256)
def currency_sign(currency: str, language: str) -> str:
    """The sign an amount carries: "US$", "CN¥", "€", "£", "JP¥"; "¥" for CNY in Chinese.

    The locale's symbol unless it is a bare "$" or "¥", which are replaced by the international symbol, so a
    reader never has to guess whose dollar or yuan it is (the issue's "US$100,000", not "$100,000")."""
    code = currency.upper()
    locale = locale_for(language)
    symbol = get_currency_symbol(code, locale=locale)
    if symbol not in _SHARED_SIGNS or (code == "CNY" and locale.startswith("zh")):
        return symbol
    international = get_currency_symbol(code, locale=_INTERNATIONAL)
    return international if international not in _SHARED_SIGNS else code


def _signed(text: str, code: str, locale: str, language: str) -> str:
    """Babel's formatted amount with our sign in place of the locale's symbol (once, where Babel put it)."""
    symbol = get_currency_symbol(code, locale=locale)
    sign = currency_sign(code, language)
    return text if sign == symbol else text.replace(symbol, sign, 1)


def money(cents: int, currency: str, language: str) -> str:
    """Exact amount with the currency's usual decimals: "US$1,284,530.00", "¥1,284,530.00" (CNY, zh)."""
    code, locale = currency.upper(), locale_for(language)
    return _signed(format_currency(to_decimal(cents), code, locale=locale), code, locale, language)


def money_whole(cents: int, currency: str, language: str) -> str:
    """Money in whole units for tables: "US$310,075", "¥1,284,531" (a headline figure keeps its cents)."""
    code, locale = currency.upper(), locale_for(language)
    units = to_decimal(cents).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    text = format_currency(units, code, format=_currency_pattern(locale, 0), locale=locale, currency_digits=False)
    return _signed(text, code, locale, language)


@lru_cache(maxsize=64)
def _compact_from(locale: str) -> Decimal:
    """The smallest magnitude the locale abbreviates: 1000 in English ("1K"), 10000 in Chinese ("1万")."""
    formats = Locale.parse(locale).compact_decimal_formats["short"]["other"]
    for magnitude in sorted(formats, key=int):
        if re.sub(r"[0#\s\u00a0]", "", str(formats[magnitude].pattern)):
            return Decimal(magnitude)
    return Decimal(10) ** 30


def _plain_digits(value: Decimal) -> int:
    """Decimals for an amount too small to abbreviate: "$950", "$9.5", "$0.05"."""
    if value == value.to_integral_value() or abs(value) >= 10:
        return 0
    return 1 if abs(value) >= 1 else 2


def _short_digits(value: Decimal, locale: str) -> int:
    """1 decimal while the compact mantissa is a single digit ("1.2M", "1.2万"), else none ("12K", "123万")."""
    probe = format_compact_decimal(abs(value), locale=locale, fraction_digits=1)
    match = _LEADING_NUMBER.search(probe)
    if not match:
        return 0
    integer_part = re.split(r"[.,]", match.group(0).strip())[0]
    digits = re.sub(r"\D", "", integer_part)
    return 1 if len(digits) <= 1 else 0


def _currency_pattern(locale: str, decimals: int) -> str:
    """The locale's currency pattern with `decimals` fraction digits (e.g. "¤#,##0" for en_US, 0)."""
    pattern = str(Locale.parse(locale).currency_formats["standard"].pattern)
    fraction = "." + "0" * decimals if decimals else ""
    return re.sub(r"0(?:\.0+)?", "0" + fraction, pattern)


def money_short(cents: int, currency: str, language: str) -> str:
    """Compact amount for chart axes and tight lines: "US$1.2M", "US$310K", "¥123万", "¥1.2亿".

    Amounts below the locale's first abbreviation (1,000 in English, 10,000 in Chinese) are whole units with
    grouping: "US$950", "¥9,500".
    """
    locale = locale_for(language)
    value = to_decimal(cents)
    code = currency.upper()
    if abs(value) < _compact_from(locale):
        digits = _plain_digits(value)
        rounded = value.quantize(Decimal(1).scaleb(-digits))
        text = format_currency(
            rounded, code, format=_currency_pattern(locale, digits), locale=locale, currency_digits=False
        )
    else:
        text = format_compact_currency(value, code, locale=locale, fraction_digits=_short_digits(value, locale))
    return _signed(text, code, locale, language)


def number_short(value: float | int, language: str) -> str:
    """Compact plain number: "950", "1.2K", "310K", "9,500" / "1.2万"."""
    locale = locale_for(language)
    dec = value if isinstance(value, Decimal) else Decimal(str(value))
    if abs(dec) < _compact_from(locale):
        return format_decimal(dec, format=_pattern(_plain_digits(dec)), locale=locale)
    return format_compact_decimal(dec, locale=locale, fraction_digits=_short_digits(dec, locale))


def _pattern(decimals: int) -> str:
    if decimals < 0:
        raise ValueError("decimals must be >= 0")
    return "#,##0" + ("." + "0" * decimals if decimals else "")


def _half_up(value: float | int | Decimal, decimals: int) -> Decimal:
    """Round the way people expect on screen (2.5 -> 3), not Babel's default banker's rounding."""
    dec = value if isinstance(value, Decimal) else Decimal(str(value))
    return dec.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)


def number(value: float | int, language: str, decimals: int = 0) -> str:
    """Grouped number with a fixed count of decimals: number(1234.5, 'en', 1) -> "1,234.5"."""
    return format_decimal(_half_up(value, decimals), format=_pattern(decimals), locale=locale_for(language))


def percent(ratio: float | None, language: str, decimals: int = 1) -> str:
    """A ratio as a percentage: 0.583 -> "58.3%"; None (or NaN, infinity) -> "n/a" / "无"."""
    if ratio is None or not Decimal(str(ratio)).is_finite():
        return not_available(language)
    return format_percent(_half_up(ratio, decimals + 2), format=_pattern(decimals) + "%", locale=locale_for(language))


def change(current: float, previous: float | None, language: str, decimals: int = 1) -> str:
    """Relative change with an arrow: "▲ 12.4%" / "▼ 3.1%" (zh: "▲12.4%").

    "n/a" / "无" when previous is None or 0. The change is (current - previous) / |previous|, so a loss that
    shrinks reads as a rise. A change that rounds to 0 shows as "0.0%", without an arrow.
    """
    if previous is None or previous == 0 or current is None:
        return not_available(language)
    cur = Decimal(str(current))
    prev = Decimal(str(previous))
    if not (cur.is_finite() and prev.is_finite()):
        return not_available(language)
    ratio = (cur - prev) / abs(prev)
    text = percent(abs(ratio), language, decimals)
    if _half_up(ratio, decimals + 2) == 0:
        return percent(0, language, decimals)
    arrow = UP if ratio > 0 else DOWN
    sep = "" if _lang(language) == "zh" else " "
    return f"{arrow}{sep}{text}"


def date_short(d: date, language: str, *, today: date | None = None) -> str:
    """Weekday, day and month: "Fri 27 Nov" / "11月27日 周五". Given `today`, a day of another year carries its year
    ("Thu 1 Jun 2017" / "2017年6月1日 周四"): a training logged for last June must not read as this June."""
    locale = locale_for(language)
    with_year = today is not None and d.year != today.year
    if locale.startswith("zh"):
        return format_date(d, "y年M月d日 EEE" if with_year else "MMMd日 EEE", locale=locale)
    return format_date(d, "EEE d MMM y" if with_year else "EEE d MMM", locale=locale)
