"""Training and development: the sessions a manager logs (topic, kind, day) and who attended.

Revision ID: 0018c_training
Revises: 0015_rollup_by_rep
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018c_training"
down_revision: str | None = "0015_rollup_by_rep"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "trainingsession",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("topic", sa.String(length=300), nullable=False),
        sa.Column("topic_key", sa.String(length=300), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("created_by", sa.String(length=32), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("team_id", "topic_key", "day", name="uq_training_session"),
    )
    op.create_table(
        "trainingattendee",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("session_id", sa.Integer(), sa.ForeignKey("trainingsession.id"), nullable=False),
        sa.Column("member_id", sa.Integer(), sa.ForeignKey("member.id"), nullable=False),
        sa.UniqueConstraint("session_id", "member_id", name="uq_training_attendee"),
    )


def downgrade() -> None:
    op.drop_table("trainingattendee")
    op.drop_table("trainingsession")
