"""Scale out (issue 12): one `salesbot serve` against two, behind the same round-robin proxy on loopback, one
PostgreSQL. The clients of benchmarks/load.py (100 people, each waiting for its answer before the next command)
for BENCH_SCALE_SECONDS (30) each; throughput is answered commands per second. Both runs go through the proxy
(benchmarks/rr_proxy.py), so its cost is in both and the ratio is the instances' alone. Only one of the
instances runs the scheduler, as in production (README, "Running several instances"). On this 2-core machine
the clients, the fake Slack, the proxy and PostgreSQL share the cores with the instances: the ratio says what a
second process on the same machine gives; a second machine gives more.
"""

import contextlib
import os

import sqlalchemy

from benchmarks import Row
from benchmarks import load as driver

SECONDS = float(os.environ.get("BENCH_SCALE_SECONDS", "30"))
CLIENTS = 100
PG_URL = os.environ.get("SALESBOT_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
DATABASE = "salesbot_bench_scale"


def _measure(url: str, instances: int) -> tuple[driver.Result, str]:
    with driver.fake_slack(CLIENTS) as api, contextlib.ExitStack() as stack:
        # answers in each instance's threads, as when the README's figures were measured (`serve` now starts one
        # answer process per core by default: two instances on 2 cores would start four)
        backends = [stack.enter_context(driver.serve(url, api, users=CLIENTS, scheduler=i == 0,
                                                     env={"SALESBOT_ANSWER_PROCESSES": "0"}))
                    for i in range(instances)]
        proxy = stack.enter_context(driver.round_robin(backends))
        before = driver.load_average()
        return driver.drive(proxy, CLIENTS, SECONDS), before


def run() -> list[Row]:
    try:
        admin = sqlalchemy.create_engine(PG_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
            conn.exec_driver_sql(f"CREATE DATABASE {DATABASE}")
    except Exception as exc:  # PostgreSQL not reachable: say so in the table
        return [Row("scale-out", f"skipped: {type(exc).__name__}", 0, "")]
    url = PG_URL.rsplit("/", 1)[0] + "/" + DATABASE
    try:
        driver.seed(url)
        one, before_one = _measure(url, 1)
        two, before_two = _measure(url, 2)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
    ratio = two.throughput / one.throughput if one.throughput else 0.0
    return [
        Row("scale-out", f"1 instance, {CLIENTS} clients: answers/s ({before_one})", one.throughput, "/s"),
        Row("scale-out", "1 instance: ack p99", one.quantile(0.99) * 1000, "ms"),
        Row("scale-out", f"2 instances: answers/s ({before_two})", two.throughput, "/s",
            floor=one.throughput),
        Row("scale-out", "2 instances: ack p99", two.quantile(0.99) * 1000, "ms"),
        Row("scale-out", "2 instances ÷ 1: throughput", ratio, "×", "> 1 (more answers with two)", ratio > 1),
        Row("scale-out", "refused or failed requests; answers missing", one.errors + one.unanswered + two.errors
            + two.unanswered, "", "0", one.errors + one.unanswered + two.errors + two.unanswered == 0),
    ]
