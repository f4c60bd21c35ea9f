"""Digests: a 50-rep digest with all three charts, and 100 subscriptions due in one tick with the fake Slack
answering 429 (Retry-After: 1) to every 5th call.
"""

import random
import statistics
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlmodel import Session

from benchmarks import Row
from bot.app import make_deps
from bot.local_slack import Fault, LocalSlack
from bot.scheduler import Scheduler
from bot.settings import Settings
from bot.slack_client import make_client
from db.engine import get_engine
from db.migrate import upgrade
from db.models import Deal, DigestSubscription, Member, Target, Workspace
from handlers.digest import DigestSource, charts_for, compose

TEAM = "TDIGEST"
REPS = 50
MONDAY = date(2026, 11, 23)


def _build(url: str) -> None:
    engine = get_engine(url)
    upgrade(engine)
    rng = random.Random(5)
    with Session(engine) as session:
        session.add(Workspace(team_id=TEAM, name="bench", timezone="UTC"))
        reps = [
            Member(team_id=TEAM, slack_user_id=f"UR{i:03d}", display_name=f"Rep {i:02d} 销售", role="rep")
            for i in range(REPS)
        ]
        session.add_all(reps)
        session.flush()
        deals = []
        for n in range(20_000):
            rep = rng.choice(reps)
            closed = MONDAY - timedelta(days=rng.randint(1, 400))
            status = rng.choice(["won", "won", "lost", "open"])
            deals.append(
                Deal(
                    team_id=TEAM,
                    source="bench",
                    external_id=str(n),
                    owner_id=rep.id,
                    product="P",
                    account=f"A{rng.randint(1, 60)}",
                    stage="Proposal" if status == "open" else status,
                    status=status,
                    amount_cents=rng.randint(10_000, 2_000_000),
                    created_date=closed - timedelta(days=30),
                    close_date=None if status == "open" else closed,
                )
            )
        session.add_all(deals)
        session.add_all(
            [
                Target(
                    team_id=TEAM,
                    member_id=r.id,
                    metric="revenue",
                    period_start=date(2026, 11, 1),
                    period_end=date(2026, 12, 1),
                    value_cents=5_000_000,
                )
                for r in reps
            ]
        )
        session.commit()


def run() -> list[Row]:
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'digest.db'}"
        _build(url)
        with LocalSlack(team_id=TEAM) as fake:
            settings = Settings(
                _env_file=None,
                database_url=url,
                slack_bot_token="xoxb-bench",
                slack_signing_secret="s",
                slack_api_url=fake.api_url,
            )
            deps = make_deps(settings)
            compose(deps, TEAM, "weekly", MONDAY, "en")  # warm-up: fonts, imports
            build, chart = [], []
            for _ in range(5):
                started = time.perf_counter()
                digest, _charts = compose(deps, TEAM, "weekly", MONDAY, "en")
                build.append(time.perf_counter() - started)
                started = time.perf_counter()
                charts_for(digest)
                chart.append(time.perf_counter() - started)
            median = statistics.median(build)
            rows.append(
                Row(
                    "digest",
                    "50-rep digest, figures + 3 charts (median)",
                    median * 1000,
                    "ms",
                    "< 1000 ms",
                    median < 1.0,
                )
            )
            rows.append(Row("digest", "of which the 3 charts", statistics.median(chart) * 1000, "ms"))

            with Session(deps.engine) as session:
                session.add_all(
                    [
                        DigestSubscription(
                            team_id=TEAM,
                            channel_id=f"C{i:03d}",
                            weekday=0,
                            time_of_day="09:00",
                            timezone="UTC",
                            created_by="UMGR",
                            created_at=datetime(2026, 10, 1, tzinfo=UTC),
                        )
                        for i in range(100)
                    ]
                )
                session.commit()
            fake.fail_every("*", 5, Fault(429, retry_after=1))
            scheduler = Scheduler(deps, make_client("xoxb-bench", fake.api_url), [DigestSource()])
            started = time.perf_counter()
            now = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
            sent = scheduler.tick(now).sent
            for minute in range(1, 30):  # later ticks pick up anything Slack refused for too long
                if sent >= 100:
                    break
                sent += scheduler.tick(now + timedelta(minutes=minute)).sent
            elapsed = time.perf_counter() - started
            channels = [c.args["channel_id"] for c in fake.successful("files.completeUploadExternal")]
            once = len(channels) == len(set(channels)) == 100
            limited = sum(1 for c in fake.calls if c.args.get("_fault"))
            rows.append(
                Row(
                    "digest",
                    "100 due, 429 on every 5th call: delivered once",
                    len(set(channels)),
                    "of 100",
                    "100, none twice",
                    once,
                )
            )
            rows.append(Row("digest", "  429 answers (Retry-After: 1)", limited, "calls"))
            gap = _shortest_wait_after_429(fake.calls_to("files.completeUploadExternal"))
            rows.append(
                Row(
                    "digest",
                    "  shortest wait before posting again after a 429",
                    gap if gap is not None else 0.0,
                    "s",
                    ">= 1 s",
                    gap is None or gap >= 1.0,
                )
            )
            rows.append(Row("digest", "  wall time of those ticks", elapsed, "s"))
    return rows


def _shortest_wait_after_429(calls: list) -> float | None:  # type: ignore[type-arg]
    """For each rate-limited post to a channel, how long until the next post to that channel (Retry-After)."""
    gaps = []
    for i, call in enumerate(calls):
        if call.args.get("_fault"):
            later = [c.at for c in calls[i + 1 :] if c.args.get("channel_id") == call.args.get("channel_id")]
            if later:
                gaps.append(later[0] - call.at)
    return min(gaps) if gaps else None
