"""Market analysis: why deals were lost and to whom, the segment a deal belongs to, and the competitors a
manager keeps.

`deal` gains `loss_reason`, `competitor` and `segment` (the CRM's own words, '' when the file has no such
column). No new index on `deal`: a wider covering index there is what the SQLite planner then picks for the
revenue queries too; the team-wide market view reads its own daily rollup instead (`dealmarketday` /
`dealmarketstate`, db/market_rollup.py). `competitor`: the names a manager keeps (`/market competitors add X`),
found in check-in answers and feedback.

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

def upgrade() -> None:
    with op.batch_alter_table("deal") as batch:
        batch.add_column(sa.Column("loss_reason", sa.String(length=200), nullable=False, server_default=""))
        batch.add_column(sa.Column("competitor", sa.String(length=200), nullable=False, server_default=""))
        batch.add_column(sa.Column("segment", sa.String(length=200), nullable=False, server_default=""))
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
    op.create_table(
        "dealmarketday",
        sa.Column("team_id", sa.String(length=32), primary_key=True),
        sa.Column("kind", sa.String(length=16), primary_key=True),
        sa.Column("key", sa.String(length=300), primary_key=True),
        sa.Column("day", sa.Date(), primary_key=True),
        sa.Column("currency", sa.String(length=3), primary_key=True),
        sa.Column("deals", sa.BigInteger(), nullable=False),
        sa.Column("amount_cents", sa.BigInteger(), nullable=False),
    )
    op.create_table(
        "dealmarketstate",
        sa.Column("team_id", sa.String(length=32), primary_key=True),
        sa.Column("built_from", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("dealmarketstate")
    op.drop_table("dealmarketday")
    op.drop_table("competitor")
    with op.batch_alter_table("deal") as batch:
        batch.drop_column("segment")
        batch.drop_column("competitor")
        batch.drop_column("loss_reason")
