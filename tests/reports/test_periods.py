"""The period layer as a specification: what each phrase means on the calendar, in English and Chinese,
how periods compare and are labelled, how a period is found inside a /kpi command, and how bad phrases
are refused. Today is Thursday 26 November 2026 unless a test says otherwise."""

import calendar
import time
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reports.i18n import TRADITIONAL
from reports.periods import (
    Period,
    PeriodError,
    extract_period,
    month_of,
    parse_period,
    period_for_kind,
    quarter_of,
    week_of,
)

TODAY = date(2026, 11, 26)
D = date


def parse(phrase: str, language: str = "en", fy: int = 1, today: date = TODAY) -> Period:
    return parse_period(phrase, today=today, language=language, fiscal_year_start_month=fy)


# ------------------------------------------------------------------------------------ what phrases mean

ENGLISH = [
    ("today", D(2026, 11, 26), D(2026, 11, 27), "day"),
    ("Yesterday", D(2026, 11, 25), D(2026, 11, 26), "day"),
    ("this week", D(2026, 11, 23), D(2026, 11, 30), "week"),  # weeks start on Monday
    ("last week", D(2026, 11, 16), D(2026, 11, 23), "week"),
    ("week to date", D(2026, 11, 23), D(2026, 11, 27), "wtd"),
    ("this month", D(2026, 11, 1), D(2026, 12, 1), "month"),  # the whole month; "to date" is its own kind
    ("last month", D(2026, 10, 1), D(2026, 11, 1), "month"),
    ("month to date", D(2026, 11, 1), D(2026, 11, 27), "mtd"),
    ("MTD", D(2026, 11, 1), D(2026, 11, 27), "mtd"),
    ("this quarter", D(2026, 10, 1), D(2027, 1, 1), "quarter"),
    ("last quarter", D(2026, 7, 1), D(2026, 10, 1), "quarter"),
    ("quarter to date", D(2026, 10, 1), D(2026, 11, 27), "qtd"),
    ("qtd", D(2026, 10, 1), D(2026, 11, 27), "qtd"),
    ("this year", D(2026, 1, 1), D(2027, 1, 1), "year"),
    ("last year", D(2025, 1, 1), D(2026, 1, 1), "year"),
    ("year to date", D(2026, 1, 1), D(2026, 11, 27), "ytd"),
    ("ytd", D(2026, 1, 1), D(2026, 11, 27), "ytd"),
    ("Q1", D(2026, 1, 1), D(2026, 4, 1), "quarter"),  # the most recent Q1 that has started
    ("Q4", D(2026, 10, 1), D(2027, 1, 1), "quarter"),
    ("Q3 2026", D(2026, 7, 1), D(2026, 10, 1), "quarter"),
    ("2026 Q3", D(2026, 7, 1), D(2026, 10, 1), "quarter"),
    ("2026-Q3", D(2026, 7, 1), D(2026, 10, 1), "quarter"),
    ("third quarter of 2025", D(2025, 7, 1), D(2025, 10, 1), "quarter"),
    ("2025", D(2025, 1, 1), D(2026, 1, 1), "year"),
    ("March", D(2026, 3, 1), D(2026, 4, 1), "month"),
    ("November", D(2026, 11, 1), D(2026, 12, 1), "month"),  # has started: this year's
    ("December", D(2025, 12, 1), D(2026, 1, 1), "month"),  # not yet: last year's, never the future
    ("March 2026", D(2026, 3, 1), D(2026, 4, 1), "month"),
    ("Mar 2026", D(2026, 3, 1), D(2026, 4, 1), "month"),
    ("2026-03", D(2026, 3, 1), D(2026, 4, 1), "month"),
    ("week 47", D(2026, 11, 16), D(2026, 11, 23), "week"),
    ("last 30 days", D(2026, 10, 28), D(2026, 11, 27), "rolling"),  # ends today inclusive
    ("the past 7 days", D(2026, 11, 20), D(2026, 11, 27), "rolling"),
    ("last 2 weeks", D(2026, 11, 13), D(2026, 11, 27), "rolling"),
    ("last 3 months", D(2026, 8, 27), D(2026, 11, 27), "rolling"),
    ("past three months", D(2026, 8, 27), D(2026, 11, 27), "rolling"),
    ("last 2 quarters", D(2026, 5, 27), D(2026, 11, 27), "rolling"),
    ("since 2026-03-01", D(2026, 3, 1), D(2026, 11, 27), "since"),
    ("since March 1", D(2026, 3, 1), D(2026, 11, 27), "since"),
    ("since Monday", D(2026, 11, 23), D(2026, 11, 27), "since"),
    ("since last month", D(2026, 10, 1), D(2026, 11, 27), "since"),
    ("2026-07-01 to 2026-09-30", D(2026, 7, 1), D(2026, 10, 1), "range"),  # the end date is included
    ("2026-07-01 - 2026-09-30", D(2026, 7, 1), D(2026, 10, 1), "range"),
    ("from 1 March to 15 April", D(2026, 3, 1), D(2026, 4, 16), "range"),
    ("between 2026-03-01 and 2026-03-31", D(2026, 3, 1), D(2026, 4, 1), "range"),
    ("1 Dec to 15 Jan", D(2025, 12, 1), D(2026, 1, 16), "range"),  # crosses the new year
    ("1 Nov to 30 Nov", D(2026, 11, 1), D(2026, 12, 1), "range"),  # the start is the most recent 1 Nov
    ("1–15 Mar 2026", D(2026, 3, 1), D(2026, 3, 16), "range"),
    ("march to may", D(2026, 3, 1), D(2026, 6, 1), "range"),
    ("2026-03-01", D(2026, 3, 1), D(2026, 3, 2), "day"),
    ("1 March 2026", D(2026, 3, 1), D(2026, 3, 2), "day"),
    ("1st of March 2026", D(2026, 3, 1), D(2026, 3, 2), "day"),
    ("01-Mar-2026", D(2026, 3, 1), D(2026, 3, 2), "day"),
    ("Mar-01-2026", D(2026, 3, 1), D(2026, 3, 2), "day"),
    ("March the 1st", D(2026, 3, 1), D(2026, 3, 2), "day"),
    ("March 1", D(2026, 3, 1), D(2026, 3, 2), "day"),
    ("Dec 25", D(2025, 12, 25), D(2025, 12, 26), "day"),  # the most recent 25 Dec
    ("Feb 29", D(2024, 2, 29), D(2024, 3, 1), "day"),  # the most recent one that exists
    ("3/1/2026", D(2026, 3, 1), D(2026, 3, 2), "day"),  # US order in English
    ("01.03.2026", D(2026, 3, 1), D(2026, 3, 2), "day"),  # day first with dots
    ("26/11/2026", D(2026, 11, 26), D(2026, 11, 27), "day"),  # only one reading is a date
]

