"""The `knee-coach` command: run the bot, try it in a sandbox, manage the database and content.

Operator mistakes and start-up failures (no token, a token Telegram rejects, Telegram or the
database out of reach, a wrong DATABASE_URL or password) end in one clear line and exit status 2,
never a traceback or a secret.
"""

from __future__ import annotations

import argparse
import logging
import re
import sys
from collections.abc import Sequence

from alembic.util.exc import CommandError
from pydantic import ValidationError
from sqlalchemy import text
from sqlalchemy.engine import make_url

from bot.settings import Settings
from bot.storage.db import Database, DatabaseUrlError, EngineOptions, normalise_url

EXIT_CONFIG = 2
EXIT_BUG = 1
EXIT_INTERRUPTED = 130  # the shell's convention for Ctrl-C

# Named, not __name__: run as `python -m bot.cli` this module is "__main__".
log = logging.getLogger("bot.cli")

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


def _open_database(database_url: str, options: EngineOptions | None = None) -> Database:
    """Open DATABASE_URL and apply pending migrations (two processes starting together take
    turns: see migrations/env.py).

    Raises `DatabaseUrlError` with one line naming the cause (server unreachable, login
    refused, no such database, SQLite file locked or unwritable, ...), never the password.
    """
    db: Database | None = None
    try:
        db = Database.from_url(database_url, options)
        db.upgrade()
    except DatabaseUrlError:
        raise
    except Exception as exc:  # the driver's own errors, told apart below
        if db is not None:
            db.dispose()
        raise DatabaseUrlError(explain_database_failure(exc, database_url)) from None
    return db


# libpq's wording (connection errors carry no SQLSTATE; English server messages assumed).
_PG_UNREACHABLE = {
    "connection refused": "connection refused",
    "could not translate host name": "host name not found",
    "failed to resolve host": "host name not found",
    "name or service not known": "host name not found",
    "timeout expired": "timed out",
    "timed out": "timed out",
    "no route to host": "no route to host",
    "network is unreachable": "network unreachable",
    "server closed the connection unexpectedly": "the server closed the connection",
}


def explain_database_failure(error: BaseException, database_url: str) -> str:
    """One line for an operator on why DATABASE_URL could not be opened or migrated.

    Built from the parsed URL (host, port, user, database name) and the driver's error code
    or wording, so the password is never part of it.
    """
    url = make_url(normalise_url(database_url))
    cause = getattr(error, "orig", None) or error  # SQLAlchemy wraps the driver's exception
    detail = str(cause).lower()
    if isinstance(error, CommandError) and "can't locate revision" in detail:
        return (
            "The database at DATABASE_URL was migrated by a newer Knee Coach (its schema "
            "revision is unknown here); run the newer version, or restore a backup."
        )
    if url.get_backend_name() == "sqlite":
        return _explain_sqlite(cause, detail, url.database or "")
    where = f"{url.host or 'localhost'}:{url.port or 5432}"
    user, name = url.username or "(none)", url.database or "(none)"
    sqlstate = getattr(cause, "sqlstate", None)
    if sqlstate == "28P01" or "password authentication failed" in detail:
        return (
            f"PostgreSQL at {where} rejected the password for user '{user}': "
            "check the user and password in DATABASE_URL."
        )
    if "no password supplied" in detail:
        return (
            f"PostgreSQL at {where} wants a password for user '{user}', "
            "and DATABASE_URL has none (postgresql://user:password@host/dbname)."
        )
    if sqlstate == "28000" or "pg_hba.conf" in detail:
        return (
            f"PostgreSQL at {where} does not let user '{user}' connect to '{name}' from "
            "here: check the user in DATABASE_URL and the server's pg_hba.conf."
        )
    if sqlstate == "3D000" or re.search(r'database ".*" does not exist', detail):
        return (
            f"PostgreSQL at {where} has no database named '{name}': create it "
            f"(createdb -O {user} {name}) or fix the name in DATABASE_URL."
        )
    if sqlstate == "42501":
        return (
            f"PostgreSQL user '{user}' may not create or change tables in '{name}' "
            "(permission denied): make it the database's owner or grant it the schema."
        )
    for pattern, reason in _PG_UNREACHABLE.items():
        if pattern in detail:
            return (
                f"Cannot reach PostgreSQL at {where} ({reason}): check that the server is "
                "running and the host and port in DATABASE_URL."
            )
    return (
        f"Cannot open the database at DATABASE_URL (PostgreSQL at {where}, "
        f"{type(cause).__name__}); check the URL, that the server is running and the credentials."
    )


