"""/kpi on 1,000,000 deals, 500 reps, 3 years, SQLite: end to end over signed HTTP, and the engine's query
against the bare SQL aggregate on the same index.

Each database is left as an import leaves it: ANALYZEd, with its daily rollup (db/rollup.py), which the engine
reads for team-wide won, lost and new-deal figures.

Two databases: every deal in USD (the reporting currency), and the same deals with every other one in CNY
and a CNY rate for each month, so half of every total is converted in SQL at the rate of its close date.

End to end = signed slash command -> ack -> the answer posted to response_url, as the fake Slack receives it.
The app answers as `salesbot serve` does by default, in answer processes (Harness). The acks under sustained load
(50 and 200 clients) are measured on a real `salesbot serve` in its own process, driven like `python -m benchmarks
acks` (`_acks_under_load`). The database is built once under the temp dir (salesbot-bench-kpi-*.db) and reused.
"""

import itertools
import os
import random
import sqlite3
import statistics
import tempfile
import threading
import time
import uuid
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import requests
from sqlmodel import Session

from benchmarks import Row
from benchmarks.bolt_floor import make_floor_app
from bot.answer_processes import for_http
from bot.app import create_app, make_deps
from bot.heap import settle_heap
from bot.http_server import make_server, make_wsgi_app
from bot.local_slack import Call, LocalSlack
from bot.settings import Settings
from bot.signing import signed_headers, slash_command_body
from db.engine import get_engine
from db.migrate import upgrade
from db.rollup import refresh_team
from reports import kpi_engine
from reports.kpi_period import resolve_period

_TRIGGERS = itertools.count(1)
_RUN = uuid.uuid4().hex[:12]  # trigger ids are remembered in the database, so each run has its own
DEALS = 1_000_000
REPS = 500
TEAM = "TBENCH"
SECRET = "bench-signing-secret-0123456789abcdef"
PRODUCTS = ["GTX Basic", "GTX Pro", "GTX Plus Basic", "GTX Plus Pro", "MG Special", "MG Advanced", "GTK 500"]