CHINESE = [
    ("今天", D(2026, 11, 26), D(2026, 11, 27), "day"),
    ("昨天", D(2026, 11, 25), D(2026, 11, 26), "day"),
    ("本周", D(2026, 11, 23), D(2026, 11, 30), "week"),
    ("这周", D(2026, 11, 23), D(2026, 11, 30), "week"),
    ("上周", D(2026, 11, 16), D(2026, 11, 23), "week"),
    ("上一周", D(2026, 11, 16), D(2026, 11, 23), "week"),
    ("本月", D(2026, 11, 1), D(2026, 12, 1), "month"),
    ("这个月", D(2026, 11, 1), D(2026, 12, 1), "month"),
    ("上个月", D(2026, 10, 1), D(2026, 11, 1), "month"),
    ("上月", D(2026, 10, 1), D(2026, 11, 1), "month"),
    ("本季度", D(2026, 10, 1), D(2027, 1, 1), "quarter"),
    ("这个季度", D(2026, 10, 1), D(2027, 1, 1), "quarter"),
    ("上季度", D(2026, 7, 1), D(2026, 10, 1), "quarter"),
    ("上个季度", D(2026, 7, 1), D(2026, 10, 1), "quarter"),
    ("第三季度", D(2026, 7, 1), D(2026, 10, 1), "quarter"),
    ("第3季度", D(2026, 7, 1), D(2026, 10, 1), "quarter"),
    ("三季度", D(2026, 7, 1), D(2026, 10, 1), "quarter"),
    ("Q3", D(2026, 7, 1), D(2026, 10, 1), "quarter"),
    ("2026年第三季度", D(2026, 7, 1), D(2026, 10, 1), "quarter"),
    ("2025年Q3", D(2025, 7, 1), D(2025, 10, 1), "quarter"),
    ("今年", D(2026, 1, 1), D(2027, 1, 1), "year"),
    ("去年", D(2025, 1, 1), D(2026, 1, 1), "year"),
    ("2025年", D(2025, 1, 1), D(2026, 1, 1), "year"),
    ("3月", D(2026, 3, 1), D(2026, 4, 1), "month"),
    ("三月", D(2026, 3, 1), D(2026, 4, 1), "month"),
    ("十二月", D(2025, 12, 1), D(2026, 1, 1), "month"),
    ("2026年3月", D(2026, 3, 1), D(2026, 4, 1), "month"),
    ("第47周", D(2026, 11, 16), D(2026, 11, 23), "week"),
    ("最近30天", D(2026, 10, 28), D(2026, 11, 27), "rolling"),
    ("近30天", D(2026, 10, 28), D(2026, 11, 27), "rolling"),
    ("过去30天", D(2026, 10, 28), D(2026, 11, 27), "rolling"),
    ("最近三十天", D(2026, 10, 28), D(2026, 11, 27), "rolling"),
    ("最近3个月", D(2026, 8, 27), D(2026, 11, 27), "rolling"),
    ("最近2周", D(2026, 11, 13), D(2026, 11, 27), "rolling"),
    ("近两周", D(2026, 11, 13), D(2026, 11, 27), "rolling"),
    ("本月至今", D(2026, 11, 1), D(2026, 11, 27), "mtd"),
    ("今年以来", D(2026, 1, 1), D(2026, 11, 27), "ytd"),
    ("3月1日以来", D(2026, 3, 1), D(2026, 11, 27), "since"),
    ("自3月1日以来", D(2026, 3, 1), D(2026, 11, 27), "since"),
    ("3月1日至今", D(2026, 3, 1), D(2026, 11, 27), "since"),
    ("从3月1日到4月15日", D(2026, 3, 1), D(2026, 4, 16), "range"),
    ("3月1日到4月15日", D(2026, 3, 1), D(2026, 4, 16), "range"),
    ("3月1日至4月15日", D(2026, 3, 1), D(2026, 4, 16), "range"),
    ("11月1日–26日", D(2026, 11, 1), D(2026, 11, 27), "range"),
    ("2025年12月1日到1月15日", D(2025, 12, 1), D(2026, 1, 16), "range"),
    ("2026年3月1日", D(2026, 3, 1), D(2026, 3, 2), "day"),
    ("3月1号", D(2026, 3, 1), D(2026, 3, 2), "day"),
    ("2026-03-01", D(2026, 3, 1), D(2026, 3, 2), "day"),
    ("０１.０３.２０２６", D(2026, 3, 1), D(2026, 3, 2), "day"),  # full-width digits, day first with dots
]


