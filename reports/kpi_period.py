"""The one door from KPI commands to the period layer: defaults, refusals, and a stand-in until
`reports/periods.py` (owned by another issue) is in the tree.

`resolve_period` uses `reports.periods.parse_period` when that module exists. Until then it uses the
small parser below (`parse_simple`), which reads the phrases of the design — today, yesterday,
this/last week (Monday start), this/last month, this/last quarter, Qn [year], a year, a month,
last N days/weeks/months, month/quarter/year to date, since DATE, DATE to DATE, and the Chinese
本周, 上周, 本月, 上个月, 本季度, 上季度, 第三季度, 今年, 去年, 最近30天, 3月1日以来, 从…到… —
and refuses anything else with a hint rather than guessing. A bare month or day without a year is the
most recent one that is not in the future; quarters and this/last year follow the fiscal-year start month
(fiscal year N starts in that month of calendar year N). Delete the stand-in when periods.py lands.
"""

import calendar
import inspect
import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from babel.dates import format_date

from reports.formatting import locale_for


class PeriodProblem(ValueError):
    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.hint = hint


def resolve_period(text: str, *, today: date, language: str, fiscal_year_start_month: int = 1) -> Any:
    """The Period a phrase names ("this month" when empty), in the asker's calendar."""
    phrase = (text or "").strip() or ("本月" if language == "zh" else "this month")
    try:
        from reports import periods  # type: ignore[attr-defined]
    except ImportError:
        return parse_simple(phrase, today=today, language=language, fiscal_year_start_month=fiscal_year_start_month)
    params = inspect.signature(periods.parse_period).parameters
    candidates = {
        "today": today,
        "language": language,
        "lang": language,
        "fiscal_year_start_month": fiscal_year_start_month,
    }
    try:
        return periods.parse_period(phrase, **{k: v for k, v in candidates.items() if k in params})
    except periods.PeriodError as error:
        raise PeriodProblem(str(error), getattr(error, "hint", None)) from error


# ------------------------------------------------------------------------------------- the stand-in

HINT = {
    "en": "Periods I read: today · last week · this month · last quarter · Q3 2026 · 2026 · March · "
    "last 30 days · year to date · since 2026-03-01 · 2026-07-01 to 2026-09-30",
    "zh": "可用的时间：今天 · 上周 · 本月 · 上季度 · 2026年第三季度 · 2026年 · 3月 · 最近30天 · 今年至今 · "
    "3月1日以来 · 从2026-07-01到2026-09-30",
}
NAMES = {
    "to_date": {
        "month": ("month to date", "月初至今"),
        "quarter": ("quarter to date", "季度初至今"),
        "year": ("year to date", "年初至今"),
    }
}
_ZH_NUM = {"一": 1, "二": 2, "三": 3, "四": 4, "1": 1, "2": 2, "3": 3, "4": 4}


@dataclass(frozen=True)
class SimplePeriod:
    """A half-open range of local dates with the unit it was asked in (for previous() and the label)."""

    start: date
    end: date
    kind: str = "range"  # day | week | month | quarter | year | range
    to_date: bool = False
    fiscal_year_start_month: int = 1

    def previous(self) -> "SimplePeriod":
        """The previous equal period: the month before a month (to the same day when to date), else the same
        number of days just before."""
        months = {"month": 1, "quarter": 3, "year": 12}.get(self.kind)
        if months:
            start = _add_months(self.start, -months)
            end = _add_months(self.end, -months) if self.to_date else self.start
            if self.to_date:
                end = min(end, self.start)
            return SimplePeriod(start, end, self.kind, self.to_date, self.fiscal_year_start_month)
        length = self.end - self.start
        return SimplePeriod(self.start - length, self.start, self.kind, False, self.fiscal_year_start_month)

    def year_earlier(self) -> "SimplePeriod":
        return SimplePeriod(
            _add_months(self.start, -12),
            _add_months(self.end, -12),
            self.kind,
            self.to_date,
            self.fiscal_year_start_month,
        )

    @property
    def last_day(self) -> date:
        return self.end - timedelta(days=1)

    def label(self, language: str = "en") -> str:
        """ "Q3 2026 (1 Jul – 30 Sep 2026)" / "2026年第三季度（2026年7月1日–9月30日）"."""
        zh = language.startswith("zh")
        span = date_range_text(self.start, self.end, language)
        name = self._name(zh)
        if self.to_date:
            word = NAMES["to_date"][self.kind][1 if zh else 0]
            span = f"{span}{'，' if zh else ', '}{word}"
        if not name:
            return span
        return f"{name}（{span}）" if zh else f"{name} ({span})"

    def _name(self, zh: bool) -> str:
        s, fy = self.start, self.fiscal_year_start_month
        if self.kind == "month":
            return f"{s.year}年{s.month}月" if zh else format_date(s, "MMMM y", locale="en_US")
        if self.kind == "quarter":
            year, q = _fiscal_quarter(s, fy)
            if zh:
                return f"{'财年' if fy != 1 else ''}{year}年第{'一二三四'[q - 1]}季度"
            return f"{'FY' if fy != 1 else ''}Q{q} {year}" if fy == 1 else f"FY{year} Q{q}"
        if self.kind == "year":
            year = s.year
            if fy != 1:
                return f"财年{year}" if zh else f"FY{year}"
            return f"{year}年" if zh else str(year)
        if self.kind == "week":
            return f"第{s.isocalendar()[1]}周" if zh else f"Week {s.isocalendar()[1]}"
        return ""


