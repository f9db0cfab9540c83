"""The one question-flow mechanism on the Telegram side: the knee check and the daily check-in
are each a `QuestionFlow` subclass that says only what is particular to it (its command, its
copy, the use case that begins it, and how its ending is shown); the base class builds the
handlers and the flow's ConversationHandler.

Each callback parses the update, calls one use case in one unit of work
(bot/services/questionnaire.py and the flow's service) and renders the outcome it returns. The
database row of the running questionnaire is the one truth about which question the user is on:
a press carries its question id and is checked against it, so presses work even when the
ConversationHandler's state (which only routes typed text) was lost in a restart.

`MidFlowReplies` - /cancel, /help, other commands, edits, stickers, stale buttons - is shared by
every flow, onboarding included.
"""

from __future__ import annotations

import logging
import warnings
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable
from datetime import datetime
from enum import StrEnum
from typing import Any, ClassVar, Generic, Protocol, TypeVar

from sqlmodel import Session
from telegram import Message, ReplyKeyboardRemove, Update
from telegram.error import BadRequest, TelegramError
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)
from telegram.warnings import PTBUserWarning

from bot.content import Question, QuestionKind, get_content
from bot.content.texts import QuestionFlowCopy, Texts
from bot.services import questionnaire
from bot.services.answers import answer_for
from bot.services.questionnaire import Asked, Finished, NotCurrent, Questionnaire
from bot.telegram.callback_data import callback, pattern, pressed
from bot.telegram.context import Context, Services, services
from bot.telegram.keyboards import (
    EDITED,
    NEW_NON_TEXT,
    NEW_TEXT,
    Button,
    drop_buttons,
    in_rows,
    inline,
)
from conversations.common import help_command
from conversations.input_checks import too_long
from conversations.safety import (
    CONFIRM,
    Screened,
    answer_to_confirmation,
    refer_for_pressed,
    screen_text,
)

log = logging.getLogger(__name__)

END = ConversationHandler.END
KEYPAD_ROW = 6  # 0-5 on the first row, 6-10 on the second: fits a phone screen

RowT = TypeVar("RowT", bound=questionnaire.Running)
ResultT = TypeVar("ResultT")
BeganT = TypeVar("BeganT", bound=questionnaire.Began)


def message_of(update: Update) -> Message:
    assert update.effective_message is not None
    return update.effective_message


def user_id_of(update: Update) -> int:
    assert update.effective_user is not None
    return update.effective_user.id


# --- how a question looks --------------------------------------------------------------------


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
        return callback(flow, "answer", question.id, value)

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
        rows.append([(back_label, callback(flow, "back", question.id))])
    return rows


async def read_typed_answer(
    message: Message, question: Question, text: str, copy: QuestionFlowCopy
) -> str | None:
    """A typed answer to the current question, read as the option it clearly means ("7/10",
    "about three", "yep", "I'm 34", "45 minutes") and acknowledged; otherwise a short re-ask
    and None (the state stays)."""
    if too_long(text):
        await message.reply_text(copy.too_long)
        return None
    value = answer_for(question, text)
    option = question.option(value) if value is not None else None
    if option is None:
        scale = question.kind is QuestionKind.SCALE
        await message.reply_text(copy.scale_out_of_range if scale else copy.use_buttons)
        return None
    if question.kind is QuestionKind.SCALE and option.value.isdigit():
        await message.reply_text(copy.scale_noted.format(value=option.value))
    else:
        await message.reply_text(copy.choice_noted.format(label=get_content().render(option.label)))
    return option.value


async def show_choice(message: object, label: str) -> None:
    """Replace an answered question's buttons with the answer, so it reads as a record."""
    if isinstance(message, Message) and message.text:
        try:
            await message.edit_text(f"{message.text}\n\n✓ {label}")
        except BadRequest:  # cosmetic: an old or deleted message is fine
            log.debug("could not edit question message %s", message.message_id)


def per_user_conversation(
    make: Callable[[], ConversationHandler[Context]],
) -> ConversationHandler[Context]:
    """Build a conversation tracked per user and chat, not per message (on purpose: a flow's
    buttons sit on several messages, one step each), without PTB's warning about it."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*per_message=False", category=PTBUserWarning)
        return make()


# --- replies to anything but an answer -------------------------------------------------------

Abandon = Callable[[Session, int, datetime], None]


class FlowTexts(Protocol):
    """A flow's own words for stopping it and for what it does not take mid-flow."""

    @property
    def cancelled(self) -> str: ...
    @property
    def commands_mid_flow(self) -> str: ...


