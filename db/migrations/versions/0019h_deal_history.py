"""Deal history: one append-only `deal_change` row each time an import (or a CRM sync, through the same writer)
sees a deal for the first time or sees its stage, amount/currency, close date or owner change.

Each row holds the deal's state after the change and, except for the first sighting, the state before it, so
"the pipeline on a past date", slips and stage moves are read from the rows of a period without replaying a
deal's whole life. No foreign keys: the rows outlive what they describe, and a check per row would cost the
1M-row import a lookup each.

Revision ID: 0019h_deal_history
Revises: 0019r_review
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019h_deal_history"
down_revision: str | None = "0019r_review"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "deal_change",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("deal_id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("stage", sa.String(length=100), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("amount_cents", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("close_date", sa.Date(), nullable=True),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("prev_stage", sa.String(length=100), nullable=True),
        sa.Column("prev_status", sa.String(length=8), nullable=True),
        sa.Column("prev_amount_cents", sa.BigInteger(), nullable=True),
        sa.Column("prev_currency", sa.String(length=3), nullable=True),
        sa.Column("prev_close_date", sa.Date(), nullable=True),
        sa.Column("prev_owner_id", sa.Integer(), nullable=True),
    )
    # what changed in a period / since a date (pipeline then, conversion, slips, recent movers)
    op.create_index("ix_deal_change_team_seen", "deal_change", ["team_id", "seen_at"])
    # one deal's life (time in stage, last change of a stalled deal)
    op.create_index("ix_deal_change_deal_seen", "deal_change", ["deal_id", "seen_at"])


def downgrade() -> None:
    op.drop_index("ix_deal_change_deal_seen", table_name="deal_change")
    op.drop_index("ix_deal_change_team_seen", table_name="deal_change")
    op.drop_table("deal_change")
