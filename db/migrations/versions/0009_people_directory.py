"""People directory: what Slack says about each member (real name, Slack display name, handle), and when the
workspace's directory (users.list) was last read.

Revision ID: 0009_people_directory
Revises: 0008_exchange_rates
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0009_people_directory"
down_revision: str | None = "0008_exchange_rates"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("member") as batch:
        batch.add_column(sa.Column("real_name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False,
                                   server_default=""))
        batch.add_column(sa.Column("slack_display_name", sqlmodel.sql.sqltypes.AutoString(length=200),
                                   nullable=False, server_default=""))
        batch.add_column(sa.Column("handle", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False,
                                   server_default=""))
    with op.batch_alter_table("workspace") as batch:
        batch.add_column(sa.Column("directory_synced_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("workspace") as batch:
        batch.drop_column("directory_synced_at")
    with op.batch_alter_table("member") as batch:
        batch.drop_column("handle")
        batch.drop_column("slack_display_name")
        batch.drop_column("real_name")
