"""Check-ins at scale: 10,000 reps due in one tick against a rate-limiting fake Slack, and ticks with nothing due.

Goals (issue 6): every DM sent exactly once with 429 + Retry-After along the way, none lost; a tick over
10,000 schedules none of which is due under 200 ms. SQLite file database, the real scheduler and sources.
"""

import statistics
import tempfile
import time
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert, select

from benchmarks import Row
from bot.local_slack import Fault, LocalSlack
from bot.scheduler import Scheduler
from bot.slack_client import make_client
from db.engine import get_engine
from db.migrate import upgrade
from db.models import CheckinRun, CheckinSchedule, CheckinScheduleRep, Member, Workspace
from handlers.checkin import job_sources
from handlers.context import Deps

REPS = 10_000
ZONES = ("Asia/Shanghai", "Asia/Singapore", "Asia/Hong_Kong", "Asia/Taipei")  # all UTC+8: due in the same tick
BENCH = "checkin"


def seed_fleet(engine, friday: date, *, reps: int = REPS, team: str = "TBENCH") -> None:  # type: ignore[no-untyped-def]
    """A manager and `reps` reps in UTC+8 zones, each with a weekly Friday 16:00 check-in (also used by tests)."""
    created = datetime.combine(friday - timedelta(days=3), datetime.min.time(), tzinfo=UTC)
    with engine.begin() as conn:
        conn.execute(
            insert(Workspace),
            [
                {
                    "team_id": team,
                    "name": "bench",
                    "timezone": "UTC",
                    "language": "en",
                    "currency": "USD",
                    "fiscal_year_start_month": 1,
                    "created_at": created,
                }
            ],
        )
        conn.execute(
            insert(Member),
            [
                {
                    "team_id": team,
                    "slack_user_id": "UMGR",
                    "display_name": "Manager",
                    "role": "manager",
                    "active": True,
                    "created_at": created,
                }
            ],
        )
        conn.execute(
            insert(Member),
            [
                {
                    "team_id": team,
                    "slack_user_id": f"U{i:06d}",
                    "display_name": f"Rep {i}",
                    "role": "rep",
                    "timezone": ZONES[i % len(ZONES)],
                    "locale": "en-US",
                    "active": True,
                    "created_at": created,
                }
                for i in range(reps)
            ],
        )
        conn.execute(
            insert(CheckinSchedule),
            [
                {
                    "team_id": team,
                    "manager_user_id": "UMGR",
                    "cadence": "weekly",
                    "weekday": 4,
                    "time_of_day": "16:00",
                    "deadline_hours": 72,
                    "reminder_hours_before": 24,
                    "questions_version": 1,
                    "active": True,
                    "paused": False,
                    "created_at": created,
                }
                for _ in range(reps)
            ],
        )
        members = conn.execute(select(Member.id).where(Member.role == "rep").order_by(Member.id)).scalars().all()
        schedules = conn.execute(select(CheckinSchedule.id).order_by(CheckinSchedule.id)).scalars().all()
        conn.execute(
            insert(CheckinScheduleRep),
            [{"team_id": team, "schedule_id": s, "member_id": m} for s, m in zip(schedules, members, strict=True)],
        )


def _median_tick(scheduler: Scheduler, now: datetime, repeat: int = 7) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        report = scheduler.tick(now)
        times.append((time.perf_counter() - started) * 1000)
        assert report.sent == 0, "a tick meant to have nothing due sent something"
    return statistics.median(times)


def run() -> list[Row]:
    rows: list[Row] = []
    friday = date(2026, 12, 4)
    sixteen = datetime(2026, 12, 4, 8, 0, tzinfo=UTC)  # 16:00 at UTC+8
    with tempfile.TemporaryDirectory() as folder, LocalSlack(team_id="TBENCH") as fake:
        engine = get_engine(f"sqlite:///{Path(folder) / 'bench.db'}")
        upgrade(engine)
        seed_fleet(engine, friday)
        for i in range(REPS):
            fake.add_user(f"U{i:06d}", f"Rep {i}", tz=ZONES[i % len(ZONES)])
        deps = Deps(engine=engine)
        scheduler = Scheduler(deps, make_client("xoxb-bench", fake.api_url), job_sources(), workers=8)

        idle = _median_tick(scheduler, sixteen - timedelta(days=2))  # Wednesday: nothing due
        print(f"  idle tick {idle:.1f} ms", flush=True)
        rows.append(Row(BENCH, f"tick, {REPS:,} schedules, none due", idle, "ms", "< 200 ms", idle < 200))

        fake.fail_every("chat.postMessage", 100, Fault(429, retry_after=1))
        started = time.perf_counter()
        report = scheduler.tick(sixteen + timedelta(minutes=1))
        elapsed = time.perf_counter() - started
        fake.fault_every.clear()
        delivered = Counter(c.args.get("channel") for c in fake.successful("chat.postMessage"))
        limited = len([c for c in fake.calls_to("chat.postMessage") if c.args.get("_fault")])
        with engine.connect() as conn:
            posted = conn.execute(select(CheckinRun.id).where(CheckinRun.thread_ts.is_not(None))).all()
        once = len(delivered) == REPS and set(delivered.values()) == {1} and len(posted) == REPS
        rows.append(Row(BENCH, f"{REPS:,} reps due in one tick: wall time", elapsed, "s"))
        rows.append(Row(BENCH, "  DMs sent per second", REPS / elapsed, "/s"))
        rows.append(Row(BENCH, "  429 responses honoured (Retry-After 1 s)", limited, ""))
        rows.append(
            Row(
                BENCH,
                "  reps with exactly one DM (sent/lost/duplicated)",
                len(delivered),
                "",
                f"{REPS:,}, none lost or twice",
                once and report.sent == REPS,
            )
        )

        after = _median_tick(scheduler, sixteen + timedelta(minutes=5))  # every one already in the ledger
        rows.append(
            Row(BENCH, f"tick, {REPS:,} check-ins open, all already sent", after, "ms", "< 200 ms", after < 200)
        )
        engine.dispose()
    return rows