def build_database(path: Path, today: date, *, mixed: bool = False) -> None:
    """1M deals over the 3 years before `today`: 45% won, 35% lost, 20% open; one quarterly target per rep.

    `mixed`: every other deal in CNY, with a CNY -> USD rate from the first of each month."""
    engine = get_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    con = sqlite3.connect(path)
    if con.execute("SELECT count(*) FROM deal WHERE team_id = ?", (TEAM,)).fetchone()[0] == DEALS:
        con.close()
        _rollup(path)
        return
    rng = random.Random(4)
    first = today - timedelta(days=3 * 365)
    if mixed:
        months = [date(first.year + (first.month - 1 + i) // 12, (first.month - 1 + i) % 12 + 1, 1) for i in range(40)]
        con.executemany(
            "INSERT INTO exchangerate (team_id, currency, to_currency, valid_from, rate_micros, created_at) "
            "VALUES (?, 'CNY', 'USD', ?, ?, '2026-01-01')",
            [(TEAM, m.isoformat(), 136_000 + (i % 9) * 500) for i, m in enumerate(months)],
        )
    con.execute(
        "INSERT OR IGNORE INTO workspace (team_id, name, timezone, language, currency, "
        "fiscal_year_start_month, created_at) VALUES (?, 'bench', 'UTC', 'en', 'USD', 1, '2026-01-01')",
        (TEAM,),
    )
    con.executemany(
        "INSERT INTO member (team_id, slack_user_id, crm_name, display_name, role, active, created_at) "
        "VALUES (?, ?, ?, ?, 'rep', 1, '2026-01-01')",
        [(TEAM, f"UREP{i:04d}", f"Rep {i:04d}", f"Rep {i:04d}") for i in range(REPS)],
    )
    ids = [r[0] for r in con.execute("SELECT id FROM member WHERE team_id = ? AND role = 'rep'", (TEAM,))]

    def rows():
        for n in range(DEALS):
            created = first + timedelta(days=rng.randrange(3 * 365))
            roll = rng.random()
            status = "won" if roll < 0.45 else "lost" if roll < 0.8 else "open"
            closed = created + timedelta(days=rng.randrange(5, 120)) if status != "open" else None
            if closed and closed > today:
                status, closed = "open", None
            yield (
                TEAM,
                "bench",
                f"B{n:07d}",
                "",
                rng.choice(ids),
                f"Account {rng.randrange(300)}",
                rng.choice(PRODUCTS),
                status,
                status,
                rng.randrange(10_000, 5_000_000),
                "CNY" if mixed and n % 2 else "USD",
                created.isoformat(),
                closed.isoformat() if closed else None,
                "",
            )

    con.executemany(
        "INSERT INTO deal (team_id, source, external_id, name, owner_id, account, product, stage, status, "
        "amount_cents, currency, created_date, close_date, row_hash) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        rows(),
    )
    q = (today.month - 1) // 3
    start = date(today.year, 3 * q + 1, 1)
    end = date(today.year + (q == 3), (3 * q + 3) % 12 + 1, 1)
    con.executemany(
        "INSERT INTO target (team_id, member_id, metric, period_start, period_end, value_cents, currency, "
        "created_at) VALUES (?, ?, 'revenue', ?, ?, ?, 'USD', '2026-01-01')",
        [(TEAM, i, start.isoformat(), end.isoformat(), 30_000_000) for i in ids],
    )
    con.commit()
    con.execute("ANALYZE")
    con.close()
    _rollup(path)


def _rollup(path: Path) -> None:
    """The daily rollup, as every import leaves it (db/rollup.py; the engine reads it for team figures), rebuilt
    when the cached database's is stale (an older build, or written since)."""
    engine = get_engine(f"sqlite:///{path}")
    with engine.connect() as conn:
        valid = conn.exec_driver_sql("SELECT 1 FROM dealdaystate WHERE team_id = ?", (TEAM,)).first()
    if not valid:
        refresh_team(engine, TEAM)
    engine.dispose()


class Harness:
    """An app in waitress (32 threads) on loopback, its Web API on the fake Slack; `ask` times one command end
    to end. `floor=True` serves the bare Bolt app of benchmarks/bolt_floor.py on the same database instead.

    The answers run as `salesbot serve` runs them by default: in answer processes, one per core
    (bot/answer_processes.for_http; 2 on a 2-core machine), started before the first command.
    `answer_processes=0` keeps them in the after-ack threads of this process (SALESBOT_ANSWER_PROCESSES=0)."""

    def __init__(self, db_url: str, *, floor: bool = False, today: date | None = None, command: str = "/kpi",
                 answer_processes: int | None = None) -> None:
        self.command = command  # the slash command `send` signs (benchmarks/bench_market.py: /market)
        self.fake = LocalSlack(team_id=TEAM).start()
        self.fake.add_user("UBENCH", "Bench Manager")
        self.floor = floor
        self.app: Any = None
        if floor:
            from waitress.server import create_server

            self.wsgi = make_floor_app(db_url.removeprefix("sqlite:///"), signing_secret=SECRET, token="xoxb-bench",
                                       api_url=self.fake.api_url, team_id=TEAM, today=today or date.today())
            self.server = create_server(self.wsgi, host="127.0.0.1", port=0, threads=32)
        else:
            self.settings = Settings(
                _env_file=None,
                slack_bot_token="xoxb-bench",
                slack_signing_secret=SECRET,
                slack_api_url=self.fake.api_url,
                database_url=db_url,
                salesbot_managers="UBENCH",
                salesbot_answer_processes=for_http(answer_processes),
            )
            self.deps = make_deps(self.settings)
            self.app = create_app(self.settings, deps=self.deps)
            settle_heap()  # as `salesbot serve` does once its app is built
            if self.app.salesbot_answers is not None:  # and it takes traffic once its answer processes can answer
                self.app.salesbot_answers.wait_ready(timeout=120)
            self.server = make_server(make_wsgi_app(self.app, self.deps.engine), host="127.0.0.1", port=0, threads=32)
        threading.Thread(target=self.server.run, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.effective_port}/slack/events"
        self.http = requests.Session()
        self._lock = threading.Lock()
        self._waiting: dict[str, threading.Event] = {}
        self.fake.listeners.append(self._on_call)

    def _on_call(self, call: Call) -> None:
        if call.method == "response_url":
            with self._lock:
                done = self._waiting.pop(call.path, None)
            if done is not None:
                done.set()

    def send(self, text: str, http: requests.Session | None = None) -> tuple[float, threading.Event]:
        """Send one signed /kpi; (seconds to the ack, the event set when its answer reaches response_url)."""
        url = self.fake.new_response_url()
        done = threading.Event()
        with self._lock:
            self._waiting[urlparse(url).path] = done
        body = slash_command_body(
            command=self.command,
            text=text,
            user_id="UBENCH",
            team_id=TEAM,
            response_url=url,
            channel_id="C0BENCH",
            trigger_id=f"t{_RUN}.{next(_TRIGGERS)}",  # Slack never repeats one (replays are skipped)
        )
        started = time.perf_counter()
        headers = signed_headers(SECRET, body, content_type="application/x-www-form-urlencoded")
        response = (http or self.http).post(self.url, data=body.encode(), timeout=60, headers=headers)
        acked = time.perf_counter() - started
        assert response.status_code == 200, response.text
        return acked, done

    def ask(self, text: str, *, answered_in_ack: bool = False) -> tuple[float, float]:
        """(ack seconds, answer seconds) for one /kpi command."""
        started = time.perf_counter()
        acked, done = self.send(text)
        if answered_in_ack:
            return acked, acked
        assert done.wait(60), f"no answer to {text!r}"
        return acked, time.perf_counter() - started

    def close(self) -> None:
        if self.app is not None:
            self.app.listener_runner.listener_executor.wait_idle(30)  # type: ignore[attr-defined]
            if self.app.salesbot_answers is not None:
                self.app.salesbot_answers.shutdown()
        self.server.close()
        self.fake.stop()


def _pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p * (len(ordered) - 1))))]


