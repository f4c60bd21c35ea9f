"""SIGKILL in the middle of a tick of 200 check-in DMs, then a restart: every rep gets exactly one DM.

`salesbot tick` runs as a subprocess against the fake Slack on a loopback port (the fake runs in this test's
process). When 60 DMs are out, Slack starts holding its answers (it posts, the answer never comes); when 8
more are held (every worker stuck), the process is killed with SIGKILL. Those 8 are in Slack but `sending`
in the ledger. The restart, two minutes later with a 2-second send lease, finds them in Slack by their
metadata (marked sent, not posted again) and sends the other 132. On SQLite and PostgreSQL.
"""

import os
import signal
import subprocess
import sys
import threading
from collections import Counter
from datetime import date
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from benchmarks.bench_checkin import seed_fleet
from bot.local_slack import Call, Fault, LocalSlack
from db.models import Delivery

ROOT = Path(__file__).resolve().parents[2]
REPS = 200
TEAM = "TCRASH"


def _tick(db_url: str, fake: LocalSlack, moment: str) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": db_url, "SLACK_BOT_TOKEN": "xoxb-crash", "SLACK_API_URL": fake.api_url,
           "SALESBOT_NOW": moment, "SALESBOT_SEND_LEASE": "2", "SALESBOT_SLACK_TIMEOUT": "20"}
    return subprocess.Popen([sys.executable, "-m", "bot.cli", "tick"], env=env, cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)


def test_sigkill_mid_tick_then_restart_sends_every_dm_exactly_once(db_url: str, engine: Engine) -> None:
    with LocalSlack(team_id=TEAM) as fake:
        seed_fleet(engine, date(2026, 12, 4), reps=REPS, team=TEAM)
        for i in range(REPS):
            fake.add_user(f"U{i:06d}", f"Rep {i}", tz="Asia/Shanghai")
        posts = Counter[str]()
        all_stuck = threading.Event()

        def watch(call: Call) -> None:
            if call.method != "chat.postMessage":
                return
            posts["n"] += 1
            if posts["n"] == 60:
                fake.fail_next("chat.postMessage", *[Fault(hang=40) for _ in range(8)])
            if posts["n"] >= 68:
                all_stuck.set()

        fake.listeners.append(watch)
        first = _tick(db_url, fake, "2026-12-04T08:00:30+00:00")  # Friday 16:00 in UTC+8
        assert all_stuck.wait(120), first.communicate(timeout=5)[0] if first.poll() is not None else "no progress"
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
        with Session(engine) as session:
            statuses = Counter(r.status for r in session.exec(select(Delivery).where(Delivery.kind == "checkin")))
        assert statuses["sending"] >= 1, statuses  # cut off mid-send: in Slack, not marked in the ledger

        fake.listeners.remove(watch)
        second = _tick(db_url, fake, "2026-12-04T08:03:00+00:00")
        output = second.communicate(timeout=240)[0]
        assert second.returncode == 0, output

        per_dm = Counter(m["channel"] for m in _dms(fake))
        assert len(per_dm) == REPS and set(per_dm.values()) == {1}, per_dm.most_common(3)
        with Session(engine) as session:
            rows = session.exec(select(Delivery).where(Delivery.kind == "checkin")).all()
        assert len(rows) == REPS and {r.status for r in rows} == {"sent"}


def _dms(fake: LocalSlack) -> list[dict]:
    return [{**m, "channel": channel} for channel in list(fake.messages) if channel.startswith("D")
            for m in fake.posted(channel)]
