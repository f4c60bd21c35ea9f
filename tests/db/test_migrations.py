"""`salesbot migrate` builds the schema from empty on both databases, and the app refuses an un-migrated one."""

import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect

from db.migrate import SchemaOutOfDate, current_revision, ensure_migrated, head_revision, upgrade
from tests.databases import PgDatabase, require_pg

TABLES = {"workspace", "member", "deal", "target", "feedback", "digestsubscription", "checkinschedule",
          "checkinschedulerep", "checkinrun", "checkinanswer", "delivery", "processedevent", "importrun"}


def _salesbot(*args: str, url: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {"DATABASE_URL": url, "PATH": "/usr/bin:/bin"}
    return subprocess.run([sys.executable, "-m", "bot.cli", *args], capture_output=True, text=True, env=env,
                          cwd=cwd, timeout=120)


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path):  # type: ignore[no-untyped-def]
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    require_pg()
    database = PgDatabase()
    yield database.url
    database.drop()


def test_migrate_from_empty_creates_every_table(empty_url: str, tmp_path: Path) -> None:
    root = Path(__file__).resolve().parents[2]
    refused = _salesbot("tick", url=empty_url, cwd=root)
    assert refused.returncode != 0
    assert "Run `salesbot migrate`" in refused.stderr and "empty database" in refused.stderr
    done = _salesbot("migrate", url=empty_url, cwd=root)
    assert done.returncode == 0, done.stderr
    engine = create_engine(empty_url)
    assert TABLES <= set(inspect(engine).get_table_names())
    assert current_revision(engine) == head_revision(engine)
    ensure_migrated(engine)  # does not raise
    again = _salesbot("migrate", url=empty_url, cwd=root)  # idempotent
    assert again.returncode == 0
    engine.dispose()


def test_an_old_revision_is_refused_with_what_to_run(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'old.db'}")
    with pytest.raises(SchemaOutOfDate, match="empty database"):
        ensure_migrated(engine)
    upgrade(engine, "0001")
    if head_revision(engine) != "0001":
        with pytest.raises(SchemaOutOfDate, match="revision 0001"):
            ensure_migrated(engine)
    upgrade(engine)
    ensure_migrated(engine)


def test_models_and_migrations_agree(tmp_path: Path) -> None:
    """Autogenerate finds nothing to do: every model change came with a migration."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext
    from sqlmodel import SQLModel

    import db.models  # noqa: F401

    engine = create_engine(f"sqlite:///{tmp_path / 'cmp.db'}")
    upgrade(engine)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)
    assert diff == []
