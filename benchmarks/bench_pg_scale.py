"""PostgreSQL at 10M deals (5,000 reps, 5 years): /kpi end to end over signed HTTP, the digest, the engine, the plans.

Data: `benchmarks.pg_scale_data` (generated, COPY) in the benchmark's own database (`benchmarks.pg_scale_db`:
built once, reused while the Alembic revision and the generator are unchanged). End to end = signed slash
command -> ack -> the answer posted to response_url, with the /kpi benchmark's client (`bench_kpi.Harness`).
Every measure carries the 1-minute load average at the time it was taken ("[load 3.2]"): the machine is shared.

Skips (one row saying so) when PostgreSQL is not reachable. `SALESBOT_BENCH_PG_DEALS` shrinks the data for a
quick look (the goals are for 10M).
"""

import os
import statistics
import sys
import time
import traceback
from datetime import date, timedelta
from typing import Any

import psycopg
from sqlalchemy.engine import make_url
from sqlmodel import Session

from benchmarks import Row, bench_kpi
from benchmarks.bench_kpi import Harness, _pct
from benchmarks.pg_plans import deal_scans
from benchmarks.pg_scale_data import BIG_TEAM, SMALL_TEAM, Shape
from benchmarks.pg_scale_db import bench_url, drop, ensure
from db import clock
from db.engine import get_engine
from reports import kpi_engine
from reports import kpi_queries as q
from reports.kpi_period import resolve_period
from reports.targets import forget_kept

NAME = "pg 10M"
assert bench_kpi.TEAM == BIG_TEAM  # the /kpi client asks as a manager of bench_kpi.TEAM
TEAM_PHRASES = [
    "revenue last quarter",
    "revenue this quarter",
    "revenue last month",
    "revenue this month",
    "revenue 2025",
    "win rate last quarter",
    "revenue last 30 days",
    "上季度销售额",
]
BREAKDOWN_PHRASES = ["revenue by rep last quarter", "leaderboard this quarter"]


class _Rows(list):  # type: ignore[type-arg]
    """Rows printed as they are measured: a long run that fails late still shows what it measured."""

    def append(self, row: Row) -> None:
        print(f"  pg_scale: {row.measure}: {row.value:,.2f} {row.unit} {row.goal}", file=sys.stderr, flush=True)
        super().append(row)

    def __iadd__(self, rows: Any) -> "_Rows":
        for row in rows:
            self.append(row)
        return self


def _load() -> str:
    return f"[load {os.getloadavg()[0]:.1f}]"


def _shape() -> Shape:
    deals = int(os.environ.get("SALESBOT_BENCH_PG_DEALS", Shape.deals))
    return Shape(deals=deals)


def run() -> list[Row]:
    try:
        url = bench_url()
        with psycopg.connect(_dsn(url.rsplit("/", 1)[0] + "/postgres"), connect_timeout=3):
            pass
    except Exception as error:  # no server here: say so, do not fail the whole table
        return [Row(NAME, f"skipped: PostgreSQL not reachable ({type(error).__name__})", 0, "", "", None)]
    shape = _shape()
    today = clock.today()
    started = time.perf_counter()
    url, loaded = ensure(shape, today, lambda m: print(f"  pg_scale: {m} {_load()}", flush=True))
    rows = _Rows()
    rows += [Row(NAME, f"database ready ({shape.deals:,} deals, {shape.reps:,} reps; cached) {_load()}",
                time.perf_counter() - started, "s")]
    if loaded is not None:
        t = loaded.timings
        rows += [
            Row(NAME, f"  generated: COPY of the deals {_load()}", t["copy"], "s"),
            Row(NAME, "  then constraints and indexes built", t["indexes"], "s"),
            Row(NAME, "  then VACUUM ANALYZE", t["vacuum"], "s"),
            Row(NAME, f"  then the daily rollup of both workspaces (db/rollup.py) {_load()}", t["rollup"], "s"),
        ]
    try:
        for stage in (_end_to_end, _engine):
            try:
                stage(url, today, rows)
            except Exception:  # one stage failing must not hide the others' figures
                traceback.print_exc()
                rows.append(Row(NAME, f"{stage.__name__} crashed", 0, "", "", False))
    finally:
        if os.environ.get("SALESBOT_BENCH_PG_KEEP", "1") == "0":
            drop(url)
    return list(rows)


