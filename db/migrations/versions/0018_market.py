"""Market analysis: why deals were lost and to whom, the segment a deal belongs to, and the competitors a
manager keeps.

`deal` gains `loss_reason`, `competitor` and `segment` (the CRM's own words, '' when the file has no such
column) and one covering index for `/market`: closed deals by close date with those columns, the product,
the amount and the currency, so the market view reads no table rows. `competitor`: the names a manager keeps
(`/market competitors add X`), found in check-in answers and feedback.

Revision ID: 0018_market
Revises: 0014_workspace_adoption_note
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018_market"
down_revision: str | None = "0014_workspace_adoption_note"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MARKET_INDEX = ["team_id", "status", "close_date", "product", "segment", "loss_reason", "competitor",
                "amount_cents", "currency"]


def upgrade() -> None:
    with op.batch_alter_table("deal") as batch:
        batch.add_column(sa.Column("loss_reason", sa.String(length=200), nullable=False, server_default=""))
        batch.add_column(sa.Column("competitor", sa.String(length=200), nullable=False, server_default=""))
        batch.add_column(sa.Column("segment", sa.String(length=200), nullable=False, server_default=""))
    op.create_index("ix_deal_team_market", "deal", MARKET_INDEX)
    op.create_table(
        "competitor",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("name_key", sa.String(length=200), nullable=False),
        sa.Column("created_by", sa.String(length=32), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("team_id", "name_key", name="uq_competitor_name"),
    )


def downgrade() -> None:
    op.drop_table("competitor")
    op.drop_index("ix_deal_team_market", table_name="deal")
    with op.batch_alter_table("deal") as batch:
        batch.drop_column("segment")
        batch.drop_column("competitor")
        batch.drop_column("loss_reason")
