"""Merge the members the old first contact made twice: a CRM owner row (imported, no Slack id) and a Slack
user row (no CRM name) that are the same person, by e-mail or by a unique real/display name — the rules of
db/owner_links.py. Every row that points at a member (deals, targets, feedback, check-ins, managers, ...)
moves to the Slack user's row; the owner's row is deleted. A name two people share is left for
`/salesbot link`.

Revision ID: 0010_merge_duplicate_members
Revises: 0009_people_directory
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from db.owner_links import link_owners

revision: str = "0010_merge_duplicate_members"
down_revision: str | None = "0009_people_directory"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    conn = op.get_bind()
    teams = conn.execute(sa.text("SELECT DISTINCT team_id FROM member WHERE crm_name IS NOT NULL "
                                 "AND slack_user_id IS NULL")).scalars().all()
    for team_id in teams:
        link_owners(conn, team_id)


def downgrade() -> None:
    """Merged rows stay merged (nothing tells which rows were one person's twice)."""
