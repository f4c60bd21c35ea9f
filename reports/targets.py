"""Targets for any period: pro-rating by days, and the team figure when only reps have targets.

Rules (what a manager expects when periods differ):
- An additive metric (revenue, deals won, new deals) is pro-rated by days: a quarterly revenue target of
  $90,000 over 90 days is $1,000 a day, so November 1-15 has a target of $15,000.
- A rate or level (win rate, deal size, cycle, pipeline, CSAT, ...) is not divided: each day carries the
  target's value and the period gets the day-weighted average.
- When targets overlap (a quarterly and a monthly one), each day uses the most specific (the shortest
  period; among equals, the newest).
- A period not covered on every day by some target has no target (None): comparing a year's revenue with
  one quarter's target would be wrong, not helpful.
- A team figure uses the team's own target; without one, an additive metric falls back to the sum of the
  reps' targets when every one of them covers the period.
"""

from collections import defaultdict
from datetime import date
from fractions import Fraction
from typing import Any

from db.targets import TARGET_CACHE, overlapping_targets

ADDITIVE = frozenset({"revenue", "deals_won", "new_deals"})


def _round(value: Fraction) -> int:
    """Half away from zero, so $0.005 shows as a cent and never as banker's zero."""
    sign = -1 if value < 0 else 1
    return sign * int(abs(value) + Fraction(1, 2))


def prorate(targets: list[Any], start: date, end: date, *, additive: bool) -> int | None:
    """The target for [start, end) from rows with period_start/period_end/value_cents (see module rules)."""
    days = (end - start).days
    if days <= 0 or not targets:
        return None
    if len(targets) == 1:  # the usual case: one target covering the whole period, or not
        only = targets[0]
        if not (only.period_start <= start and end <= only.period_end):
            return None
        span = (only.period_end - only.period_start).days
        return _round(Fraction(only.value_cents * days, span)) if additive else int(only.value_cents)
    ordered = sorted(targets, key=lambda t: ((t.period_end - t.period_start).days, -(t.id or 0)))
    total = Fraction(0)
    day = start
    while day < end:
        chosen = next((t for t in ordered if t.period_start <= day < t.period_end), None)
        if chosen is None:
            return None
        span = (chosen.period_end - chosen.period_start).days
        # All the days this target covers in a row are priced at once.
        run_end = min(end, chosen.period_end)
        shorter = [
            t.period_start
            for t in ordered
            if (t.period_end - t.period_start).days < span and day < t.period_start < run_end
        ]
        if shorter:
            run_end = min(shorter)
        run = (run_end - day).days
        total += Fraction(chosen.value_cents * run, span) if additive else Fraction(chosen.value_cents * run)
        day = run_end
    return _round(total if additive else total / days)


def target_cents(
    session: Any, *, team_id: str, member_id: int | None, metric: str, start: date, end: date
) -> int | None:
    """The target of the team (member_id None) or one rep for [start, end), in Target.value_cents units.

    Remembered on the session (one session serves one answer), so attainment, pace and the target line of
    the same reply read the targets once.
    """
    cache = session.info.setdefault(TARGET_CACHE, {}) if hasattr(session, "info") else {}
    key = (team_id, member_id, metric, start, end)
    if key not in cache:
        cache[key] = _target_cents(session, team_id=team_id, member_id=member_id, metric=metric, start=start, end=end)
    return cache[key]


def _target_cents(
    session: Any, *, team_id: str, member_id: int | None, metric: str, start: date, end: date
) -> int | None:
    additive = metric in ADDITIVE
    own = overlapping_targets(session, team_id=team_id, metric=metric, start=start, end=end, member_id=member_id)
    value = prorate(own, start, end, additive=additive)
    if value is not None or member_id is not None or not additive:
        return value
    per_rep: dict[int, list[Any]] = defaultdict(list)
    for row in overlapping_targets(
        session, team_id=team_id, metric=metric, start=start, end=end, member_id=None, all_reps=True
    ):
        per_rep[row.member_id].append(row)
    if not per_rep:
        return None
    values = [prorate(rows, start, end, additive=True) for rows in per_rep.values()]
    if any(v is None for v in values):
        return None
    return sum(v for v in values if v is not None)


def rep_targets_cents(session: Any, *, team_id: str, metric: str, start: date, end: date) -> dict[int, int]:
    """{member_id: target} for every rep with a target covering [start, end): one query for a leaderboard."""
    per_rep: dict[int, list[Any]] = defaultdict(list)
    for row in overlapping_targets(
        session, team_id=team_id, metric=metric, start=start, end=end, member_id=None, all_reps=True
    ):
        per_rep[row.member_id].append(row)
    out = {}
    for member_id, rows in per_rep.items():
        value = prorate(rows, start, end, additive=metric in ADDITIVE)
        if value is not None:
            out[member_id] = value
    return out
