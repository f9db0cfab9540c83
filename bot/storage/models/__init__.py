"""Every table the bot keeps. Importing this package registers them all on `SQLModel.metadata`,
which is what Alembic compares the migrations against."""

from bot.storage.models.assessment import Assessment, AssessmentStatus, PlanStateRecord, Referral
from bot.storage.models.checkin import CheckinRecord
from bot.storage.models.coaching import Profile, TaskLog
from bot.storage.models.conversation import ConversationState, UserData
from bot.storage.models.kujala import KujalaRun, KujalaStatus
from bot.storage.models.reminders import Delivery, Reminder
from bot.storage.models.user import User

__all__ = [
    "Assessment",
    "AssessmentStatus",
    "CheckinRecord",
    "ConversationState",
    "Delivery",
    "KujalaRun",
    "KujalaStatus",
    "PlanStateRecord",
    "Profile",
    "Referral",
    "Reminder",
    "TaskLog",
    "User",
    "UserData",
]
