"""Running the bot in production: the HTTP listener (webhook, /healthz, /readyz, /metrics), the
one-active-consumer lock, and JSON logs. Used by bot/runner.py and bot/cli.py only."""
