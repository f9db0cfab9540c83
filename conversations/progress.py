"""/progress: the chart of the runner's knee (pain now and worst, the plan's stages, exercise
days, runs, knee scores) as a photo, and under it this week against last, the check-in streak
and the latest knee score, each worded with the change people notice; then the education card
the day calls for, if any.

A callback: one use case (`bot/services/progress.py` `progress_report`) in one unit of work,
then the chart drawn by `bot/services/charts.py` off the event loop, then the words. With
fewer than three check-ins it says so instead of drawing an empty chart.
"""

from __future__ import annotations

import asyncio
import logging

from sqlmodel import Session
from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.content import get_content
from bot.content.kinds import Stage
from bot.content.texts import Texts
from bot.services import progress
from bot.services.charts import ChartLabels, progress_png
from bot.services.reminders.nudge import Nudge
from bot.telegram.callback_data import pattern
from bot.telegram.context import Context, Services, services
from bot.telegram.nudges import NudgePhoto, PhotoSource
from conversations.kujala import score_line
from conversations.learn import card_keyboard, card_text
from conversations.safety import sources_line

log = logging.getLogger(__name__)


def chart_labels(texts: Texts) -> ChartLabels:
    """The chart's words, from content/progress.yaml."""
    chart = texts.progress.progress.chart
    return ChartLabels(
        title=chart.title,
        pain_axis=chart.pain_axis,
        pain_now=chart.pain_now,
        worst_pain=chart.worst_pain,
        activity_axis=chart.activity_axis,
        running=chart.running,
        exercises=chart.exercises,
        kujala_axis=chart.kujala_axis,
        kujala=chart.kujala,
        stages={stage: getattr(chart.stages, stage.value) for stage in Stage},
    )


def caption(report: progress.Report, texts: Texts) -> str:
    chart = report.chart
    return texts.progress.progress.caption.format(
        first=f"{chart.first:%a %d %b}", last=f"{chart.last:%a %d %b}"
    )


def summary_text(report: progress.Report, texts: Texts) -> str:
    """This week against last, the streak, the latest knee score, and the sources."""
    copy = texts.progress.progress
    thresholds = get_content().thresholds
    if report.streak >= 2:
        streak = copy.streak.format(days=report.streak)
    else:
        streak = copy.streak_one if report.streak == 1 else copy.no_streak
    references = list(thresholds.meaningful_change_points.references)
    if report.kujala is not None:
        kujala = score_line(report.kujala, texts)
        references += thresholds.kujala_meaningful_change_points.references
    else:
        kujala = copy.no_kujala
    return "\n\n".join(
        [
            report.trend,
            f"{streak}\n{kujala}",
            copy.sources.format(sources=sources_line(references)),
        ]
    )


async def show_progress(update: Update, context: Context) -> None:
    """Send the chart and what it means (or why there is no chart yet)."""
    message = update.effective_message
    user = update.effective_user
    assert message is not None
    assert user is not None
    svc = services(context)
    now = svc.clock.now()
    report = await svc.db.run(lambda session: progress.progress_report(session, user.id, now))
    copy = svc.texts.progress.progress
    if isinstance(report, progress.NeedsConsent):
        await message.reply_text(copy.needs_start)
        return
    if isinstance(report, progress.TooFew):
        await message.reply_text(copy.too_few.format(needed=report.needed, count=report.count))
        return
    # Drawing takes a good fraction of a second: other users' updates go on meanwhile.
    png = await asyncio.to_thread(progress_png, report.chart, chart_labels(svc.texts))
    await message.reply_photo(photo=png, caption=caption(report, svc.texts))
    await message.reply_text(summary_text(report, svc.texts))
    if report.card is not None:
        await message.reply_text(
            card_text(report.card, svc.texts),
            reply_markup=card_keyboard(svc.texts, on_its_own=True),
        )
    log.info("progress chart sent user=%s", user.id)


async def show_progress_pressed(update: Update, context: Context) -> None:
    """ "See my week" on the weekly summary: the same chart and words as /progress."""
    query = update.callback_query
    assert query is not None
    await query.answer()
    await show_progress(update, context)


CAPTION_LIMIT = 1024


def weekly_caption(nudge_text: str, report: progress.Report, texts: Texts) -> str:
    """The weekly summary's words under its chart: the nudge's line, the chart's span, and
    this week against last with the streak and knee score; without the sources line if the
    whole would pass Telegram's caption limit, and without the summary if even that would."""
    head = f"{nudge_text}\n\n{caption(report, texts)}"
    full = f"{head}\n\n{summary_text(report, texts)}"
    if len(full) <= CAPTION_LIMIT:
        return full
    shorter = f"{head}\n\n{summary_text(report, texts).rsplit(chr(10) * 2, 1)[0]}"
    return shorter if len(shorter) <= CAPTION_LIMIT else head


def weekly_summary_photos(svc: Services) -> PhotoSource:
    """The weekly summary's picture: the /progress chart of the week it is for, drawn when
    the dispatcher sends it; None (the plain nudge) before there are enough check-ins."""

    async def photo_for(nudge: Nudge) -> NudgePhoto | None:
        now = svc.clock.now()

        def work(session: Session) -> progress.Report | progress.TooFew | progress.NeedsConsent:
            return progress.progress_report(session, nudge.chat_id, now, on=nudge.local_date)

        try:
            report = await svc.db.run(work)
            if not isinstance(report, progress.Report):
                return None
            png = await asyncio.to_thread(progress_png, report.chart, chart_labels(svc.texts))
        except Exception:
            # The send is already under way (its row is `sending`): the plain nudge, with
            # "See my week", still goes rather than nothing.
            log.exception("weekly chart failed user=%s; sent as words", nudge.chat_id)
            return None
        return NudgePhoto(png, weekly_caption(nudge.text, report, svc.texts))

    return photo_for


def handlers() -> list[BaseHandler[Update, Context, None]]:
    return [
        CommandHandler("progress", show_progress),
        CallbackQueryHandler(show_progress_pressed, pattern=pattern("progress", "show")),
    ]
