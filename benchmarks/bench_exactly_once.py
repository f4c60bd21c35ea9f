"""Soak: exactly once under a Slack that loses answers (issue 11), the long variant of the fault tests.

2,000 reps due in one tick; the fake Slack posts every message but closes the connection without an answer
on every 7th `chat.postMessage`, holds the answer past the 1-second timeout on every 11th, and rate-limits
every 13th (429, Retry-After 1). The scheduler ticks every (simulated) minute until nothing is left. Goal:
every rep has exactly one DM in Slack, none lost, the ledger says sent for all; the cost of looking
(conversations.history calls) is reported. Then a second soak kills nothing but restarts: half the ledger is
put back to `sending` with an expired lease, as a crash would leave it, and one tick resolves it.
"""

import tempfile
import time
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import update

from benchmarks import Row
from benchmarks.bench_checkin import seed_fleet
from bot.local_slack import Fault, LocalSlack
from bot.scheduler import Scheduler
from bot.slack_client import make_client
from db.engine import get_engine
from db.migrate import upgrade
from db.models import Delivery
from handlers.checkin import job_sources
from handlers.context import Deps

REPS = 2_000
BENCH = "exactly_once"


def _per_dm(fake: LocalSlack) -> Counter[str]:
    return Counter({c: len(fake.posted(c)) for c in list(fake.messages) if c.startswith("D")})


def run() -> list[Row]:
    sixteen = datetime(2026, 12, 4, 8, 0, tzinfo=UTC)  # Friday 16:00 in UTC+8
    rows: list[Row] = []
    with tempfile.TemporaryDirectory() as folder, LocalSlack(team_id="TBENCH") as fake:
        engine = get_engine(f"sqlite:///{Path(folder) / 'bench.db'}")
        upgrade(engine)
        seed_fleet(engine, date(2026, 12, 4), reps=REPS)
        for i in range(REPS):
            fake.add_user(f"U{i:06d}", f"Rep {i}", tz="Asia/Shanghai")
        scheduler = Scheduler(Deps(engine=engine), make_client("xoxb-bench", fake.api_url, timeout=1), job_sources(),
                              workers=8)
        fake.fail_every("chat.postMessage", 7, Fault(drop=True))
        fake.fail_every("conversations.open", 13, Fault(429, retry_after=1))
        held = {"n": 0}

        def hold_some(call):  # type: ignore[no-untyped-def]
            if call.method == "chat.postMessage":
                held["n"] += 1
                if held["n"] % 11 == 0:
                    fake.fail_next("chat.postMessage", Fault(hang=1.5))

        fake.listeners.append(hold_some)
        started = time.perf_counter()
        moment, ticks = sixteen + timedelta(minutes=1), 0
        while ticks < 30:
            ticks += 1
            report = scheduler.tick(moment)
            if report.retrying == 0 and report.sent == 0 and ticks > 1:
                break
            moment += timedelta(minutes=5)
        elapsed = time.perf_counter() - started
        fake.listeners.remove(hold_some)
        fake.fault_every.clear()
        per_dm = _per_dm(fake)
        with engine.connect() as conn:
            statuses = Counter(s for (s,) in conn.execute(Delivery.__table__.select().with_only_columns(
                Delivery.status).where(Delivery.kind == "checkin")))
        once = len(per_dm) == REPS and set(per_dm.values()) == {1} and statuses == {"sent": REPS}
        answers_lost = len([c for c in fake.calls_to("chat.postMessage") if c.args.get("_fault")])
        rows.append(Row(BENCH, f"{REPS:,} DMs, every 7th answer dropped, every 11th held past the timeout: ticks",
                        ticks, ""))
        rows.append(Row(BENCH, "  answers lost (Slack had posted)", answers_lost, ""))
        rows.append(Row(BENCH, "  look-ups before re-sending (conversations.history)",
                        len(fake.calls_to("conversations.history")), ""))
        rows.append(Row(BENCH, "  wall time", elapsed, "s"))
        rows.append(Row(BENCH, "  reps with exactly one DM", sum(1 for v in per_dm.values() if v == 1), "",
                        f"{REPS:,}, none lost or twice", once))

        # A crash leaves rows `sending` with a lapsed lease: one tick looks them all up and sends nothing twice.
        with engine.begin() as conn:
            conn.execute(update(Delivery).where(Delivery.id % 2 == 0).values(
                status="sending", claimed_until=sixteen))
        started = time.perf_counter()
        report = scheduler.tick(moment + timedelta(minutes=5))
        resolved = time.perf_counter() - started
        per_dm = _per_dm(fake)
        again = set(per_dm.values()) == {1} and report.sent == REPS // 2
        rows.append(Row(BENCH, f"{REPS // 2:,} crashed sends resolved by looking, one tick", resolved, "s",
                        "all marked sent, none posted twice", again))
        engine.dispose()
    return rows
