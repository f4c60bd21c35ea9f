"""Many workspaces: Slack OAuth installations (bot tokens encrypted) and the install flow's one-time states.

Revision ID: 0020o_slack_installations
Revises: 0020i_incentives
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020o_slack_installations"
down_revision: str | None = "0020i_incentives"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "slackinstallation",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("enterprise_id", sa.String(length=32), nullable=True),
        sa.Column("team_name", sa.String(length=200), nullable=False),
        sa.Column("app_id", sa.String(length=32), nullable=True),
        sa.Column("bot_id", sa.String(length=32), nullable=True),
        sa.Column("bot_user_id", sa.String(length=32), nullable=True),
        sa.Column("bot_scopes", sa.Text(), nullable=False),
        sa.Column("installer_user_id", sa.String(length=32), nullable=True),
        sa.Column("secret", sa.Text(), nullable=False),
        sa.Column("token_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("installed_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("team_id", name="uq_slack_installation_team"),
    )
    op.create_table(
        "slackoauthstate",
        sa.Column("state_hash", sa.String(length=64), primary_key=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("slackoauthstate")
    op.drop_table("slackinstallation")