@pytest.mark.parametrize(("phrase", "start", "end", "kind"), ENGLISH)
def test_english_phrases(phrase: str, start: date, end: date, kind: str) -> None:
    period = parse(phrase, "en")
    assert (period.start, period.end, period.kind) == (start, end, kind)


@pytest.mark.parametrize(("phrase", "start", "end", "kind"), CHINESE)
def test_chinese_phrases(phrase: str, start: date, end: date, kind: str) -> None:
    period = parse(phrase, "zh")
    assert (period.start, period.end, period.kind) == (start, end, kind)


@pytest.mark.parametrize(
    ("phrase", "start", "end"),
    [
        ("this year", D(2026, 4, 1), D(2027, 4, 1)),  # FY2027: named by the year in which it ends
        ("last year", D(2025, 4, 1), D(2026, 4, 1)),
        ("year to date", D(2026, 4, 1), D(2026, 11, 27)),
        ("this quarter", D(2026, 10, 1), D(2027, 1, 1)),  # Q3 FY2027
        ("Q1", D(2026, 4, 1), D(2026, 7, 1)),
        ("Q4", D(2026, 1, 1), D(2026, 4, 1)),  # Q4 FY2026, the most recent Q4 that has started
        ("Q1 2027", D(2026, 4, 1), D(2026, 7, 1)),
        ("FY27 Q1", D(2026, 4, 1), D(2026, 7, 1)),
        ("FY2027", D(2026, 4, 1), D(2027, 4, 1)),
        ("2027财年", D(2026, 4, 1), D(2027, 4, 1)),
        ("2027年第一季度", D(2026, 4, 1), D(2026, 7, 1)),
        ("今年", D(2026, 4, 1), D(2027, 4, 1)),
        ("2026", D(2026, 1, 1), D(2027, 1, 1)),  # a bare year stays the calendar year
        ("last month", D(2026, 10, 1), D(2026, 11, 1)),  # months do not move
    ],
)
def test_a_fiscal_year_moves_quarters_and_years(phrase: str, start: date, end: date) -> None:
    period = parse(phrase, "en", fy=4)
    assert (period.start, period.end) == (start, end)


