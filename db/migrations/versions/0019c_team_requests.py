"""Cross-team requests (`/ask`, a check-in's "support needed"), the team channel for check-in needs, and the view
a digest subscription is made for (team, or shared with marketing / product).

Revision ID: 0019c_team_requests
Revises: 0019r_review
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019c_team_requests"
down_revision: str | None = "0019f_feedback_theme_cache"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "teamrequest",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("channel_id", sa.String(length=32), nullable=False),
        sa.Column("message_ts", sa.String(length=32), nullable=True),
        sa.Column("text", sa.String(length=1000), nullable=False),
        sa.Column("account", sa.String(length=200), nullable=True),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column("member_id", sa.Integer(), sa.ForeignKey("member.id"), nullable=True),
        sa.Column("asked_by", sa.String(length=32), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False, server_default="en"),
        sa.Column("checkin_run_id", sa.Integer(), sa.ForeignKey("checkinrun.id"), nullable=True),
        sa.Column("status", sa.String(length=8), nullable=False, server_default="open"),
        sa.Column("taken_by", sa.String(length=32), nullable=True),
        sa.Column("taken_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_by", sa.String(length=32), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("checkin_run_id", name="uq_team_request_checkin_run"),
    )
    op.create_index("ix_team_request_team_status", "teamrequest", ["team_id", "status"])
    op.create_table(
        "asksetting",
        sa.Column("team_id", sa.String(length=32), primary_key=True),
        sa.Column("checkin_channel_id", sa.String(length=32), nullable=True),
        sa.Column("updated_by", sa.String(length=32), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    with op.batch_alter_table("digestsubscription") as batch:
        batch.add_column(sa.Column("view", sa.String(length=16), nullable=False, server_default="team"))


def downgrade() -> None:
    with op.batch_alter_table("digestsubscription") as batch:
        batch.drop_column("view")
    op.drop_table("asksetting")
    op.drop_index("ix_team_request_team_status", table_name="teamrequest")
    op.drop_table("teamrequest")
