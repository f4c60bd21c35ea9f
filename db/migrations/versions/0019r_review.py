"""Review and reflection: review schedules, rounds (one per manager and period) and the actions a manager records;
check-in schedules get a purpose so a round's reflections reuse the check-in conversation.

Revision ID: 0019r_review
Revises: 0019e_target_versions
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019r_review"
down_revision: str | None = "0019e_target_versions"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("checkinschedule") as batch:
        batch.add_column(sa.Column("purpose", sa.String(length=16), nullable=False, server_default="checkin"))
    op.create_table(
        "reviewschedule",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("manager_user_id", sa.String(length=32), nullable=False),
        sa.Column("cadence", sa.String(length=16), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("team_id", "manager_user_id", "cadence", name="uq_review_schedule"),
    )
    op.create_table(
        "reviewround",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("manager_user_id", sa.String(length=32), nullable=False),
        sa.Column("cadence", sa.String(length=16), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("checkin_schedule_id", sa.Integer(), sa.ForeignKey("checkinschedule.id"), nullable=False),
        sa.Column("member_ids", sa.JSON(), nullable=False),
        sa.Column("opens_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closes_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("team_id", "manager_user_id", "period_start", "period_end", name="uq_review_round"),
    )
    op.create_index("ix_reviewround_closes_at", "reviewround", ["closes_at"])
    op.create_table(
        "reviewaction",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("manager_user_id", sa.String(length=32), nullable=False),
        sa.Column("text", sa.String(length=500), nullable=False),
        sa.Column("owner_id", sa.Integer(), sa.ForeignKey("member.id"), nullable=True),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_review_action_manager", "reviewaction", ["team_id", "manager_user_id", "status"])


def downgrade() -> None:
    op.drop_index("ix_review_action_manager", table_name="reviewaction")
    op.drop_table("reviewaction")
    op.drop_index("ix_reviewround_closes_at", table_name="reviewround")
    op.drop_table("reviewround")
    op.drop_table("reviewschedule")
    with op.batch_alter_table("checkinschedule") as batch:
        batch.drop_column("purpose")