# ------------------------------------------------------------------------------- comparing periods


@pytest.mark.parametrize(
    ("phrase", "previous", "year_earlier"),
    [
        ("last month", (D(2026, 9, 1), D(2026, 10, 1)), (D(2025, 10, 1), D(2025, 11, 1))),
        ("last quarter", (D(2026, 4, 1), D(2026, 7, 1)), (D(2025, 7, 1), D(2025, 10, 1))),
        ("last week", (D(2026, 11, 9), D(2026, 11, 16)), (D(2025, 11, 17), D(2025, 11, 24))),  # Monday to Monday
        ("this year", (D(2025, 1, 1), D(2026, 1, 1)), (D(2025, 1, 1), D(2026, 1, 1))),
        ("today", (D(2026, 11, 25), D(2026, 11, 26)), (D(2025, 11, 26), D(2025, 11, 27))),
        ("month to date", (D(2026, 10, 1), D(2026, 10, 27)), (D(2025, 11, 1), D(2025, 11, 27))),
        ("quarter to date", (D(2026, 7, 1), D(2026, 8, 27)), (D(2025, 10, 1), D(2025, 11, 27))),
        ("year to date", (D(2025, 1, 1), D(2025, 11, 27)), (D(2025, 1, 1), D(2025, 11, 27))),
        ("last 30 days", (D(2026, 9, 28), D(2026, 10, 28)), (D(2025, 10, 28), D(2025, 11, 27))),
        ("2026-07-01 to 2026-09-30", (D(2026, 3, 31), D(2026, 7, 1)), (D(2025, 7, 1), D(2025, 10, 1))),  # 92 days
        ("since 2026-11-01", (D(2026, 10, 6), D(2026, 11, 1)), (D(2025, 11, 1), D(2025, 11, 27))),
    ],
)
def test_previous_and_year_earlier(phrase: str, previous: tuple[date, date], year_earlier: tuple[date, date]) -> None:
    period = parse(phrase)
    assert (period.previous().start, period.previous().end) == previous
    assert (period.year_earlier().start, period.year_earlier().end) == year_earlier


def test_month_to_date_previous_is_clipped_to_the_shorter_month() -> None:
    march_31 = parse("month to date", today=D(2026, 3, 31))
    assert (march_31.previous().start, march_31.previous().end) == (D(2026, 2, 1), D(2026, 3, 1))


def test_year_earlier_of_29_february_is_28_february() -> None:
    leap_day = parse("2028-02-29")
    assert (leap_day.year_earlier().start, leap_day.year_earlier().end) == (D(2027, 2, 28), D(2027, 3, 1))
    february = parse("February 2028")
    assert (february.year_earlier().start, february.year_earlier().end) == (D(2027, 2, 1), D(2027, 3, 1))


def test_a_period_knows_its_days_last_day_and_what_it_contains() -> None:
    q3 = parse("Q3 2026")
    assert (q3.days, q3.last_day) == (92, D(2026, 9, 30))
    assert q3.contains(D(2026, 7, 1)) and q3.contains(D(2026, 9, 30)) and not q3.contains(D(2026, 10, 1))


def test_an_empty_period_cannot_exist() -> None:
    with pytest.raises(ValueError):
        Period(TODAY, TODAY, "range")


# ------------------------------------------------------------------------------------------ labels