class StopTexts(FlowTexts, Protocol):
    """A question flow's own words, including for a button of a finished run."""

    @property
    def finished_button(self) -> str: ...


class InputTexts(Protocol):
    """Words for input a flow cannot read (shared by the question flows)."""

    @property
    def edited(self) -> str: ...
    @property
    def media(self) -> str: ...


class MidFlowReplies:
    """A flow's replies to anything but an answer: /cancel, /help, other commands, edits
    (screened for red flags), stickers and the like."""

    def __init__(
        self,
        own: Callable[[Texts], FlowTexts],
        inputs: Callable[[Texts], InputTexts],
        abandon: Abandon | None,
        resume: Callable[[Update, Context], Awaitable[object]],
    ) -> None:
        self._own = own
        self._inputs = inputs
        self._abandon = abandon
        self._resume = resume  # shows the current question again (after "No" to a warning)

    async def abandon(self, update: Update, context: Context) -> None:
        """Drop the unfinished answers of this user's running flow (if the flow drops any)."""
        abandon = self._abandon
        if abandon is None:
            return
        svc = services(context)
        user_id, now = user_id_of(update), svc.clock.now()
        await svc.db.run(lambda session: abandon(session, user_id, now))

    async def cancel(self, update: Update, context: Context) -> int:
        """Stop the flow; its unfinished answers are discarded."""
        await self.abandon(update, context)
        # Also clears a reply keyboard a step may have shown (onboarding's "Share location").
        await message_of(update).reply_text(
            self._own(services(context).texts).cancelled, reply_markup=ReplyKeyboardRemove()
        )
        return END

    async def help_mid_flow(self, update: Update, context: Context) -> None:
        """Show /help without leaving the question."""
        await help_command(update, context)

    async def other_command(self, update: Update, context: Context) -> None:
        """Another command mid-flow: finish or /cancel first."""
        await message_of(update).reply_text(self._own(services(context).texts).commands_mid_flow)

    async def edited(self, update: Update, context: Context) -> int | None:
        """An edit: screened for red flags, otherwise not read."""
        message = message_of(update)
        screened = await screen_text(update, context, message.text or "")
        if screened is Screened.REFERRED:
            await self.abandon(update, context)
            return END
        if screened is Screened.CLEAR:
            await message.reply_text(self._inputs(services(context).texts).edited)
        return None

    async def media(self, update: Update, context: Context) -> None:
        """Stickers, photos, voice: ask for a tap or a number."""
        await message_of(update).reply_text(self._inputs(services(context).texts).media)

    async def warning_answered(self, update: Update, context: Context) -> int | None:
        """The answer to the screen's confirming question: a referral ends the flow; "No"
        carries on at the same question, nothing lost."""
        if await answer_to_confirmation(update, context) is Screened.REFERRED:
            await self.abandon(update, context)
            return END
        await self._resume(update, context)
        return None

    def fallbacks(
        self, *commands: BaseHandler[Update, Context, Any]
    ) -> list[BaseHandler[Update, Context, Any]]:
        """The handlers for all of the above, in the order they must be tried; `commands` are
        the flow's own commands that still work mid-flow (tried before "other commands")."""
        return [
            CommandHandler("cancel", self.cancel),
            CommandHandler("help", self.help_mid_flow),
            *commands,
            MessageHandler(filters.UpdateType.MESSAGE & filters.COMMAND, self.other_command),
            MessageHandler(EDITED, self.edited),
            MessageHandler(NEW_NON_TEXT, self.media),
            CallbackQueryHandler(self.warning_answered, pattern=pattern(CONFIRM)),
        ]


# --- the flow --------------------------------------------------------------------------------


def _shared(texts: Texts) -> QuestionFlowCopy:
    """The words every question flow shares."""
    return texts.flows.question_flow


