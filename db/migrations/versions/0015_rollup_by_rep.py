"""The rollup grows two parts the KPI engine reads (db/rollup.py, reports/kpi_rollup.py):

- `dealday` rows of kinds 'open' (the deals open now, by created date) and 'started' (closed deals by the earlier
  of their created and close dates): the team's pipeline at any period's end is read from them and the won and
  lost rows instead of every open deal. No schema change: `kind` gains two values.
- `dealrepmonth`: deals won and lost per rep, month of the close date and currency; a breakdown by rep (and the
  leaderboard) reads ~15,000 rows a quarter instead of every deal closed in it, the days at the edges of a
  period and months in which a rate changes mid-month from the deals.

Both are kept valid by the `dealdaystate` row and the triggers of 0012_deal_rollup (a refresh rebuilds them
together); every workspace whose rollup was up to date is rebuilt here (a rollup without them must not be read
as complete).

Revision ID: 0015_rollup_by_rep
Revises: 0017_feedback_link
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015_rollup_by_rep"
down_revision: str | None = "0017_feedback_link"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "dealrepmonth",
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("owner_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("deals", sa.BigInteger(), nullable=False),
        sa.Column("amount_cents", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("team_id", "kind", "month", "owner_id", "currency"),
    )
    from db.rollup import refresh

    bind = op.get_bind()
    for team_id, refreshed_at in bind.execute(sa.text("SELECT team_id, refreshed_at FROM dealdaystate")).all():
        refresh(bind, team_id)
        # The deals did not change: keep the state's time, which the market rollup's validity refers to
        # (db/market_rollup.py), so /market keeps reading its own rollup.
        bind.execute(sa.text("UPDATE dealdaystate SET refreshed_at = :at WHERE team_id = :t"),
                     {"at": refreshed_at, "t": team_id})


def downgrade() -> None:
    op.drop_table("dealrepmonth")
    op.execute("DELETE FROM dealday WHERE kind IN ('open', 'started')")
