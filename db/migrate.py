"""Schema management with Alembic: upgrade to head, and tell whether a database is up to date.

The app refuses to start on an un-migrated database instead of failing on the first query.
"""

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Engine

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


class SchemaOutOfDate(RuntimeError):
    """The database is missing migrations; the message says what to run."""


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema of `engine`'s database up to `revision`."""
    cfg = alembic_config(str(engine.url.render_as_string(hide_password=False)))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


def head_revision(engine: Engine) -> str | None:
    return ScriptDirectory.from_config(alembic_config(str(engine.url))).get_current_head()


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def ensure_migrated(engine: Engine) -> None:
    """Raise SchemaOutOfDate unless the database is at the latest migration."""
    current, head = current_revision(engine), head_revision(engine)
    if current != head:
        where = "an empty database" if current is None else f"revision {current}"
        raise SchemaOutOfDate(
            f"The database ({engine.url.render_as_string(hide_password=True)}) is at {where}, "
            f"but this salesbot needs revision {head}. Run `salesbot migrate` (or `make migrate`) first."
        )
