"""The one KPI engine: every metric of the design, for the team, one rep, a product or an account, over any
period, broken down, compared, and against target. `/kpi`, digests, the home tab and reviews all call this.

API (stable; other features depend on it):

    METRICS                      every metric name below, in display order
    Scope(team_id, member_id=None, product=None, account=None)
    KpiValue(metric, value, unit, left_out=(), deals=None)     unit: 'money' (int cents) | 'count' | 'ratio'
                                                        (0..1) | 'days' | 'score' (NPS, -100..100)
        left_out: LeftOut(currency, deals, cents) per currency that had no rate (money metrics and
        attainment/pace): those deals are not in the value, and every answer must say so
        deals: for the pipeline, how many deals its amount covers (converted ones): a pipeline of 0 over open
        deals means the CRM gave them no amounts, which an answer says instead of "US$0"
    compute(session, metric, scope, period, *, today=None) -> KpiValue
    compute_many(session, metrics, scope, period, *, today=None) -> dict[str, KpiValue]
    breakdown(session, metric, scope, period, by, *, today=None) -> list[BreakdownRow]
        by: 'rep' | 'product' | 'account' | 'week'; rows ranked best first, weeks in date order;
        BreakdownRow(key, label, value): key = member id / product / account / week start (date)
    breakdown_many(session, metrics, scope, period, by, *, today=None) -> dict[str, list[BreakdownRow]]
    like_for_like(period, other, today) -> other cut to the days `period` has had (while it runs)
    compare(session, metric, scope, period, *, today=None, current=None) -> Comparison
        Comparison(current, previous, year_ago, change_previous, change_year): relative changes,
        None when the base is 0 or missing
    target_use(session, scope, metric, period) -> TargetUse | None   the target of exactly this scope, by the
        one rule of reports/targets.py (exact period first), with how it was found
    target_for(session, scope, metric, period) -> int | None      its value (Target.value_cents units: cents
        for money, hundredths of a deal for counts, hundredths of a percent point for rates)
    attainment(session, scope, period, *, today=None) -> float | None      revenue / revenue target
    pace(session, scope, period, *, today=None) -> float | None
    rep_status(attainment_or_pace) -> 'on_track' (>= 1.0) | 'at_risk' (>= 0.8) | 'behind' | 'no_target' (None)

`period` is a `reports.periods.Period`: the engine reads `period.start` and `period.end` (half-open local
dates) and, for `compare`, `period.previous()` and `period.year_earlier()`.

Money: every amount is in the workspace's reporting currency (Workspace.currency). A deal in another currency
is converted in SQL at the team's rate in force on its close date (pipeline: on the last day of the period),
see reports/kpi_queries.py; a deal whose currency has no rate is left out of money figures and reported in
`left_out`, never added one for one.

Team-wide won, lost and new-deal facts (no rep, product or account; in total, by day, won and lost by rep) and
the team's pipeline come from the rollup (reports/kpi_rollup.py) while it is up to date, and from the deal table
otherwise: identical to the cent.

Definitions (DESIGN.md, "KPI definitions"):
- revenue: sum of amount of deals won with close date in the period (exact integer cents, converted)
- deals_won: count of those deals (all of them, whatever their currency); win_rate: won / (won + lost) of
  deals closed in the period
- avg_deal_size: revenue / deals won that were converted, rounded to the cent
- sales_cycle: median days from created to close of the deals won in the period
- pipeline: amount of deals open at the end of the period (created before its end, not closed by then)
- new_deals: deals created in the period
- attainment: revenue / revenue target for the period (a longer target is pro-rated by days)
- pace: revenue so far (up to `today`, inclusive) projected linearly to the end of the period, divided by
  the target; for a finished period it equals attainment, for one not begun yet it is None
- csat: share of ratings 4-5 on the 5 point scale; nps: % promoters (9-10) minus % detractors (0-6) on
  the 0-10 scale; both on feedback received in the period
- checkin_rate: check-ins completed / check-ins sent in the period (by the UTC day they were sent)
A value is None when it has no meaning (win rate with no closed deals, attainment without a target).
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from fractions import Fraction
from statistics import median
from typing import Any

from db import clock
from reports import kpi_queries as q
from reports import kpi_rollup
from reports.standing import AT_RISK_FROM, ON_TRACK_FROM, running_status
from reports.targets import ADDITIVE, TargetUse, rep_targets_cents, resolve_target, target_cents

__all__ = [
    "METRICS",
    "UNITS",
    "BREAKDOWNS",
    "Scope",
    "KpiValue",
    "LeftOut",
    "BreakdownRow",
    "Comparison",
    "compute",
    "compute_many",
    "breakdown",
    "breakdown_many",
    "compare",
    "target_for",
    "target_use",
    "attainment",
    "pace",
    "rep_status",
    "relative_change",
    "like_for_like",
    "ON_TRACK_FROM",
    "AT_RISK_FROM",
]

METRICS: tuple[str, ...] = (
    "revenue",
    "deals_won",
    "win_rate",
    "avg_deal_size",
    "sales_cycle",
    "pipeline",
    "new_deals",
    "attainment",
    "pace",
    "csat",
    "nps",
    "checkin_rate",
)
UNITS: dict[str, str] = {
    "revenue": "money",
    "deals_won": "count",
    "win_rate": "ratio",
    "avg_deal_size": "money",
    "sales_cycle": "days",
    "pipeline": "money",
    "new_deals": "count",
    "attainment": "ratio",
    "pace": "ratio",
    "csat": "ratio",
    "nps": "score",
    "checkin_rate": "ratio",
}
BREAKDOWNS = ("rep", "product", "account", "week")



@dataclass(frozen=True)
class Scope:
    """Whose figures: a workspace, optionally narrowed to one rep, one product and/or one account."""

    team_id: str
    member_id: int | None = None
    product: str | None = None
    account: str | None = None


@dataclass(frozen=True)
class LeftOut:
    """Deals in `currency` that a money figure could not include: no rate to the reporting currency."""

    currency: str
    deals: int
    cents: int  # in `currency`


@dataclass(frozen=True)
class KpiValue:
    metric: str
    value: float | int | None
    unit: str
    left_out: tuple[LeftOut, ...] = ()
    deals: int | None = None  # the pipeline: the deals its amount covers (see the module docstring)


@dataclass(frozen=True)
class BreakdownRow:
    key: Any
    label: str
    value: KpiValue


@dataclass
class Comparison:
    current: KpiValue
    previous: KpiValue
    year_ago: KpiValue
    change_previous: float | None
    change_year: float | None


# ------------------------------------------------------------------------------------------- helpers


def _bounds(period: Any) -> tuple[date, date]:
    return period.start, period.end


def _filters(session: Any, scope: Scope) -> q.Filters:
    return q.Filters(scope.team_id, scope.member_id, scope.product, scope.account, reporting_currency(session, scope))


def reporting_currency(session: Any, scope: Scope) -> str:
    """The workspace's reporting currency (Workspace.currency; USD for a workspace not seen yet).

    One primary-key read of one column (no ORM object), since every money figure asks for it."""
    from sqlalchemy import select

    from db.models import Workspace

    key = ("salesbot.currency", scope.team_id)
    if key not in session.info:  # kept for the session (one request): every figure of an answer asks
        ws = Workspace.__table__  # type: ignore[attr-defined]
        code = session.execute(select(ws.c.currency).where(ws.c.team_id == scope.team_id)).scalar()
        session.info[key] = str(code or "USD").upper()
    return str(session.info[key])


def _left_out(sums: q.MoneySum | None) -> tuple[LeftOut, ...]:
    if sums is None or not sums.left_out:  # the usual case, 4,950 times for a leaderboard: no tuple built
        return ()
    return tuple(LeftOut(cur, n, cents) for cur, (n, cents) in sorted(sums.left_out.items()))


def _check(metric: str) -> None:
    if metric not in UNITS:
        raise ValueError(f"unknown metric {metric!r}; known: {', '.join(METRICS)}")


def _ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _cents_div(amount: int, count: int) -> int | None:
    """Exact integer cents of amount / count, half up."""
    if not count:
        return None
    return int(Fraction(amount, count) + Fraction(1, 2))


def relative_change(current: float | int | None, base: float | int | None) -> float | None:
    """(current - base) / |base|; None when either is missing or the base is 0 (no percentage of nothing)."""
    if current is None or base is None or base == 0:
        return None
    return (current - base) / abs(base)


def rep_status(attainment_or_pace: float | None) -> str:
    """'on_track' from 100%, 'at_risk' from 80%, else 'behind'; 'no_target' when there is nothing to compare.
    Only for periods still running (reports/standing.py judges finished ones hit or missed)."""
    return running_status(attainment_or_pace)


# -------------------------------------------------------------------------------- grouped evaluation


def _won_stats(session: Any, f: q.Filters, start: date, end: date, group: str | None) -> dict[Any, q.MoneySum]:
    """Won sums from the rollup when it serves this fact (the whole team, in total, by day or by rep, rollup up to
    date: reports/kpi_rollup.py), else from the deal table; identical to the cent either way."""
    if kpi_rollup.applies(session, f, group):
        return kpi_rollup.won_stats(session, f, start, end, group)
    if kpi_rollup.applies_by_rep(session, f, group):
        return kpi_rollup.won_by_rep(session, f, start, end)
    return q.won_stats(session, f, start, end, group)


def _lost_counts(session: Any, f: q.Filters, start: date, end: date, group: str | None) -> dict[Any, int]:
    if kpi_rollup.applies(session, f, group):
        return kpi_rollup.counts(session, f, "lost", start, end, group)
    if kpi_rollup.applies_by_rep(session, f, group):
        return kpi_rollup.lost_by_rep(session, f, start, end)
    return q.lost_counts(session, f, start, end, group)


def _new_deal_counts(session: Any, f: q.Filters, start: date, end: date, group: str | None) -> dict[Any, int]:
    if kpi_rollup.applies(session, f, group):
        return kpi_rollup.counts(session, f, "new", start, end, group)
    return q.new_deal_counts(session, f, start, end, group)



def _evaluate(
    session: Any, metrics: Iterable[str], scope: Scope, start: date, end: date, group: str | None, today: date | None
) -> dict[str, dict[Any, Any]]:
    """{metric: {group key: value}}; each SQL fact is queried once however many metrics need it."""
    wanted = list(dict.fromkeys(metrics))
    for metric in wanted:
        _check(metric)
    f = _filters(session, scope)
    facts: dict[str, Any] = {}

    def won() -> dict[Any, q.MoneySum]:
        if "won" not in facts:  # one scan of status = 'won' on the covering index
            facts["won"] = _won_stats(session, f, start, end, group)
        return facts["won"]

    def closed() -> dict[Any, tuple[q.MoneySum, int]]:
        if "closed" not in facts:  # the won scan (shared) plus a count of status = 'lost'
            w, lost = won(), _lost_counts(session, f, start, end, group)
            facts["closed"] = {k: (w.get(k) or q.MoneySum(), lost.get(k, 0)) for k in set(w) | set(lost)}
        return facts["closed"]

    def revenue() -> dict[Any, int]:
        return {k: v.cents for k, v in won().items()}

    def targets() -> dict[Any, int | None]:
        if "targets" not in facts:  # attainment and pace share them
            facts["targets"] = _targets()
        return facts["targets"]

    def _targets() -> dict[Any, int | None]:
        if group is None:
            return {
                None: target_cents(
                    session,
                    team_id=scope.team_id,
                    member_id=scope.member_id,
                    product=scope.product,
                    account=scope.account,
                    metric="revenue",
                    start=start,
                    end=end,
                )
            }
        if group == "rep" and not scope.product and not scope.account:
            return dict(rep_targets_cents(session, team_id=scope.team_id, metric="revenue", start=start, end=end))
        return {}

    out: dict[str, dict[Any, Any]] = {}
    for metric in wanted:
        _check(metric)
        if metric == "revenue":
            out[metric] = revenue()
        elif metric == "deals_won":
            out[metric] = {k: v.deals for k, v in won().items()}
        elif metric == "win_rate":
            out[metric] = {k: _ratio(w.deals, w.deals + lost) for k, (w, lost) in closed().items()}
        elif metric == "avg_deal_size":
            out[metric] = {k: _cents_div(w.cents, w.priced) for k, (w, _lost) in closed().items()}
        elif metric == "sales_cycle":
            out[metric] = {
                k: float(median(days)) for k, days in q.cycle_days(session, f, start, end, group).items() if days
            }
        elif metric == "pipeline":
            if group is None and kpi_rollup.applies(session, f, group):
                pipeline = {None: kpi_rollup.pipeline(session, f, end)}
            else:
                pipeline = q.pipeline_stats(session, f, end, group)
            out[metric] = {k: v.cents for k, v in pipeline.items()}
            out[_LEFT_OUT + metric] = {k: _left_out(v) for k, v in pipeline.items()}
            out[_DEALS + metric] = {k: v.priced for k, v in pipeline.items()}
        elif metric == "new_deals":
            out[metric] = _new_deal_counts(session, f, start, end, group)
        elif metric == "attainment":
            rev, tgt = revenue(), targets()
            out[metric] = {k: (rev.get(k, 0) / t if t else None) for k, t in tgt.items()}
        elif metric == "pace":
            out[metric] = _pace_values(session, f, start, end, group, today, targets(), won())
        elif metric == "csat":
            stats = q.feedback_stats(session, f, start, end, 5, group)
            out[metric] = {k: _ratio(hi, n) for k, (n, hi, _lo) in stats.items()}
        elif metric == "nps":
            stats = q.feedback_stats(session, f, start, end, 10, group)
            out[metric] = {k: (100.0 * (hi - lo) / n if n else None) for k, (n, hi, lo) in stats.items()}
        elif metric == "checkin_rate":
            out[metric] = {
                k: _ratio(done, n) for k, (n, done) in q.checkin_stats(session, f, start, end, group).items()
            }
        if metric in _FROM_WON:
            if "left_out" not in facts:  # one dict shared by revenue, deal size, attainment and pace
                facts["left_out"] = {k: _left_out(v) for k, v in won().items()}
            out[_LEFT_OUT + metric] = facts["left_out"]
    return out


_LEFT_OUT = "left_out:"  # out[_LEFT_OUT + metric]: {key: deals the metric's money could not include}
_DEALS = "deals:"  # out[_DEALS + metric]: {key: the deals inside the metric's money} (the pipeline)
_FROM_WON = ("revenue", "avg_deal_size", "attainment", "pace")


def _pace_values(
    session: Any,
    f: q.Filters,
    start: date,
    end: date,
    group: str | None,
    today: date | None,
    targets: dict[Any, int | None],
    full: dict[Any, q.MoneySum],
) -> dict[Any, float | None]:
    """Revenue up to `today` projected over the whole period, over the target.

    Revenue so far is the period's revenue minus what is dated after today (usually nothing), so the running
    period costs one tiny extra scan instead of a second pass over it.
    """
    today = today or clock.today()
    if today < start:
        return {k: None for k in targets}
    so_far_end = min(end, today + timedelta(days=1))
    elapsed = (so_far_end - start).days
    total = (end - start).days
    later = _won_stats(session, f, so_far_end, end, group) if so_far_end < end else {}
    out: dict[Any, float | None] = {}
    for k, target in targets.items():
        if not target:
            out[k] = None
            continue
        so_far = (full[k].cents if k in full else 0) - (later[k].cents if k in later else 0)
        out[k] = so_far * total / elapsed / target
    return out


# ------------------------------------------------------------------------------------------ public API


def compute(session: Any, metric: str, scope: Scope, period: Any, *, today: date | None = None) -> KpiValue:
    """One metric for one scope and period."""
    return compute_many(session, [metric], scope, period, today=today)[metric]


def compute_many(
    session: Any, metrics: list[str], scope: Scope, period: Any, *, today: date | None = None
) -> dict[str, KpiValue]:
    """Several metrics at once, sharing queries (revenue, deals won, win rate and deal size are one query)."""
    start, end = _bounds(period)
    values = _evaluate(session, metrics, scope, start, end, None, today)
    return {m: _value(m, values, None) for m in metrics}


def _value(metric: str, values: dict[str, dict[Any, Any]], key: Any, default: bool = True) -> KpiValue:
    raw = values[metric].get(key)
    left_out = values.get(_LEFT_OUT + metric, {}).get(key, ())
    deals = values.get(_DEALS + metric, {}).get(key)
    return KpiValue(metric, _zero_default(metric, raw) if default else raw, UNITS[metric], left_out, deals)


def _zero_default(metric: str, value: Any) -> Any:
    """Sums and counts over nothing are 0; rates, medians and ratios over nothing are None."""
    if value is None and metric in ("revenue", "deals_won", "pipeline", "new_deals"):
        return 0
    return value


def breakdown(
    session: Any, metric: str, scope: Scope, period: Any, by: str, *, today: date | None = None
) -> list[BreakdownRow]:
    """The metric per rep, product, account (best first) or week (Monday-start weeks, clipped to the period)."""
    return breakdown_many(session, [metric], scope, period, by, today=today)[metric]


def breakdown_many(
    session: Any, metrics: list[str], scope: Scope, period: Any, by: str, *, today: date | None = None
) -> dict[str, list[BreakdownRow]]:
    """Several metrics broken down the same way, sharing queries (a leaderboard's revenue and pace)."""
    for metric in metrics:
        _check(metric)
    if by not in BREAKDOWNS:
        raise ValueError(f"unknown breakdown {by!r}; use one of {', '.join(BREAKDOWNS)}")
    start, end = _bounds(period)
    if by == "week":
        return {m: _by_week(session, m, scope, start, end, today) for m in metrics}
    evaluated = _evaluate(session, metrics, scope, start, end, by, today)
    keys = {k for m in metrics for k in evaluated[m]}
    labels = _rep_labels(session, scope.team_id, keys) if by == "rep" else {}
    out = {}
    for metric in metrics:
        values = evaluated[metric]
        if by == "rep":  # deals without an owner belong to no rep
            values = {k: v for k, v in values.items() if k is not None}
        left_out, deals, unit = evaluated.get(_LEFT_OUT + metric, {}), evaluated.get(_DEALS + metric, {}), UNITS[metric]
        rows = [  # as _value(metric, evaluated, k, default=False), with the dicts looked up once per metric
            BreakdownRow(k, labels.get(k) or _label(k), KpiValue(metric, v, unit, left_out.get(k, ()), deals.get(k)))
            for k, v in values.items()
        ]
        reverse = metric != "sales_cycle"  # a shorter cycle ranks first
        rows.sort(
            key=lambda r, rev=reverse: (
                r.value.value is None,
                -(r.value.value or 0) if rev else (r.value.value or 0),
                r.label,
            )
        )
        out[metric] = rows
    return out


def _label(key: Any) -> str:
    return str(key) if key not in (None, "") else "—"


def _rep_labels(session: Any, team_id: str, keys: Iterable[Any]) -> dict[Any, str]:
    from sqlalchemy import select

    from db.models import Member

    ids = {k for k in keys if k is not None}
    if not ids:
        return {}
    m = Member.__table__.c  # type: ignore[attr-defined]
    stmt = select(m.id, m.display_name, m.crm_name).where(m.team_id == team_id)
    if len(ids) <= 500:  # a leaderboard of 5,000 reps reads the team's members instead of a 5,000-item IN list
        stmt = stmt.where(m.id.in_(ids))
    # Core columns on the session's connection: plain rows, no ORM row processing (~50 ms for 5,000 members).
    return {i: (name or crm or f"#{i}") for i, name, crm in session.connection().execute(stmt) if i in ids}


def _weeks(start: date, end: date) -> list[tuple[date, date]]:
    """Monday-start weeks covering [start, end), the first and last clipped to the period."""
    out = []
    week_start = start - timedelta(days=start.weekday())
    while week_start < end:
        week_end = week_start + timedelta(days=7)
        out.append((max(start, week_start), min(end, week_end)))
        week_start = week_end
    return out


def _by_week(session: Any, metric: str, scope: Scope, start: date, end: date, today: date | None) -> list[BreakdownRow]:
    weeks = _weeks(start, end)
    if metric == "revenue":
        # Converted sums by day, folded into weeks unrounded: each week is rounded once, like any total.
        per_week = {ws: q.MoneySum() for ws, _ in weeks}
        for day, sums in _won_stats(session, _filters(session, scope), start, end, "day").items():
            per_week[max(start, day - timedelta(days=day.weekday()))].absorb(sums)
        return [
            BreakdownRow(ws, ws.isoformat(), KpiValue(metric, s.cents, UNITS[metric], _left_out(s)))
            for ws, s in per_week.items()
        ]
    if metric in ("deals_won", "new_deals"):
        # One grouped query by day, folded into weeks here: additive facts add up exactly.
        daily = _evaluate(session, [metric], scope, start, end, "day", today)[metric]
        counts: dict[date, int] = {ws: 0 for ws, _ in weeks}
        for day, value in daily.items():
            monday = max(start, day - timedelta(days=day.weekday()))
            counts[monday] = counts.get(monday, 0) + int(value or 0)
        return [BreakdownRow(ws, ws.isoformat(), KpiValue(metric, counts[ws], UNITS[metric])) for ws, _ in weeks]
    rows = []
    for ws, we in weeks:
        evaluated = _evaluate(session, [metric], scope, ws, we, None, today)
        rows.append(BreakdownRow(ws, ws.isoformat(), _value(metric, evaluated, None)))
    return rows


def compare(
    session: Any, metric: str, scope: Scope, period: Any, *, today: date | None = None, current: KpiValue | None = None
) -> Comparison:
    """The metric now, in the previous equal period and a year earlier, with relative changes.

    While the period is running (`today` inside it), the earlier periods are cut to the same number of
    days, so the first 26 days of November are compared with the first 26 days of October, not all of it.
    `current`: the value already computed for this period (saves its query).
    """
    current = current if current is not None else compute(session, metric, scope, period, today=today)
    previous = like_for_like(period, _previous(period), today)
    year_ago = like_for_like(period, _year_earlier(period), today)
    prev_value = compute(session, metric, scope, previous, today=today)
    year_value = compute(session, metric, scope, year_ago, today=today)
    return Comparison(
        current,
        prev_value,
        year_value,
        relative_change(current.value, prev_value.value),
        relative_change(current.value, year_value.value),
    )


def like_for_like(period: Any, other: Any, today: date | None) -> Any:
    """`other` cut to as many days as `period` has had up to `today` while `period` runs (partial), so the
    first 26 days of November meet the first 26 days of October; `other` whole otherwise."""
    start, end = _bounds(period)
    if today is not None and start <= today < end - timedelta(days=1):
        return _cut(other, (today - start).days + 1)
    return other


def _cut(period: Any, days: int) -> Any:
    start, end = _bounds(period)
    return _Range(start, min(end, start + timedelta(days=days)))


def target_use(session: Any, scope: Scope, metric: str, period: Any) -> TargetUse | None:
    """The target of exactly this scope (team, rep, product or account) for the period, with how it was found
    (the rule: reports/targets.py)."""
    start, end = _bounds(period)
    return resolve_target(
        session,
        team_id=scope.team_id,
        member_id=scope.member_id,
        product=scope.product,
        account=scope.account,
        metric=metric,
        start=start,
        end=end,
    )


def target_for(session: Any, scope: Scope, metric: str, period: Any) -> int | None:
    """The value of `target_use` (Target.value_cents units), or None."""
    use = target_use(session, scope, metric, period)
    return use.value if use else None


def attainment(session: Any, scope: Scope, period: Any, *, today: date | None = None) -> float | None:
    return compute(session, "attainment", scope, period, today=today).value  # type: ignore[return-value]


def pace(session: Any, scope: Scope, period: Any, *, today: date | None = None) -> float | None:
    return compute(session, "pace", scope, period, today=today).value  # type: ignore[return-value]


# ------------------------------------------------------------------ periods without reports.periods


@dataclass(frozen=True)
class _Range:
    start: date
    end: date


def _previous(period: Any) -> Any:
    if hasattr(period, "previous"):
        return period.previous()
    days = period.end - period.start
    return _Range(period.start - days, period.start)


def _shift_year(d: date, years: int) -> date:
    try:
        return d.replace(year=d.year + years)
    except ValueError:  # 29 February
        return d.replace(year=d.year + years, day=28)


def _year_earlier(period: Any) -> Any:
    if hasattr(period, "year_earlier"):
        return period.year_earlier()
    return _Range(_shift_year(period.start, -1), _shift_year(period.end, -1))


assert set(METRICS) == set(UNITS) and ADDITIVE <= set(METRICS)
