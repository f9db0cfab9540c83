"""The privacy use cases on their own: a table nobody owns is refused, never skipped."""

from __future__ import annotations

import pytest
from sqlalchemy import Column, Integer, MetaData, Table

from bot.services import privacy


def test_a_table_without_a_user_id_is_refused_not_skipped(db, monkeypatch):
    notes = Table("notes", MetaData(), Column("id", Integer, primary_key=True))
    schema = privacy.every_table()
    monkeypatch.setattr(privacy, "every_table", lambda: [*schema, notes])
    with db.session() as session, pytest.raises(privacy.UnownedTableError, match="notes"):
        privacy.forget_user(session, 7_000_000_001)
