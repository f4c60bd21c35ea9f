"""Where a figure stands against its target, by the calendar: pace and "at risk" only while the period runs.

- upcoming: the period has not begun; nothing to judge yet.
- running: attainment so far, and for an additive metric the pace (so far, projected linearly to the end
  of the period, over the target); the status (on track / at risk / behind) is judged from the pace when
  there is one, else from attainment, and is always shown beside that figure.
- finished: "hit" (attainment >= 100%) or "missed by <gap>"; never a pace, never "at risk".
A lower sales cycle is better: its attainment is target / actual.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from reports.targets import ADDITIVE

ON_TRACK_FROM = 1.0
AT_RISK_FROM = 0.8
LOWER_IS_BETTER = frozenset({"sales_cycle"})


@dataclass(frozen=True)
class Standing:
    """state: 'upcoming' | 'running' | 'finished'; status: 'on_track' | 'at_risk' | 'behind' (running),
    'hit' | 'missed' (finished), 'no_target'; judged_by: 'pace' | 'attainment' | ''; gap: target - actual
    when missed (the metric's own unit, positive)."""

    state: str
    status: str
    attainment: float | None = None
    pace: float | None = None
    judged_by: str = ""
    gap: float | None = None


def period_state(start: date, end: date, today: date) -> str:
    """'upcoming' before the first day, 'running' up to and including the last day, then 'finished'."""
    if today < start:
        return "upcoming"
    return "running" if today < end else "finished"


def is_partial(start: date, end: date, today: date) -> bool:
    """A period still running is partial: only its days up to today have data."""
    return start <= today < end - timedelta(days=1)


def running_status(ratio: float | None) -> str:
    """'on_track' from 100%, 'at_risk' from 80%, else 'behind'; 'no_target' without a ratio."""
    if ratio is None:
        return "no_target"
    if ratio >= ON_TRACK_FROM:
        return "on_track"
    return "at_risk" if ratio >= AT_RISK_FROM else "behind"


def linear_pace(so_far: float, target: float, start: date, end: date, today: date) -> float | None:
    """so_far projected to the end of [start, end) at the rate of the days up to today, over the target."""
    if not target or today < start:
        return None
    elapsed = (min(end, today + timedelta(days=1)) - start).days
    return so_far * (end - start).days / elapsed / target


def standing(
    metric: str,
    actual: float | None,
    target: float | None,
    start: date,
    end: date,
    today: date,
    *,
    pace: float | None = None,
) -> Standing:
    """Judge `actual` against `target` for [start, end) on `today` (module rules). `pace` may be given when
    it was computed already (the KPI engine's, which ignores deals dated after today)."""
    state = period_state(start, end, today)
    if target is None or target == 0:
        return Standing(state, "no_target")
    if state == "upcoming":
        return Standing(state, "upcoming")
    ratio = _attainment(metric, actual, target)
    if state == "finished":
        if ratio is not None and ratio >= ON_TRACK_FROM:
            return Standing(state, "hit", ratio, judged_by="attainment")
        gap = None if actual is None else abs(target - actual)
        return Standing(state, "missed", ratio, judged_by="attainment", gap=gap)
    if pace is None and metric in ADDITIVE:
        pace = linear_pace(actual or 0, target, start, end, today)
    if pace is not None:
        return Standing(state, running_status(pace), ratio, pace, "pace")
    return Standing(state, running_status(ratio), ratio, judged_by="attainment")


def _attainment(metric: str, actual: float | None, target: float) -> float | None:
    if actual is None:
        return None
    if metric in LOWER_IS_BETTER:
        return target / actual if actual else None
    return actual / target
