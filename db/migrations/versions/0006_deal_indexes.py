"""Drop ix_deal_team_status_close: ix_deal_team_status_close_owner (0003_kpi) covers the same queries.

Every secondary index costs every deal write; on a 1M-row import one 5-column index costs ~1.8 s.

Revision ID: 0006_deal_indexes
Revises: 0003_kpi
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0006_deal_indexes"
down_revision: str | None = "0003_kpi"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_index("ix_deal_team_status_close", table_name="deal")


def downgrade() -> None:
    op.create_index("ix_deal_team_status_close", "deal", ["team_id", "status", "close_date", "amount_cents"])
