"""/feedback summary over 100,000 feedback items (one year, 300 accounts, 40 reps, English and Chinese), SQLite.

Measures the whole summary (SQL aggregates + theme discovery over every comment of the period and of the
previous one + quality signals + at-risk rules) for a month and for a whole year: the first time ever (nothing
cached), in a new process (themes and signals cached in the database: a real subprocess, and simulated by
emptying this process's memory), with discovery run again, and again in the same process; the CSAT/NPS
aggregate alone, and the rate of cutting distinct comments into phrases. The database is built once under the temp dir
(salesbot-bench-feedback-*.db) and reused.
"""

import math
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import delete
from sqlmodel import Session

from benchmarks import Row
from db import feedback as store
from db.engine import get_engine
from db.migrate import upgrade
from db.models import FeedbackThemeCache
from reports import feedback_analysis as fa
from reports import feedback_themes as ft
from reports.periods import parse_period

ITEMS = 100_000
ACCOUNTS = 300
REPS = 40
TEAM = "TBENCHFB"
TODAY = date(2026, 11, 26)
COMMENTS = [
    "third late shipment this quarter",
    "交付又延迟了",
    "Delivery was two weeks late again.",
    "物流太慢，影响了项目进度",
    "the setup call was excellent",
    "上线培训很专业",
    "Great training session for our staff.",
    "实施团队响应很快",
    "Too expensive compared to competitors.",
    "价格太贵了",
    "Fair price for what we get.",
    "价格合理，性价比高",
    "Too many bugs after the last update.",
    "最近更新后bug很多",
    "Solid product, no issues since go-live.",
    "We were charged twice on the last invoice",
    "发票开错了",
    "Hard to reach anyone when we have a problem.",
    "每次联系都回复很快",
    "Happy with the service overall.",
    "整体满意",
    "",
]


def build_database(path: Path) -> None:
    engine = get_engine(f"sqlite:///{path}")
    upgrade(engine)
    con = sqlite3.connect(path)
    if con.execute("SELECT count(*) FROM feedback WHERE team_id = ?", (TEAM,)).fetchone()[0] == ITEMS:
        con.close()
        return
    rng = random.Random(7)
    con.executemany(
        "INSERT INTO member (team_id, slack_user_id, display_name, role, active, created_at) "
        "VALUES (?, ?, ?, 'rep', 1, '2026-01-01')",
        [(TEAM, f"UFB{i:03d}", f"Rep {i}") for i in range(REPS)],
    )
    reps = [r[0] for r in con.execute("SELECT id FROM member WHERE team_id = ?", (TEAM,))]
    rows = []
    for i in range(ITEMS):
        account = rng.randrange(ACCOUNTS)
        scale = 10 if rng.random() < 0.25 else 5
        rating = None if rng.random() < 0.05 else rng.randint(0, 10) if scale == 10 else rng.randint(1, 5)
        day = TODAY - timedelta(days=rng.randrange(365))
        rows.append(
            (
                TEAM,
                "bench",
                f"B{i}",
                day.isoformat(),
                f"Account {account:03d}",
                reps[account % REPS],
                "",
                rating,
                scale,
                rng.choice(COMMENTS),
                "2026-11-26 00:00:00",
            )
        )
    con.executemany(
        "INSERT INTO feedback (team_id, source, external_id, received_on, account, member_id, product, rating, "
        "scale, comment, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        rows,
    )
    con.commit()
    con.close()


def _median_seconds(fn: Callable[[], object], repeat: int) -> float:
    return statistics.median(_times(fn, repeat))


