"""Commands and fallbacks that belong to no single flow: /help, group chats, block tracking,
and the friendly answer to anything no flow expected."""

from __future__ import annotations

import logging

from rapidfuzz import fuzz, process
from telegram import Update
from telegram.constants import ChatMemberStatus, ChatType
from telegram.ext import ApplicationHandlerStop

from bot.services.users import TelegramPerson, set_blocked
from bot.telegram.context import Context, services

log = logging.getLogger(__name__)


def person_of(update: Update) -> TelegramPerson:
    """The sender of `update` as the services layer knows them."""
    user = update.effective_user
    assert user is not None
    return TelegramPerson(id=user.id, first_name=user.first_name, language_code=user.language_code)


async def help_command(update: Update, context: Context) -> None:
    """List what the bot can do."""
    texts = services(context).texts.ui
    assert update.effective_message is not None
    await update.effective_message.reply_text(texts.help.format(commands=texts.command_list()))


async def guard_group_chats(update: Update, context: Context) -> None:
    """Answer anything in a group with one line pointing to a private chat; store nothing."""
    chat = update.effective_chat
    if chat is None or chat.type == ChatType.PRIVATE:
        return  # private chats go on to the flows
    texts = services(context).texts.ui
    if update.callback_query is not None:
        await update.callback_query.answer()
    elif update.effective_message is not None and update.effective_message.text:
        await update.effective_message.reply_text(
            texts.group_redirect.format(bot_username=context.bot.username)
        )
    raise ApplicationHandlerStop


async def refuse_empty_presses(update: Update, context: Context) -> None:
    """Answer a button press without data as a stale button, before any flow sees it.

    python-telegram-bot hands such a press to every CallbackQueryHandler, whatever its
    pattern, so without this guard it would start the first flow registered.
    """
    query = update.callback_query
    if query is None or query.data or query.game_short_name:
        return
    await stale_button(update, context)
    raise ApplicationHandlerStop


async def track_block(update: Update, context: Context) -> None:
    """Mark the user inactive when they block the bot, active again when they unblock it."""
    change = update.my_chat_member
    if change is None or change.chat.type != "private":
        return
    blocked = change.new_chat_member.status in (ChatMemberStatus.BANNED, ChatMemberStatus.LEFT)
    svc = services(context)
    user_id, now = change.from_user.id, svc.clock.now()
    await svc.db.run(lambda session: set_blocked(session, user_id, blocked, now))
    log.info("membership user=%s blocked=%s", change.from_user.id, blocked)


async def unknown_input(update: Update, context: Context) -> None:
    """Reply kindly to text or commands no flow was waiting for; an unknown command gets the
    nearest real one."""
    message = update.effective_message
    assert message is not None
    texts = services(context).texts.ui
    typed = _command_typed(message.text or "")
    if typed is None:
        await message.reply_text(texts.unknown_input)
        return
    known = {c.command: c.description for c in texts.commands}
    nearest = nearest_command(typed, list(known))
    if nearest is None:
        await message.reply_text(texts.unknown_command_no_match.format(typed=typed))
        return
    await message.reply_text(
        texts.unknown_command.format(typed=typed, command=nearest, description=known[nearest])
    )


# How alike (rapidfuzz ratio, 0-100) a typed command must be to a real one to be suggested:
# "/chekin" and "/plans" are, "/stop" and "/start" are not.
COMMAND_SIMILARITY = 70


def _command_typed(text: str) -> str | None:
    """The command word of `/word@bot args` (lower case, at most 32 characters), else None."""
    if not text.startswith("/"):
        return None
    word = text[1:].split(maxsplit=1)[0] if len(text) > 1 else ""
    word = word.split("@", 1)[0].lower()
    return word[:32] if word else None


def nearest_command(typed: str, commands: list[str]) -> str | None:
    """The real command closest to `typed`, if one is close enough."""
    best = process.extractOne(typed, commands, scorer=fuzz.ratio, score_cutoff=COMMAND_SIMILARITY)
    return best[0] if best is not None else None


async def unsupported_media(update: Update, context: Context) -> None:
    """Reply kindly to stickers, photos, voice and the like."""
    assert update.effective_message is not None
    await update.effective_message.reply_text(services(context).texts.ui.unsupported_media)


async def edited_message(update: Update, context: Context) -> None:
    """Explain that edits are not read, so the user resends instead of waiting."""
    assert update.edited_message is not None
    await update.edited_message.reply_text(services(context).texts.ui.edited_message)


async def stale_button(update: Update, context: Context) -> None:
    """Answer a button press that no flow claims (old message, restart, finished flow)."""
    query = update.callback_query
    assert query is not None
    await query.answer(services(context).texts.ui.stale_button, show_alert=False)
