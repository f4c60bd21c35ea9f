"""How people spell periods and dates, in English and Chinese: normalising what they type, the fixed
phrases, and readers for single dates and months that return plain numbers.

Kept apart from `reports.periods` so the vocabulary can grow without touching the grammar (what a phrase
means on the calendar). Everything here is regular expressions and dictionaries: a /kpi reply must come
back in ~50 ms, and these readers answer in microseconds where `dateparser` needs milliseconds.
"""

import re
import unicodedata
from dataclasses import dataclass
from datetime import date

from reports.formatting import weekday_name
from reports.i18n import add_messages, msg, simplified, t

MONTH_NAMES = "January February March April May June July August September October November December".split()
MONTH_ABBR = tuple(name[:3] for name in MONTH_NAMES)
WEEKDAY_ABBR = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
ZH_QUARTERS = ("一", "二", "三", "四")

MONTHS: dict[str, int] = {name.lower(): i for i, name in enumerate(MONTH_NAMES, 1)}
MONTHS |= {abbr.lower(): i for i, abbr in enumerate(MONTH_ABBR, 1)}
MONTHS |= {"sept": 9}
MONTH_RE = "|".join(sorted(MONTHS, key=len, reverse=True))
_WEEKDAY_RE = r"(?:mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)(?:day|nesday|sday|urday)?\.?"
_HAS_MONTH_NAME = re.compile(rf"\b(?:{MONTH_RE})\b")

# Phrase -> the kind name `periods.period_for_kind` knows; looked up after normalize() and
# arabic_numerals(), so each phrase is also stored with digits (上一周 -> 上1周, see below).
FIXED: dict[str, str] = {}
for _kind, _phrases in {
    "today": "today|now|今天|今日|当天|现在|目前",
    "yesterday": "yesterday|昨天|昨日",
    "day_before_yesterday": "day before yesterday|the day before yesterday|前天",
    "this_week": "this week|current week|本周|这周|这一周|本星期|这星期|这个星期",
    "last_week": "last week|previous week|prior week|上周|上一周|上星期|上个星期",
    "this_month": "this month|current month|本月|这个月|这月|当月",
    "last_month": "last month|previous month|prior month|上个月|上月|上一个月",
    "this_quarter": "this quarter|current quarter|本季度|这个季度|这季度|本季|当季",
    "last_quarter": "last quarter|previous quarter|prior quarter|上季度|上个季度|上一季度|上一个季度|上季",
    "next_week": "next week|下周|下一周|下星期|下个星期",
    "next_month": "next month|下个月|下月|下一个月",
    "next_quarter": "next quarter|下季度|下个季度|下一季度|下一个季度|下季",
    "next_year": "next year|明年|下一年|下年|下财年|下一财年",
    "this_year": "this year|current year|this fiscal year|今年|本年|本年度|本财年|今年全年",
    "last_year": "last year|previous year|prior year|last fiscal year|去年|上一年|上年|上财年|上一财年|去年全年",
    "week_to_date": "week to date|wtd|this week to date|本周至今|本周以来|这周以来",
    "month_to_date": "month to date|mtd|this month to date|本月至今|月初至今|本月以来|这个月以来",
    "quarter_to_date": "quarter to date|qtd|this quarter to date|本季度至今|季度初至今|本季度以来|本季以来",
    "year_to_date": "year to date|ytd|fytd|fiscal year to date|this year to date|今年至今|年初至今|今年以来|"
    "本年至今|本年以来|本财年至今",
}.items():
    FIXED |= dict.fromkeys(_phrases.split("|"), _kind)

# A weekday named alone is the most recent one up to today ("since monday", "周一以来").
WEEKDAYS: dict[str, int] = {}
for _i, _name in enumerate(("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")):
    _zh = "一二三四五六日"[_i]
    WEEKDAYS |= dict.fromkeys((_name, f"周{_zh}", f"星期{_zh}", f"礼拜{_zh}"), _i)
WEEKDAYS |= {"周天": 6, "星期天": 6, "礼拜天": 6}