def run() -> list[Row]:
    rows = _run_one(mixed=False)
    if os.environ.get("SALESBOT_BENCH_KPI_MIXED", "1") != "0":
        mixed = _run_one(mixed=True)
        rows += mixed + _currencies_cost(rows, mixed)
    return rows


def _currencies_cost(usd: list[Row], mixed: list[Row]) -> list[Row]:
    """Issue 10's goal: half the deals in CNY keeps the /kpi p95 within 10% of the all-USD figure of the same run
    (each beside its own floor, since the two are measured a few minutes apart on a shared machine)."""
    out = []
    for measure in ("/kpi revenue <period> end to end p50", "/kpi revenue <period> end to end p95"):
        a = next(r for r in usd if r.measure == measure)
        b = next(r for r in mixed if r.measure == measure)
        ratio = (b.value / b.floor) / (a.value / a.floor) if a.floor and b.floor and a.value else float("inf")
        goal = "<= 1.10" if measure.endswith("p95") else ""
        out.append(Row("kpi half CNY vs all USD", f"{measure}: ratio to floor, half CNY / all USD "
                       f"({b.value:,.1f} / {a.value:,.1f} ms)", ratio, "x", goal, ratio <= 1.10 if goal else None))
    return out


FLOOR_TEXT = "revenue last quarter"  # the floor answers every command with last quarter's sum
PHRASES = [
    "revenue last quarter",
    "revenue this quarter",
    "revenue last month",
    "revenue Q1 2025",
    "revenue 2025",
    "revenue last 30 days",
    "revenue this year",
    "上季度销售额",
]
LOAD_SECONDS = float(os.environ.get("SALESBOT_BENCH_LOAD_SECONDS", "15"))


def _ms(seconds: float) -> float:
    return seconds * 1000


def _beside(measure: str, ours: float, floor: float, goal_ratio: float | None = None) -> Row:
    """A latency in ms with the floor's figure of the same run beside it; the goal, if any, is on the ratio."""
    ratio = ours / floor if floor else float("inf")
    goal = f"<= {goal_ratio:g}x floor" if goal_ratio else ""
    return Row("kpi", measure, _ms(ours), "ms", goal, ratio <= goal_ratio if goal_ratio else None, floor=_ms(floor))


