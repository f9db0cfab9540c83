"""What the question-by-question flows (the knee check and the daily check-in) share.

Both ask content questions one per message ("Question 3 of 8", a 0-10 keypad, Back), record
each answer on its own message, and give the same short replies to anything that is not an
answer. Each flow keeps its own states, storage and outcome; this module keeps them alike.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Callable
from datetime import datetime

from sqlmodel import Session
from telegram import Message, Update
from telegram.error import BadRequest
from telegram.ext import ConversationHandler
from telegram.warnings import PTBUserWarning

from bot.content import Question, QuestionKind, get_content
from bot.content.flow_copy import QuestionFlowCopy
from bot.telegram.context import Context, services
from bot.telegram.keyboards import Button, in_rows
from conversations.common import help_command
from conversations.input_checks import parse_pain, too_long
from conversations.safety import stop_for_red_flag

log = logging.getLogger(__name__)

END = ConversationHandler.END
KEYPAD_ROW = 6  # 0-5 on the first row, 6-10 on the second: fits a phone screen


def message_of(update: Update) -> Message:
    assert update.effective_message is not None
    return update.effective_message


def user_id_of(update: Update) -> int:
    assert update.effective_user is not None
    return update.effective_user.id


def question_text(question: Question, number: int, total: int, copy: QuestionFlowCopy) -> str:
    """The question with its progress line and, for a pain scale, what 0 and 10 mean."""
    parts = [copy.progress.format(number=number, total=total), get_content().render(question.text)]
    if question.kind is QuestionKind.SCALE:
        anchors = question.anchors
        assert anchors is not None
        parts.append(f"0 = {anchors.low}, 10 = {anchors.high}. {copy.scale_hint}")
    return "\n\n".join(parts)


def question_keyboard(
    question: Question, flow: str, back_label: str, *, with_back: bool
) -> list[list[Button]]:
    """The answer buttons: a 0-10 keypad, yes/no side by side, or one choice per row.

    Callback data is `<flow>:answer:<question id>:<value>`, so a press on an earlier
    question can be told apart from an answer to the current one.
    """
    content = get_content()

    def data(value: str) -> str:
        return f"{flow}:answer:{question.id}:{value}"

    rows: list[list[Button]]
    if question.kind is QuestionKind.SCALE:
        numbers = [(o.value, data(o.value)) for o in question.options if o.value.isdigit()]
        extras = [
            [(content.render(o.label), data(o.value))]
            for o in question.options
            if not o.value.isdigit()
        ]
        rows = [numbers[:KEYPAD_ROW], numbers[KEYPAD_ROW:], *extras]
    elif question.kind is QuestionKind.YES_NO:
        rows = in_rows([(content.render(o.label), data(o.value)) for o in question.options], 2)
    else:
        rows = [[(content.render(o.label), data(o.value))] for o in question.options]
    if with_back:
        rows.append([(back_label, f"{flow}:back:{question.id}")])
    return rows


async def read_typed_answer(
    message: Message, question: Question, text: str, copy: QuestionFlowCopy
) -> int | None:
    """A typed answer to the current question: a 0-10 value ("7", "7/10", "seven") for a
    pain scale, acknowledged; otherwise a short re-ask and None (the state stays)."""
    if too_long(text):
        await message.reply_text(copy.too_long)
        return None
    if question.kind is not QuestionKind.SCALE:
        await message.reply_text(copy.use_buttons)
        return None
    value = parse_pain(text)
    if value is None:
        await message.reply_text(copy.scale_out_of_range)
        return None
    await message.reply_text(copy.scale_noted.format(value=value))
    return value


async def show_choice(message: object, label: str) -> None:
    """Replace an answered question's buttons with the answer, so it reads as a record."""
    if isinstance(message, Message) and message.text:
        try:
            await message.edit_text(f"{message.text}\n\n✓ {label}")
        except BadRequest:  # cosmetic: an old or deleted message is fine
            log.debug("could not edit question message %s", message.message_id)


async def drop_buttons(message: object) -> None:
    """Remove a message's buttons, so an answered step cannot be answered twice."""
    if isinstance(message, Message) and message.reply_markup is not None:
        try:
            await message.edit_reply_markup(reply_markup=None)
        except BadRequest:  # cosmetic: an old or deleted message is fine
            log.debug("could not remove buttons of message %s", message.message_id)


def per_user_conversation(
    make: Callable[[], ConversationHandler[Context]],
) -> ConversationHandler[Context]:
    """Build a conversation tracked per user and chat, not per message (on purpose: a flow's
    buttons sit on several messages, one step each), without PTB's warning about it."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*per_message=False", category=PTBUserWarning)
        return make()


Abandon = Callable[[Session, int, datetime], None]


class MidFlowReplies:
    """A question flow's replies to anything but an answer: /cancel, /help, other commands,
    edits (screened for red flags), stickers and the like, and its own finished buttons."""

    def __init__(self, copy: Callable[[], QuestionFlowCopy], abandon: Abandon) -> None:
        self._copy = copy
        self._abandon = abandon

    def abandon(self, update: Update, context: Context) -> None:
        """Drop the unfinished answers of this user's running flow."""
        svc = services(context)
        with svc.db.session() as session:
            self._abandon(session, user_id_of(update), svc.clock.now())

    async def cancel(self, update: Update, context: Context) -> int:
        """Stop the flow; its unfinished answers are discarded."""
        self.abandon(update, context)
        await message_of(update).reply_text(self._copy().cancelled)
        return END

    async def help_mid_flow(self, update: Update, context: Context) -> None:
        """Show /help without leaving the question."""
        await help_command(update, context)

    async def other_command(self, update: Update, context: Context) -> None:
        """Another command mid-flow: finish or /cancel first."""
        await message_of(update).reply_text(self._copy().commands_mid_flow)

    async def edited(self, update: Update, context: Context) -> int | None:
        """An edit: screened for red flags, otherwise not read."""
        message = message_of(update)
        if message.text and await stop_for_red_flag(update, context, message.text):
            self.abandon(update, context)
            return END
        await message.reply_text(self._copy().edited)
        return None

    async def media(self, update: Update, context: Context) -> None:
        """Stickers, photos, voice: ask for a tap or a number."""
        await message_of(update).reply_text(self._copy().media)

    async def stale_button(self, update: Update, context: Context) -> None:
        """A button of this flow outside a running one (finished, cancelled, or long ago)."""
        query = update.callback_query
        assert query is not None
        await query.answer(self._copy().finished_button)
