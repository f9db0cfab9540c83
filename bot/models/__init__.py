"""Every table the bot keeps. Importing this package registers them all on `SQLModel.metadata`,
which is what Alembic compares the migrations against."""

from bot.models.assessment import Assessment, AssessmentStatus, PlanStateRecord, Referral
from bot.models.checkin import Checkin
from bot.models.coaching import Profile, TaskLog
from bot.models.conversation import ConversationState, UserData
from bot.models.reminders import Delivery, Reminder
from bot.models.user import User

__all__ = [
    "Assessment",
    "AssessmentStatus",
    "Checkin",
    "ConversationState",
    "Delivery",
    "PlanStateRecord",
    "Profile",
    "Referral",
    "Reminder",
    "TaskLog",
    "User",
    "UserData",
]