def _dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _end_to_end(url: str, today: date, rows: _Rows) -> None:
    harness = Harness(url, answer_processes=0)  # in-process as measured; workspace bench_kpi.TEAM (BIG_TEAM)
    try:
        harness.ask("help", answered_in_ack=True)  # first contact: the member row and the users.info call
        for phrase in TEAM_PHRASES + BREAKDOWN_PHRASES:  # warm-up: imports, statement caches, page cache
            harness.ask(phrase)
        team = [harness.ask(TEAM_PHRASES[i % len(TEAM_PHRASES)])[1] for i in range(48)]
        headline = [harness.ask("")[1] for _ in range(8)]  # /kpi alone: a manager without deals gets the team's
        team += headline
        p50, p95 = _pct(team, 0.5) * 1000, _pct(team, 0.95) * 1000
        rows += [
            Row(NAME, f"/kpi team answer end to end p50 {_load()}", p50, "ms"),
            Row(NAME, f"/kpi team answer end to end p95 {_load()}", p95, "ms", "<= 60 ms", p95 <= 60),
            Row(NAME, f"  of which /kpi alone (team headline) median {_load()}",
                statistics.median(headline) * 1000, "ms"),
        ]
        rep_phrases = ["revenue last quarter", "revenue this month", "win rate this quarter", "revenue 2025"]
        reps = [
            harness.ask(f"{rep_phrases[i % len(rep_phrases)]} <@UREP{(i * 397) % 4950:04d}>")[1] for i in range(40)
        ]
        r50, r95 = _pct(reps, 0.5) * 1000, _pct(reps, 0.95) * 1000
        rows += [
            Row(NAME, f"/kpi one rep end to end p50 {_load()}", r50, "ms"),
            Row(NAME, f"/kpi one rep end to end p95 {_load()}", r95, "ms", "<= 60 ms", r95 <= 60),
        ]
        breakdowns = [harness.ask(BREAKDOWN_PHRASES[i % 2])[1] for i in range(20)]
        b95 = _pct(breakdowns, 0.95) * 1000
        rows.append(
            Row(NAME, f"breakdown by rep (4,950 reps) end to end p95 {_load()}", b95, "ms", "<= 300 ms", b95 <= 300)
        )
        rows += _digest(harness, today)
    finally:
        harness.close()


def _digest(harness: Harness, today: date) -> list[Row]:
    """The weekly digest of the 50-rep workspace (its 100,000 deals among the 10M), with its three charts."""
    from handlers.digest import charts_for, compose

    monday = today - timedelta(days=today.weekday())
    compose(harness.deps, SMALL_TEAM, "weekly", monday, "en")  # warm-up: fonts, imports
    times, charts = [], []
    for _ in range(5):
        started = time.perf_counter()
        digest, _charts = compose(harness.deps, SMALL_TEAM, "weekly", monday, "en")
        times.append(time.perf_counter() - started)
        started = time.perf_counter()
        charts_for(digest)
        charts.append(time.perf_counter() - started)
    worst = max(times)
    return [
        Row(NAME, f"digest of the 50-rep team, figures + 3 charts, slowest of 5 {_load()}", worst * 1000, "ms",
            "<= 1000 ms", worst <= 1.0),
        Row(NAME, "  of which the 3 charts (median)", statistics.median(charts) * 1000, "ms"),
    ]


# The floor: the same quarter's won deals summed straight off the covering index, unconverted.
_FLOOR = (
    "SELECT sum(amount_cents), count(*) FROM deal WHERE team_id = %s AND status = 'won' "
    "AND close_date >= %s AND close_date < %s {rep}"
)
# The engine's converted revenue typed by hand (the rate in force on each close date, one rounding), to check it.
_CONVERTED = (
    "SELECT floor((sum(amount_cents::numeric * rate) + 500000) / 1000000) FROM (SELECT amount_cents, "
    "CASE WHEN currency = 'USD' THEN 1000000 ELSE (SELECT rate_micros FROM exchangerate r "
    "WHERE r.team_id = d.team_id AND r.to_currency = 'USD' AND r.currency = d.currency "
    "AND r.valid_from <= d.close_date ORDER BY r.valid_from DESC LIMIT 1) END AS rate "
    "FROM deal d WHERE team_id = %s AND status = 'won' AND close_date >= %s AND close_date < %s) x"
)


