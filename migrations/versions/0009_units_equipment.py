"""profiles: the runner's units (None: their country's default) and the kit they have

Revision ID: 0009
Revises: 0008
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_KIT = ("has_foam_roller", "has_ball", "has_band")


def upgrade() -> None:
    op.add_column("profiles", sa.Column("units", sa.String(length=8), nullable=True))
    # Existing runners keep the plan they had, which assumed every piece of kit.
    for column in _KIT:
        op.add_column(
            "profiles",
            sa.Column(column, sa.Boolean(), nullable=False, server_default=sa.true()),
        )


def downgrade() -> None:
    with op.batch_alter_table("profiles") as batch:
        for column in reversed(_KIT):
            batch.drop_column(column)
        batch.drop_column("units")
