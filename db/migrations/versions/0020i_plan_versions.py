"""Commission plans keep their history: a version per scope and month (`valid_from`; the first version of a scope,
and every plan written before this revision, is valid from the start), and `ended` for "no plan of this scope from
then on". A statement for a past month uses the plan that was in force then.

Revision ID: 0020i_plan_versions
Revises: 0020o_slack_installations
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020i_plan_versions"
down_revision: str | None = "0020o_slack_installations"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("commissionplan") as batch:
        batch.add_column(sa.Column("valid_from", sa.Date(), nullable=False, server_default="2000-01-01"))
        batch.add_column(sa.Column("ended", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.drop_constraint("uq_commission_plan", type_="unique")
        batch.create_unique_constraint("uq_commission_plan_from", ["team_id", "scope", "valid_from"])


def downgrade() -> None:
    with op.batch_alter_table("commissionplan") as batch:
        batch.drop_constraint("uq_commission_plan_from", type_="unique")
        batch.create_unique_constraint("uq_commission_plan", ["team_id", "scope"])
        batch.drop_column("ended")
        batch.drop_column("valid_from")
