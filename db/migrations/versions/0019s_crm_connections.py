"""Live CRM sync: one connection per workspace and CRM (its encrypted credentials, its cursor, its lease).

Revision ID: 0019s_crm_connections
Revises: 0019h_deal_history
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019s_crm_connections"
down_revision: str | None = "0019h_deal_history"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "crmconnection",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("secret", sa.Text(), nullable=True),
        sa.Column("settings", sa.JSON(), nullable=True),
        sa.Column("cursor", sa.Text(), nullable=True),
        sa.Column("oauth_state", sa.String(length=64), nullable=True),
        sa.Column("oauth_started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("lease_holder", sa.String(length=64), nullable=True),
        sa.Column("last_sync_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_sync_status", sa.String(length=16), nullable=True),
        sa.Column("last_sync_deals", sa.Integer(), nullable=True),
        sa.Column("last_error", sa.String(length=300), nullable=True),
        sa.Column("broken_told", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("created_by", sa.String(length=32), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("team_id", "kind", name="uq_crm_connection"),
    )


def downgrade() -> None:
    op.drop_table("crmconnection")
