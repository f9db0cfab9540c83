"""The `knee-coach` command: run the bot, try it in a sandbox, manage the database and content.

Operator mistakes and start-up failures (no token, a token Telegram rejects, Telegram out of
reach, a wrong DATABASE_URL) end in one clear line and exit status 2, never a traceback or a
secret.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from pydantic import ValidationError

from bot.db import Database, DatabaseUrlError
from bot.settings import Settings

EXIT_CONFIG = 2

NO_TOKEN_HELP = """\
Knee Coach needs a Telegram bot token to run, and {problem}.
Get one from @BotFather in Telegram: send /newbot, pick a name, and copy the token it gives you
(it looks like 123456789:AAE...). Put it in a file named .env next to where you run the bot, as
    TELEGRAM_BOT_TOKEN=123456789:AAE...
or export TELEGRAM_BOT_TOKEN in your shell (see .env.example for every setting).
To try the bot without a token or network, run: knee-coach sandbox"""


def _fail(message: str) -> int:
    print(message, file=sys.stderr)
    return EXIT_CONFIG


def _load_settings() -> Settings:
    return Settings()


def cmd_run(args: argparse.Namespace) -> int:
    """Run the bot with long polling until SIGINT or SIGTERM."""
    from bot.runner import StartupError, run_polling

    settings = _load_settings()
    if settings.telegram_bot_token is None or not settings.telegram_bot_token.get_secret_value():
        return _fail(NO_TOKEN_HELP.format(problem="TELEGRAM_BOT_TOKEN is not set"))
    if not settings.token_is_well_formed():
        return _fail(
            NO_TOKEN_HELP.format(
                problem="the TELEGRAM_BOT_TOKEN given does not look like a BotFather token"
            )
        )
    try:
        db = Database.from_url(settings.database_url)
        db.upgrade()
    except DatabaseUrlError as exc:
        return _fail(str(exc))
    except Exception as exc:  # the driver's own errors: unreachable host, bad password, ...
        return _fail(
            f"Cannot open the database at DATABASE_URL ({type(exc).__name__}); "
            "check the URL, that the server is running and the credentials."
        )
    try:
        run_polling(settings, db, wait_for_telegram=args.wait_for_telegram)
    except StartupError as exc:
        return _fail(str(exc))
    return 0


def cmd_sandbox(args: argparse.Namespace) -> int:
    """Chat with the real bot in this terminal: no token, no network."""
    from bot.sandbox import run_sandbox

    return run_sandbox(database_url=args.database_url, user_id=args.user_id)


def cmd_db_upgrade(_args: argparse.Namespace) -> int:
    """Apply pending migrations to DATABASE_URL."""
    try:
        db = Database.from_url(_load_settings().database_url)
        db.upgrade()
    except DatabaseUrlError as exc:
        return _fail(str(exc))
    except Exception as exc:
        return _fail(f"Cannot upgrade the database at DATABASE_URL ({type(exc).__name__}).")
    print("Database is up to date.")
    return 0


def cmd_db_revision(args: argparse.Namespace) -> int:
    """Autogenerate a migration from the models against a scratch, fully migrated SQLite file."""
    import tempfile
    from pathlib import Path

    from alembic import command

    from bot.db import alembic_config
    from bot.resources import migrations_dir

    with tempfile.TemporaryDirectory() as scratch:
        db = Database.from_url(f"sqlite:///{Path(scratch) / 'scratch.db'}")
        db.upgrade()
        # Sequential ids ("0002", "0003", ...) keep the history readable in a file listing.
        versions = migrations_dir() / "versions"
        next_id = f"{len(list(versions.glob('[0-9][0-9][0-9][0-9]_*.py'))) + 1:04d}"
        command.revision(
            alembic_config(db.engine), message=args.message, autogenerate=True, rev_id=next_id
        )
        db.dispose()
    return 0


def cmd_content_check(_args: argparse.Namespace) -> int:
    """Validate every content file (clinical content and the flows' copy); print a summary."""
    from bot.coaching.check import main_check
    from bot.coaching.content import ContentError
    from bot.copy_files import load_all_copy

    status = main_check()
    if status != 0:
        return status
    try:
        copy_files = load_all_copy()
    except ContentError as exc:
        print(exc, file=sys.stderr)
        return 1
    print("Copy OK: " + ", ".join(copy_files))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="knee-coach", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)

    run = commands.add_parser("run", help="run the bot (long polling)")
    run.add_argument(
        "--wait-for-telegram",
        type=float,
        default=30.0,
        metavar="SECONDS",
        help="keep retrying a Telegram that cannot be reached at start-up this long before "
        "giving up with exit status 2 (default: %(default)s)",
    )
    run.set_defaults(func=cmd_run)

    sandbox = commands.add_parser("sandbox", help="chat with the bot in this terminal")
    sandbox.add_argument(
        "--database-url",
        default="sqlite:///data/sandbox.db",
        help="database for the sandbox (default: %(default)s)",
    )
    sandbox.add_argument("--user-id", type=int, default=1001, help="your pretend Telegram id")
    sandbox.set_defaults(func=cmd_sandbox)

    db = commands.add_parser("db", help="database commands").add_subparsers(
        dest="db_command", required=True
    )
    db.add_parser("upgrade", help="apply pending migrations").set_defaults(func=cmd_db_upgrade)
    revision = db.add_parser("revision", help="autogenerate a migration (developers)")
    revision.add_argument("-m", "--message", required=True)
    revision.set_defaults(func=cmd_db_revision)

    content = commands.add_parser("content", help="content commands").add_subparsers(
        dest="content_command", required=True
    )
    content.add_parser("check", help="validate content/ and summarise it").set_defaults(
        func=cmd_content_check
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = _load_settings()
    except ValidationError as exc:
        fields = ", ".join(".".join(str(p) for p in err["loc"]).upper() for err in exc.errors())
        return _fail(f"Invalid setting(s): {fields}. See .env.example for the expected format.")
    from bot.logging_setup import configure_logging

    # The sandbox shares the terminal with the chat, so only warnings are shown there.
    token = settings.telegram_bot_token
    configure_logging(
        "WARNING" if args.command == "sandbox" else settings.log_level,
        secrets=[token.get_secret_value()] if token else [],
    )
    result: int = args.func(args)
    return result


if __name__ == "__main__":
    sys.exit(main())
