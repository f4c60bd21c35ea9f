"""Feedback themes cached in the database per period, and the per-day write counter that says when they are stale.

`feedbackday` (team, day) -> changes: how many times feedback received on that day was inserted, updated or
deleted. Triggers keep it in the writer's transaction (PostgreSQL: statement-level over transition tables, one
upsert per statement and day; SQLite: row-level), so the sum over a period's days grows with every change to the
feedback of that period — an in-place edit by a re-import included — and never otherwise.

`feedbackthemecache` (team, key) -> the themes (or quality signals) found for one set of periods and scope, with
the `stamp` (those sums) they were computed at. A cached answer is used only while its stamp is still the
current one (db/feedback_cache.py), so every process and instance shares it and none serves a stale one.

Revision ID: 0019f_feedback_theme_cache
Revises: 0018c_training
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019f_feedback_theme_cache"
down_revision: str | None = "0019s_crm_connections"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_COVER = ("team_id", "received_on", "scale", "rating", "member_id", "account", "product")


def _pg_function(rows: str) -> str:
    """A statement-level trigger function that bumps the days of the rows in transition table `feedbackday_<rows>`."""
    return f"""
CREATE FUNCTION feedbackday_bump_{rows}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO feedbackday (team_id, day, changes)
    SELECT team_id, received_on, count(*) FROM feedbackday_{rows} GROUP BY team_id, received_on ORDER BY 1, 2
    ON CONFLICT (team_id, day) DO UPDATE SET changes = feedbackday.changes + EXCLUDED.changes;
    RETURN NULL;
END
$$
"""


_PG_FUNCTIONS = [_pg_function("new"), _pg_function("old")]
_PG_TRIGGERS = [
    "CREATE TRIGGER feedbackday_insert AFTER INSERT ON feedback REFERENCING NEW TABLE AS feedbackday_new "
    "FOR EACH STATEMENT EXECUTE FUNCTION feedbackday_bump_new()",
    "CREATE TRIGGER feedbackday_update_new AFTER UPDATE ON feedback REFERENCING NEW TABLE AS feedbackday_new "
    "FOR EACH STATEMENT EXECUTE FUNCTION feedbackday_bump_new()",
    "CREATE TRIGGER feedbackday_update_old AFTER UPDATE ON feedback REFERENCING OLD TABLE AS feedbackday_old "
    "FOR EACH STATEMENT EXECUTE FUNCTION feedbackday_bump_old()",
    "CREATE TRIGGER feedbackday_delete AFTER DELETE ON feedback REFERENCING OLD TABLE AS feedbackday_old "
    "FOR EACH STATEMENT EXECUTE FUNCTION feedbackday_bump_old()",
]
_PG_TRIGGER_NAMES = ["feedbackday_insert", "feedbackday_update_new", "feedbackday_update_old", "feedbackday_delete"]


def _sqlite_bump(row: str) -> str:
    return (
        f"INSERT OR IGNORE INTO feedbackday (team_id, day, changes) VALUES ({row}.team_id, {row}.received_on, 0); "
        f"UPDATE feedbackday SET changes = changes + 1 WHERE team_id = {row}.team_id AND day = {row}.received_on;"
    )


_SQLITE_TRIGGERS = [
    f"CREATE TRIGGER feedbackday_insert AFTER INSERT ON feedback BEGIN {_sqlite_bump('NEW')} END",
    f"CREATE TRIGGER feedbackday_update AFTER UPDATE ON feedback BEGIN {_sqlite_bump('OLD')} {_sqlite_bump('NEW')} END",
    f"CREATE TRIGGER feedbackday_delete AFTER DELETE ON feedback BEGIN {_sqlite_bump('OLD')} END",
]
_SQLITE_TRIGGER_NAMES = ["feedbackday_insert", "feedbackday_update", "feedbackday_delete"]


def upgrade() -> None:
    op.create_table(
        "feedbackday",
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("changes", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("team_id", "day"),
    )
    op.create_table(
        "feedbackthemecache",
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("stamp", sa.String(length=200), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("team_id", "key"),
    )
    # The period aggregates of /feedback read this index alone (no row lookups): 4-5x faster over a year of 100k.
    op.drop_index("ix_feedback_team_date", table_name="feedback")
    op.create_index("ix_feedback_team_date_cover", "feedback", list(_COVER))
    op.execute(
        "INSERT INTO feedbackday (team_id, day, changes) "
        "SELECT team_id, received_on, count(*) FROM feedback GROUP BY team_id, received_on"
    )
    if op.get_bind().dialect.name == "postgresql":
        for statement in _PG_FUNCTIONS + _PG_TRIGGERS:
            op.execute(statement)
    else:
        for statement in _SQLITE_TRIGGERS:
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for name in _PG_TRIGGER_NAMES:
            op.execute(f"DROP TRIGGER IF EXISTS {name} ON feedback")
        op.execute("DROP FUNCTION IF EXISTS feedbackday_bump_new()")
        op.execute("DROP FUNCTION IF EXISTS feedbackday_bump_old()")
    else:
        for name in _SQLITE_TRIGGER_NAMES:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.drop_table("feedbackthemecache")
    op.drop_table("feedbackday")
    op.drop_index("ix_feedback_team_date_cover", table_name="feedback")
    op.create_index("ix_feedback_team_date", "feedback", ["team_id", "received_on"])
