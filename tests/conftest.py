"""Fixtures shared by every test: databases (SQLite and PostgreSQL), the fake Slack, the app over HTTP."""

import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from bot.local_slack import LocalSlack
from tests.databases import PgDatabase, SqliteTemplate, require_pg
from tests.slack_driver import SlackDriver

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"

# Every test runs on the same calendar, whatever the date on the machine: Thursday 26 Nov 2026, 10:00 UTC
# (Q4; the last full quarter is Q3 2026). The clock keeps running from there; a test moves it with
# clock.set_now / clock.advance. `.ci/run` runs the suite again under faketime to prove nothing reads the
# system clock directly.
PINNED_NOW = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def pinned_clock() -> Iterator[datetime]:
    from db import clock

    with clock.moved_to(PINNED_NOW):
        yield PINNED_NOW


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> SqliteTemplate:
    return SqliteTemplate(tmp_path_factory.mktemp("template"))


@pytest.fixture(scope="session")
def pg_database() -> Iterator[PgDatabase]:
    require_pg()
    database = PgDatabase()
    yield database
    database.drop()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: SqliteTemplate) -> str:
    """A migrated, empty database URL; every test using it runs once per database."""
    if request.param == "sqlite":
        return sqlite_template.fresh_url(tmp_path)
    pg: PgDatabase = request.getfixturevalue("pg_database")
    pg.fresh_engine()
    return pg.url


@pytest.fixture
def engine(db_url: str) -> Engine:
    from db.engine import get_engine

    return get_engine(db_url)


@pytest.fixture
def sqlite_url(tmp_path: Path, sqlite_template: SqliteTemplate) -> str:
    """For tests that need only one database (pure logic on top of SQL already tested on both)."""
    return sqlite_template.fresh_url(tmp_path)


@pytest.fixture
def fake_slack() -> Iterator[LocalSlack]:
    with LocalSlack(team_id="T0001") as slack:
        yield slack


@pytest.fixture
def slack(fake_slack: LocalSlack, db_url: str, tmp_path: Path) -> Iterator[SlackDriver]:
    """The app in HTTP mode (waitress, signed requests) talking to the fake Slack, on each database."""
    with SlackDriver(fake_slack, db_url, files_dir=tmp_path / "files") as driver:
        yield driver


@pytest.fixture
def shared_data() -> Path:
    """../shared/data, or a visible skip (a failure under SALESBOT_REQUIRE_SHARED_DATA=1, as in CI)."""
    if SHARED_DATA.is_dir():
        return SHARED_DATA
    if os.environ.get("SALESBOT_REQUIRE_SHARED_DATA") == "1":
        pytest.fail(f"shared test data required but missing at {SHARED_DATA}")
    pytest.skip(f"shared test data not found at {SHARED_DATA}")


def _skip_reasons(terminalreporter, needle: str) -> list[str]:  # type: ignore[no-untyped-def]
    reasons = []
    for report in terminalreporter.stats.get("skipped", []):
        longrepr = getattr(report, "longrepr", None)
        text = longrepr[2] if isinstance(longrepr, tuple) else str(longrepr)
        if needle in text:
            reasons.append(text)
    return reasons


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:  # type: ignore[no-untyped-def]
    """Skips of PostgreSQL or of the shared data must be seen, not buried in the -ra list (works under xdist)."""
    pg = _skip_reasons(terminalreporter, "PostgreSQL not reachable")
    if pg:
        terminalreporter.write_sep("!", f"NOTICE: {len(pg)} PostgreSQL variants were SKIPPED", yellow=True, bold=True)
        terminalreporter.write_line(pg[0])
        terminalreporter.write_line("Start PostgreSQL (see README, 'Tests') or set SALESBOT_TEST_PG_URL.")
    data = _skip_reasons(terminalreporter, "shared test data not found")
    if data:
        terminalreporter.write_sep("!", f"NOTICE: {len(data)} tests on ../shared/data were SKIPPED", yellow=True,
                                   bold=True)
        terminalreporter.write_line(data[0])
    browser = _skip_reasons(terminalreporter, "Chromium browser test needs")
    if browser:
        terminalreporter.write_sep("!", "NOTICE: the playground's browser test was SKIPPED", yellow=True, bold=True)
        terminalreporter.write_line(browser[0])