def _times(fn: Callable[[], object], repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return times


def _p95(times: list[float]) -> float:
    return sorted(times)[max(0, math.ceil(0.95 * len(times)) - 1)]


def _forget_memory() -> None:
    """What a new process starts with: nothing in memory (the database keeps its cached results)."""
    ft.clear_cache()
    ft.cut.cache_clear()
    ft.phrases.cache_clear()


def _forget_everything(engine: Any) -> None:
    _forget_memory()
    with engine.begin() as conn:
        conn.execute(delete(FeedbackThemeCache.__table__))  # type: ignore[arg-type]


_CHILD = """
import sys, time
from datetime import date
from sqlmodel import Session
from db.engine import get_engine
from reports import feedback_analysis as fa
from reports.periods import parse_period
started = time.perf_counter()
today = date(2026, 11, 26)
with Session(get_engine(sys.argv[1])) as session:
    fa.summarise(session, sys.argv[2], parse_period("last 365 days", today=today), today=today)
print(time.perf_counter() - started)
"""


def _in_new_process(url: str) -> float:
    """The year's summary timed inside a new process (imports excluded): what the first /feedback after a restart,
    or in another answer worker or instance, costs."""
    out = subprocess.run([sys.executable, "-c", _CHILD, url, TEAM], capture_output=True, text=True, check=True)
    return float(out.stdout.strip().splitlines()[-1])


def run() -> list[Row]:
    path = Path(tempfile.gettempdir()) / f"salesbot-bench-feedback-{ITEMS}.db"
    started = time.perf_counter()
    build_database(path)
    build = time.perf_counter() - started
    url = f"sqlite:///{path}"
    engine = get_engine(url)
    month = parse_period("last month", today=TODAY)
    year = parse_period("last 365 days", today=TODAY)
    rows = [Row("feedback", "build or reuse the 100k-item database", build, "s")]
    with Session(engine) as session:
        _forget_everything(engine)
        t_cold = _median_seconds(lambda: fa.summarise(session, TEAM, year, today=TODAY), 1)
        year_summary = fa.summarise(session, TEAM, year, today=TODAY)
        assert year_summary.items == ITEMS, year_summary.items
        t_fresh = statistics.median(_in_new_process(url) for _ in range(3))

        def fresh(period: object, member_id: int | None = None) -> object:
            _forget_memory()  # a new process: themes and signals come from the database's cache
            return fa.summarise(session, TEAM, period, member_id=member_id, today=TODAY)

        def found_again(period: object, member_id: int | None = None) -> object:
            ft.clear_cache()  # themes and signals found again (word cutting stays memoised, as in one process)
            with engine.begin() as conn:
                conn.execute(delete(FeedbackThemeCache.__table__))  # type: ignore[arg-type]
            return fa.summarise(session, TEAM, period, member_id=member_id, today=TODAY)

        fresh(month)
        month_times = _times(lambda: fresh(month), 20)
        t_month_p95, t_month = _p95(month_times), statistics.median(month_times)
        t_month_again = _median_seconds(lambda: found_again(month), 3)
        t_year = _median_seconds(lambda: fresh(year), 3)
        t_year_again = _median_seconds(lambda: found_again(year), 2)
        fresh(year, 1)
        t_rep = _median_seconds(lambda: fresh(year, 1), 3)
        t_cached = _median_seconds(lambda: fa.summarise(session, TEAM, year, today=TODAY), 5)
        t_sql = _median_seconds(lambda: store.csat_nps(session, TEAM, year.start, year.end), 5)
    comments = [f"{c} #{i}" for i in range(2500) for c in COMMENTS if c]  # all distinct: nothing memoised
    started = time.perf_counter()
    for c in comments:
        ft.phrases(c)
        fa.sentiment(c)
    t_tag = time.perf_counter() - started
    rows += [
        Row("feedback", "summary of 365 days, first time ever (nothing cached)", t_cold, "s"),
        Row("feedback", "summary of 365 days in a new process (cached in the database)", t_fresh, "s", "< 2 s",
            t_fresh < 2),
        Row("feedback", "summary of 365 days, new process simulated in-process", t_year, "s", "< 2 s", t_year < 2),
        Row("feedback", "summary of one month, new process: median", t_month * 1000, "ms"),
        Row("feedback", "summary of one month, new process: p95 of 20", t_month_p95 * 1000, "ms", "< 150 ms",
            t_month_p95 < 0.15),
        Row("feedback", "summary of one month, themes and signals found again", t_month_again, "s"),
        Row("feedback", "summary of 365 days, themes and signals found again", t_year_again, "s"),
        Row("feedback", "summary of one rep's accounts over 365 days (new process)", t_rep, "s", "< 1 s", t_rep < 1),
        Row("feedback", "summary of 365 days again, same process", t_cached, "s", "< 0.5 s", t_cached < 0.5),
        Row("feedback", "CSAT/NPS SQL aggregate over 100k items", t_sql * 1000, "ms", "< 200 ms", t_sql < 0.2),
        Row("feedback", "theme phrases + tone of distinct comments", len(comments) / t_tag, "comments/s"),
    ]
    return rows
