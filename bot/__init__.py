"""Knee Coach: a Telegram bot that coaches runners through runner's knee."""
