"""referrals.stage_before and referrals.cleared_at: a referral is not a dead end

Revision ID: 0008
Revises: 0007
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import bot.storage.models.types

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "referrals",
        sa.Column("stage_before", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
    )
    op.add_column(
        "referrals",
        sa.Column("cleared_at", bot.storage.models.types.UTCDateTime(), nullable=True),
    )


def downgrade() -> None:
    with op.batch_alter_table("referrals") as batch:
        batch.drop_column("cleared_at")
        batch.drop_column("stage_before")
