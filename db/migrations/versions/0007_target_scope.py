"""Targets per scope (product, account) and SMART targets that keep their base.

A product or account figure is compared only with a target of its own scope; a target derived from a base
("+10% on last quarter") keeps the base period, the base value and the rule so answers can show them.

Revision ID: 0007_target_scope
Revises: 0006_deal_indexes
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0007_target_scope"
down_revision: str | None = "0006_deal_indexes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_OLD_KEY = ["team_id", "member_id", "metric", "period_start", "period_end"]
_NEW_KEY = ["team_id", "member_id", "product", "account", "metric", "period_start", "period_end"]


def upgrade() -> None:
    with op.batch_alter_table("target", schema=None) as batch_op:
        batch_op.add_column(sa.Column("product", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True))
        batch_op.add_column(sa.Column("account", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True))
        batch_op.add_column(sa.Column("base_start", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("base_end", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("base_cents", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("growth_kind", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=True))
        batch_op.add_column(sa.Column("growth_bp", sa.Integer(), nullable=True))
        batch_op.drop_constraint("uq_target", type_="unique")
        batch_op.create_unique_constraint("uq_target", _NEW_KEY)


def downgrade() -> None:
    with op.batch_alter_table("target", schema=None) as batch_op:
        batch_op.drop_constraint("uq_target", type_="unique")
        batch_op.create_unique_constraint("uq_target", _OLD_KEY)
        for column in ("growth_bp", "growth_kind", "base_cents", "base_end", "base_start", "account", "product"):
            batch_op.drop_column(column)
