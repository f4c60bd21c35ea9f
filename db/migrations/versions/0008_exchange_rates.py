"""Dated exchange rates per workspace, and the currency in the deal indexes the KPI engine reads.

`exchangerate`: one row per (workspace, reporting currency, deal currency, valid_from) with the rate in
integer micro-units. The two covering deal indexes gain `currency`, so a converted revenue total still reads
only the index (no table rows) on 1M deals.

Revision ID: 0008_exchange_rates
Revises: 0007_target_scope
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008_exchange_rates"
down_revision: str | None = "0007_target_scope"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_OWNER = ["team_id", "owner_id", "status", "close_date", "amount_cents"]
_CLOSE = ["team_id", "status", "close_date", "owner_id", "amount_cents"]


def upgrade() -> None:
    op.create_table(
        "exchangerate",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("to_currency", sa.String(length=3), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("rate_micros", sa.BigInteger(), nullable=False),
        sa.Column("created_by", sa.String(length=32), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("team_id", "to_currency", "currency", "valid_from", name="uq_exchange_rate"),
    )
    op.drop_index("ix_deal_team_owner_status_close", table_name="deal")
    op.create_index("ix_deal_team_owner_status_close", "deal", [*_OWNER, "currency"])
    op.drop_index("ix_deal_team_status_close_owner", table_name="deal")
    op.create_index("ix_deal_team_status_close_owner", "deal", [*_CLOSE, "currency"])
    bind = op.get_bind()
    analyzed = bind.dialect.name == "sqlite" and bind.execute(
        sa.text("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'")
    ).first()
    if analyzed:  # statistics of the dropped indexes went with them: without new ones the planner guesses
        op.execute("ANALYZE deal")


def downgrade() -> None:
    op.drop_index("ix_deal_team_status_close_owner", table_name="deal")
    op.create_index("ix_deal_team_status_close_owner", "deal", _CLOSE)
    op.drop_index("ix_deal_team_owner_status_close", table_name="deal")
    op.create_index("ix_deal_team_owner_status_close", "deal", _OWNER)
    op.drop_table("exchangerate")
