"""Which target applies to a figure, and how it was arrived at (the rule is also in the README).

The rule, in order:
1. Scope: a figure is compared only with targets of its own scope — the team's own (no rep, product or
   account), one rep's, one product's or one account's. A product figure without a product target has no
   target, never the team's.
2. Exact period: a target set for exactly the asked period wins over everything derived from other periods
   (`/target set revenue 100000 this quarter` is the quarter's target even when monthly targets exist).
3. Otherwise the period is covered day by day, each day by the most specific target (the shortest period;
   among equals, the newest): an additive metric (revenue, deals won, new deals) is pro-rated by days
   (a $90,000 quarter of 90 days is $1,000 a day); a rate or level is day-weighted, not divided.
4. A period not covered on every day has no target: a year's revenue against one quarter's target would
   be wrong, not helpful.
5. The team's additive figure without a team target: the sum of the reps' targets (each by rules 2-4),
   when every rep with a target covers the period.
`resolve_target` returns the value with how it was found (`TargetUse`), so answers can say "set for Q4 2026
by Maria", "pro-rated from the Q4 2026 target", "sum of 3 monthly targets" or "sum of the targets of 5 rep(s)".

Currency: a money target keeps the currency it was set in (`Target.currency`: a target set as `¥700,000`, imported
in CNY, or set before the reporting currency changed). Before any rule above uses it, it is converted to the
reporting currency at the team's rate in force on the **last day of the target's own period** (the day it is
judged, as the pipeline at a period's end; one target keeps one value however the asked period slices it). A
target whose currency has no rate that day is never compared as if it were the reporting currency: the
`TargetUse` has no value (`value is None`) and lists the conversion that failed, so the answer says so.

Kept between requests: a resolved target (and every rep's, for a team figure or a leaderboard of 5,000 reps) is
kept per process under the workspace's `targetversion` token, read *before* the targets. Database triggers
replace the token in the same transaction as any write to the workspace's targets or exchange rates (migration
0019e_target_versions), so a copy is found only while it is still true — whichever process or statement wrote.
"""

import threading
from collections import OrderedDict, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, timedelta
from fractions import Fraction
from typing import Any, NamedTuple

from sqlalchemy import select

from db.models import TargetVersion
from db.targets import TARGET_CACHE, overlapping_targets

ADDITIVE = frozenset({"revenue", "deals_won", "new_deals"})
MONEY = frozenset({"revenue", "avg_deal_size", "pipeline"})  # metrics whose targets are amounts of a currency
RATE_SCALE = 1_000_000  # ExchangeRate.rate_micros per 1.0


class TargetRow(NamedTuple):
    """A target row as the rules read it (db/targets.py TARGET_COLUMNS), amounts in the reporting currency."""

    id: int | None
    member_id: int | None
    period_start: date
    period_end: date
    value_cents: int
    created_by: str | None
    base_start: date | None
    base_end: date | None
    base_cents: int | None
    growth_kind: str | None
    growth_bp: int | None
    currency: str | None


@dataclass(frozen=True)
class Conversion:
    """A money target set in another currency, and the rate it converts at (None: the team has no rate)."""

    target_id: int | None
    currency: str
    cents: int  # in `currency`, as set
    on: date  # the last day of the target's own period: the rate in force that day applies
    rate_micros: int | None
    to_currency: str


@dataclass(frozen=True)
class TargetUse:
    """A resolved target: the value (Target.value_cents units) and where it came from.

    how: 'exact' (set for this very period), 'prorated' (part of one longer target), 'combined' (several
    targets of this scope, e.g. three monthly ones), 'reps' (the sum of the reps' targets).
    rows: the target rows used (TARGET_COLUMNS of db/targets.py); for 'reps', `count` reps.
    conversions: the rows set in another currency, with their rates; `value` is None when one of them has no
    rate (`missing`): that target cannot be compared, and the answer says why.
    """

    value: int | None
    how: str
    rows: tuple[Any, ...]
    count: int = 1
    conversions: tuple[Conversion, ...] = ()

    @property
    def missing(self) -> tuple[Conversion, ...]:
        """The conversions without a rate (each makes the value unusable)."""
        return tuple(c for c in self.conversions if c.rate_micros is None)


