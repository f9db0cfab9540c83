"""the knee score (Kujala): kujala_runs, and profiles.kujala_enabled (progress issue)

Revision ID: 0006
Revises: 0005
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import bot.storage.models.types

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "kujala_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("current_question", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("score", sa.Integer(), nullable=True),
        sa.Column("red_flags", sa.JSON(), nullable=False),
        sa.Column("local_date", sa.Date(), nullable=False),
        sa.Column("started_at", bot.storage.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", bot.storage.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("finished_at", bot.storage.models.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_kujala_runs_user_id"), "kujala_runs", ["user_id"], unique=False)
    # Existing runners are offered the knee score too (it stays optional).
    op.add_column(
        "profiles",
        sa.Column("kujala_enabled", sa.Boolean(), nullable=False, server_default=sa.true()),
    )


def downgrade() -> None:
    with op.batch_alter_table("profiles") as batch:
        batch.drop_column("kujala_enabled")
    op.drop_index(op.f("ix_kujala_runs_user_id"), table_name="kujala_runs")
    op.drop_table("kujala_runs")
