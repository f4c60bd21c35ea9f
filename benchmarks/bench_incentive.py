"""/incentive on 1,000,000 deals, 500 reps, 3 years, half of them in CNY (converted at monthly rates), SQLite:
end to end over signed HTTP (signed slash command -> ack -> answer at response_url) as a manager asking for the
whole team's statements (500 reps, one grouped revenue query, the targets in one read), one rep's statement, and
`reports.incentives.statements` alone.

The deals are /kpi's benchmark deals (benchmarks/bench_kpi.build_database, mixed currencies, a quarterly target per
rep), with a team commission plan (5%, tiers 100k:8% and 200k:10%, accelerator 1.5, cap 20k, bonus 2k) and 50 reps
on an own plan of 7%. Built once under the temp dir (salesbot-bench-incentive-v1.db) and reused.
"""

import os
import statistics
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from benchmarks import Row
from benchmarks.bench_kpi import TEAM, Harness, _pct, build_database
from db import incentives as store
from db.engine import get_engine
from db.models import Member
from handlers.incentive.shoutouts import Shoutouts
from reports.incentives import statements
from reports.kpi_period import resolve_period

PHRASES = ["this quarter", "last quarter", "this month", "last month", "Q1 2026", "上季度"]
ONE_REP = ["<@UREP0007> this quarter", "<@UREP0123> last month", "<@UREP0400> 上季度"]
ROUNDS = int(os.environ.get("SALESBOT_BENCH_INCENTIVE_ROUNDS", "60"))
GOAL_P95_S = 0.150  # the /kpi benchmark's bound


def build(path: Path, today: date) -> None:
    """The deals (cached), then the plans, written as `/incentive plan set` writes them (idempotent)."""
    build_database(path, today, mixed=True)
    engine = get_engine(f"sqlite:///{path}")
    with Session(engine) as session:
        team_plan, own = store.plans(session, TEAM, today)
        if team_plan is None or len(own) < 50:
            store.set_plan(session, TEAM, member_id=None, month=today, rate_ppm=50_000,
                           tiers=[[10_000_000, 80_000], [20_000_000, 100_000]], accelerator_milli=1500,
                           cap_cents=2_000_000, bonus_cents=200_000, currency="USD", updated_by="UBENCH")
            reps = session.execute(
                select(Member.id).where(Member.team_id == TEAM, Member.role == "rep").order_by(Member.id).limit(50)
            ).scalars()
            for member_id in reps:
                store.set_plan(session, TEAM, member_id=int(member_id), month=today, rate_ppm=70_000, tiers=[],
                               accelerator_milli=None, cap_cents=None, bonus_cents=None, currency="USD",
                               updated_by="UBENCH")
    engine.dispose()


def _timed(harness: Harness, phrases: list[str]) -> tuple[list[float], list[float]]:
    totals, acks = [], []
    for i in range(ROUNDS):
        ack, total = harness.ask(phrases[i % len(phrases)])
        acks.append(ack)
        totals.append(total)
    return totals, acks


def _shoutout_check(engine: Any) -> Row:
    """What shout-outs cost each scheduler tick (every 30 s) once turned on: the reps over a running target."""
    with Session(engine) as session:
        store.set_shoutouts(session, TEAM, enabled=True, channel_id="C0BENCH", updated_by="UBENCH")
    times, due = [], []
    for _ in range(10):
        with Session(engine) as session:
            t0 = time.perf_counter()
            due = Shoutouts().due(session, datetime.now(UTC))
            times.append(time.perf_counter() - t0)
    return Row("incentive (half CNY)", f"shout-out check of one tick ({len(due)} reps over a running target), "
               "fresh session, median", statistics.median(times) * 1000, "ms")


def run() -> list[Row]:
    today = date.today()
    path = Path(os.environ.get("SALESBOT_BENCH_DIR", tempfile.gettempdir())) / "salesbot-bench-incentive-v1.db"
    started = time.perf_counter()
    build(path, today)
    label = "incentive (half CNY)"
    rows = [Row(label, "database ready (1M deals, 500 reps, 51 plans; cached after the first run)",
                time.perf_counter() - started, "s"),
            Row(label, "machine load average (1 min) at the start", os.getloadavg()[0], "")]
    url = f"sqlite:///{path}"
    harness = Harness(url, command="/incentive", answer_processes=0)  # in-process, as measured
    try:
        harness.ask("help", answered_in_ack=True)
        for phrase in PHRASES + ONE_REP:  # warm-up: imports, statement caches, page cache
            harness.ask(phrase)
        team, acks = _timed(harness, PHRASES)
        one, _ = _timed(harness, ONE_REP)
    finally:
        harness.close()
    rows += [
        Row(label, f"/incentive <period> (500 reps' statements) end to end p50 ({ROUNDS} rounds)",
            _pct(team, 0.5) * 1000, "ms"),
        Row(label, f"/incentive <period> (500 reps' statements) end to end p95 ({ROUNDS} rounds)",
            _pct(team, 0.95) * 1000, "ms", f"< {GOAL_P95_S * 1000:.0f} ms", _pct(team, 0.95) < GOAL_P95_S),
        Row(label, f"/incentive @rep <period> end to end p95 ({ROUNDS} rounds)", _pct(one, 0.95) * 1000, "ms",
            f"< {GOAL_P95_S * 1000:.0f} ms", _pct(one, 0.95) < GOAL_P95_S),
        Row(label, "ack p95", _pct(acks, 0.95) * 1000, "ms"),
    ]
    engine = get_engine(url)
    period = resolve_period("last quarter", today=today, language="en")
    times = []
    for _ in range(20):
        with Session(engine) as session:
            t0 = time.perf_counter()
            found = statements(session, TEAM, period, today=today)
            times.append(time.perf_counter() - t0)
    rows.append(Row(label, f"statements(), last quarter, {len(found.reps)} reps, fresh session, median",
                    statistics.median(times) * 1000, "ms"))
    rows.append(_shoutout_check(engine))
    engine.dispose()
    return rows