def _explain_sqlite(cause: BaseException, detail: str, path: str) -> str:
    """The SQLite half of `explain_database_failure`: its errors are about the file, so the line
    names the path."""
    if isinstance(cause, OSError):  # making the file's folder failed
        reason = cause.strerror or type(cause).__name__
        return f"Cannot create the folder for the SQLite database {path} ({reason})."
    if "database is locked" in detail:
        return (
            f"The SQLite database {path} is locked by another process (another knee-coach?); "
            "stop it or wait, then start again."
        )
    if "file is not a database" in detail:
        return f"{path} is not a SQLite database file: point DATABASE_URL at another file."
    if "readonly database" in detail:
        return f"The SQLite database {path} is read-only: give this user write access to it."
    if "unable to open database file" in detail:
        return (
            f"Cannot open the SQLite database {path}: check that its folder exists and this "
            "user may write there."
        )
    return (
        f"Cannot open the SQLite database {path} ({type(cause).__name__}); "
        "check DATABASE_URL and the file."
    )


WEBHOOK_SECRET_HELP = (
    "Webhook mode needs WEBHOOK_SECRET, and {problem}. Telegram sends it with every update so "
    "the bot can refuse anyone else's requests. Make one with: "
    "python3 -c 'import secrets; print(secrets.token_urlsafe(32))'"
)


def cmd_run(args: argparse.Namespace) -> int:
    """Run the bot (long polling, or a webhook) until SIGINT or SIGTERM."""
    from bot.runner import StartupError, exit_without_stuck_threads, run

    settings = _load_settings()
    if args.webhook and not settings.webhook_mode:
        return _fail(
            "--webhook needs WEBHOOK_URL: the public https address Telegram should post "
            "updates to (e.g. https://bot.example.org/telegram)."
        )
    if settings.webhook_mode and (problem := settings.webhook_secret_problem()):
        return _fail(WEBHOOK_SECRET_HELP.format(problem=problem))
    if settings.telegram_bot_token is None or not settings.telegram_bot_token.get_secret_value():
        return _fail(NO_TOKEN_HELP.format(problem="TELEGRAM_BOT_TOKEN is not set"))
    if not settings.token_is_well_formed():
        return _fail(
            NO_TOKEN_HELP.format(
                problem="the TELEGRAM_BOT_TOKEN given does not look like a BotFather token"
            )
        )
    try:
        db = _open_database(settings.database_url, EngineOptions.from_settings(settings))
    except DatabaseUrlError as exc:
        return _fail(str(exc))
    try:
        run(settings, db, wait_for_telegram=args.wait_for_telegram)
    except StartupError as exc:
        return exit_without_stuck_threads(_fail(str(exc)))
    return exit_without_stuck_threads(0)


def cmd_sandbox(args: argparse.Namespace) -> int:
    """Chat with the real bot in this terminal: no token, no network."""
    from bot.sandbox.terminal import run_sandbox

    return run_sandbox(database_url=args.database_url, user_id=args.user_id)


def cmd_db_upgrade(_args: argparse.Namespace) -> int:
    """Apply pending migrations to DATABASE_URL."""
    try:
        _open_database(_load_settings().database_url).dispose()
    except DatabaseUrlError as exc:
        return _fail(str(exc))
    print("Database is up to date.")
    return 0


