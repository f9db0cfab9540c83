"""/about (what the coach is, the disclaimer, every source) and /cancel outside any flow."""

from __future__ import annotations

from telegram import ReplyKeyboardRemove, Update
from telegram.constants import MessageLimit
from telegram.ext import CommandHandler

from bot.content import get_content
from bot.content.schema import unwrap
from bot.content.texts import get_texts
from bot.telegram.context import Context


def about_texts() -> list[str]:
    """/about's messages: what the coach is and is not, then its sources (split by line if
    they ever outgrow one message, since Telegram refuses a longer text)."""
    content = get_content()
    copy = get_texts().flows.about
    introduction = copy.layout.format(
        about=unwrap(content.messages.about),
        disclaimer=unwrap(content.messages.disclaimer),
    )
    lines = [
        copy.reference_line.format(short=ref.short, citation=unwrap(ref.citation))
        for ref in content.references.values()
    ]
    return [introduction, *_fit(copy.sources, lines)]


def _fit(template: str, lines: list[str]) -> list[str]:
    """`template` filled with as many `lines` as fit in one message, repeated until all are
    placed (a single over-long line would still be refused: content tests catch that)."""
    messages: list[str] = []
    chunk: list[str] = []
    for line in lines:
        candidate = template.format(references="\n".join([*chunk, line]))
        if chunk and len(candidate.encode("utf-16-le")) // 2 > MessageLimit.MAX_TEXT_LENGTH:
            messages.append(template.format(references="\n".join(chunk)))
            chunk = []
        chunk.append(line)
    messages.append(template.format(references="\n".join(chunk)))
    return messages


async def about(update: Update, context: Context) -> None:
    """Say what the coach is and is not, and list its sources."""
    assert update.effective_message is not None
    for text in about_texts():
        await update.effective_message.reply_text(text)


async def cancel_nothing(update: Update, context: Context) -> None:
    """/cancel when no flow is running: nothing to stop."""
    assert update.effective_message is not None
    await update.effective_message.reply_text(
        get_texts().flows.cancel.nothing, reply_markup=ReplyKeyboardRemove()
    )


def handlers() -> list[CommandHandler[Context, None]]:
    return [CommandHandler("about", about), CommandHandler("cancel", cancel_nothing)]
