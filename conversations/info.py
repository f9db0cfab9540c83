"""/about (what the coach is, the disclaimer, every source) and /cancel outside any flow."""

from __future__ import annotations

from telegram import ReplyKeyboardRemove, Update
from telegram.ext import CommandHandler

from bot.content import get_content
from bot.content.schema import unwrap
from bot.content.texts import get_texts
from bot.telegram.context import Context


def about_text() -> str:
    content = get_content()
    copy = get_texts().flows.about
    references = "\n".join(
        copy.reference_line.format(short=ref.short, citation=unwrap(ref.citation))
        for ref in content.references.values()
    )
    return copy.layout.format(
        about=unwrap(content.messages.about),
        disclaimer=unwrap(content.messages.disclaimer),
        references=references,
    )


async def about(update: Update, context: Context) -> None:
    """Say what the coach is and is not, and list its sources."""
    assert update.effective_message is not None
    await update.effective_message.reply_text(about_text())


async def cancel_nothing(update: Update, context: Context) -> None:
    """/cancel when no flow is running: nothing to stop."""
    assert update.effective_message is not None
    await update.effective_message.reply_text(
        get_texts().flows.cancel.nothing, reply_markup=ReplyKeyboardRemove()
    )


def handlers() -> list[CommandHandler[Context, None]]:
    return [CommandHandler("about", about), CommandHandler("cancel", cancel_nothing)]