@pytest.mark.parametrize(
    ("phrase", "fy", "english", "chinese"),
    [
        ("Q3 2026", 1, "Q3 2026 (1 Jul – 30 Sep)", "2026年第三季度（7月1日–9月30日）"),
        ("Q1", 4, "Q1 FY2027 (1 Apr – 30 Jun 2026)", "2027财年第一季度（2026年4月1日–6月30日）"),
        ("mtd", 1, "November 2026 (1–26 Nov, month to date)", "2026年11月（11月1日–26日，月初至今）"),
        ("last month", 1, "October 2026 (1–31 Oct)", "2026年10月（10月1日–31日）"),
        ("last week", 1, "week 47 · 16–22 Nov 2026", "2026年第47周（11月16日–22日）"),
        ("2026-07-01 to 2026-09-30", 1, "1 Jul – 30 Sep 2026", "2026年7月1日–9月30日"),
        ("last 30 days", 1, "last 30 days (28 Oct – 26 Nov 2026)", "最近30天（10月28日–11月26日）"),
        ("last 3 months", 1, "last 3 months (27 Aug – 26 Nov 2026)", "最近3个月（8月27日–11月26日）"),
        ("today", 1, "Thu 26 Nov 2026", "2026年11月26日（周四）"),
        ("ytd", 1, "2026 (1 Jan – 26 Nov, year to date)", "2026年（1月1日–11月26日，年初至今）"),
        ("qtd", 1, "Q4 2026 (1 Oct – 26 Nov, quarter to date)", "2026年第四季度（10月1日–11月26日，季度初至今）"),
        ("2025", 1, "2025", "2025年"),
        ("this year", 4, "FY2027 (1 Apr 2026 – 31 Mar 2027)", "2027财年（2026年4月1日–2027年3月31日）"),
        ("1 Dec to 15 Jan", 1, "1 Dec 2025 – 15 Jan 2026", "2025年12月1日–2026年1月15日"),
    ],
)
def test_labels_state_the_resolved_range(phrase: str, fy: int, english: str, chinese: str) -> None:
    period = parse(phrase, fy=fy)
    assert period.label("en") == english
    assert period.label("zh") == chinese
    assert period.label("zh-CN") == chinese


@pytest.mark.parametrize(
    "phrase", ["2026-07-01 to 2026-09-30", "1 Dec 2025 to 15 Jan 2026", "last 30 days", "1–26 Nov"]
)
def test_a_range_label_reads_back_as_the_same_range(phrase: str) -> None:
    period = parse(phrase)
    label = period.label("en").removeprefix("last 30 days (").removesuffix(")")
    again = parse(label)
    assert (again.start, again.end) == (period.start, period.end)


# ------------------------------------------------------------------------------ inside a command


@pytest.mark.parametrize(
    ("command", "language", "start", "end", "rest"),
    [
        ("revenue @alice last quarter by rep", "en", D(2026, 7, 1), D(2026, 10, 1), "revenue @alice by rep"),
        ("上个月销售额", "zh", D(2026, 10, 1), D(2026, 11, 1), "销售额"),
        ("win rate Q3 2025 vs last year", "en", D(2025, 7, 1), D(2025, 10, 1), "win rate vs last year"),
        ("销售额 最近30天 按销售", "zh", D(2026, 10, 28), D(2026, 11, 27), "销售额 按销售"),
        ("销售额按销售本季度", "zh", D(2026, 10, 1), D(2027, 1, 1), "销售额按销售"),
        ("从3月1日到4月15日的销售额", "zh", D(2026, 3, 1), D(2026, 4, 16), "销售额"),
        ("revenue for the last 30 days", "en", D(2026, 10, 28), D(2026, 11, 27), "revenue"),
        (
            "deals won between 2026-03-01 and 2026-03-31 by week",
            "en",
            D(2026, 3, 1),
            D(2026, 4, 1),
            "deals won by week",
        ),
        ("revenue <@U123ABC> since monday export", "en", D(2026, 11, 23), D(2026, 11, 27), "revenue <@U123ABC> export"),
        ("deals over 2000 in 2025", "en", D(2025, 1, 1), D(2026, 1, 1), "deals over 2000"),
    ],
)
def test_extract_finds_the_period_anywhere(command: str, language: str, start: date, end: date, rest: str) -> None:
    period, remaining = extract_period(command, today=TODAY, language=language)
    assert period is not None
    assert (period.start, period.end, remaining) == (start, end, rest)


@pytest.mark.parametrize("command", ["revenue", "revenue vs last year", "deals over 2000", "lsat quater revenue", ""])
def test_extract_returns_none_and_the_text_when_there_is_no_period(command: str) -> None:
    assert extract_period(command, today=TODAY) == (None, command)