def _convert_cents(cents: int, micros: int) -> int:
    """Amount x rate, rounded half away from zero once (the engine's rule for money)."""
    return _round(Fraction(cents * micros, RATE_SCALE))


def rate_on(session: Any, team_id: str, currency: str, day: date) -> tuple[str, int | None]:
    """(reporting currency, micro-units of one `currency` in it on `day`); 1.0 for the reporting currency itself,
    None without a rate in force. Reads the rates the KPI engine already keeps for the session."""
    from reports import kpi_queries as q
    from reports.kpi_engine import Scope, reporting_currency

    reporting = reporting_currency(session, Scope(team_id))
    if currency.upper() == reporting:
        return reporting, RATE_SCALE
    rates = q.rates_in_force(session, q.Filters(team_id, currency=reporting), day, day + timedelta(days=1))
    return reporting, next((m for c, _on, m in rates if c == currency.upper()), None)


def in_reporting_currency(
    session: Any, team_id: str, metric: str, rows: list[Any]
) -> tuple[list[Any], dict[Any, Conversion]]:
    """Target rows with their amounts in the reporting currency, and the conversion of every row set in another
    one (by target id). A row whose currency has no rate keeps its own amount; its conversion says so."""
    if metric not in MONEY:
        return rows, {}
    out: list[Any] = []
    conversions: dict[Any, Conversion] = {}
    reporting: str | None = None  # read once per call (a leaderboard converts 500 reps' rows)
    for row in rows:
        currency = (getattr(row, "currency", None) or "").upper()
        if not currency:
            out.append(row)
            continue
        if reporting is None:
            from reports.kpi_engine import Scope, reporting_currency

            reporting = reporting_currency(session, Scope(team_id))
        if currency == reporting:
            out.append(row)
            continue
        on = row.period_end - timedelta(days=1)
        reporting, micros = rate_on(session, team_id, currency, on)
        conversions[row.id] = Conversion(row.id, currency, int(row.value_cents), on, micros, reporting)
        if micros is None:
            out.append(row)
            continue
        out.append(
            as_row(row)._replace(
                value_cents=_convert_cents(int(row.value_cents), micros),
                base_cents=_convert_cents(int(row.base_cents), micros) if row.base_cents is not None else None,
                currency=reporting,
            )
        )
    return out, conversions


def as_row(target: Any) -> TargetRow:
    """A TargetRow from a query row or a Target object."""
    return TargetRow(**{name: getattr(target, name) for name in TargetRow._fields})


def _with_conversions(use: TargetUse | None, conversions: dict[Any, Conversion]) -> TargetUse | None:
    """`use` with the conversions of the rows it used; no value when one of them had no rate."""
    if use is None or not conversions:
        return use
    used = tuple(conversions[r.id] for r in use.rows if r.id in conversions)
    if not used:
        return use
    value = None if any(c.rate_micros is None for c in used) else use.value
    return replace(use, value=value, conversions=used)


def _round(value: Fraction) -> int:
    """Half away from zero, so $0.005 shows as a cent and never as banker's zero."""
    return _round_ratio(value.numerator, value.denominator)


def _round_ratio(numerator: int, denominator: int) -> int:
    """numerator / denominator (> 0) rounded half away from zero, in integers (as `_round`, without a Fraction)."""
    whole = (2 * abs(numerator) + denominator) // (2 * denominator)
    return -whole if numerator < 0 else whole


def _span(row: Any) -> int:
    return (row.period_end - row.period_start).days


