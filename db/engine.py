"""Engine and sessions: SQLite by default, PostgreSQL via DATABASE_URL.

One engine per URL per process. SQLite gets WAL and a busy timeout so the scheduler thread and request
threads can write without "database is locked"; foreign keys are enforced on both databases.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import Session, create_engine


def is_sqlite(engine_or_url: Engine | str) -> bool:
    url = engine_or_url if isinstance(engine_or_url, str) else str(engine_or_url.url)
    return url.startswith("sqlite")


@lru_cache(maxsize=8)
def get_engine(url: str) -> Engine:
    """Return the process-wide engine for `url`."""
    kwargs: dict[str, Any] = {}
    if is_sqlite(url):
        # Every request thread (waitress) and every listener thread may hold a connection at once; with
        # SQLAlchemy's default of 5 + 10, a burst of commands made the acks wait for connections that answers
        # held. SQLite connections are cheap (a file handle and a page cache).
        kwargs.update(pool_size=40, max_overflow=60)
        kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
    else:
        kwargs.update(pool_size=10, max_overflow=20, pool_pre_ping=True)
    engine = create_engine(url, **kwargs)
    if is_sqlite(url):
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A session that commits on success and rolls back on error."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
