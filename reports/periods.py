"""Periods: the ranges of local dates that every KPI, digest and review is about, read from English or
Chinese phrases and written back as labels, so every reply states the range it resolved.

A `Period` is half-open, [start, end), in the asker's local calendar. The rules people rely on:

- Weeks start on Monday and are numbered as ISO weeks ("week 47").
- A month, quarter, week or day named without a year is the most recent one that has started:
  "December" said on 26 Nov 2026 is December 2025, "March 1" is the last 1 March up to today. A phrase
  never lands silently in another year; a range whose end comes before its start is refused.
- "this week/month/quarter/year" is the whole calendar unit, [1 Nov, 1 Dec) on 26 Nov; the to-date kinds
  (wtd, mtd, qtd, ytd), "since DATE" and rolling windows ("last 30 days") end today inclusive. A caller
  that wants "so far" semantics for a running unit uses the to-date phrase or caps `end` at today + 1.
- Fiscal years: with `fiscal_year_start_month` m != 1, quarters and this/last year follow the fiscal year,
  which starts on the 1st of month m and is named by the calendar year in which it ENDS. With m = 4,
  FY2027 is 1 Apr 2026 - 31 Mar 2027, "Q1 2027" is Apr-Jun 2026 and "this year" on 26 Nov 2026 is FY2027.
  A bare "2025" is always the calendar year; "FY2025" / "2025财年" is the fiscal one.

`dateparser` is only a fallback for single dates with a month name the regexes do not know; it is
imported lazily, always with an explicit language (auto-detection costs ~0.85 s per failed parse).
"""

import difflib
import re
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta

from reports import period_words as words
from reports.i18n import language_for, t
from reports.period_words import DateProblem, DayParts, MonthParts, fiscal_year_of

__all__ = [
    "KINDS",
    "Period",
    "PeriodError",
    "following",
    "extract_period",
    "fiscal_year_of",
    "month_of",
    "parse_period",
    "period_for_kind",
    "quarter_of",
    "week_of",
]

KINDS = frozenset(
    {"day", "week", "month", "quarter", "year", "rolling", "range", "since"} | {"wtd", "mtd", "qtd", "ytd"}
)
_UNIT_OF_TO_DATE = {"wtd": "week", "mtd": "month", "qtd": "quarter", "ytd": "year"}
_MONTHS_IN = {"month": 1, "quarter": 3, "year": 12}
_EARLIEST, _LATEST = date(1900, 1, 1), date(2200, 1, 1)


@dataclass(frozen=True)
class Period:
    """[start, end) of local dates and the unit it was asked in, which previous() and label() follow.

    `count`/`unit` only matter for rolling windows ("last 30 days" is count 30, unit "day") so the label
    can say how it was asked; they are not part of equality.
    """

    start: date
    end: date
    kind: str
    fiscal_year_start_month: int = 1
    count: int = field(default=0, compare=False)
    unit: str = field(default="day", compare=False)

    def __post_init__(self) -> None:
        if not self.start < self.end:
            raise ValueError(f"empty period: {self.start} .. {self.end}")
        if self.kind not in KINDS:
            raise ValueError(f"unknown period kind {self.kind!r}")
        if not 1 <= self.fiscal_year_start_month <= 12:
            raise ValueError("fiscal_year_start_month must be 1-12")

    @property
    def days(self) -> int:
        return (self.end - self.start).days

    @property
    def last_day(self) -> date:
        return self.end - timedelta(days=1)

    def contains(self, d: date) -> bool:
        return self.start <= d < self.end

    def previous(self) -> "Period":
        """The equal period just before: the calendar month/quarter/week/year before; for a to-date kind
        the same number of days from the start of the previous unit (1-26 Oct for 1-26 Nov, clipped to
        that unit's length); otherwise the same number of days immediately before."""
        if self.kind == "day" or self.kind == "week":
            return replace(self, start=self.start - (self.end - self.start), end=self.start)
        if self.kind in _MONTHS_IN:
            return replace(self, start=_add_months(self.start, -_MONTHS_IN[self.kind]), end=self.start)
        if unit := _UNIT_OF_TO_DATE.get(self.kind):
            start = self.start - timedelta(days=7) if unit == "week" else _add_months(self.start, -_MONTHS_IN[unit])
            return replace(self, start=start, end=min(start + timedelta(days=self.days), self.start))
        return Period(self.start - timedelta(days=self.days), self.start, "range", self.fiscal_year_start_month)

    def year_earlier(self) -> "Period":
        """The same period one year earlier (29 Feb -> 28 Feb). Weeks move back 52 weeks so they still
        start on a Monday; rolling windows and "since" become plain ranges."""
        moved = _moved_years(self, -1)
        return replace(moved, kind="range") if self.kind in ("rolling", "since") else moved

    def label(self, language: str = "en") -> str:
        """The period as a reply states it: "Q3 2026 (1 Jul – 30 Sep)", "2026年第三季度（7月1日–9月30日）"."""
        lang = _reader_language(language)
        return words.label(
            self.kind, self.start, self.last_day, self.fiscal_year_start_month, self.count, self.unit, lang
        )