NUMBER_WORDS = {
    word: n for n, word in enumerate("one two three four five six seven eight nine ten eleven twelve".split(), 1)
} | {"fourteen": 14, "fifteen": 15, "eighteen": 18, "twenty": 20, "thirty": 30, "sixty": 60, "ninety": 90}

_STRIP = " \t.,;:!?()[]{}\"'“”‘’「」『』《》。，、；：！？"
_SPACES = re.compile(r"\s+")
_ZH_NUMERAL = re.compile(r"[零〇一二两三四五六七八九十百]+(?=[年月日号天周个季星礼])")
_ZH_DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}


def normalize(text: str) -> str:
    """Lower case, full-width folded (NFKC), Simplified script, single spaces, no surrounding punctuation."""
    folded = unicodedata.normalize("NFKC", simplified(text)).lower()  # 上個月 reads as 上个月
    return _SPACES.sub(" ", folded).strip(_STRIP)


def arabic_numerals(text: str) -> str:
    """Chinese numerals before a unit become digits: 最近三十天 -> 最近30天, 二〇二六年三月 -> 2026年3月."""
    return _ZH_NUMERAL.sub(lambda m: str(chinese_number(m[0])), text)


def chinese_number(word: str) -> int:
    """十一 -> 11, 二十五 -> 25, 一百 -> 100; digit by digit without 十/百: 二〇二六 -> 2026."""
    if "十" not in word and "百" not in word:
        return int("".join(str(_ZH_DIGITS[ch]) for ch in word))
    total, digit = 0, 0
    for ch in word:
        if ch in _ZH_DIGITS:
            digit = _ZH_DIGITS[ch]
        else:
            total += (digit or 1) * (10 if ch == "十" else 100)
            digit = 0
    return total + digit


# Fixed phrases also match once their numerals are digits (上一周 -> 上1周), as the grammar sees them.
FIXED |= {arabic_numerals(phrase): kind for phrase, kind in list(FIXED.items())}


def has_month_name(text: str) -> bool:
    return bool(_HAS_MONTH_NAME.search(text))


class DateProblem(ValueError):
    """The text has the shape of a date but is not one ("2026-13-01"), or reads two ways."""

    def __init__(self, key: str, part: str) -> None:
        super().__init__(f"{key}: {part}")
        self.key = key
        self.part = part


@dataclass(frozen=True)
class DayParts:
    """A day as written; year None when the user gave none (resolved later, never into the future)."""

    year: int | None
    month: int
    day: int


@dataclass(frozen=True)
class MonthParts:
    year: int | None
    month: int


_ISO_DAY = re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})")
_ZH_DAY = re.compile(r"(?:(\d{4})年)?(\d{1,2})月(\d{1,2})[日号]")
_SLASH_DAY = re.compile(r"(\d{1,2})/(\d{1,2})(?:/(\d{4}|\d{2}))?")
_DOT_DAY = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})")
_ORD = r"(?:st|nd|rd|th)?"
_EN_DAY_FIRST = re.compile(  # "1 March 2026", "the 1st of March", "01-Mar-2026", "Mon 2 Mar"
    rf"(?:{_WEEKDAY_RE},?\s+)?(?:the\s+)?(\d{{1,2}}){_ORD}(?:\s+of\s+|[\s/-]+)({MONTH_RE})\.?"
    r"(?:(?:,?\s+|[/-])(\d{4}))?"
)
_EN_MONTH_FIRST = re.compile(  # "March 1", "March 1st, 2026", "Mar-01-2026"
    rf"(?:{_WEEKDAY_RE},?\s+)?({MONTH_RE})\.?(?:\s+(?:the\s+)?|[/-])(\d{{1,2}}){_ORD}(?:(?:,?\s*|[/-])(\d{{4}}))?"
)
BARE_DAY = re.compile(rf"(\d{{1,2}})(?:{_ORD}|日|号)")

_EN_MONTH = re.compile(rf"({MONTH_RE})\.?(?:(?:,?\s*|[/-])(\d{{4}}))?|(\d{{4}})[\s/-]+({MONTH_RE})")
_NUM_MONTH = re.compile(r"(\d{4})[-/](\d{1,2})|(\d{1,2})/(\d{4})")
_ZH_MONTH = re.compile(r"(?:(\d{4})年)?(\d{1,2})月份?")


