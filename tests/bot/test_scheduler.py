"""The scheduler's exactly-once guarantee across processes: two `salesbot tick` at once on one PostgreSQL."""

import os
import subprocess
import sys
from pathlib import Path

from sqlmodel import Session, select

from bot.local_slack import LocalSlack
from db.models import Delivery
from tests.databases import PgDatabase
from tests.digest_data import seed, subscription

ROOT = Path(__file__).resolve().parents[2]


def test_two_tick_processes_at_the_same_moment_deliver_each_digest_once(
    pg_database: PgDatabase, fake_slack: LocalSlack, tmp_path: Path
) -> None:
    engine = pg_database.fresh_engine()
    seed(engine)
    subs = [subscription(engine, channel=f"C0CH{i}") for i in range(6)]
    env = {
        **os.environ,
        "DATABASE_URL": pg_database.url,
        "SLACK_BOT_TOKEN": "xoxb-tick",
        "SLACK_API_URL": fake_slack.api_url,
        "SALESBOT_NOW": "2026-11-30T14:00:00+00:00",  # the processes' clock: --now is not in their future
    }
    command = [sys.executable, "-m", "bot.cli", "tick", "--now", "2026-11-30T14:00:00+00:00"]
    procs = [
        subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        for _ in range(2)
    ]
    outputs = [p.communicate(timeout=180)[0] for p in procs]
    assert all(p.returncode == 0 for p in procs), outputs
    sent = sum(int(out.split("sent ")[1].split(",")[0]) for out in outputs)
    assert sent == len(subs), outputs
    completes = fake_slack.successful("files.completeUploadExternal")
    assert sorted(c.args["channel_id"] for c in completes) == sorted(f"C0CH{i}" for i in range(6))
    with Session(engine) as session:
        rows = session.exec(select(Delivery).where(Delivery.kind == "digest")).all()
    assert len(rows) == 6 and {r.status for r in rows} == {"sent"}
