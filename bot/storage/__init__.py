"""Storage: the database (one session factory) and the tables. Below the services; knows
nothing of Telegram or of the flows."""
