"""The market rollup read by kind and day range (`/market trend`, the market view): a covering index, so a year
of one kind is one index range instead of every day of every key.

Revision ID: 0020m_market_trend_index
Revises: 0020m_accounts
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0020m_market_trend_index"
down_revision: str | None = "0020m_accounts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = ["team_id", "kind", "day", "key", "currency", "deals", "amount_cents"]


def upgrade() -> None:
    op.create_index("ix_dealmarketday_kind_day", "dealmarketday", COLUMNS)


def downgrade() -> None:
    op.drop_index("ix_dealmarketday_kind_day", table_name="dealmarketday")
