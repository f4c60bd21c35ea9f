"""Soak: Socket Mode acks across many of Slack's routine refreshes, and reconnect times after each fault.

The real app (SQLite) on the fake Socket Mode server of tests/socket_slack.py. REFRESHES times: a burst of
`/salesbot help` (answered in the ack) on the current connection, Slack's `disconnect`/`refresh_requested`,
more help commands on the new connection at once and on the old one before Slack closes it 1 s later. Goal:
every envelope acked, none later than Slack's 3 s. Then FAULTS times each: a server close, a TCP reset and a
silent stall (production keepalive: a ping every 3 s, 3 s for its pong); the time from the fault to the new
connection's hello.
"""

import statistics
import tempfile
import time
from pathlib import Path

from benchmarks import Row
from bot.app import create_app, make_deps
from bot.local_slack import LocalSlack
from bot.settings import Settings
from bot.socket_mode import SocketModeService
from db.migrate import upgrade
from tests.socket_slack import SocketSlack

BENCH = "socket"
REFRESHES = 30
BURST = 5
FAULTS = 3
APP_TOKEN = "xapp-1-bench"


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def run() -> list[Row]:
    rows: list[Row] = []
    with tempfile.TemporaryDirectory() as folder, LocalSlack(team_id="TBENCH") as fake, SocketSlack(fake) as server:
        settings = Settings(_env_file=None, slack_bot_token="xoxb-bench", slack_signing_secret="bench-secret",
                            slack_app_token=APP_TOKEN, slack_api_url=fake.api_url,
                            database_url=f"sqlite:///{Path(folder) / 'bench.db'}", salesbot_managers="UMANAGER")
        deps = make_deps(settings)
        upgrade(deps.engine)
        fake.add_user("UMANAGER", "mia")
        app = create_app(settings, deps=deps)
        service = SocketModeService(app, APP_TOKEN, metrics=app.salesbot_metrics)
        service.start()
        server.wait_links(1)
        try:
            latencies: list[float] = []
            sent = 0
            for i in range(REFRESHES):
                old = server.open_links()[-1]
                ids = [server.command("/salesbot", "help", link=old) for _ in range(BURST)]
                server.refresh(link=old, close_after=1.0)
                new = server.wait_links(i + 2)
                ids += [server.command("/salesbot", "help", link=new) for _ in range(BURST)]
                ids.append(server.command("/salesbot", "help", link=old))
                sent += len(ids)
                latencies += [server.wait_ack(e).latency for e in ids]
                time.sleep(1.1)
            acked = len(latencies)
            rows += [
                Row(BENCH, f"envelopes acked across {REFRESHES} refreshes", acked, f"of {sent}", f"= {sent}",
                    acked == sent),
                Row(BENCH, "ack latency p50", statistics.median(latencies) * 1000, "ms"),
                Row(BENCH, "ack latency p95", _percentile(latencies, 0.95) * 1000, "ms"),
                Row(BENCH, "ack latency max", max(latencies) * 1000, "ms", "< 3000 ms", max(latencies) < 3.0),
            ]
            for fault in ("close", "reset", "stall"):
                times = []
                for _ in range(FAULTS):
                    count = len(server.links)
                    started = time.monotonic()
                    getattr(server, fault)()
                    link = server.wait_links(count + 1, timeout=30)
                    times.append(link.opened_at - started)
                    ack = server.wait_ack(server.command("/salesbot", "help"))
                    latencies.append(ack.latency)
                goal = 8.0 if fault == "stall" else 1.0  # stall: up to one ping interval + pong timeout (6 s)
                rows.append(Row(BENCH, f"reconnect after a {fault} (max of {FAULTS})", max(times) * 1000, "ms",
                                f"< {goal * 1000:.0f} ms", max(times) < goal))
        finally:
            service.stop()
            app.listener_runner.listener_executor.shutdown(wait=False, cancel_futures=True)
            deps.engine.dispose()
    return rows