def read_day(text: str, *, zh: bool) -> DayParts | None:
    """A single day written with numbers or an English month name; None when the text is no day.

    Slashes are month first in English (3/1/2026 is 1 March), dots day first (01.03.2026 is 1 March), ISO
    and Chinese year first. A Chinese a/b/yyyy that reads both ways is refused rather than guessed.
    """
    if m := _ISO_DAY.fullmatch(text):
        return _day(text, int(m[1]), int(m[2]), int(m[3]))
    if m := _ZH_DAY.fullmatch(text):
        return _day(text, _int(m[1]), int(m[2]), int(m[3]))
    if m := _DOT_DAY.fullmatch(text):
        return _day(text, int(m[3]), int(m[2]), int(m[1]))
    if m := _SLASH_DAY.fullmatch(text):
        first, second, year = int(m[1]), int(m[2]), _year(m[3])
        if first > 12 and second <= 12:
            first, second = second, first  # only one reading is a date
        elif zh and year is not None and first != second and first <= 12 and second <= 12:
            raise DateProblem("ambiguous", text)
        return _day(text, year, first, second)
    if m := _EN_DAY_FIRST.fullmatch(text):
        return _day(text, _int(m[3]), MONTHS[m[2]], int(m[1]))
    if m := _EN_MONTH_FIRST.fullmatch(text):
        return _day(text, _int(m[3]), MONTHS[m[1]], int(m[2]))
    return None


def read_month(text: str) -> MonthParts | None:
    """A whole month: "march", "mar 2026", "2026 march", "2026-03", "03/2026", "3月", "2026年3月"."""
    if m := _EN_MONTH.fullmatch(text):
        return MonthParts(_int(m[2]), MONTHS[m[1]]) if m[1] else MonthParts(int(m[3]), MONTHS[m[4]])
    month: MonthParts | None = None
    if m := _NUM_MONTH.fullmatch(text):
        month = MonthParts(int(m[1]), int(m[2])) if m[1] else MonthParts(int(m[4]), int(m[3]))
    elif m := _ZH_MONTH.fullmatch(text):
        month = MonthParts(_int(m[1]), int(m[2]))
    if month and not 1 <= month.month <= 12:
        raise DateProblem("not_a_date", text)
    return month


def valid_year(year: int) -> bool:
    """Years the bot reasons about; outside them a 4-digit number is not a year (e.g. an amount)."""
    return 1900 <= year <= 2199


def _day(text: str, year: int | None, month: int, day: int) -> DayParts:
    try:
        date(2000 if year is None else year, month, day)  # 2000 is a leap year: 29 Feb without a year is fine
    except ValueError:
        raise DateProblem("not_a_date", text) from None
    if year is not None and not valid_year(year):
        raise DateProblem("not_a_date", text)
    return DayParts(year, month, day)


def _year(text: str | None) -> int | None:
    if text is None:
        return None
    return int(text) + 2000 if len(text) == 2 else int(text)


def _int(text: str | None) -> int | None:
    return None if text is None else int(text)


# ------------------------------------------------------------------------------- the period grammar
# Patterns run on normalize()d text with Chinese numerals already turned into digits.

