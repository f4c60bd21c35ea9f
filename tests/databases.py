"""Test databases: a migrated SQLite file per test, and one PostgreSQL database per test session.

PostgreSQL variants run against 127.0.0.1:5432 (override with SALESBOT_TEST_PG_URL). When it is not
reachable they are skipped with a notice, unless SALESBOT_REQUIRE_PG=1 (set by .ci/run) makes that a failure.
"""

import os
import shutil
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine

from db.engine import get_engine
from db.migrate import upgrade

PG_ADMIN_URL = os.environ.get("SALESBOT_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def pg_available() -> str | None:
    """None when PostgreSQL answers, else the reason."""
    try:
        eng = create_engine(PG_ADMIN_URL, connect_args={"connect_timeout": 3})
        with eng.connect() as conn:
            conn.execute(text("SELECT 1"))
        eng.dispose()
        return None
    except Exception as exc:  # any failure means: not available here
        return f"{type(exc).__name__}: {str(exc).splitlines()[0][:120]}"


def require_pg() -> None:
    reason = pg_available()
    if reason is None:
        return
    if os.environ.get("SALESBOT_REQUIRE_PG") == "1":
        pytest.fail(f"PostgreSQL is required (SALESBOT_REQUIRE_PG=1) but not reachable: {reason}")
    pytest.skip(f"PostgreSQL not reachable at {PG_ADMIN_URL}: {reason}")


class PgDatabase:
    """A throw-away database for this test session (each xdist worker gets its own)."""

    def __init__(self) -> None:
        self.name = f"salesbot_test_{uuid.uuid4().hex[:10]}"
        self.admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with self.admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{self.name}"'))
        self.url = PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + self.name
        self.migrated = False

    def fresh_engine(self) -> Engine:
        engine = get_engine(self.url)
        if not self.migrated:
            upgrade(engine)
            self.migrated = True
        else:
            truncate_all(engine)
        return engine

    def drop(self) -> None:
        get_engine(self.url).dispose()
        get_engine.cache_clear()
        with self.admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)'))
        self.admin.dispose()


def truncate_all(engine: Engine) -> None:
    from sqlmodel import SQLModel

    import db.models  # noqa: F401

    names = ", ".join(f'"{t.name}"' for t in SQLModel.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


class SqliteTemplate:
    """Migrate once, copy the file for each test: a fresh database in a millisecond."""

    def __init__(self, folder: Path) -> None:
        self.path = folder / "template.db"
        engine = create_engine(f"sqlite:///{self.path}")
        upgrade(engine)
        engine.dispose()

    def fresh_url(self, folder: Path) -> str:
        target = folder / "salesbot.db"
        shutil.copyfile(self.path, target)
        return f"sqlite:///{target}"
