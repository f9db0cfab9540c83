"""Reminders: the local-time rules, the planner that keeps a user's reminder rows, the one
dispatcher that sends what is due, and the sender that talks to Telegram.

Importing the package installs the planner's hook that re-plans reminders when a user's plan
stage changes. See docs/scheduling.md.
"""

from bot.scheduling import planner as planner  # installs the stage-change hook
