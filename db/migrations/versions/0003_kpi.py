"""KPI engine: a covering index for revenue per rep over a period (leaderboards, breakdowns by rep)

On 1M deals a quarter's revenue by rep takes ~7 ms with it and ~58 ms without (SQLite reads the table for
owner_id). Chained after 0005_checkin only because two heads would stop every `salesbot migrate` in the
shared tree; the lead re-chains migrations when merging.

Revision ID: 0003_kpi
Revises: 0005_checkin
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0003_kpi"
down_revision: str | None = "0005_checkin"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_deal_team_status_close_owner", "deal", ["team_id", "status", "close_date", "owner_id", "amount_cents"]
    )


def downgrade() -> None:
    op.drop_index("ix_deal_team_status_close_owner", table_name="deal")
