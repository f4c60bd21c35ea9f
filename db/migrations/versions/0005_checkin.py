"""check-in rounds (where each round's thread lives in the summary channel); ledger index by occurrence

Revision ID: 0005_checkin
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0005_checkin"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "checkinround",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("schedule_id", sa.Integer(), nullable=False),
        sa.Column("round_date", sa.Date(), nullable=False),
        sa.Column("channel_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column("thread_ts", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["schedule_id"], ["checkinschedule.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("schedule_id", "round_date", name="uq_checkin_round"),
    )
    op.create_index("ix_delivery_kind_occurrence", "delivery", ["kind", "occurrence", "status"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_delivery_kind_occurrence", table_name="delivery")
    op.drop_table("checkinround")