COUNT_UNITS = {"d": "day", "天": "day", "日": "day", "w": "week", "周": "week", "星": "week", "礼": "week"}
COUNT_UNITS |= {"m": "month", "月": "month", "q": "quarter", "季": "quarter", "y": "year", "年": "year"}
MAX_COUNT = {"day": 36525, "week": 5218, "month": 1200, "quarter": 400, "year": 100}
_NUMBER = rf"\d{{1,6}}|{'|'.join(NUMBER_WORDS)}"
ROLLING_PHRASES = (
    re.compile(
        rf"(?:the\s+)?(?:last|past|previous|prior|trailing|rolling)\s+(?P<n>{_NUMBER})\s*"
        r"(?P<u>d|days?|w|wks?|weeks?|m|mos?|months?|q|qtrs?|quarters?|y|yrs?|years?)"
    ),
    re.compile(r"(?:最近|近|过去)的?(?P<n>\d{1,6})个?(?P<u>天|日|周|星期|礼拜|月|季度|季|年)"),
)
ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "1st": 1, "2nd": 2, "3rd": 3, "4th": 4}
QUARTERS = tuple(
    re.compile(p)
    for p in (
        r"q(?P<q>[1-4])",
        r"q(?P<q>[1-4])[\s\-/,]*(?P<y>\d{4})年?",
        r"(?P<y>\d{4})年?[\s\-/]*q(?P<q>[1-4])",
        r"q(?P<q>[1-4])[\s\-/,]*fy\s*'?(?P<y>\d{4}|\d{2})",
        r"fy\s*'?(?P<y>\d{4}|\d{2})[\s\-/]*q(?P<q>[1-4])",
        r"(?P<q>first|second|third|fourth|1st|2nd|3rd|4th)\s+quarter(?:\s+(?:of\s+)?(?P<y>\d{4}))?",
        r"quarter\s+(?P<q>[1-4])(?:\s+(?P<y>\d{4}))?",
        r"(?:(?P<y>\d{4})(?:财年|年度|年)?)?第?(?P<q>[1-4])季度?",
    )
)
WEEKS = tuple(
    re.compile(p)
    for p in (
        r"(?:week|wk|w)\s*(?P<w>\d{1,2})(?:(?:,?\s+|[/-])(?P<y>\d{4}))?",
        r"(?P<y>\d{4})[\s\-]*w(?:eek|k)?\s*(?P<w>\d{1,2})",
        r"(?:(?P<y>\d{4})年)?第(?P<w>\d{1,2})周",
    )
)
CALENDAR_YEAR = re.compile(r"(?:year\s+|calendar\s+year\s+|cy\s*)?(?P<y>\d{4})(?:年|年度|全年)?")
FISCAL_YEARS = tuple(
    re.compile(p) for p in (r"(?:fiscal\s+year\s+|fy\s*'?)(?P<y>\d{4}|\d{2})", r"(?P<y>\d{4})财年", r"财年(?P<y>\d{4})")
)
RANGE_PREFIX = re.compile(r"(?:from|between)\s+|从|自|由")
RANGE_SEPARATOR = re.compile(r"\s+(?:to|until|till|through|thru|and)\s+|\s*[–—~-]\s*|到|至")
SINCE = tuple(
    re.compile(p)
    for p in (
        r"(?:since|from|starting(?:\s+from)?|beginning)\s+(?P<x>.+)",
        r"(?P<x>.+?)\s+(?:to date|to now|until now|till now|onwards?|and later)",
        r"(?:自从|自|从)?(?P<x>.+?)(?:以来|至今|到现在|到目前为止|到目前|起|开始)",
        r"(?:自从|自|从)(?P<x>.+)",
    )
)

PIECE = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]|[^\s\u3000-\u303f\u3400-\u9fff\uff00-\uffef]+")
MAX_PIECES = 16  # 从2026年3月1日到2026年4月15日 is 14 pieces
COMPARED = re.compile(r"(?:\b(?:vs\.?|versus|against|compared\s+(?:to|with)|than)|对比|相比|较|(?<!占)比)\s*$", re.I)
FILLER = re.compile(r"\b(?:in|for|during|over|within|of)\s+$", re.I)
AMOUNT = re.compile(r"(?:\b(?:over|above|under|below|than|least|most|top)|[<>=≥≤]|大于|超过|小于|低于|高于)\s*$", re.I)