def date_range_text(start: date, end: date, language: str) -> str:
    """Half-open [start, end) as people write it: "1 Jul – 30 Sep 2026", "2026年7月1日–9月30日"."""
    last = end - timedelta(days=1)
    if language.startswith("zh"):
        if start == last:
            return f"{start.year}年{start.month}月{start.day}日"
        tail = f"{last.month}月{last.day}日" if last.year == start.year else f"{last.year}年{last.month}月{last.day}日"
        return f"{start.year}年{start.month}月{start.day}日–{tail}"
    locale = locale_for(language)
    if start == last:
        return format_date(start, "d MMM y", locale=locale)
    if start.year == last.year:
        return f"{format_date(start, 'd MMM', locale=locale)} – {format_date(last, 'd MMM y', locale=locale)}"
    return f"{format_date(start, 'd MMM y', locale=locale)} – {format_date(last, 'd MMM y', locale=locale)}"


def _add_months(d: date, months: int) -> date:
    index = d.year * 12 + d.month - 1 + months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(d.day, calendar.monthrange(year, month + 1)[1]))


def _fiscal_quarter(d: date, fy: int) -> tuple[int, int]:
    """(fiscal year, quarter 1-4) of a day; fiscal year N starts in month `fy` of year N."""
    offset = (d.month - fy) % 12
    year = d.year if d.month >= fy else d.year - 1
    return year, offset // 3 + 1


def _quarter(year: int, q: int, fy: int) -> tuple[date, date]:
    start = _add_months(date(year, fy, 1), 3 * (q - 1))
    return start, _add_months(start, 3)


def _month(year: int, month: int) -> tuple[date, date]:
    start = date(year, month, 1)
    return start, _add_months(start, 1)


_MONTHS = {name.lower(): i for i, name in enumerate(calendar.month_name) if name}
_MONTHS.update({name.lower(): i for i, name in enumerate(calendar.month_abbr) if name})
_MONTHS["sept"] = 9
_MONTH_RE = "|".join(sorted(_MONTHS, key=len, reverse=True))
_ISO = r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})"
_ZH_DATE = r"(?:(\d{4})年)?(\d{1,2})月(\d{1,2})[日号]"
_EN_DATE = (
    rf"(\d{{1,2}})\s+({_MONTH_RE})\.?(?:\s+(\d{{4}}))?"
    rf"|({_MONTH_RE})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?,?(?:\s+(\d{{4}}))?"
)


def _recent(month: int, day: int, today: date) -> date:
    """A day given without a year: the most recent one that is not in the future."""
    year = today.year
    candidate = date(year, month, min(day, calendar.monthrange(year, month)[1]))
    return candidate if candidate <= today else date(year - 1, month, min(day, calendar.monthrange(year - 1, month)[1]))


