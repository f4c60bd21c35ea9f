"""The period door of /kpi: every phrase resolves to a valid half-open range or is refused with a hint.

Runs against `reports.periods` when it is in the tree, else against the stand-in in reports/kpi_period.py.
"""

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reports.kpi_period import PeriodProblem, resolve_period

TODAY = date(2026, 11, 26)


@pytest.mark.parametrize(
    ("phrase", "start", "end"),
    [
        ("", date(2026, 11, 1), date(2026, 12, 1)),
        ("last month", date(2026, 10, 1), date(2026, 11, 1)),
        ("this week", date(2026, 11, 23), date(2026, 11, 30)),  # weeks start on Monday
        ("last week", date(2026, 11, 16), date(2026, 11, 23)),
        ("last quarter", date(2026, 7, 1), date(2026, 10, 1)),
        ("Q1", date(2026, 1, 1), date(2026, 4, 1)),
        ("Q3 2025", date(2025, 7, 1), date(2025, 10, 1)),
        ("2025", date(2025, 1, 1), date(2026, 1, 1)),
        ("march", date(2026, 3, 1), date(2026, 4, 1)),
        ("december", date(2025, 12, 1), date(2026, 1, 1)),  # a bare month is never in the future
        ("last 30 days", date(2026, 10, 28), date(2026, 11, 27)),
        ("year to date", date(2026, 1, 1), date(2026, 11, 27)),
        ("since 2026-03-01", date(2026, 3, 1), date(2026, 11, 27)),
        ("2026-07-01 to 2026-09-30", date(2026, 7, 1), date(2026, 10, 1)),
        ("上个月", date(2026, 10, 1), date(2026, 11, 1)),
        ("本季度", date(2026, 10, 1), date(2027, 1, 1)),
        ("上季度", date(2026, 7, 1), date(2026, 10, 1)),
        ("第三季度", date(2026, 7, 1), date(2026, 10, 1)),
        ("去年", date(2025, 1, 1), date(2026, 1, 1)),
        ("最近30天", date(2026, 10, 28), date(2026, 11, 27)),
        ("3月1日以来", date(2026, 3, 1), date(2026, 11, 27)),
        ("从2026-07-01到2026-09-30", date(2026, 7, 1), date(2026, 10, 1)),
    ],
)
def test_phrases_of_the_design(phrase: str, start: date, end: date) -> None:
    period = resolve_period(phrase, today=TODAY, language="zh" if phrase and phrase[0] > "~" else "en")
    assert (period.start, period.end) == (start, end)


def test_every_reply_states_the_range_and_previous_periods_line_up() -> None:
    q3 = resolve_period("last quarter", today=TODAY, language="en")
    assert "1 Jul" in q3.label("en") and "30 Sep" in q3.label("en")
    assert "7月1日" in q3.label("zh")
    previous = q3.previous()
    assert (previous.start, previous.end) == (date(2026, 4, 1), date(2026, 7, 1))
    year = q3.year_earlier()
    assert (year.start, year.end) == (date(2025, 7, 1), date(2025, 10, 1))


def test_fiscal_year_start_moves_quarters_and_years() -> None:
    # A fiscal year is named by the calendar year it ends in: with an April start, FY2026 began 1 Apr 2025.
    q1 = resolve_period("Q1 2026", today=TODAY, language="en", fiscal_year_start_month=4)
    assert (q1.start, q1.end) == (date(2025, 4, 1), date(2025, 7, 1))
    this_year = resolve_period("this year", today=TODAY, language="en", fiscal_year_start_month=4)
    assert (this_year.start, this_year.end) == (date(2026, 4, 1), date(2027, 4, 1))


@pytest.mark.parametrize(
    "phrase", ["lsat quater", "next fortnight", "2026-13-01", "2026-09-30 to 2026-07-01", "banana"]
)
def test_unreadable_phrases_are_refused_with_a_hint(phrase: str) -> None:
    with pytest.raises(PeriodProblem) as refused:
        resolve_period(phrase, today=TODAY, language="en")
    assert refused.value.hint


WORDS = [
    "last",
    "this",
    "quarter",
    "month",
    "week",
    "year",
    "q3",
    "2025",
    "since",
    "to",
    "days",
    "30",
    "march",
    "2026-03-01",
    "上个月",
    "本季度",
    "以来",
    "3月1日",
    "最近",
    "天",
    "到",
    "from",
    "ytd",
    "Q5",
    "0",
    "99999",
]


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.sampled_from(WORDS), min_size=1, max_size=4),
    st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 12, 31)),
)
def test_any_phrase_is_a_valid_range_or_a_helpful_refusal(words: list[str], today: date) -> None:
    phrase = " ".join(words)
    try:
        period = resolve_period(phrase, today=today, language="en")
    except PeriodProblem as refused:
        assert refused.hint
        return
    assert period.start < period.end
    # Never a silently wrong year: nothing starts after today unless the phrase names a year or a date.
    names_a_year = any(ch.isdigit() for ch in phrase)
    if not names_a_year:
        assert period.start <= today + timedelta(days=1), phrase
        assert abs(period.start.year - today.year) <= 1, phrase


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=30))
def test_arbitrary_text_never_raises_anything_else(text: str) -> None:
    try:
        period = resolve_period(text, today=TODAY, language="en")
    except PeriodProblem:
        return
    assert period.start < period.end
