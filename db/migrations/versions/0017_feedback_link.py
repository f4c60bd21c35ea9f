"""Feedback keeps a link to where it was heard: the permalink of the Slack message it was logged from
("Log as customer feedback"), so the summary and alerts can lead back to the customer's own words.

Revision ID: 0017_feedback_link
Revises: 0018b_followups
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017_feedback_link"
down_revision: str | None = "0018b_followups"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("feedback") as batch:
        batch.add_column(sa.Column("link", sa.String(length=500), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("feedback") as batch:
        batch.drop_column("link")
