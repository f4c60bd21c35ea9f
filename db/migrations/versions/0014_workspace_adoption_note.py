"""The adoption note ("this workspace now holds the data imported before Slack was connected") is stored
with the workspace until the first reply says it, so any instance serving that reply can.

Revision ID: 0014_workspace_adoption_note
Revises: 0013_delivery_first_attempt
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014_workspace_adoption_note"
down_revision: str | None = "0013_delivery_first_attempt"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("workspace") as batch:
        batch.add_column(sa.Column("adoption_note", sa.JSON(none_as_null=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("workspace") as batch:
        batch.drop_column("adoption_note")