def _run_one(*, mixed: bool) -> list[Row]:
    today = date.today()
    name = "salesbot-bench-kpi-mixed-v1.db" if mixed else "salesbot-bench-kpi-v1.db"
    path = Path(os.environ.get("SALESBOT_BENCH_DIR", tempfile.gettempdir())) / name
    started = time.perf_counter()
    build_database(path, today, mixed=mixed)
    build_s = time.perf_counter() - started
    url = f"sqlite:///{path}"
    label = "kpi (half CNY)" if mixed else "kpi"
    rows = [Row(label, "database ready (1M deals, 500 reps; cached after the first run)", build_s, "s")]
    rows.append(Row(label, "machine load average (1 min) at the start", os.getloadavg()[0], ""))

    ours, floor = Harness(url), Harness(url, floor=True, today=today)
    try:
        ours.ask("help", answered_in_ack=True)  # first contact: the member row and the users.info call
        for phrase in PHRASES:  # warm-up: imports, statement caches, page cache
            ours.ask(phrase)
            floor.ask(FLOOR_TEXT)
        totals, acks, f_totals, f_acks = [], [], [], []
        for i in range(80):  # interleaved command by command: the same moment, the same load
            ack, total = ours.ask(PHRASES[i % len(PHRASES)])
            acks.append(ack)
            totals.append(total)
            ack, total = floor.ask(FLOOR_TEXT)
            f_acks.append(ack)
            f_totals.append(total)
        rows += [
            _beside("/kpi revenue <period> end to end p50", _pct(totals, 0.5), _pct(f_totals, 0.5), 2.5),
            _beside("/kpi revenue <period> end to end p95", _pct(totals, 0.95), _pct(f_totals, 0.95), 3),
            _beside("ack p50", _pct(acks, 0.5), _pct(f_acks, 0.5)),
            _beside("ack p95", _pct(acks, 0.95), _pct(f_acks, 0.95)),
        ]
        breakdowns, f_breakdowns = [], []
        for i in range(30):
            breakdowns.append(ours.ask(["revenue by rep last quarter", "leaderboard this quarter"][i % 2])[1])
            f_breakdowns.append(floor.ask(FLOOR_TEXT)[1])
        rows.append(_beside("breakdown by rep (500 reps) end to end p95", _pct(breakdowns, 0.95),
                            _pct(f_breakdowns, 0.95), 5))

        # Lines whose language is not plain from their words: a Chinese line that names a product or an
        # account, and an English line with a Chinese product name from a user whose locale is not Chinese.
        for measure, texts in (
            ("ack p95, Chinese line naming a product/account", ["上季度销售额 按产品", "上季度 客户 销售额"]),
            ("ack p95, English line with a Chinese product name",
             ["revenue product 小米 Q3", "revenue account 华为 Q3"]),
        ):
            named, f_named = [], []
            for i in range(10):
                named.append(ours.ask(texts[i % 2])[0])
                f_named.append(floor.ask(FLOOR_TEXT)[0])
            rows.append(_beside(measure, _pct(named, 0.95), _pct(f_named, 0.95), 2))

        # 50 commands sent at once, three rounds each, alternating: the median round's slowest ack.
        slowest, f_slowest = [], []
        for _ in range(3):
            slowest.append(max(_burst(ours, 50)))
            f_slowest.append(max(_burst(floor, 50)))
        rows.append(_beside("50 /kpi sent at once: slowest ack (median of 3 rounds)", statistics.median(slowest),
                            statistics.median(f_slowest), 2))

    finally:
        ours.close()
        floor.close()

    rows += _acks_under_load(url)
    rows += _engine_vs_sql(url, path, today, mixed=mixed)
    for row in rows:
        row.benchmark = label
    return rows


