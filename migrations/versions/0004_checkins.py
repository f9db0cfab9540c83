"""daily check-ins (check-ins and nudges issue)

Revision ID: 0004
Revises: 0003
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import bot.storage.models.types

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "checkins",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("local_date", sa.Date(), nullable=False),
        sa.Column("pain_now", sa.Integer(), nullable=True),
        sa.Column("worst_pain_24h", sa.Integer(), nullable=True),
        sa.Column("activity_pain", sa.Integer(), nullable=True),
        sa.Column("morning_vs_usual", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=True),
        sa.Column("swelling", sa.Boolean(), nullable=True),
        sa.Column("exercises_done", sa.Boolean(), nullable=True),
        sa.Column("running_minutes", sa.Integer(), nullable=True),
        sa.Column("red_flags", sa.JSON(), nullable=False),
        sa.Column("run_gate_passed", sa.Boolean(), nullable=True),
        sa.Column("decision", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
        sa.Column("rule_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("state_before", sa.JSON(), nullable=True),
        sa.Column("state_after", sa.JSON(), nullable=True),
        sa.Column("draft", sa.JSON(), nullable=True),
        sa.Column("current_question", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("completed_at", bot.storage.models.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", bot.storage.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", bot.storage.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("user_id", "local_date"),
    )


def downgrade() -> None:
    op.drop_table("checkins")
