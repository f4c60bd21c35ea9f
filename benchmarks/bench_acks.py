"""Acks under load (issue 12): 50 and 200 people sending slash commands at once for 60 s to `salesbot serve`.

A real `salesbot serve` (SQLite, the default database; 32 HTTP threads) on the demo workspace, its Web API on a
fake Slack in another process, and the clients of benchmarks/load.py: each sends a signed command on a new
connection, times the ack, waits for the answer on `response_url`, and sends the next. The commands cycle
through /kpi answers (one with a chart rendered after the ack) and `/salesbot help` (answered in the ack), so
the after-ack work is always as deep as the number of clients. Goal: p99 ack ≤ 300 ms and none over 1 s.

Each load runs twice in the same run: `salesbot serve` as it starts by default (SALESBOT_ANSWER_PROCESSES unset:
one answer process per core, bot/answer_processes.py; on this 2-core machine 2), and with the answers in the
after-ack threads of the acking process (SALESBOT_ANSWER_PROCESSES=0). The goal is the default's, what users run;
the threads lines (an opt-out for a small machine: one process, ~150 MB less per core) show what the acks cost when
they share the interpreter with pandas and matplotlib, without a goal, as in `python -m benchmarks kpi`.
BENCH_ACK_SECONDS shortens the runs.
"""

import os
import tempfile

from benchmarks import Row
from benchmarks import load as driver
from bot.answer_processes import for_http

SECONDS = float(os.environ.get("BENCH_ACK_SECONDS", "60"))
CLIENTS = (50, 200)
MODES: tuple[tuple[str, str | None], ...] = (
    (f"default: {for_http(None)} answer processes", None), ("answers in threads (SALESBOT_ANSWER_PROCESSES=0)", "0"))


def rows_for(name: str, mode: str, result: driver.Result, before: str, cpu: float, goal: bool = True) -> list[Row]:
    """The lines of one load and mode; `goal` False for the threads mode (informative, no goal)."""
    p99, slowest = result.quantile(0.99), max(result.acks, default=float("nan"))
    answers = sorted(result.answers)
    return [
        Row(name, f"{result.clients} clients for {result.seconds:.0f} s, {mode}: acks ({before})", len(result.acks),
            ""),
        Row(name, "ack p50", result.quantile(0.5) * 1000, "ms"),
        Row(name, "CPU of the acking process per ack (all its threads; answers too when in threads)",
            cpu / max(len(result.acks), 1) * 1000, "ms"),
        Row(name, "ack p99", p99 * 1000, "ms", "≤ 300 ms", p99 <= 0.3) if goal else
        Row(name, "ack p99 (no goal: threads are the opt-out)", p99 * 1000, "ms"),
        Row(name, "slowest ack", slowest * 1000, "ms", "≤ 1,000 ms", slowest <= 1.0) if goal else
        Row(name, "slowest ack", slowest * 1000, "ms"),
        Row(name, "refused or failed requests; answers missing after 30 s", result.errors + result.unanswered, "",
            "0", result.errors + result.unanswered == 0),
        Row(name, f"answers per second; answer p50 {answers[len(answers) // 2] if answers else 0:.1f} s "
                  f"({driver.load_average()} after)", result.throughput, "/s"),
    ]


def run() -> list[Row]:
    rows: list[Row] = []
    for clients in CLIENTS:
        for mode, processes in MODES:
            with tempfile.TemporaryDirectory() as tmp:
                url = f"sqlite:///{tmp}/acks.db"
                driver.seed(url)
                env: dict[str, str | None] = {"SALESBOT_ANSWER_PROCESSES": processes}
                pids: list[int] = []
                with (driver.fake_slack(clients) as api,
                      driver.serve(url, api, users=clients, env=env, pids=pids) as target):
                    before, cpu = driver.load_average(), driver.cpu_seconds(pids[0])
                    result = driver.drive(target, clients, SECONDS)
                    cpu = driver.cpu_seconds(pids[0]) - cpu
                rows += rows_for("acks", mode, result, before, cpu, goal=processes is None)
    return rows
