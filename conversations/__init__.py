"""Telegram conversation flows: one module per flow, each declaring its states in one place."""