def _one_date(text: str, today: date) -> date | None:
    text = text.strip().rstrip("起")
    try:
        if m := re.fullmatch(_ISO, text):
            return date(int(m[1]), int(m[2]), int(m[3]))
        if m := re.fullmatch(_ZH_DATE, text):
            if m[1]:
                return date(int(m[1]), int(m[2]), int(m[3]))
            return _recent(int(m[2]), int(m[3]), today)
        if m := re.fullmatch(_EN_DATE, text, flags=re.IGNORECASE):
            day, month, year = (m[1], m[2], m[3]) if m[1] else (m[5], m[4], m[6])
            month_no = _MONTHS[month.lower()]
            if year:
                return date(int(year), month_no, int(day))
            return _recent(month_no, int(day), today)
    except ValueError:
        return None
    return None


def _splits(text: str, compact: str) -> list[tuple[str, str]]:
    """Every way to cut "A to B" / "从A到B" / "A - B" in two (dates contain '-', so try each separator)."""
    out = []
    body = re.sub(r"^(?:from|between) ", "", text)
    for sep in (" to ", " until ", " till ", " through ", " and ", " - ", " – "):
        if sep in body:
            left, _, right = body.partition(sep)
            out.append((left, right))
    zh = compact.removeprefix("从")
    for match in re.finditer(r"到|至|~|–|-", zh):
        out.append((zh[: match.start()], zh[match.end() :]))
    return out


def parse_simple(phrase: str, *, today: date, language: str = "en", fiscal_year_start_month: int = 1) -> SimplePeriod:
    """Read a period phrase (see module docstring); PeriodProblem with a hint for anything else."""
    try:
        return _parse(phrase, today=today, language=language, fiscal_year_start_month=fiscal_year_start_month)
    except (ValueError, OverflowError) as error:  # a day or year that does not exist, e.g. "0000" or "2026-02-30"
        if isinstance(error, PeriodProblem):
            raise
        lang = "zh" if re.search(r"[\u4e00-\u9fff]", phrase) or language.startswith("zh") else "en"
        raise PeriodProblem(f"not a usable period: {phrase!r}", HINT[lang]) from error