add_messages(  # the periods a user may type, shown when one is not understood
    msg("period.examples", "today · last week · this month · last quarter · Q3 2026 · March 2026 · last 30 days · "
        "month to date · since 2026-03-01 · 2026-07-01 to 2026-09-30"),
)
add_messages(  # why a period was not understood (reports/periods.py)
    msg("period.error.unknown", "I could not read \"{text}\" as a period."),
    msg("period.error.not_a_date", "\"{part}\" is not a date."),
    msg("period.error.ambiguous", "\"{part}\" reads two ways; write it as 2026-03-01."),
    msg("period.error.reversed", "The end ({end}) comes before the start ({start})."),
    msg("period.error.future", "{start} is after today: nothing has happened since then yet."),
    msg("period.error.week", "There is no week \"{text}\"."),
    msg("period.error.count", "\"{text}\" is not a usable window (1 to 100 years)."),
    msg("period.did_you_mean", "Did you mean \"{phrase}\"? "),
    msg("period.understood", "Periods I understand: {examples}"),
)


# ------------------------------------------------------------------------------------------- labels

_TO_DATE_WORDS = {
    "wtd": "week to date",
    "mtd": "month to date",
    "qtd": "quarter to date",
    "ytd": "year to date",
}

add_messages(  # a period's name in replies' titles; the Chinese is worded here for each script (本周至今 / 本週至今)
    msg("period.label.to_date.wtd", "week to date"),
    msg("period.label.to_date.mtd", "month to date"),
    msg("period.label.to_date.qtd", "quarter to date"),
    msg("period.label.to_date.ytd", "year to date"),
    # i18n: {span} is the dates ("11月26日"), {weekday} the day's name (周四)
    msg("period.label.day", "{weekday} {span}"),
    # i18n: Chinese adds {year} (the ISO year of the week); {span} is the dates, with ", week to date" if so
    msg("period.label.week", "week {week} · {span}"),
    # i18n: Chinese uses {month} (the month's number) instead of {month_name}
    msg("period.label.month", "{month_name} {year} ({span})"),
    # i18n: Chinese uses {quarter_zh} (the quarter in Chinese numerals: 三) instead of {quarter}
    msg("period.label.quarter", "Q{quarter} {year} ({span})"),
    # i18n: Chinese uses {quarter_zh} (the quarter in Chinese numerals: 三) instead of {quarter}
    msg("period.label.fiscal_quarter", "Q{quarter} FY{year} ({span})"),
    msg("period.label.year", "{year}"),
    msg("period.label.year_span", "{year} ({span})"),
    msg("period.label.fiscal_year", "FY{year} ({span})"),
    msg("period.label.last.day", "last {n} days ({span})"),
    msg("period.label.last.week", "last {n} weeks ({span})"),
    msg("period.label.last.month", "last {n} months ({span})"),
    msg("period.label.last.quarter", "last {n} quarters ({span})"),
    msg("period.label.last.year", "last {n} years ({span})"),
)


def fiscal_year_of(d: date, fiscal_year_start_month: int = 1) -> int:
    """The fiscal year of a day, named by the calendar year in which that fiscal year ends."""
    m = fiscal_year_start_month
    return d.year + 1 if m != 1 and d.month >= m else d.year


def label(kind: str, start: date, last: date, fy: int, count: int, unit: str, language: str) -> str:
    """How a reply names a period; `last` is the last day included. See `periods.Period.label`. `language` is "en"
    or "zh" (reports.i18n.TRADITIONAL reads 本週至今, 上個月 …: the words come from the catalogs)."""
    return _zh_label(kind, start, last, fy, count, unit, language) if language == "zh" else _en_label(
        kind, start, last, fy, count, unit
    )


