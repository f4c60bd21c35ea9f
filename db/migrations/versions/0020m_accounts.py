"""Account attributes (sector, region, employees, annual revenue) and the deal-account link for /market trend.

Revision ID: 0020m_accounts
Revises: 0020i_plan_versions
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020m_accounts"
down_revision: str | None = "0020i_plan_versions"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "account",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("key", sa.String(length=300), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("sector", sa.String(length=200), nullable=False),
        sa.Column("region", sa.String(length=200), nullable=False),
        sa.Column("employees", sa.BigInteger(), nullable=True),
        sa.Column("revenue_cents", sa.BigInteger(), nullable=True),
        sa.Column("revenue_currency", sa.String(length=3), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("team_id", "key", name="uq_account_key"),
    )
    op.create_table(
        "dealaccount",
        sa.Column("team_id", sa.String(length=32), primary_key=True),
        sa.Column("name", sa.String(length=300), primary_key=True),
        sa.Column("account_id", sa.Integer(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("dealaccount")
    op.drop_table("account")
