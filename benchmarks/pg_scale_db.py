"""The benchmark's own PostgreSQL database (never the suite's): created, filled once, kept while it is safe.

`SALESBOT_BENCH_PG_URL` (default postgresql+psycopg://postgres@127.0.0.1:5432/salesbot_bench) names it; the
database is created on that server and filled by `benchmarks.pg_scale_data`. A finished fill writes a key on
the database (`COMMENT ON DATABASE`: generator version, shape, Alembic revision, month); the next run reuses
the database only when the key is the same and the schema is still at the Alembic head, otherwise it drops
and regenerates it (a new migration, e.g. an index or a rollup, must not be measured on data it never saw).
`SALESBOT_BENCH_PG_KEEP=0` drops it at the end of the run.
"""

import os
import time
from collections.abc import Callable
from datetime import date

import psycopg
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from benchmarks.pg_scale_data import Loaded, Shape, load
from db.engine import get_engine
from db.migrate import current_revision, head_revision, upgrade
from db.rollup import refresh_team

GENERATOR_VERSION = 1  # change it when the generated data changes: the cached database is rebuilt
DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/salesbot_bench"


def bench_url() -> str:
    url = os.environ.get("SALESBOT_BENCH_PG_URL", DEFAULT_URL)
    name = make_url(url).database or ""
    if name in ("", "postgres", "test", "template0", "template1") or name.startswith("salesbot_test"):
        raise SystemExit(f"refusing to fill database {name!r}: the benchmark needs its own (e.g. salesbot_bench)")
    return url


def _admin(url: str):  # type: ignore[no-untyped-def]
    return create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")


def cache_key(shape: Shape, revision: str | None, today: date) -> str:
    return f"salesbot-bench pg_scale v{GENERATOR_VERSION} {shape.key} rev={revision} month={today:%Y-%m}"


def ensure(shape: Shape, today: date, say: Callable[[str], None]) -> tuple[str, Loaded | None]:
    """The URL of a database holding `shape` for `today`'s month; `Loaded` when it was (re)built now."""
    url = bench_url()
    name = make_url(url).database
    admin = _admin(url)
    with admin.connect() as conn:
        exists = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).first()
        comment = conn.execute(
            text("SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = :n"), {"n": name}
        ).scalar()
    engine = get_engine(url)
    if exists:
        head = head_revision(engine)
        if comment == cache_key(shape, head, today) and current_revision(engine) == head:
            say(f"reusing {name} ({comment})")
            admin.dispose()
            return url, None
        say(f"{name} is stale ({comment or 'unfinished'}); dropping it")
        drop(url)
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    upgrade(engine)
    head = current_revision(engine)
    engine.dispose()
    started = time.perf_counter()
    with psycopg.connect(make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)) as pg:
        loaded = load(pg, shape, today, say)
    started_rollup = time.perf_counter()
    for team_id in loaded.rep_ids:  # as an import does: the daily rollup the team-wide figures read
        refresh_team(engine, team_id)
    loaded.timings["rollup"] = time.perf_counter() - started_rollup
    loaded.timings["total"] = time.perf_counter() - started
    with admin.connect() as conn:
        conn.execute(text(f"COMMENT ON DATABASE \"{name}\" IS '{cache_key(shape, head, today)}'"))
    admin.dispose()
    return url, loaded


def drop(url: str) -> None:
    """Drop the benchmark database (closing this process's pooled connections to it first)."""
    get_engine(url).dispose()
    admin = _admin(url)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)'))
    admin.dispose()
