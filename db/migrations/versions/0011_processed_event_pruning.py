"""Index `processedevent` by when a row was recorded, so the scheduler can prune what is past its use.

Revision ID: 0011_processed_event_pruning
Revises: 0010_merge_duplicate_members
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0011_processed_event_pruning"
down_revision: str | None = "0010_merge_duplicate_members"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_processedevent_received_at", "processedevent", ["received_at"])


def downgrade() -> None:
    op.drop_index("ix_processedevent_received_at", table_name="processedevent")
