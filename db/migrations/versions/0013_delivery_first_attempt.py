"""When a delivery's first attempt began (real clock), so a retry reads the channel from then on.

Rows already attempted and not finished get their creation time: a retry reads from there, which is earlier
than the attempt and so misses nothing.

Revision ID: 0013_delivery_first_attempt
Revises: 0012_deal_rollup
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013_delivery_first_attempt"
down_revision: str | None = "0012_deal_rollup"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("delivery") as batch:
        batch.add_column(sa.Column("first_attempt_at", sa.DateTime(timezone=True), nullable=True))
    op.execute("UPDATE delivery SET first_attempt_at = created_at WHERE attempts > 0 AND status IN ('pending', 'sending')")


def downgrade() -> None:
    with op.batch_alter_table("delivery") as batch:
        batch.drop_column("first_attempt_at")
