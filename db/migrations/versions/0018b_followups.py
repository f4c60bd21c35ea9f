"""CRM follow-up reminders: what a deal's next step is and when it is due, when it last moved in the CRM, and
the workspace's reminder setting.

`deal` gains `next_step` ('' when the file has none), `next_step_date` and `last_activity_date` (NULL when the
file has none). `followupsetting`: one row per workspace that turned reminders on or off (`/followup`), with
the days without movement that make a deal stale and the local time of the morning DM.

Revision ID: 0018b_followups
Revises: 0018_market
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018b_followups"
down_revision: str | None = "0018_market"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("deal") as batch:
        batch.add_column(sa.Column("next_step", sa.String(length=300), nullable=False, server_default=""))
        batch.add_column(sa.Column("next_step_date", sa.Date(), nullable=True))
        batch.add_column(sa.Column("last_activity_date", sa.Date(), nullable=True))
    op.create_table(
        "followupsetting",
        sa.Column("team_id", sa.String(length=32), primary_key=True),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("stale_days", sa.Integer(), nullable=False),
        sa.Column("time_of_day", sa.String(length=5), nullable=False),
        sa.Column("updated_by", sa.String(length=32), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("followupsetting")
    with op.batch_alter_table("deal") as batch:
        batch.drop_column("last_activity_date")
        batch.drop_column("next_step_date")
        batch.drop_column("next_step")
