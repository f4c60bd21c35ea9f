"""Incentives and appraisal: commission plans (team or per rep), teamwork ratings per rep and period, and the
shout-out setting (recognition when a rep passes a target).

Revision ID: 0020i_incentives
Revises: 0019c_team_requests
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020i_incentives"
down_revision: str | None = "0019c_team_requests"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "commissionplan",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("scope", sa.String(length=16), nullable=False),
        sa.Column("member_id", sa.Integer(), sa.ForeignKey("member.id"), nullable=True),
        sa.Column("rate_ppm", sa.Integer(), nullable=False),
        sa.Column("tiers", sa.JSON(), nullable=False),
        sa.Column("accelerator_milli", sa.Integer(), nullable=True),
        sa.Column("cap_cents", sa.BigInteger(), nullable=True),
        sa.Column("bonus_cents", sa.BigInteger(), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("updated_by", sa.String(length=32), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("team_id", "scope", name="uq_commission_plan"),
    )
    op.create_table(
        "teamworkrating",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("member_id", sa.Integer(), sa.ForeignKey("member.id"), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("rating", sa.Integer(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("rated_by", sa.String(length=32), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("team_id", "member_id", "period_start", "period_end", name="uq_teamwork_rating"),
    )
    op.create_table(
        "shoutoutsetting",
        sa.Column("team_id", sa.String(length=32), primary_key=True),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("channel_id", sa.String(length=32), nullable=True),
        sa.Column("updated_by", sa.String(length=32), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("shoutoutsetting")
    op.drop_table("teamworkrating")
    op.drop_table("commissionplan")
