"""profiles.exercise_reminders_enabled and checkin_reminders_enabled: a switch per nudge kind
for /settings (icing already has one)

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


def downgrade() -> None:
    with op.batch_alter_table("profiles") as batch:
        batch.drop_column("checkin_reminders_enabled")
        batch.drop_column("exercise_reminders_enabled")
