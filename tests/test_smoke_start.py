from sqlmodel import select

from bot.storage.models import User


async def test_start_greets_and_stores(harness, db):
    user = harness.user(42, first_name="Ann")
    await user.send("/start")
    assert "Knee Coach" in user.last_text
    with db.session() as s:
        assert len(s.exec(select(User)).all()) == 1