def resolve_rows(targets: list[Any], start: date, end: date, *, additive: bool) -> TargetUse | None:
    """The target for [start, end) from rows of one scope (see the module rules 2-4)."""
    days = (end - start).days
    if days <= 0 or not targets:
        return None
    exact = [t for t in targets if t.period_start == start and t.period_end == end]
    if exact:
        chosen = max(exact, key=lambda t: t.id or 0)
        return TargetUse(int(chosen.value_cents), "exact", (chosen,))
    ordered = sorted(targets, key=lambda t: (_span(t), -(t.id or 0)))
    parts: list[tuple[int, int]] = []  # (numerator, denominator) of each run's share, summed exactly at the end
    used: dict[Any, Any] = {}
    day = start
    while day < end:
        chosen = next((t for t in ordered if t.period_start <= day < t.period_end), None)
        if chosen is None:
            return None
        span = _span(chosen)
        # All the days this target covers in a row are priced at once.
        run_end = min(end, chosen.period_end)
        shorter = [t.period_start for t in ordered if _span(t) < span and day < t.period_start < run_end]
        if shorter:
            run_end = min(shorter)
        run = (run_end - day).days
        parts.append((chosen.value_cents * run, span if additive else 1))
        used[chosen.id] = chosen
        day = run_end
    rows = tuple(sorted(used.values(), key=lambda t: t.period_start))
    if len(parts) == 1:  # one target over the whole period (a rep's quarter): integers, no Fraction
        numerator, denominator = parts[0]
        value = _round_ratio(numerator, denominator if additive else denominator * days)
    else:
        total = sum((Fraction(n, d) for n, d in parts), Fraction(0))
        value = _round(total if additive else total / days)
    return TargetUse(value, "prorated" if len(rows) == 1 else "combined", rows)


def prorate(targets: list[Any], start: date, end: date, *, additive: bool) -> int | None:
    """The target value for [start, end) from rows with period_start/period_end/value_cents (module rules)."""
    use = resolve_rows(targets, start, end, additive=additive)
    return use.value if use else None