def _parse(phrase: str, *, today: date, language: str, fiscal_year_start_month: int) -> SimplePeriod:
    fy = fiscal_year_start_month
    text = re.sub(r"\s+", " ", phrase.strip().lower()).strip(" .")
    compact = text.replace(" ", "")
    lang = "zh" if re.search(r"[\u4e00-\u9fff]", phrase) or language.startswith("zh") else "en"

    def period(start: date, end: date, kind: str = "range", to_date: bool = False) -> SimplePeriod:
        if not (date(1900, 1, 1) <= start < end <= date(2200, 1, 1)):
            raise PeriodProblem(f"not a usable period: {phrase!r}", HINT[lang])
        return SimplePeriod(start, end, kind, to_date, fy)

    tomorrow = today + timedelta(days=1)
    week = today - timedelta(days=today.weekday())
    fiscal_year, this_q = _fiscal_quarter(today, fy)
    words = {
        ("today", "今天", "今日"): lambda: period(today, tomorrow, "day"),
        ("yesterday", "昨天", "昨日"): lambda: period(today - timedelta(days=1), today, "day"),
        ("this week", "current week", "week to date", "本周", "这周", "这一周"): lambda: period(
            week, week + timedelta(7), "week"
        ),
        ("last week", "previous week", "上周", "上一周", "上星期"): lambda: period(week - timedelta(7), week, "week"),
        ("this month", "current month", "本月", "这个月", "当月"): lambda: period(
            *_month(today.year, today.month), "month"
        ),
        ("last month", "previous month", "上个月", "上月"): lambda: period(
            *_month(_add_months(today, -1).year, _add_months(today, -1).month), "month"
        ),
        ("month to date", "mtd", "本月至今", "月初至今"): lambda: period(today.replace(day=1), tomorrow, "month", True),
        ("this quarter", "current quarter", "本季度", "这个季度", "本季"): lambda: period(
            *_quarter(fiscal_year, this_q, fy), "quarter"
        ),
        ("last quarter", "previous quarter", "上季度", "上个季度", "上一季度"): lambda: period(
            *(_quarter(fiscal_year, this_q - 1, fy) if this_q > 1 else _quarter(fiscal_year - 1, 4, fy)), "quarter"
        ),
        ("quarter to date", "qtd", "本季度至今", "季度初至今"): lambda: period(
            _quarter(fiscal_year, this_q, fy)[0], tomorrow, "quarter", True
        ),
        ("this year", "current year", "今年", "本年", "本财年"): lambda: period(
            date(fiscal_year, fy, 1), _add_months(date(fiscal_year, fy, 1), 12), "year"
        ),
        ("last year", "previous year", "去年", "上一年", "上财年"): lambda: period(
            date(fiscal_year - 1, fy, 1), date(fiscal_year, fy, 1), "year"
        ),
        ("year to date", "ytd", "今年至今", "年初至今", "本年至今"): lambda: period(
            date(fiscal_year, fy, 1), tomorrow, "year", True
        ),
    }
    for keys, make in words.items():
        if text in keys or compact in keys:
            return make()

    if m := re.fullmatch(r"(?:(\d{4})\s*)?q([1-4])(?:\s*(\d{4}))?", text):
        year = int(m[1] or m[3] or 0)
        q = int(m[2])
        if not year:  # the most recent such quarter that has begun
            year = fiscal_year if q <= this_q else fiscal_year - 1
        return period(*_quarter(year, q, fy), "quarter")
    if m := re.fullmatch(r"(?:(\d{4})年)?第([一二三四1-4])(?:个)?季度", compact):
        q = _ZH_NUM[m[2]]
        year = int(m[1]) if m[1] else (fiscal_year if q <= this_q else fiscal_year - 1)
        return period(*_quarter(year, q, fy), "quarter")
    if m := re.fullmatch(r"(?:fy)?(\d{4})年?", compact):
        year = int(m[1])
        if compact.startswith("fy"):
            return period(date(year, fy, 1), _add_months(date(year, fy, 1), 12), "year")
        return period(date(year, 1, 1), date(year + 1, 1, 1), "year")
    if m := re.fullmatch(r"(\d{4})年(\d{1,2})月(?:份)?|(\d{4})[-/](\d{1,2})", compact):
        year, month = (int(m[1]), int(m[2])) if m[1] else (int(m[3]), int(m[4]))
        if 1 <= month <= 12:
            return period(*_month(year, month), "month")
    if m := re.fullmatch(r"(\d{1,2})月(?:份)?", compact):
        month = int(m[1])
        if 1 <= month <= 12:
            year = today.year if month <= today.month else today.year - 1
            return period(*_month(year, month), "month")
    if m := re.fullmatch(rf"({_MONTH_RE})\.?(?:\s+(\d{{4}}))?", text):
        month = _MONTHS[m[1]]
        year = int(m[2]) if m[2] else (today.year if month <= today.month else today.year - 1)
        return period(*_month(year, month), "month")
    rolling = r"(?:last|past|the last|the past|最近|过去|近)\s*(\d{1,4})\s*(days?|weeks?|months?|天|日|周|个月|月)"
    if m := re.fullmatch(rolling, text):
        n, unit = int(m[1]), m[2]
        if n < 1:
            raise PeriodProblem(f"not a usable period: {phrase!r}", HINT[lang])
        if unit.startswith("day") or unit in ("天", "日"):
            return period(tomorrow - timedelta(days=n), tomorrow)
        if unit.startswith("week") or unit == "周":
            return period(tomorrow - timedelta(days=7 * n), tomorrow)
        return period(_add_months(tomorrow, -n), tomorrow)
    since = re.fullmatch(r"since (.+)", text) or re.fullmatch(r"(?:自|从)?(.+?)(?:以来|至今|到现在|到今天)", compact)
    if since and (start := _one_date(since[1], today)):
        return period(start, tomorrow)
    for a_text, b_text in _splits(text, compact):
        a, b = _one_date(a_text, today), _one_date(b_text, today)
        if a and b:
            if b < a:
                raise PeriodProblem(f"the end comes before the start: {phrase!r}", HINT[lang])
            return period(a, b + timedelta(days=1))
    if single := _one_date(text if lang == "en" else compact, today):
        return period(single, single + timedelta(days=1), "day")
    raise PeriodProblem(f"unknown period {phrase!r}", HINT[lang])