def test_extract_refuses_an_invalid_period_rather_than_ignoring_it() -> None:
    with pytest.raises(PeriodError, match="before the start"):
        extract_period("revenue from 5 March to 1 March by rep", today=TODAY)


# --------------------------------------------------------------------------------------- refusals


@pytest.mark.parametrize(
    ("phrase", "message", "hint"),
    [
        ("lsat quater", 'could not read "lsat quater"', 'Did you mean "last quarter"?'),
        ("foo", 'could not read "foo"', "last 30 days"),
        ("2026-13-01", '"2026-13-01" is not a date', "2026-07-01 to 2026-09-30"),
        ("from 5 March to 1 March", "The end (1 Mar 2026) comes before the start (5 Mar 2026)", "this month"),
        ("2026-09-30 to 2026-07-01", "comes before the start", "this month"),
        ("since 2027-01-01", "after today", "since 2026-03-01"),
        ("next fortnight", "could not read", "last quarter"),
        ("last 0 days", "not a usable window", "last 30 days"),
        ("Q5", "could not read", "Q3 2026"),
        ("", "could not read", "today"),
    ],
)
def test_refusals_say_what_is_wrong_and_what_works(phrase: str, message: str, hint: str) -> None:
    with pytest.raises(PeriodError) as refused:
        parse(phrase)
    assert message in str(refused.value)
    assert hint in refused.value.hint
    assert refused.value.text == phrase


def test_refusals_are_in_the_askers_language() -> None:
    with pytest.raises(PeriodError) as refused:
        parse("上个季", "zh")
    assert "看不懂" in str(refused.value) and "最近30天" in refused.value.hint
    with pytest.raises(PeriodError) as ambiguous:
        parse("3/4/2026", "zh")  # 3 April or 4 March: asked, not guessed
    assert "两种读法" in str(ambiguous.value)


# --------------------------------------------------------------------------------- named periods


@pytest.mark.parametrize(
    ("kind", "start", "end"),
    [
        ("today", D(2026, 11, 26), D(2026, 11, 27)),
        ("yesterday", D(2026, 11, 25), D(2026, 11, 26)),
        ("this_week", D(2026, 11, 23), D(2026, 11, 30)),
        ("last_week", D(2026, 11, 16), D(2026, 11, 23)),
        ("this_month", D(2026, 11, 1), D(2026, 12, 1)),
        ("last_month", D(2026, 10, 1), D(2026, 11, 1)),
        ("this_quarter", D(2026, 10, 1), D(2027, 1, 1)),
        ("last_quarter", D(2026, 7, 1), D(2026, 10, 1)),
        ("this_year", D(2026, 1, 1), D(2027, 1, 1)),
        ("last_year", D(2025, 1, 1), D(2026, 1, 1)),
        ("month_to_date", D(2026, 11, 1), D(2026, 11, 27)),
        ("ytd", D(2026, 1, 1), D(2026, 11, 27)),
        ("last_7_days", D(2026, 11, 20), D(2026, 11, 27)),
    ],
)
def test_period_for_kind_serves_schedulers(kind: str, start: date, end: date) -> None:
    period = period_for_kind(kind, today=TODAY)
    assert (period.start, period.end) == (start, end)


def test_period_for_kind_refuses_unknown_kinds() -> None:
    with pytest.raises(PeriodError):
        period_for_kind("next_fortnight", today=TODAY)


@pytest.mark.parametrize(
    ("phrase", "start", "end"),
    [
        ("next week", date(2026, 11, 30), date(2026, 12, 7)),
        ("next month", date(2026, 12, 1), date(2027, 1, 1)),
        ("下个月", date(2026, 12, 1), date(2027, 1, 1)),
        ("next quarter", date(2027, 1, 1), date(2027, 4, 1)),
        ("下季度", date(2027, 1, 1), date(2027, 4, 1)),
        ("明年", date(2027, 1, 1), date(2028, 1, 1)),
    ],
)
def test_next_periods_are_periods_for_targets(phrase: str, start: date, end: date) -> None:
    period = parse_period(phrase, today=TODAY, language="zh" if phrase[0] > "~" else "en")
    assert (period.start, period.end) == (start, end)