class _Kept:
    """Resolved targets kept in this process between requests, least recently used dropped first."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._items: OrderedDict[Any, Any] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Any) -> tuple[bool, Any]:
        with self._lock:
            if key not in self._items:
                return False, None
            self._items.move_to_end(key)
            return True, self._items[key]

    def put(self, key: Any, value: Any) -> None:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self._size:
                self._items.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


_KEPT = _Kept(4096)  # one scope's target: a few rows each
_KEPT_REPS = _Kept(32)  # every rep's targets for one metric and period: up to ~5,000 each


def _kept(session: Any, kept: _Kept, team_id: str, key: tuple[Any, ...], resolve: Callable[[], Any]) -> Any:
    """`resolve()`, or the copy kept under the workspace's current targets token (read first: a target written
    after it then lands under a newer token, never an older copy under the new one)."""
    if not hasattr(session, "get_bind"):
        return resolve()
    from reports.kpi_engine import Scope, reporting_currency

    # An ORM select, so the session's pending writes are flushed first (and their triggers replace the token).
    found = session.execute(select(TargetVersion.token).where(TargetVersion.team_id == team_id)).first()
    full = (str(session.get_bind().url), found[0] if found else None, reporting_currency(session, Scope(team_id)), key)
    hit, value = kept.get(full)
    if not hit:
        value = resolve()
        kept.put(full, value)
    return value


def forget_kept() -> None:
    """Drop every resolved target this process keeps (tests that compare a cold and a warm answer)."""
    _KEPT.clear()
    _KEPT_REPS.clear()


def resolve_target(
    session: Any,
    *,
    team_id: str,
    metric: str,
    start: date,
    end: date,
    member_id: int | None = None,
    product: str | None = None,
    account: str | None = None,
) -> TargetUse | None:
    """The target of one scope for [start, end) and how it was found; remembered on the session (one session
    serves one answer), so attainment, pace and the target line of the same reply read the targets once."""
    cache = session.info.setdefault(TARGET_CACHE, {}) if hasattr(session, "info") else {}
    key = (team_id, member_id, product, account, metric, start, end)
    if key not in cache:
        cache[key] = _kept(
            session, _KEPT, team_id, key,
            lambda: _resolve(session, team_id, metric, start, end, member_id, product, account),
        )
    return cache[key]


def _resolve(
    session: Any,
    team_id: str,
    metric: str,
    start: date,
    end: date,
    member_id: int | None,
    product: str | None,
    account: str | None,
) -> TargetUse | None:
    additive = metric in ADDITIVE
    own, conversions = in_reporting_currency(
        session,
        team_id,
        metric,
        overlapping_targets(
            session,
            team_id=team_id,
            metric=metric,
            start=start,
            end=end,
            member_id=member_id,
            product=product,
            account=account,
        ),
    )
    use = _with_conversions(resolve_rows(own, start, end, additive=additive), conversions)
    if use is not None or member_id is not None or product or account or not additive:
        return use
    uses = list(_rep_uses(session, team_id, metric, start, end).values())
    if not uses:
        return None
    if any(u is None for u in uses):
        return None
    rows = tuple(r for u in uses if u for r in u.rows)
    used = tuple(c for u in uses if u for c in u.conversions)
    total = None if any(u is None or u.value is None for u in uses) else sum(u.value for u in uses if u and u.value)
    return TargetUse(total, "reps", rows, count=len(uses), conversions=used)


def _rep_uses(session: Any, team_id: str, metric: str, start: date, end: date) -> dict[int, TargetUse | None]:
    """{member_id: that rep's target (None: their targets do not cover the period)} for every rep with a target
    overlapping [start, end): one query, every row converted to the reporting currency once, remembered on the
    session (a team figure without a team target and a leaderboard of 5,000 reps both need them)."""
    cache = session.info.setdefault(TARGET_CACHE, {}) if hasattr(session, "info") else {}
    key = ("reps", team_id, metric, start, end)
    if key not in cache:
        cache[key] = _kept(
            session, _KEPT_REPS, team_id, key, lambda: _resolve_reps(session, team_id, metric, start, end)
        )
    return dict(cache[key])


def _resolve_reps(session: Any, team_id: str, metric: str, start: date, end: date) -> dict[int, TargetUse | None]:
    rows = overlapping_targets(
        session, team_id=team_id, metric=metric, start=start, end=end, member_id=None, all_reps=True
    )
    converted, conversions = in_reporting_currency(session, team_id, metric, rows)
    per_rep: dict[int, list[Any]] = defaultdict(list)
    for row in converted:
        per_rep[row.member_id].append(row)
    additive = metric in ADDITIVE
    return {
        member_id: _with_conversions(resolve_rows(own, start, end, additive=additive), conversions)
        for member_id, own in per_rep.items()
    }


def target_cents(
    session: Any,
    *,
    team_id: str,
    member_id: int | None,
    metric: str,
    start: date,
    end: date,
    product: str | None = None,
    account: str | None = None,
) -> int | None:
    """The value of `resolve_target` alone (Target.value_cents units), or None."""
    use = resolve_target(
        session,
        team_id=team_id,
        member_id=member_id,
        product=product,
        account=account,
        metric=metric,
        start=start,
        end=end,
    )
    return use.value if use else None


def rep_targets(session: Any, *, team_id: str, metric: str, start: date, end: date) -> dict[int, TargetUse]:
    """{member_id: TargetUse} for every rep with a target covering [start, end): one query for a leaderboard."""
    return {k: u for k, u in _rep_uses(session, team_id, metric, start, end).items() if u is not None}


def rep_targets_cents(session: Any, *, team_id: str, metric: str, start: date, end: date) -> dict[int, int]:
    """{member_id: target value} for every rep with a target covering [start, end) that can be compared (a
    target in a currency without a rate is not: see `rep_targets`)."""
    uses = rep_targets(session, team_id=team_id, metric=metric, start=start, end=end)
    return {k: u.value for k, u in uses.items() if u.value is not None}
