"""What lets resolved targets be kept between requests, and the pipeline read open deals off an index.

`targetversion` has one row per workspace with targets or exchange rates; `token` is a random number that
database triggers on `target` and `exchangerate` replace in the same transaction as any INSERT, UPDATE, DELETE
(or, on PostgreSQL, TRUNCATE) of that workspace's rows. reports/targets.py keeps resolved targets per process
under the token it read *before* reading the targets, so any writer — `/target`, an import, a rate, another
process, a hand-written SQL statement — makes every process's copy unreachable at its commit. Random, not a
counter: a counter starts again at 1 after a TRUNCATE (the test harness does that between tests) and would
meet an old copy. PostgreSQL: statement-level triggers over transition tables (one upsert per statement);
SQLite: row-level triggers (one primary-key upsert per written row).

The pipeline at the end E of a period (open now and created before E, or closed on/after E and created
before it) was one `OR` no index serves: PostgreSQL read the whole deal table whenever the rollup was stale.
It is now two reads, each index-only: `ix_deal_open` (partial: status = 'open') covers the open deals by created
date with their owner, currency, amount and stage (also the digest's open deals by stage), and
`ix_deal_team_status_close_owner` gains `created_date` as its last column, so the deals closed on/after E are
checked for "created before E" in the index.

Revision ID: 0019e_target_versions
Revises: 0018c_training
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019e_target_versions"
down_revision: str | None = "0018c_training"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TABLES = ("target", "exchangerate")
_CLOSE = ["team_id", "status", "close_date", "owner_id", "amount_cents", "currency"]
_PG_TOKEN = "(floor(random() * 9007199254740991))::bigint"
_PG_FUNCTION = f"""
CREATE FUNCTION targetversion_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        UPDATE targetversion SET token = {_PG_TOKEN};
        RETURN NULL;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO targetversion (team_id, token)
        SELECT team_id, {_PG_TOKEN} FROM (SELECT DISTINCT team_id FROM targetversion_new) n
        ON CONFLICT (team_id) DO UPDATE SET token = EXCLUDED.token;
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        INSERT INTO targetversion (team_id, token)
        SELECT team_id, {_PG_TOKEN} FROM (SELECT DISTINCT team_id FROM targetversion_old) o
        ON CONFLICT (team_id) DO UPDATE SET token = EXCLUDED.token;
    END IF;
    RETURN NULL;
END
$$
"""


def _pg_triggers(table: str) -> list[str]:
    run = "FOR EACH STATEMENT EXECUTE FUNCTION targetversion_bump()"
    return [
        f"CREATE TRIGGER {table}_version_insert AFTER INSERT ON {table} REFERENCING NEW TABLE AS targetversion_new "
        + run,
        f"CREATE TRIGGER {table}_version_update AFTER UPDATE ON {table} REFERENCING OLD TABLE AS targetversion_old "
        "NEW TABLE AS targetversion_new " + run,
        f"CREATE TRIGGER {table}_version_delete AFTER DELETE ON {table} REFERENCING OLD TABLE AS targetversion_old "
        + run,
        f"CREATE TRIGGER {table}_version_truncate AFTER TRUNCATE ON {table} " + run,
    ]


def _sqlite_bump(row: str) -> str:
    return (
        f"INSERT INTO targetversion (team_id, token) VALUES ({row}.team_id, random()) "
        "ON CONFLICT (team_id) DO UPDATE SET token = excluded.token;"
    )


def _sqlite_triggers(table: str) -> list[str]:
    return [
        f"CREATE TRIGGER {table}_version_insert AFTER INSERT ON {table} BEGIN {_sqlite_bump('NEW')} END",
        f"CREATE TRIGGER {table}_version_update AFTER UPDATE ON {table} BEGIN {_sqlite_bump('OLD')} "
        f"{_sqlite_bump('NEW')} END",
        f"CREATE TRIGGER {table}_version_delete AFTER DELETE ON {table} BEGIN {_sqlite_bump('OLD')} END",
    ]


def upgrade() -> None:
    op.create_table(
        "targetversion",
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("token", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("team_id"),
    )
    bind = op.get_bind()
    postgres = bind.dialect.name == "postgresql"
    op.execute(
        "INSERT INTO targetversion (team_id, token) SELECT team_id, "
        f"{_PG_TOKEN if postgres else 'random()'} FROM (SELECT team_id FROM target UNION SELECT team_id FROM "
        "exchangerate) teams"
    )
    if postgres:
        op.execute(_PG_FUNCTION)
    for table in _TABLES:
        for statement in _pg_triggers(table) if postgres else _sqlite_triggers(table):
            op.execute(statement)
    op.drop_index("ix_deal_team_status_close_owner", table_name="deal")
    op.create_index("ix_deal_team_status_close_owner", "deal", [*_CLOSE, "created_date"])
    op.create_index(
        "ix_deal_open",
        "deal",
        ["team_id", "created_date", "owner_id", "currency", "amount_cents", "stage"],
        postgresql_where=sa.text("status = 'open'"),
        sqlite_where=sa.text("status = 'open'"),
    )


def downgrade() -> None:
    op.drop_index("ix_deal_open", table_name="deal")
    op.drop_index("ix_deal_team_status_close_owner", table_name="deal")
    op.create_index("ix_deal_team_status_close_owner", "deal", _CLOSE)
    bind = op.get_bind()
    postgres = bind.dialect.name == "postgresql"
    for table in _TABLES:
        for event in ("insert", "update", "delete", "truncate") if postgres else ("insert", "update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS {table}_version_{event}" + (f" ON {table}" if postgres else ""))
    if postgres:
        op.execute("DROP FUNCTION IF EXISTS targetversion_bump()")
    op.drop_table("targetversion")
