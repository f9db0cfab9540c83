"""Reminder use cases: which reminders a user needs (planner), when they fire (rules), the
dispatcher that claims, decides and records them, and what a press on a nudge does (actions)."""