class QuestionFlow(ABC, Generic[RowT, ResultT, BeganT]):
    """One question flow: its handlers and its ConversationHandler. A flow module subclasses it
    and says only what makes the flow itself; everything else is shared."""

    name: ClassVar[str]  # the ConversationHandler's name ("checkin")
    state: ClassVar[StrEnum]  # its one state, declared in the flow's module ("checkin.question")
    command: ClassVar[str]  # the command that starts it, and its callback data namespace

    def __init__(self, questionnaire: Questionnaire[RowT, ResultT]) -> None:
        self.questionnaire = questionnaire
        self.replies = MidFlowReplies(self.copy, _shared, questionnaire.abandon, self.ask_again)

    @abstractmethod
    def copy(self, texts: Texts) -> StopTexts:
        """The flow's own words, from the one aggregate."""

    @abstractmethod
    def start(self, session: Session, user_id: int, now: datetime) -> BeganT | str:
        """Begin in one unit of work: what was begun (its first question is asked after the
        intro), or why it cannot begin now."""

    @abstractmethod
    def intro(self, began: BeganT) -> str:
        """What is said before the first question."""

    @abstractmethod
    async def show_result(
        self, message: Message, svc: Services, user_id: int, result: ResultT
    ) -> None:
        """Show how the flow ended (the outcome, a referral, the plan...)."""

    async def _ask(self, message: Message, asked: Asked, context: Context) -> None:
        """Send a question with its buttons. If Telegram refuses or loses it, the answer before
        it is already saved: the flow remembers that its question did not arrive, so the next
        tap or text shows it again instead of leaving the user without buttons."""
        copy = _shared(services(context).texts)
        try:
            await message.reply_text(
                question_text(asked.question, asked.number, asked.total, copy),
                reply_markup=inline(
                    question_keyboard(
                        asked.question, self.command, copy.back, with_back=not asked.is_first
                    )
                ),
            )
        except TelegramError:
            self._note_undelivered(context, True)
            raise
        self._note_undelivered(context, False)

    def _note_undelivered(self, context: Context, undelivered: bool) -> None:
        data = context.user_data
        if data is None:
            return
        if undelivered:
            data[self._undelivered_key] = True
        elif self._undelivered_key in data:  # written only when it changes
            del data[self._undelivered_key]

    def _undelivered(self, context: Context) -> bool:
        return bool((context.user_data or {}).get(self._undelivered_key))

    @property
    def _undelivered_key(self) -> str:
        return f"{self.name}.question_undelivered"

    async def _position(self, update: Update, context: Context) -> Asked | None:
        svc = services(context)
        user_id, now = user_id_of(update), svc.clock.now()
        return await svc.db.run(
            lambda session: questionnaire.position(self.questionnaire, session, user_id, now)
        )

    async def begin(self, update: Update, context: Context) -> str | int:
        """Start the flow afresh (or say why it cannot start now)."""
        if update.callback_query is not None:
            await update.callback_query.answer()
            await drop_buttons(update.callback_query.message)
        svc = services(context)
        user_id = user_id_of(update)
        now = svc.clock.now()
        began = await svc.db.run(lambda session: self.start(session, user_id, now))
        message = message_of(update)
        if isinstance(began, str):
            await message.reply_text(began)
            return END
        log.info("%s started user=%s", self.name, user_id)
        await message.reply_text(self.intro(began))
        await self._ask(message, began.first, context)
        return self.state

    async def start_pressed_again(self, update: Update, context: Context) -> str | int | None:
        """The start button tapped while the flow runs: show the current question again; if
        the flow is over meanwhile (a stale check-in), start afresh."""
        query = update.callback_query
        assert query is not None
        current = await self._position(update, context)
        if current is None:
            return await self.begin(update, context)
        texts = services(context).texts
        await query.answer(_shared(texts).already_answered)
        await drop_buttons(query.message)
        await self._ask(message_of(update), current, context)
        return None

    async def answer_pressed(self, update: Update, context: Context) -> str | int | None:
        """Record a tapped answer for the question on screen; taps on others change nothing."""
        press = pressed(update)
        question_id, value = press.text(0), press.text(1)
        query = update.callback_query
        assert query is not None
        step = await self._answer(update, context, question_id, value)
        if isinstance(step, NotCurrent):
            flags = self.questionnaire.red_flags({question_id: value})
            if flags:  # a warning sign on an old question still counts
                await query.answer()
                await self.replies.abandon(update, context)
                await refer_for_pressed(update, context, flags, self.name)
                return END
            return await self._not_current(update, context, step)
        await query.answer()
        option = step.answered
        # The next question first: if it cannot be sent, the answered one keeps its buttons.
        state = await self._next(update, context, step)
        await show_choice(query.message, get_content().render(option.label) if option else value)
        return state

    async def answer_typed(self, update: Update, context: Context) -> str | int | None:
        """Typed text: red flags first; a number for the pain keypad; otherwise ask for a tap."""
        text = message_of(update).text or ""
        screened = await screen_text(update, context, text)
        if screened is Screened.REFERRED:
            await self.replies.abandon(update, context)
            return END
        if screened is Screened.CONFIRMING:
            return None  # the answer to the confirming question decides; nothing is lost
        texts = services(context).texts
        current = await self._position(update, context)
        if current is None:
            await message_of(update).reply_text(self.copy(texts).finished_button)
            return END
        if self._undelivered(context):  # they could not see the question: show it first
            await self._ask(message_of(update), current, context)
            return self.state
        value = await read_typed_answer(message_of(update), current.question, text, _shared(texts))
        if value is None:
            return None
        step = await self._answer(update, context, current.question.id, value)
        if isinstance(step, NotCurrent):
            return await self._not_current(update, context, step)
        return await self._next(update, context, step)

    async def _answer(
        self, update: Update, context: Context, question_id: str, value: str
    ) -> Asked | NotCurrent | Finished[ResultT]:
        svc = services(context)
        user_id, now = user_id_of(update), svc.clock.now()
        return await svc.db.run(
            lambda session: questionnaire.answer(
                self.questionnaire, session, user_id, question_id, value, now
            )
        )

    async def _next(
        self, update: Update, context: Context, step: Asked | Finished[ResultT]
    ) -> str | int:
        message = message_of(update)
        if isinstance(step, Asked):
            await self._ask(message, step, context)
            return self.state
        log.info("%s finished user=%s", self.name, user_id_of(update))
        await self.show_result(message, services(context), user_id_of(update), step.result)
        return END

    async def _not_current(self, update: Update, context: Context, step: NotCurrent) -> str | int:
        """A press that answers nothing on screen: say why, change nothing - and if the
        question the user is on never arrived, show it now."""
        texts = services(context).texts
        if update.callback_query is not None:
            finished = step.current is None
            await update.callback_query.answer(
                await self.finished_text(update, context)
                if finished
                else _shared(texts).already_answered
            )
        if step.current is None:
            return END
        if self._undelivered(context):
            await self._ask(message_of(update), step.current, context)
        return self.state

    async def back(self, update: Update, context: Context) -> str | int:
        """Go back one question (its answer and later ones are forgotten)."""
        question_id = pressed(update).text(0)
        query = update.callback_query
        assert query is not None
        svc = services(context)
        user_id, now = user_id_of(update), svc.clock.now()
        step = await svc.db.run(
            lambda session: questionnaire.back(
                self.questionnaire, session, user_id, question_id, now
            )
        )
        if isinstance(step, NotCurrent):
            return await self._not_current(update, context, step)
        await query.answer()
        await drop_buttons(query.message)
        await self._ask(message_of(update), step, context)
        return self.state

    async def stale_button(self, update: Update, context: Context) -> None:
        """A button of this flow outside a running one (finished, cancelled, or long ago)."""
        query = update.callback_query
        assert query is not None
        await query.answer(await self.finished_text(update, context))

    async def finished_text(self, update: Update, context: Context) -> str:
        """What a button of this flow says once no such flow is running (a flow may say more,
        e.g. that the programme is paused)."""
        return self.copy(services(context).texts).finished_button

    async def ask_again(self, update: Update, context: Context) -> bool:
        """Show the question this user is on again, if this flow is running; True if shown."""
        current = await self._position(update, context)
        if current is None:
            return False
        await self._ask(message_of(update), current, context)
        return True

    def build(self) -> ConversationHandler[Context]:
        """The flow's conversation, in one literal."""
        return per_user_conversation(self._conversation)

    def _conversation(self) -> ConversationHandler[Context]:
        prefix = self.command
        # Shared by the entry points and the state, so typed as the literal's items are.
        answer: BaseHandler[Update, Context, object] = CallbackQueryHandler(
            self.answer_pressed, pattern=pattern(prefix, "answer")
        )
        go_back: BaseHandler[Update, Context, object] = CallbackQueryHandler(
            self.back, pattern=pattern(prefix, "back")
        )
        return ConversationHandler(
            name=self.name,
            persistent=True,
            entry_points=[
                CommandHandler(self.command, self.begin),
                CallbackQueryHandler(self.begin, pattern=pattern(prefix, "start")),
                # A press while no conversation is recorded (a crash before the state was
                # saved, or an old message): the database knows whether it still counts.
                answer,
                go_back,
            ],
            states={self.state: [answer, go_back, MessageHandler(NEW_TEXT, self.answer_typed)]},
            fallbacks=[
                *self.replies.fallbacks(CommandHandler(self.command, self.begin)),
                CallbackQueryHandler(self.start_pressed_again, pattern=pattern(prefix, "start")),
                CallbackQueryHandler(self.stale_button, pattern=pattern(prefix)),
            ],
        )