def _burst(harness: Harness, n: int) -> list[float]:
    """Send `n` /kpi at once; the ack times. Returns once every answer is in."""
    acks: list[float] = []
    answers: list[threading.Event] = []
    gate = threading.Barrier(n)

    def one() -> None:
        http = requests.Session()
        gate.wait()
        ack, done = harness.send(FLOOR_TEXT, http)
        acks.append(ack)
        answers.append(done)

    threads = [threading.Thread(target=one) for _ in range(n)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    for done in answers:
        assert done.wait(120), "an answer of the burst never came"
    return acks


# Acks under load as users run salesbot: a real `salesbot serve` on this database (its own process, started as
# by default: one answer process per core), its Web API on a fake Slack in another process, and N clients in one
# asyncio loop of this process (benchmarks/load.py, as `python -m benchmarks acks`), each sending /kpi again as
# soon as its answer came, for LOAD_SECONDS. Served from this process instead, the acks shared the interpreter
# with the benchmark's own client threads: ~600 ms of a 700 ms p99 was spent outside the app (issue 12). The
# same load with the answers in the acking process's threads (SALESBOT_ANSWER_PROCESSES=0) is printed below it,
# without a goal: what one core, or that setting, gives.
LOAD_MODES: tuple[tuple[str, str | None], ...] = (
    (f"salesbot serve, {for_http(None)} answer processes (default)", None),
    ("answers in threads (SALESBOT_ANSWER_PROCESSES=0)", "0"),
)


def _acks_under_load(url: str) -> list[Row]:
    from benchmarks import load as driver

    load = driver.Load(team=TEAM, secret=SECRET, commands=tuple(("/kpi", p, True) for p in PHRASES),
                       user_of=lambda _i: "UBENCH")
    rows = []
    for clients in (50, 200):
        for mode, processes in LOAD_MODES:
            env = {"SALESBOT_ANSWER_PROCESSES": processes, "SALESBOT_MANAGERS": "UBENCH"}
            with (driver.fake_slack(0, team=TEAM, also=("UBENCH",)) as api,
                  driver.serve(url, api, users=0, env=env, secret=SECRET) as target):
                driver.drive(target, 10, 2, load)  # warm-up: the first answers import and cache
                before = driver.load_average()
                result = driver.drive(target, clients, LOAD_SECONDS, load)
            p99, worst = result.quantile(0.99), max(result.acks, default=float("inf"))
            default, lost = processes is None, result.errors + result.unanswered
            rows += [
                Row("kpi", f"{clients} concurrent /kpi for {LOAD_SECONDS:g} s, {mode}: ack p99 ({len(result.acks)} "
                    f"commands, {lost} failed or unanswered; {before})", _ms(p99), "ms",
                    "< 300 ms, none failed" if default else "", p99 < 0.3 and not lost if default else None),
                Row("kpi", f"{clients} concurrent /kpi for {LOAD_SECONDS:g} s, {mode}: slowest ack", _ms(worst), "ms",
                    "< 1000 ms" if default else "", worst < 1 if default else None),
            ]
    return rows


# The conversion typed by hand: the rate in force on each deal's close date, one rounding at the end.
_MIXED_SQL = (
    "SELECT (sum(amount_cents * rate) + 500000) / 1000000, count(*) FROM (SELECT amount_cents, "
    "CASE WHEN currency = 'USD' THEN 1000000 ELSE (SELECT rate_micros FROM exchangerate r "
    "WHERE r.team_id = d.team_id AND r.to_currency = 'USD' AND r.currency = d.currency "
    "AND r.valid_from <= d.close_date ORDER BY r.valid_from DESC LIMIT 1) END AS rate "
    "FROM deal d WHERE team_id = ? AND status = 'won' AND close_date >= ? AND close_date < ?)"
)


def _engine_vs_sql(url: str, path: Path, today: date, *, mixed: bool = False) -> list[Row]:
    """The engine's revenue query for a quarter against the same aggregate typed into sqlite3."""
    period = resolve_period("last quarter", today=today, language="en")
    engine = get_engine(url)
    scope = kpi_engine.Scope(TEAM)
    con = sqlite3.connect(path)
    sql = _MIXED_SQL if mixed else (
        "SELECT sum(amount_cents), count(*) FROM deal WHERE team_id = ? AND status = 'won' "
        "AND close_date >= ? AND close_date < ?"
    )
    args = (TEAM, period.start.isoformat(), period.end.isoformat())
    bare_value = con.execute(sql, args).fetchone()
    bare, ours = [], []
    with Session(engine) as session:
        value = kpi_engine.compute(session, "revenue", scope, period)
        assert value.value == bare_value[0], (value, bare_value)
        for _ in range(60):
            t0 = time.perf_counter()
            con.execute(sql, args).fetchone()
            bare.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            kpi_engine.compute(session, "revenue", scope, period)
            ours.append(time.perf_counter() - t0)
    con.close()
    b, o = statistics.median(bare) * 1000, statistics.median(ours) * 1000
    rows = [
        Row("kpi", "bare SQL quarter revenue (sqlite3, covering index) median", b, "ms"),
        Row("kpi", "engine compute('revenue') median", o, "ms"),
        Row("kpi", "engine / bare SQL", o / b, "x", "< 3x", o / b < 3),
    ]
    if os.environ.get("SALESBOT_BENCH_PANDAS") == "1":
        import pandas as pd

        t0 = time.perf_counter()
        pd.read_sql("SELECT * FROM deal", sqlite3.connect(path))
        rows.append(Row("kpi", "loading the deal table into pandas instead", time.perf_counter() - t0, "s"))
    return rows