def cmd_db_copy(args: argparse.Namespace) -> int:
    """Copy every row from one database into an empty other one, and compare the counts."""
    from bot.storage.copy import CopyError, copy_database

    opened: list[Database] = []
    try:
        for label, url in (("--from", args.source), ("--to", args.target)):
            try:
                opened.append(Database.from_url(url))
            except DatabaseUrlError as exc:
                return _fail(f"{label}: {str(exc).replace('DATABASE_URL', 'the URL')}")
        source, target = opened
        for label, url, db in (("--from", args.source, source), ("--to", args.target, target)):
            try:
                with db.engine.connect() as connection:
                    connection.execute(text("SELECT 1"))
            except Exception as exc:  # the driver's errors, explained without the password
                explained = explain_database_failure(exc, url).replace("DATABASE_URL", label)
                return _fail(f"{label}: {explained}")
        try:
            counts = copy_database(source, target)
        except CopyError as exc:
            return _fail(str(exc))
    finally:
        for db in opened:
            db.dispose()
    width = max(len(c.table) for c in counts)
    for count in counts:
        print(f"{count.table:<{width}}  {count.target:>9} rows")
    total = sum(c.target for c in counts)
    print(f"Copied {total} rows in {len(counts)} tables; every table's row count matches.")
    return 0


def cmd_db_revision(args: argparse.Namespace) -> int:
    """Autogenerate a migration from the models against a scratch, fully migrated SQLite file."""
    import tempfile
    from pathlib import Path

    from alembic import command

    from bot.resources import migrations_dir
    from bot.storage.db import alembic_config

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
    from bot.coaching.screening import content_files
    from bot.content import ContentError
    from bot.content.check import main_check
    from bot.content.texts import load_texts

    status = main_check()
    if status != 0:
        return status
    try:
        texts = load_texts()
        screening = content_files()
    except ContentError as exc:
        print(exc, file=sys.stderr)
        return 1
    print("Copy OK: " + ", ".join(texts.by_file()))
    print("Screening OK: " + ", ".join(screening))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="knee-coach", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)

    run = commands.add_parser("run", help="run the bot (long polling, or a webhook)")
    run.add_argument(
        "--webhook",
        action="store_true",
        help="take updates by webhook (WEBHOOK_URL and WEBHOOK_SECRET); WEBHOOK_URL alone "
        "does the same",
    )
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
    copy = db.add_parser(
        "copy",
        help="copy every row into an empty database (SQLite to PostgreSQL) and verify counts",
    )
    copy.add_argument("--from", dest="source", required=True, metavar="URL")
    copy.add_argument("--to", dest="target", required=True, metavar="URL")
    copy.set_defaults(func=cmd_db_copy)
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
    from bot.logging_setup import configure_logging, describe_exception_types

    # The sandbox shares the terminal with the chat, so only warnings are shown there.
    token = settings.telegram_bot_token
    configure_logging(
        "WARNING" if args.command == "sandbox" else settings.log_level,
        secrets=[
            token.get_secret_value() if token else None,
            settings.webhook_secret.get_secret_value() if settings.webhook_secret else None,
        ],
    )
    if settings.log_format == "json":
        from bot.ops.logs import use_json_logs

        use_json_logs()
    try:
        result: int = args.func(args)
    except KeyboardInterrupt:  # Ctrl-C before the bot's own signal handling (migrations)
        return EXIT_INTERRUPTED
    except Exception as exc:
        # A bug, not an operator mistake: the stack helps, but Python's own traceback would
        # bypass the log filter, and a database error's message can quote stored answers.
        log.critical(
            "knee-coach %s failed: %s",
            args.command,
            describe_exception_types((type(exc), exc, exc.__traceback__)),
        )
        return EXIT_BUG
    return result


if __name__ == "__main__":
    sys.exit(main())
