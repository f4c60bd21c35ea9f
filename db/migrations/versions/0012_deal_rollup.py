"""A daily rollup of deals per workspace (`dealday`), with the triggers that keep it honest.

`dealday` (team, kind, day, currency) -> deals, amount: 'won' and 'lost' by close date, 'new' by created date.
The team-wide figures (revenue, deals won, win rate, average deal size, attainment, pace, new deals, weekly
revenue) read a few hundred of these rows instead of hundreds of thousands of index entries; see db/rollup.py.

`dealdaystate` holds one row per workspace whose rollup is up to date. Any INSERT, UPDATE, DELETE (or, on
PostgreSQL, TRUNCATE) of `deal` deletes the row of every workspace it touched, in the same transaction, so the
engine never reads a rollup that misses a write; `db.rollup.refresh` (run after every deal import and the
demo load) writes it back. PostgreSQL: statement-level triggers over transition tables (one execution per
statement, whatever its size); SQLite: row-level triggers (one primary-key delete per written row).

Existing workspaces get their rollup built here.

Revision ID: 0012_deal_rollup
Revises: 0011_processed_event_pruning
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012_deal_rollup"
down_revision: str | None = "0011_processed_event_pruning"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_PG_FUNCTION = """
CREATE FUNCTION dealday_forget() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        DELETE FROM dealdaystate;
        RETURN NULL;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        DELETE FROM dealdaystate s WHERE EXISTS (SELECT 1 FROM dealday_new n WHERE n.team_id = s.team_id);
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        DELETE FROM dealdaystate s WHERE EXISTS (SELECT 1 FROM dealday_old o WHERE o.team_id = s.team_id);
    END IF;
    RETURN NULL;
END
$$
"""
_PG_TRIGGERS = [
    "CREATE TRIGGER dealday_forget_insert AFTER INSERT ON deal REFERENCING NEW TABLE AS dealday_new "
    "FOR EACH STATEMENT EXECUTE FUNCTION dealday_forget()",
    "CREATE TRIGGER dealday_forget_update AFTER UPDATE ON deal REFERENCING OLD TABLE AS dealday_old "
    "NEW TABLE AS dealday_new FOR EACH STATEMENT EXECUTE FUNCTION dealday_forget()",
    "CREATE TRIGGER dealday_forget_delete AFTER DELETE ON deal REFERENCING OLD TABLE AS dealday_old "
    "FOR EACH STATEMENT EXECUTE FUNCTION dealday_forget()",
    "CREATE TRIGGER dealday_forget_truncate AFTER TRUNCATE ON deal FOR EACH STATEMENT EXECUTE FUNCTION dealday_forget()",
]
_SQLITE_TRIGGERS = [
    "CREATE TRIGGER dealday_forget_insert AFTER INSERT ON deal BEGIN "
    "DELETE FROM dealdaystate WHERE team_id = NEW.team_id; END",
    "CREATE TRIGGER dealday_forget_update AFTER UPDATE ON deal BEGIN "
    "DELETE FROM dealdaystate WHERE team_id IN (OLD.team_id, NEW.team_id); END",
    "CREATE TRIGGER dealday_forget_delete AFTER DELETE ON deal BEGIN "
    "DELETE FROM dealdaystate WHERE team_id = OLD.team_id; END",
]
_TRIGGER_NAMES = ["dealday_forget_insert", "dealday_forget_update", "dealday_forget_delete", "dealday_forget_truncate"]


def upgrade() -> None:
    op.create_table(
        "dealday",
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("deals", sa.BigInteger(), nullable=False),
        sa.Column("amount_cents", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("team_id", "kind", "day", "currency"),
    )
    op.create_table(
        "dealdaystate",
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("deals", sa.BigInteger(), nullable=False),
        sa.Column("refreshed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("team_id"),
    )
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute(_PG_FUNCTION)
        for statement in _PG_TRIGGERS:
            op.execute(statement)
    else:
        for statement in _SQLITE_TRIGGERS:
            op.execute(statement)

    from db.rollup import refresh

    for team_id in bind.execute(sa.text("SELECT DISTINCT team_id FROM deal")).scalars().all():
        refresh(bind, team_id, by_rep=False)  # dealrepmonth comes with 0015_rollup_by_rep


def downgrade() -> None:
    bind = op.get_bind()
    for name in _TRIGGER_NAMES:
        if bind.dialect.name == "postgresql":
            op.execute(f"DROP TRIGGER IF EXISTS {name} ON deal")
        else:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    if bind.dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS dealday_forget()")
    op.drop_table("dealdaystate")
    op.drop_table("dealday")
