"""Comparisons that do not mislead (issue 10): a rate's change is always in points, a finished period is
never judged by pace, and the drop attribution says what share each named cause explains."""

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from handlers.kpi_views import Frame, standing_line
from reports.changes import change_text
from reports.digest import Drop, drop_line
from reports.kpi_engine import KpiValue
from reports.standing import standing

RATES = st.floats(min_value=0, max_value=1, allow_nan=False)
DAYS = st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 31))


@given(RATES, RATES, st.sampled_from(["en", "zh"]))
def test_a_rate_change_is_always_in_points(current: float, base: float, language: str) -> None:
    text = change_text("ratio", current, base, language)
    assert ("pts" in text) if language == "en" else ("个百分点" in text)
    assert "%" not in text


@given(st.floats(min_value=-100, max_value=100), st.floats(min_value=-100, max_value=100))
def test_nps_changes_in_points(current: float, base: float) -> None:
    assert change_text("score", current, base, "en").endswith("pts")


@given(
    st.integers(min_value=0, max_value=10**9),
    st.integers(min_value=1, max_value=10**9),
    DAYS,
    st.integers(min_value=1, max_value=400),
    st.integers(min_value=0, max_value=400),
    st.sampled_from(["en", "zh"]),
)
def test_no_answer_about_a_finished_period_says_pace(
    actual: int, target: int, start: date, days: int, after: int, language: str
) -> None:
    end = start + timedelta(days=days)
    today = end + timedelta(days=after)  # the last day is over
    st_ = standing("revenue", actual, target, start, end, today, pace=None)
    line = standing_line(KpiValue("revenue", target, "money"), "set for Q3", st_, Frame(language, "USD", "", "", None))
    assert st_.pace is None and st_.status in ("hit", "missed")
    assert "pace" not in line and "进度" not in line and "at risk" not in line and "有风险" not in line
    assert ("hit" in line or "missed by" in line) if language == "en" else ("已达成" in line or "未达成" in line)


def test_the_drop_says_what_share_each_cause_explains() -> None:
    slice_ = Drop("product", "MG Advanced", -4_120_000, -0.34, share=0.8, parent_delta=-5_150_000)
    slice_.detail = Drop("account", "Treequote", -430_000, -0.5, share=430_000 / 4_120_000, parent_delta=-4_120_000)
    text = drop_line(slice_, "USD", "en")
    assert "80% of the team's -US$52K drop" in text or "80% of the team's −US$52K drop" in text
    assert "account *Treequote*: -US$4.3K, 10% of that" in text or "account *Treequote*: −US$4.3K, 10% of that" in text
    assert "most" not in text
