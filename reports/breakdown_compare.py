"""What a breakdown needs to compare honestly: each row's value a year earlier (`… by rep last quarter vs last
year`), like for like while the period runs, and which weeks of a weekly table are partial (cut by the
period's edge, or still running) with the same days of the week before to compare them with.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from reports import kpi_engine as engine


@dataclass(frozen=True)
class WeekSpan:
    """A row of a weekly breakdown: its first day, how many days it covers, and whether that is a whole week."""

    start: date
    days: int
    partial: bool


def week_spans(rows: list[engine.BreakdownRow], period: Any, today: date) -> dict[Any, WeekSpan]:
    """{row key: WeekSpan}: a week is partial when the period's edge cuts it or when it is still running."""
    out = {}
    for row in rows:
        start = row.key
        monday = start - timedelta(days=start.weekday())
        end = min(period.end, monday + timedelta(days=7), max(today + timedelta(days=1), start + timedelta(days=1)))
        days = (end - start).days
        out[row.key] = WeekSpan(start, days, days < 7)
    return out


def same_days_before(session: Any, metric: str, scope: engine.Scope, span: WeekSpan, today: date) -> engine.KpiValue:
    """The metric over the same weekdays of the week before a partial week (Mon-Wed against Mon-Wed)."""
    start = span.start - timedelta(days=7)
    return engine.compute(session, metric, scope, _Days(start, start + timedelta(days=span.days)), today=today)


def year_earlier_rows(
    session: Any, metric: str, scope: engine.Scope, period: Any, by: str, rows: list[engine.BreakdownRow], today: date
) -> tuple[Any, dict[Any, engine.KpiValue]]:
    """(the year-earlier period, {row key: its value then}); like for like while `period` runs. Weeks are
    matched by position (week 1 with week 1), the rest by key (the same rep, product or account)."""
    earlier = engine.like_for_like(period, period.year_earlier(), today)
    before = engine.breakdown(session, metric, scope, earlier, by, today=today)
    if by == "week":
        return earlier, {row.key: old.value for row, old in zip(rows, before, strict=False)}
    by_key = {r.key: r.value for r in before}
    zero = engine.KpiValue(metric, 0 if engine.UNITS[metric] in ("money", "count") else None, engine.UNITS[metric])
    return earlier, {row.key: by_key.get(row.key, zero) for row in rows}


@dataclass(frozen=True)
class _Days:
    start: date
    end: date