def test_helpers_give_the_unit_around_a_day() -> None:
    assert (week_of(TODAY).start, week_of(TODAY).end) == (D(2026, 11, 23), D(2026, 11, 30))
    assert (month_of(TODAY).start, month_of(TODAY).end) == (D(2026, 11, 1), D(2026, 12, 1))
    assert (quarter_of(TODAY).start, quarter_of(TODAY).end) == (D(2026, 10, 1), D(2027, 1, 1))
    assert (quarter_of(D(2026, 2, 1), 4).start, quarter_of(D(2026, 2, 1), 4).end) == (D(2026, 1, 1), D(2026, 4, 1))


# ---------------------------------------------------------------------------------------- speed


def test_typical_phrases_parse_in_well_under_two_milliseconds() -> None:
    phrases = ["last quarter", "Q3 2026", "last 30 days", "2026-07-01 to 2026-09-30", "上个月", "3月1日以来"]
    for phrase in phrases:
        parse(phrase)  # warm up
    started = time.perf_counter()
    for _ in range(100):
        for phrase in phrases:
            parse(phrase)
    assert (time.perf_counter() - started) / (100 * len(phrases)) < 0.002


def test_dateparser_reads_what_the_regexes_do_not() -> None:
    period = parse("2026 March 1")  # fallback; slow to import, so never used by extract_period
    assert (period.start, period.kind) == (D(2026, 3, 1), "day")


# ----------------------------------------------------------------------------------- properties

TODAYS = st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 31))
FAST = settings(max_examples=200, deadline=None)
ZH_QUARTER = "一二三四"


@FAST
@given(st.text(max_size=40), TODAYS, st.sampled_from(["en", "zh"]), st.integers(1, 12))
def test_any_text_is_a_period_or_a_refusal(text: str, today: date, language: str, fy: int) -> None:
    for read in (parse_period, lambda *a, **k: extract_period(*a, **k)[0]):
        try:
            period = read(text, today=today, language=language, fiscal_year_start_month=fy)
        except PeriodError as refused:
            assert refused.hint
        else:
            assert period is None or period.start < period.end


@FAST
@given(TODAYS, st.integers(1, 400), st.sampled_from(["day", "week", "month", "quarter"]), st.booleans())
def test_last_n_units_end_today_inclusive(today: date, n: int, unit: str, zh: bool) -> None:
    words = {"day": "天", "week": "周", "month": "个月", "quarter": "个季度"}
    phrase = f"最近{n}{words[unit]}" if zh else f"last {n} {unit}s"
    period = parse(phrase, "zh" if zh else "en", today=today)
    tomorrow = today + timedelta(days=1)
    assert period.end == tomorrow and period.kind == "rolling"
    if unit in ("day", "week"):
        assert period.days == n * (7 if unit == "week" else 1)
    else:
        months = n * (3 if unit == "quarter" else 1)
        assert _months_between(period.start, tomorrow) == months
        assert period.start.day == min(tomorrow.day, calendar.monthrange(period.start.year, period.start.month)[1])


@FAST
@given(
    TODAYS,
    st.integers(1950, 2150),
    st.integers(1, 4),
    st.integers(1, 12),
    st.sampled_from(["Q{q} {y}", "{y} Q{q}", "{y}-Q{q}", "q{q}-{y}", "{y}年第{zq}季度", "{y}年Q{q}"]),
)
def test_a_quarter_with_a_year_is_exactly_that_quarter(today: date, y: int, q: int, fy: int, template: str) -> None:
    period = parse(template.format(y=y, q=q, zq=ZH_QUARTER[q - 1]), "zh", fy=fy, today=today)
    fiscal_start = date(y if fy == 1 else y - 1, fy, 1)  # fiscal year y ends in calendar year y
    assert period.start == _add_months(fiscal_start, 3 * (q - 1))
    assert period.end == _add_months(period.start, 3) and period.kind == "quarter"


@FAST
@given(TODAYS, st.integers(1, 12), st.booleans())
def test_a_month_without_a_year_is_the_most_recent_that_has_started(today: date, month: int, zh: bool) -> None:
    phrase = f"{month}月" if zh else calendar.month_name[month]
    period = parse(phrase, "zh" if zh else "en", today=today)
    assert period.start.month == month and period.start.day == 1
    assert period.start <= today < _add_months(period.start, 12)


