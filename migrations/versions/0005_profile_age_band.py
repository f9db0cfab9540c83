"""profiles.age_band: the age band answered in onboarding, kept for the knee check

Revision ID: 0005
Revises: 0004
"""

import json
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "profiles",
        sa.Column("age_band", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
    )
    # The band used to live in PTB's user_data; carry it over so no one is asked again.
    bind = op.get_bind()
    rows = bind.execute(sa.text("SELECT user_id, data FROM user_data")).all()
    for user_id, data in rows:
        values = json.loads(data) if isinstance(data, str) else data
        band = values.get("age_band") if isinstance(values, dict) else None
        if isinstance(band, str) and len(band) <= 16:
            bind.execute(
                sa.text("UPDATE profiles SET age_band = :band WHERE user_id = :user_id"),
                {"band": band, "user_id": user_id},
            )


def downgrade() -> None:
    with op.batch_alter_table("profiles") as batch:
        batch.drop_column("age_band")
