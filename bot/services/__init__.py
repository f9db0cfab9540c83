"""Use cases the Telegram layer calls: each takes a session and plain values, never an Update."""
