"""/learn: every education card (content/education.yaml) as a button; a tap opens the card -
title, body and its sources - in place, with a way back to the list. Not a conversation: every
button carries the card id (`learn:open:<id>`, `learn:list`), so old buttons keep working. A
card shown on its own leads to the list in a new message (`learn:list:new`), so it stays.

Also the one way a card is shown on its own (`send_card_for_today`): bot/services/education.py
decides which card a day calls for; the knee check's plan, /plan, the check-in result and
/progress (its own report) hand it out.
"""

from __future__ import annotations

import logging

from telegram import InlineKeyboardMarkup, Message, Update
from telegram.error import BadRequest
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot.content import EducationCard, get_content
from bot.content.texts import Texts
from bot.services import education
from bot.telegram.callback_data import callback, pattern, pressed
from bot.telegram.context import Context, Services, services
from bot.telegram.keyboards import inline
from conversations.safety import sources_line

log = logging.getLogger(__name__)

FLOW = "learn"


def card_text(card: EducationCard, texts: Texts) -> str:
    """A card as a message: its title, its body and where it comes from."""
    return texts.progress.learn.card.format(
        title=card.title, body=card.body, sources=sources_line(card.references)
    )


def list_keyboard() -> InlineKeyboardMarkup:
    """One button per card, in content order."""
    return inline([[(c.title, callback(FLOW, "open", c.id))] for c in get_content().education])


def card_keyboard(texts: Texts, *, on_its_own: bool = False) -> InlineKeyboardMarkup:
    """The way back to the list: in place, or (under a card shown on its own) below it."""
    data = callback(FLOW, "list", "new") if on_its_own else callback(FLOW, "list")
    return inline([[(texts.progress.learn.back, data)]])


async def send_card_for_today(message: Message, svc: Services, user_id: int) -> None:
    """Send the card today calls for (at most once a local day), if there is one."""
    now = svc.clock.now()
    card = await svc.db.run(lambda session: education.card_for_today(session, user_id, now))
    if card is not None:
        await message.reply_text(
            card_text(card, svc.texts), reply_markup=card_keyboard(svc.texts, on_its_own=True)
        )


async def show_list(update: Update, context: Context) -> None:
    """List every card."""
    message = update.effective_message
    assert message is not None
    await message.reply_text(
        services(context).texts.progress.learn.intro, reply_markup=list_keyboard()
    )


async def _edit(message: object, text: str, markup: InlineKeyboardMarkup) -> None:
    if isinstance(message, Message):
        try:
            await message.edit_text(text, reply_markup=markup)
        except BadRequest:  # a double tap (nothing to change) or a message too old to edit
            log.debug("could not edit learn message %s", message.message_id)


async def open_card(update: Update, context: Context) -> None:
    """Open one card in place of the list."""
    card_id = pressed(update).text(0)
    query = update.callback_query
    assert query is not None
    texts = services(context).texts
    card = education.card(card_id)
    if card is None:
        await query.answer(texts.progress.learn.unknown)
        await _edit(query.message, texts.progress.learn.intro, list_keyboard())
        return
    await query.answer()
    await _edit(query.message, card_text(card, texts), card_keyboard(texts))


async def back_to_list(update: Update, context: Context) -> None:
    """Back from a card to the list."""
    query = update.callback_query
    assert query is not None
    await query.answer()
    texts = services(context).texts
    if isinstance(query.message, Message) and query.message.reply_markup is not None:
        await _edit(query.message, texts.progress.learn.intro, list_keyboard())
    elif update.effective_message is not None:
        await update.effective_message.reply_text(
            texts.progress.learn.intro, reply_markup=list_keyboard()
        )


def handlers() -> list[CommandHandler[Context, None] | CallbackQueryHandler[Context, None]]:
    return [
        CommandHandler("learn", show_list),
        CallbackQueryHandler(open_card, pattern=pattern(FLOW, "open")),
        CallbackQueryHandler(back_to_list, pattern=pattern(FLOW, "list")),
    ]
