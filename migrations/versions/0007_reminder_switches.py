"""profiles: a switch per nudge kind for /settings (icing already has one), and the weekly
summary's switch, day and time

Revision ID: 0007
Revises: 0006
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Existing runners keep every nudge they had.
    for column in ("exercise_reminders_enabled", "checkin_reminders_enabled"):
        op.add_column(
            "profiles",
            sa.Column(column, sa.Boolean(), nullable=False, server_default=sa.true()),
        )
    op.add_column(
        "profiles",
        sa.Column(
            "weekly_summary_enabled", sa.Boolean(), nullable=False, server_default=sa.true()
        ),
    )
    # Sunday (Monday = 0) at 19:00 local, the default for everyone until they choose.
    op.add_column(
        "profiles",
        sa.Column("weekly_summary_day", sa.Integer(), nullable=False, server_default="6"),
    )
    op.add_column(
        "profiles",
        sa.Column("weekly_summary_time", sa.Time(), nullable=False, server_default="19:00:00"),
    )


def downgrade() -> None:
    with op.batch_alter_table("profiles") as batch:
        batch.drop_column("weekly_summary_time")
        batch.drop_column("weekly_summary_day")
        batch.drop_column("weekly_summary_enabled")
        batch.drop_column("checkin_reminders_enabled")
        batch.drop_column("exercise_reminders_enabled")