@FAST
@given(TODAYS, st.integers(1, 4), st.integers(1, 12))
def test_a_quarter_without_a_year_is_the_most_recent_that_has_started(today: date, q: int, fy: int) -> None:
    period = parse(f"Q{q}", fy=fy, today=today)
    assert period.start <= today < _add_months(period.start, 12)
    assert _months_between(date(period.start.year, fy, 1), period.start) % 12 == 3 * (q - 1)


@FAST
@given(TODAYS, st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 31)), st.booleans())
def test_a_day_without_a_year_is_the_most_recent_one(today: date, day: date, zh: bool) -> None:
    if (day.month, day.day) == (2, 29):
        return
    phrase = f"{day.month}月{day.day}日" if zh else f"{calendar.month_name[day.month]} {day.day}"
    period = parse(phrase, "zh" if zh else "en", today=today)
    assert (period.start.month, period.start.day, period.days) == (day.month, day.day, 1)
    assert period.start <= today < _add_months(period.start, 12)


@FAST
@given(TODAYS, st.sampled_from(["week", "month", "quarter", "year"]), st.integers(1, 12))
def test_this_last_and_to_date_line_up_around_today(today: date, unit: str, fy: int) -> None:
    this = parse(f"this {unit}", fy=fy, today=today)
    last = parse(f"last {unit}", fy=fy, today=today)
    to_date = parse(f"{unit} to date", fy=fy, today=today)
    assert this.contains(today) and last.end == this.start and last == this.previous()
    assert (to_date.start, to_date.end) == (this.start, today + timedelta(days=1))


@FAST
@given(
    TODAYS,
    st.dates(min_value=date(1950, 1, 1), max_value=date(2150, 12, 31)),
    st.integers(0, 400),
    st.sampled_from(
        [
            "{a:%Y-%m-%d} to {b:%Y-%m-%d}",
            "from {a.day} {a:%B} {a.year} to {b.day} {b:%B} {b.year}",
            "{a.month}/{a.day}/{a.year} - {b.month}/{b.day}/{b.year}",
            "从{a.year}年{a.month}月{a.day}日到{b.year}年{b.month}月{b.day}日",
        ]
    ),
)
def test_a_dated_range_includes_both_ends(today: date, a: date, length: int, template: str) -> None:
    b = a + timedelta(days=length)
    period = parse(template.format(a=a, b=b), today=today)
    assert (period.start, period.end) == (a, b + timedelta(days=1))


@FAST
@given(TODAYS, st.integers(0, 5000), st.booleans())
def test_since_a_date_runs_to_today_inclusive(today: date, days_ago: int, zh: bool) -> None:
    start = today - timedelta(days=days_ago)
    phrase = f"{start.year}年{start.month}月{start.day}日以来" if zh else f"since {start:%Y-%m-%d}"
    period = parse(phrase, "zh" if zh else "en", today=today)
    assert (period.start, period.end, period.kind) == (start, today + timedelta(days=1), "since")


@FAST
@given(TODAYS, st.integers(1900, 2199), st.booleans())
def test_a_year_is_never_another_year(today: date, year: int, zh: bool) -> None:
    period = parse(f"{year}年" if zh else str(year), today=today, fy=4)
    assert (period.start, period.end) == (date(year, 1, 1), date(year + 1, 1, 1))


def _months_between(a: date, b: date) -> int:
    return (b.year * 12 + b.month) - (a.year * 12 + a.month)


def _add_months(d: date, months: int) -> date:
    year, month0 = divmod(d.year * 12 + d.month - 1 + months, 12)
    return date(year, month0 + 1, min(d.day, calendar.monthrange(year, month0 + 1)[1]))


@pytest.mark.parametrize(
    ("phrase", "fy", "traditional"),
    [
        ("last month", 1, "2026年10月（10月1日–31日）"),
        ("wtd", 1, "2026年第48週（11月23日–26日，本週至今）"),
        ("last week", 1, "2026年第47週（11月16日–22日）"),
        ("today", 1, "2026年11月26日（週四）"),
        ("last 3 months", 1, "最近3個月（8月27日–11月26日）"),
        ("Q1", 4, "2027財年第一季度（2026年4月1日–6月30日）"),
    ],
)
def test_labels_for_a_traditional_reader_use_traditional_words(phrase: str, fy: int, traditional: str) -> None:
    period = parse(phrase, fy=fy)
    assert period.label(TRADITIONAL) == traditional
    assert period.label("zh-TW") == traditional