def _median_ms(fn: Any, n: int = 15) -> float:
    fn()
    times = []
    for _ in range(n):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def _engine(url: str, today: date, rows: _Rows) -> None:
    """Engine-level medians (fresh session each time, as a request has), the bare SQL floor, and the plans."""
    engine = get_engine(url)
    quarter = resolve_period("last quarter", today=today, language="en")
    team = kpi_engine.Scope(BIG_TEAM)
    with Session(engine) as session:
        rep_id = session.connection().exec_driver_sql(
            "SELECT id FROM member WHERE team_id = %(t)s AND slack_user_id = 'UREP0042'", {"t": BIG_TEAM}
        ).scalar()
    rep = kpi_engine.Scope(BIG_TEAM, member_id=rep_id)

    def fresh(fn: Any) -> Any:
        def call() -> Any:
            with Session(engine) as session:
                return fn(session)

        return call

    cases = [
        ("team revenue, one quarter", lambda s: kpi_engine.compute(s, "revenue", team, quarter, today=today)),
        ("team headline (7 figures), one quarter",
         lambda s: kpi_engine.compute_many(s, ["revenue", "deals_won", "win_rate", "avg_deal_size", "pipeline",
                                               "attainment", "pace"], team, quarter, today=today)),
        ("team revenue compared (3 periods)", lambda s: kpi_engine.compare(s, "revenue", team, quarter, today=today)),
        ("one rep revenue, one quarter", lambda s: kpi_engine.compute(s, "revenue", rep, quarter, today=today)),
        ("revenue by rep, one quarter",
         lambda s: kpi_engine.breakdown(s, "revenue", team, quarter, "rep", today=today)),
    ]
    for label, fn in cases:
        rows.append(Row(NAME, f"engine {label}, median {_load()}", _median_ms(fresh(fn)), "ms"))
    # The pipeline as it is read while the rollup is stale (any write to `deal` until the next refresh).
    stale = q.Filters(BIG_TEAM, currency="USD")
    rows.append(Row(NAME, f"engine team pipeline from the deals (rollup stale), median {_load()}",
                    _median_ms(fresh(lambda s: q.pipeline_stats(s, stale, quarter.end)), n=5), "ms"))
    # The team target made of 4,950 rep targets: resolved (first request after a /target or rate write) and kept.
    target = fresh(lambda s: kpi_engine.target_use(s, team, "revenue", quarter))
    rows.append(Row(NAME, f"engine team target from 4,950 rep targets, resolved (cold), median {_load()}",
                    _median_ms(lambda: (forget_kept(), target()), n=7), "ms"))
    rows.append(Row(NAME, f"  the same, kept between requests (targetversion token unchanged), median {_load()}",
                    _median_ms(target), "ms"))

    with psycopg.connect(_dsn(url)) as pg:
        args = (BIG_TEAM, quarter.start, quarter.end)
        team_ms = _median_ms(lambda: pg.execute(_FLOOR.format(rep=""), args).fetchone())
        rep_ms = _median_ms(lambda: pg.execute(_FLOOR.format(rep=f"AND owner_id = {int(rep_id)}"), args).fetchone())
        bare_value = int(pg.execute(_CONVERTED, args).fetchone()[0])
    with Session(engine) as session:
        ours = kpi_engine.compute(session, "revenue", team, quarter, today=today).value
    assert ours == bare_value, (ours, bare_value)
    rows += [
        Row(NAME, f"floor: bare SQL sum of a quarter's won deals, team, unconverted, median {_load()}", team_ms, "ms"),
        Row(NAME, f"floor: the same for one rep, median {_load()}", rep_ms, "ms"),
    ]
    rows += _plans(engine, team, rep, quarter, today)


def _plans(engine: Any, team: Any, rep: Any, quarter: Any, today: date) -> list[Row]:
    """EXPLAIN ANALYZE of every statement the engine sends on deal for a team, a rep and a by-rep quarter, the
    pipeline as read while the rollup is stale, and the digest's open deals by stage: each must read an index
    (index-only where it covers), never the whole table."""
    from reports.digest import pipeline_by_stage

    rows = []
    stale = q.Filters(BIG_TEAM, currency="USD")
    for label, fn in [
        ("team pipeline from the deals (rollup stale)", lambda s: q.pipeline_stats(s, stale, quarter.end)),
        ("open deals by stage (digest)", lambda s: pipeline_by_stage(s, BIG_TEAM, today)),
        ("team revenue", lambda s: kpi_engine.compute(s, "revenue", team, quarter, today=today)),
        ("rep revenue", lambda s: kpi_engine.compute(s, "revenue", rep, quarter, today=today)),
        ("revenue by rep", lambda s: kpi_engine.breakdown(s, "revenue", team, quarter, "rep", today=today)),
    ]:
        found = deal_scans(engine, fn)
        scans = [f"{x.node} {x.index}".strip() for x in found]
        fetches = sum(x.heap_fetches for x in found)
        ok = all(s.startswith(("Index Only Scan", "Index Scan", "Bitmap")) for s in scans)
        shown = "; ".join(sorted(set(scans))) or "no statement on deal (read from the rollup)"
        rows.append(Row(NAME, f"plan {label}: {shown}", fetches, "heap fetches", "index scans only", ok))
    return rows