def _en_label(kind: str, start: date, last: date, fy: int, count: int, unit: str) -> str:
    fiscal = fy != 1
    to_date = f", {_TO_DATE_WORDS[kind]}" if kind in _TO_DATE_WORDS else ""
    if kind == "day":
        return f"{WEEKDAY_ABBR[start.weekday()]} {en_span(start, last)}"
    if kind in ("week", "wtd"):
        text = f"week {start.isocalendar()[1]} · {en_span(start, last)}"
        return f"{text} ({to_date[2:]})" if to_date else text
    if kind == "month":  # the range too: every reply states the days it covers
        return f"{MONTH_NAMES[start.month - 1]} {start.year} ({en_span(start, last, year=False)})"
    if kind == "mtd":
        return f"{MONTH_NAMES[start.month - 1]} {start.year} ({en_span(start, last, year=False)}{to_date})"
    if kind in ("quarter", "qtd"):
        q, fyear = (start.month - fy) % 12 // 3 + 1, fiscal_year_of(start, fy)
        name = f"Q{q} FY{fyear}" if fiscal else f"Q{q} {fyear}"
        return f"{name} ({en_span(start, last, year=fiscal)}{to_date})"
    if kind in ("year", "ytd"):
        name = f"FY{fiscal_year_of(start, fy)}" if fiscal else str(start.year)
        if kind == "year" and not fiscal:
            return name
        return f"{name} ({en_span(start, last, year=fiscal)}{to_date})"
    if kind == "rolling":
        n, unit = (count, unit) if count else ((last - start).days + 1, "day")
        return f"last {n} {unit}{'' if n == 1 else 's'} ({en_span(start, last)})"
    return en_span(start, last)


def _zh_label(kind: str, start: date, last: date, fy: int, count: int, unit: str, lang: str) -> str:
    """The Chinese label, its words from the catalogs in the reader's script; the numbers and dates from here."""
    fiscal = fy != 1
    to_date = f"，{t(f'period.label.to_date.{kind}', lang)}" if kind in _TO_DATE_WORDS else ""
    if kind == "day":
        return t("period.label.day", lang, span=zh_span(start, last), weekday=weekday_name(start.weekday(), lang))
    if kind in ("week", "wtd"):
        iso_year, week, _ = start.isocalendar()
        return t("period.label.week", lang, year=iso_year, week=week, span=zh_span(start, last, year=False) + to_date)
    if kind in ("month", "mtd"):
        span = zh_span(start, last, year=False) + to_date
        return t("period.label.month", lang, year=start.year, month=start.month, span=span)
    if kind in ("quarter", "qtd"):
        q, fyear = (start.month - fy) % 12 // 3 + 1, fiscal_year_of(start, fy)
        key = "period.label.fiscal_quarter" if fiscal else "period.label.quarter"
        return t(key, lang, year=fyear, quarter=q, quarter_zh=ZH_QUARTERS[q - 1],
                 span=zh_span(start, last, year=fiscal) + to_date)
    if kind in ("year", "ytd"):
        if kind == "year" and not fiscal:
            return t("period.label.year", lang, year=start.year)
        span = zh_span(start, last, year=fiscal) + to_date
        if fiscal:
            return t("period.label.fiscal_year", lang, year=fiscal_year_of(start, fy), span=span)
        return t("period.label.year_span", lang, year=start.year, span=span)
    if kind == "rolling":
        n, unit = (count, unit) if count else ((last - start).days + 1, "day")
        return t(f"period.label.last.{unit}", lang, n=n, span=zh_span(start, last, year=start.year != last.year))
    return zh_span(start, last)


def en_span(start: date, last: date, *, year: bool = True) -> str:
    """Inclusive dates as people write them: "26 Nov 2026", "16–22 Nov 2026", "1 Jul – 30 Sep 2026"."""
    if start.year != last.year:
        return f"{_en_date(start)} – {_en_date(last)}"
    if start == last:
        return _en_date(start, year)
    if start.month == last.month:
        return f"{start.day}–{_en_date(last, year)}"
    return f"{_en_date(start, False)} – {_en_date(last, year)}"


def _en_date(d: date, year: bool = True) -> str:
    return f"{d.day} {MONTH_ABBR[d.month - 1]}" + (f" {d.year}" if year else "")


def zh_span(start: date, last: date, *, year: bool = True) -> str:
    """Inclusive dates in Chinese: "2026年11月26日", "2026年11月1日–26日", "7月1日–9月30日"."""
    if start.year != last.year:
        return f"{start.year}年{start.month}月{start.day}日–{last.year}年{last.month}月{last.day}日"
    head = f"{start.year}年" if year else ""
    if start == last:
        return f"{head}{start.month}月{start.day}日"
    if start.month == last.month:
        return f"{head}{start.month}月{start.day}日–{last.day}日"
    return f"{head}{start.month}月{start.day}日–{last.month}月{last.day}日"