class PeriodError(ValueError):
    """A phrase that is not a period, with `hint`: examples that work, in the asker's language."""

    def __init__(self, text: str, hint: str, message: str = "") -> None:
        super().__init__(message or f"not a period: {text!r}")
        self.text = text
        self.hint = hint


# --------------------------------------------------------------------------------------- calendar


def week_of(d: date) -> Period:
    """The Monday-to-Sunday week of a day."""
    start = d - timedelta(days=d.weekday())
    return Period(start, start + timedelta(days=7), "week")


def month_of(d: date) -> Period:
    start = d.replace(day=1)
    return Period(start, _add_months(start, 1), "month")


def quarter_of(d: date, fiscal_year_start_month: int = 1) -> Period:
    """The (fiscal) quarter of a day; Q1 starts in `fiscal_year_start_month`."""
    m = fiscal_year_start_month
    start = _add_months(date(d.year if d.month >= m else d.year - 1, m, 1), (d.month - m) % 12 // 3 * 3)
    return Period(start, _add_months(start, 3), "quarter", m)


def following(p: Period) -> Period:
    """The equal calendar unit just after a week, month, quarter or year ("next quarter" for targets)."""
    if p.kind == "week":
        return replace(p, start=p.end, end=p.end + timedelta(days=7))
    return replace(p, start=p.end, end=_add_months(p.end, _MONTHS_IN[p.kind]))


def _fiscal_quarter(fiscal_year: int, q: int, m: int) -> Period:
    start = _add_months(_fiscal_year_start(fiscal_year, m), 3 * (q - 1))
    return Period(start, _add_months(start, 3), "quarter", m)


def _fiscal_year(fiscal_year: int, m: int) -> Period:
    start = _fiscal_year_start(fiscal_year, m)
    return Period(start, _add_months(start, 12), "year", m)


def _fiscal_year_start(fiscal_year: int, m: int) -> date:
    return date(fiscal_year if m == 1 else fiscal_year - 1, m, 1)


def _add_months(d: date, months: int) -> date:
    """The same day `months` later, clipped to the month's length (31 Mar - 1 month = 28/29 Feb)."""
    year, month0 = divmod(d.year * 12 + d.month - 1 + months, 12)
    return date(year, month0 + 1, min(d.day, _month_length(year, month0 + 1)))


def _month_length(year: int, month: int) -> int:
    return (date(year + month // 12, month % 12 + 1, 1) - date(year, month, 1)).days


def _moved_years(p: Period, years: int) -> Period:
    """`p` shifted by whole years: months stay whole months, weeks stay Monday weeks, 29 Feb -> 28 Feb."""
    if p.kind in ("week", "wtd"):
        shift = timedelta(days=364 * years)
        return replace(p, start=p.start + shift, end=p.end + shift)
    if p.start.day == 1 and p.end.day == 1:
        return replace(p, start=_add_months(p.start, 12 * years), end=_add_months(p.end, 12 * years))
    last = _add_months(p.last_day, 12 * years)
    return replace(p, start=_add_months(p.start, 12 * years), end=last + timedelta(days=1))


# ------------------------------------------------------------------------------------ scheduler kinds

_ROLLING_KIND = re.compile(r"last_(\d+)_(day|week|month|quarter|year)s?")


def period_for_kind(kind: str, *, today: date, fiscal_year_start_month: int = 1) -> Period:
    """A named period relative to today, for schedulers and defaults: 'today', 'yesterday', 'this_week',
    'last_week', 'this_month', 'last_month', 'this_quarter', 'last_quarter', 'this_year', 'last_year',
    'next_week', 'next_month',
    'next_quarter', 'next_year' (periods for targets),
    'week_to_date' (or 'wtd'), 'month_to_date' ('mtd'), 'quarter_to_date' ('qtd'), 'year_to_date' ('ytd'),
    'last_N_days|weeks|months|quarters|years'."""
    m = fiscal_year_start_month
    tomorrow = today + timedelta(days=1)
    short = {"wtd": "week_to_date", "mtd": "month_to_date", "qtd": "quarter_to_date", "ytd": "year_to_date"}
    kind = short.get(kind, kind)
    if kind in ("today", "yesterday", "day_before_yesterday"):
        day = today - timedelta(days=("today", "yesterday", "day_before_yesterday").index(kind))
        return Period(day, day + timedelta(days=1), "day", m)
    if match := _ROLLING_KIND.fullmatch(kind):
        return _rolling(int(match[1]), match[2], today, m)
    units = {
        "week": lambda: replace(week_of(today), fiscal_year_start_month=m),
        "month": lambda: replace(month_of(today), fiscal_year_start_month=m),
        "quarter": lambda: quarter_of(today, m),
        "year": lambda: _fiscal_year(fiscal_year_of(today, m), m),
    }
    which, _, unit = kind.partition("_")
    if kind.endswith("_to_date"):
        which, unit = "to_date", kind.removesuffix("_to_date")
    if unit not in units or which not in ("this", "last", "next", "to_date"):
        raise PeriodError(kind, "", f"unknown period kind {kind!r}")
    current = units[unit]()
    if which == "this":
        return current
    if which == "last":
        return current.previous()
    if which == "next":
        return following(current)
    return Period(current.start, tomorrow, f"{unit[0]}td", m)


def _rolling(n: int, unit: str, today: date, m: int) -> Period:
    """The n units ending today inclusive: last 30 days on 26 Nov is 28 Oct - 26 Nov."""
    end = today + timedelta(days=1)
    if unit in ("day", "week"):
        start = end - timedelta(days=n * (7 if unit == "week" else 1))
    else:
        start = _add_months(end, -n * {"month": 1, "quarter": 3, "year": 12}[unit])
    return Period(start, end, "rolling", m, count=n, unit=unit)


# -------------------------------------------------------------------------------------------- grammar


@dataclass(frozen=True)
class _Ctx:
    today: date
    fy: int
    zh: bool
    language: str = "en"  # the asker's (TRADITIONAL keeps its script), for the messages
    lenient: bool = True  # may ask dateparser about a single date with a month name
    upcoming: bool = False  # a quarter, month, weekday or day without a year: the next one not over (due dates)


class _Refusal(Exception):
    """A phrase shaped like a period that names no valid one; `key` picks the message."""

    def __init__(self, key: str, **values: object) -> None:
        super().__init__(key)
        self.key = key
        self.values = values


_Side = tuple[Period, bool]  # a unit a range or "since" is built from, and whether it was named without a year


def _read(text: str, ctx: _Ctx) -> Period | None:
    """The period a whole phrase names, None when it names none; _Refusal/DateProblem when it names a
    period that cannot be (an impossible date, an end before the start)."""
    s = words.arabic_numerals(words.normalize(text))
    if not s:
        return None
    if rolling := _rolling_phrase(s, ctx):
        return rolling
    if side := _side(s, ctx):
        return side[0]
    if period := _range(s, ctx) or _since(s, ctx):
        return period
    return side[0] if (side := _dateparser_day(s, ctx)) else None


def _rolling_phrase(s: str, ctx: _Ctx) -> Period | None:
    for pattern in words.ROLLING_PHRASES:
        if m := pattern.fullmatch(s):
            n = int(m["n"]) if m["n"].isdigit() else words.NUMBER_WORDS[m["n"]]
            unit = words.COUNT_UNITS[m["u"][0]]
            if not 1 <= n <= words.MAX_COUNT[unit]:
                raise _Refusal("count", text=s)
            return _rolling(n, unit, ctx.today, ctx.fy)
    return None


def _side(s: str, ctx: _Ctx) -> _Side | None:
    """A single unit: a fixed phrase, quarter, week, year, month or day (regexes only: dateparser would
    read a half of "01-Mar-2026" as a date and make it a range)."""
    if kind := words.FIXED.get(s):
        return period_for_kind(kind, today=ctx.today, fiscal_year_start_month=ctx.fy), False
    for reader in (_quarter, _week, _year, _month, _day):
        if found := reader(s, ctx):
            return found
    return None


def _quarter(s: str, ctx: _Ctx) -> _Side | None:
    for pattern in words.QUARTERS:
        if m := pattern.fullmatch(s):
            q = int(m["q"]) if m["q"].isdigit() else words.ORDINALS[m["q"]]
            if m.groupdict().get("y") is None:  # the most recent such quarter that has begun
                year = fiscal_year_of(ctx.today, ctx.fy)
                quarter = _fiscal_quarter(year, q, ctx.fy)
                if ctx.upcoming:  # or, for a target, the next one that is not over
                    return (quarter if quarter.end > ctx.today else _fiscal_quarter(year + 1, q, ctx.fy)), True
                return (quarter if quarter.start <= ctx.today else _fiscal_quarter(year - 1, q, ctx.fy)), True
            return _fiscal_quarter(_full_year(m["y"]), q, ctx.fy), False
    return None


def _week(s: str, ctx: _Ctx) -> _Side | None:
    for pattern in words.WEEKS:
        if m := pattern.fullmatch(s):
            n = int(m["w"])
            years = [int(m["y"])] if m["y"] else range(ctx.today.isocalendar()[0], ctx.today.year - 8, -1)
            for year in years:
                try:
                    start = date.fromisocalendar(year, n, 1)
                except ValueError:
                    continue
                if m["y"] or start <= ctx.today:
                    return replace(week_of(start), fiscal_year_start_month=ctx.fy), False
            raise _Refusal("week", text=s)
    return None


def _year(s: str, ctx: _Ctx) -> _Side | None:
    if (m := words.CALENDAR_YEAR.fullmatch(s)) and words.valid_year(int(m["y"])):
        return _fiscal_year(int(m["y"]), 1), False
    for pattern in words.FISCAL_YEARS:
        if (m := pattern.fullmatch(s)) and words.valid_year(_full_year(m["y"])):
            return _fiscal_year(_full_year(m["y"]), ctx.fy), False
    return None


def _month(s: str, ctx: _Ctx) -> _Side | None:
    parts: MonthParts | None = words.read_month(s)
    if parts is None or (parts.year is not None and not words.valid_year(parts.year)):
        return None
    year = parts.year
    if year is None and ctx.upcoming:  # a target's month: the next one that is not over
        year = ctx.today.year if parts.month >= ctx.today.month else ctx.today.year + 1
    elif year is None:  # the most recent such month that has begun
        year = ctx.today.year if parts.month <= ctx.today.month else ctx.today.year - 1
    return replace(month_of(date(year, parts.month, 1)), fiscal_year_start_month=ctx.fy), parts.year is None


def _day(s: str, ctx: _Ctx) -> _Side | None:
    if (weekday := words.WEEKDAYS.get(s)) is not None:
        if ctx.upcoming:  # "by Friday": the coming one (today when today is Friday)
            day = ctx.today + timedelta(days=(weekday - ctx.today.weekday()) % 7)
        else:
            day = ctx.today - timedelta(days=(ctx.today.weekday() - weekday) % 7)
        return Period(day, day + timedelta(days=1), "day", ctx.fy), False
    parts = words.read_day(s, zh=ctx.zh)
    return None if parts is None else _resolve_day(parts, ctx)


def _resolve_day(parts: DayParts, ctx: _Ctx) -> _Side:
    if parts.year is not None:
        day = date(parts.year, parts.month, parts.day)
    elif ctx.upcoming:  # the next such day from today on ("by 10 Dec")
        day = next(
            d
            for year in range(ctx.today.year, ctx.today.year + 9)
            if (d := _date_or_none(year, parts.month, parts.day)) and d >= ctx.today
        )
    else:  # the most recent such day up to today (29 Feb: the last leap year's)
        day = next(
            d
            for year in range(ctx.today.year, ctx.today.year - 9, -1)
            if (d := _date_or_none(year, parts.month, parts.day)) and d <= ctx.today
        )
    return Period(day, day + timedelta(days=1), "day", ctx.fy), parts.year is None


def _dateparser_day(s: str, ctx: _Ctx) -> _Side | None:
    """A whole phrase that is a single date with a month name our regexes do not read ("2026 March 1",
    "1 March 2026 at noon"); never in extract mode."""
    if not ctx.lenient or not words.has_month_name(s):
        return None
    import dateparser  # slow to import; only this fallback needs it

    settings = {
        "PREFER_DATES_FROM": "past",
        "RELATIVE_BASE": datetime(ctx.today.year, ctx.today.month, ctx.today.day),
        "DATE_ORDER": "DMY" if "." in s else "YMD" if ctx.zh else "MDY",
        "REQUIRE_PARTS": ["day", "month"],
    }
    try:
        found = dateparser.parse(s, languages=["en", "zh"] if ctx.zh else ["en"], settings=settings)
    except (ValueError, OverflowError):
        return None
    if found is None or not words.valid_year(found.year):
        return None
    yearless = not re.search(r"\d{4}", s)
    if yearless and found.date() > ctx.today:
        return None
    day = found.date()
    return Period(day, day + timedelta(days=1), "day", ctx.fy), yearless


def _range(s: str, ctx: _Ctx) -> Period | None:
    """ "A to B", "from A to B", "between A and B", "A - B", "从A到B", "A至B"; B is included."""
    prefix = words.RANGE_PREFIX.match(s)
    body = s[prefix.end() :] if prefix else s
    for separator in words.RANGE_SEPARATOR.finditer(body):
        if separator[0].strip() == "and" and not (prefix and prefix[0].startswith("between")):
            continue
        left, right = body[: separator.start()].strip(), body[separator.end() :].strip()
        if left and right and (sides := _sides(left, right, ctx)):
            start, end = _ordered(*sides)
            return Period(start, end, "range", ctx.fy)
    return None


def _sides(left: str, right: str, ctx: _Ctx) -> tuple[_Side, _Side] | None:
    """Both ends of a range; a bare day borrows the other end's month ("1–15 Mar", "3月1日至15日")."""
    first, second = _side(left, ctx), _side(right, ctx)
    if first and second and (first[0].kind == "year") != (second[0].kind == "year"):
        return None  # "mar-2026", "w47-2026": a unit and its year, not a range
    if first is None and second and second[0].kind == "day" and (m := words.BARE_DAY.fullmatch(left)):
        first = _borrow(int(m[1]), second, ctx)
    if second is None and first and first[0].kind == "day" and (m := words.BARE_DAY.fullmatch(right)):
        second = _borrow(int(m[1]), first, ctx)
    return (first, second) if first and second else None


def _borrow(day: int, other: _Side, ctx: _Ctx) -> _Side:
    (period, yearless) = other
    if _date_or_none(2000, period.start.month, day) is None:
        raise DateProblem("not_a_date", f"{day}")
    return _resolve_day(DayParts(None if yearless else period.start.year, period.start.month, day), ctx)


def _ordered(first: _Side, second: _Side) -> tuple[date, date]:
    """[start, end) of a range. An end named without a year is the first one at or after the start; a start
    named without a year (with a dated end) the last one before the end. Never a silent wrap within one
    month ("5 March to 1 March" is refused, "1 Dec to 15 Jan" crosses the new year)."""
    (a, a_free), (b, b_free) = first, second
    if b_free:
        b = _moved_years(b, a.start.year - b.start.year)
        if b.last_day < a.start and b.start.month != a.start.month:
            b = _moved_years(b, 1)
    elif a_free:
        a = _moved_years(a, b.last_day.year - a.start.year)
        if a.start > b.last_day and a.start.month != b.last_day.month:
            a = _moved_years(a, -1)
    if b.last_day < a.start:
        raise _Refusal("reversed", start=a.start, end=b.last_day)
    return a.start, b.end


def _since(s: str, ctx: _Ctx) -> Period | None:
    for pattern in words.SINCE:
        if (m := pattern.fullmatch(s)) and (side := _side(m["x"].strip(), ctx)):
            start = side[0].start
            if start > ctx.today:
                raise _Refusal("future", start=start)
            return Period(start, ctx.today + timedelta(days=1), "since", ctx.fy)
    return None


def _full_year(text: str) -> int:
    return 2000 + int(text) if len(text) == 2 else int(text)


def _date_or_none(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


# ------------------------------------------------------------------------------------------ public API


def parse_period(
    text: str, *, today: date, language: str = "en", fiscal_year_start_month: int = 1, upcoming: bool = False
) -> Period:
    """The period a whole phrase names ("last quarter", "上个月", "2026-07-01 to 2026-09-30"), relative to
    `today` in the asker's calendar; PeriodError with examples in `language` for anything else. `upcoming`: a
    quarter or month named without a year is the next one that is not over (a target set in December for "Q1"
    is for next year's), not the most recent one that began; a weekday or a day without a year is the next one
    from today on (a due date "by Friday", "周五前")."""
    ctx = _Ctx(today, fiscal_year_start_month, _is_zh(language), language, upcoming=upcoming)
    try:
        period = _read(text, ctx)
    except (_Refusal, DateProblem) as problem:
        raise _error(text, ctx, problem) from None
    except (ValueError, OverflowError):  # arithmetic past the ends of the calendar
        raise _error(text, ctx, None) from None
    if period is None or not _EARLIEST <= period.start < period.end <= _LATEST:
        raise _error(text, ctx, None)
    return period


_SPACES = re.compile(r"\s+")


def extract_period(
    text: str, *, today: date, language: str = "en", fiscal_year_start_month: int = 1
) -> tuple[Period | None, str]:
    """The period phrase anywhere in a command and the command without it:
    "revenue @alice last quarter by rep" -> (Q3 2026, "revenue @alice by rep"); "上个月销售额" -> (October,
    "销售额"). The longest phrase wins; one right after "vs"/"对比" is a comparison, not the period, and is
    left in the text. (None, text) when there is none; PeriodError when the longest period-shaped phrase
    is invalid ("from 5 March to 1 March", "2026-13-01"). Words are cut at spaces and between Chinese
    characters, so Chinese needs no spaces. dateparser is not used here (speed, false positives)."""
    ctx = _Ctx(today, fiscal_year_start_month, _is_zh(language), language, lenient=False)
    pieces = [m.span() for m in words.PIECE.finditer(text)]
    best: tuple[int, int, Period] | None = None
    refused: tuple[int, int, Exception] | None = None
    for i, (a, _) in enumerate(pieces):
        if text[a] in "@<#":
            continue
        for j in range(i, min(len(pieces), i + words.MAX_PIECES)):
            if text[pieces[j][0]] in "@<#":
                break
            b = pieces[j][1]
            try:
                period = _read(text[a:b], ctx)
            except (_Refusal, DateProblem, ValueError, OverflowError) as problem:
                if refused is None or b - a > refused[1] - refused[0]:
                    refused = (a, b, problem)
                continue
            if period and _EARLIEST <= period.start and period.end <= _LATEST and _is_the_period(text, a, period):
                if best is None or b - a > best[1] - best[0]:
                    best = (a, b, period)
    if refused and (best is None or refused[1] - refused[0] > best[1] - best[0]):
        problem = refused[2]
        raise _error(
            text[refused[0] : refused[1]], ctx, problem if isinstance(problem, _Refusal | DateProblem) else None
        )
    if best is None:
        return None, text
    a, b, period = best
    if filler := words.FILLER.search(text[:a]):
        a = filler.start()
    b += text[b:].startswith("的")  # 从3月1日到4月15日的销售额
    return period, _SPACES.sub(" ", f"{text[:a]} {text[b:]}").strip()


def _is_the_period(text: str, start: int, period: Period) -> bool:
    """Not a comparison ("vs last year") and not an amount that looks like a year ("deals over 2000")."""
    before = text[:start]
    return not words.COMPARED.search(before) and not (period.kind == "year" and words.AMOUNT.search(before))


def _is_zh(language: str) -> bool:
    return language.lower().startswith("zh")


def _reader_language(language: str) -> str:
    """"zh" in the reader's script (reports.i18n.TRADITIONAL stays Traditional; "zh-TW" becomes it) or "en"."""
    if language == "zh":
        return language
    return language_for(locale=language) if _is_zh(language) else "en"


# ------------------------------------------------------------------------------------- refusals


def _error(text: str, ctx: _Ctx, problem: Exception | None) -> PeriodError:
    """PeriodError saying what is wrong and what works, in the asker's language."""
    lang = (ctx.language if ctx.language == "zh" else "zh") if ctx.zh else "en"
    if isinstance(problem, _Refusal):
        values = {k: _date_words(v, ctx.zh) if isinstance(v, date) else v for k, v in problem.values.items()}
        message = t(f"period.error.{problem.key}", lang, **values)
    elif isinstance(problem, DateProblem):
        message = t(f"period.error.{problem.key}", lang, part=problem.part)
    else:
        message = t("period.error.unknown", lang, text=text.strip())
    return PeriodError(text, _hint(text, ctx.zh, lang), message)


def _hint(text: str, zh: bool, lang: str) -> str:
    """Examples that work, led by the closest known phrase when the text looks misspelt ("lsat quater")."""
    phrases = [p for p in words.FIXED if p.isascii() != zh]
    close = difflib.get_close_matches(words.normalize(text), phrases, n=1, cutoff=0.75)
    guess = t("period.did_you_mean", lang, phrase=close[0]) if close else ""
    return guess + t("period.understood", lang, examples=t("period.examples", lang))


def _date_words(d: date, zh: bool) -> str:
    return words.zh_span(d, d) if zh else words.en_span(d, d)
