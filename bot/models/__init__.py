"""Every table the bot keeps. Importing this package registers them all on `SQLModel.metadata`,
which is what Alembic compares the migrations against."""

from bot.models.coaching import Profile, TaskLog
from bot.models.conversation import ConversationState, UserData
from bot.models.user import User

__all__ = ["ConversationState", "Profile", "TaskLog", "User", "UserData"]
