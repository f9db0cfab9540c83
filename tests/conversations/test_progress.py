"""/progress through the fake Bot API: no chart before three check-ins; then a real PNG of a
phone-friendly size whose drawn points are the stored check-ins, stages, exercise days, runs and
knee scores (read back from the figure that made the photo), and under it this week against
last, the streak and the knee score, worded honestly."""

from __future__ import annotations

import struct
from datetime import date, datetime, timedelta

from matplotlib.dates import num2date
from matplotlib.figure import Figure
from sqlmodel import select

from bot.content.kinds import Stage
from bot.content.texts import get_texts
from bot.services import charts
from bot.services.progress import Since, TooFew, progress_report, stage_bands, streak
from bot.storage.models import CheckinRecord, PlanStateRecord
from conversations.progress import chart_labels
from tests.conversations.checkin.journeys import GOOD_DAY, PHASE1, check_in, runner_with_plan
from tests.conversations.test_kujala import KNOWN, score

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height from the PNG's IHDR chunk (the first one, right after the signature)."""
    assert data[:8] == PNG_SIGNATURE
    assert data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def days_of(xs) -> list[date]:  # type: ignore[no-untyped-def]
    return [num2date(x).date() for x in xs]


def drawn(figure: Figure, gid: str):  # type: ignore[no-untyped-def]
    """The one line drawn with `gid`, on any of the figure's axes."""
    (line,) = [line for ax in figure.axes for line in ax.lines if line.get_gid() == gid]
    return line


def stored(db, user_id: int) -> list[CheckinRecord]:  # type: ignore[no-untyped-def]
    with db.session() as s:
        rows = s.exec(select(CheckinRecord).where(CheckinRecord.user_id == user_id))
        return sorted(rows, key=lambda r: r.local_date)


def the_figure(db, user_id: int, clock) -> Figure:  # type: ignore[no-untyped-def]
    """The figure /progress draws for this user now."""
    with db.session() as s:
        report = progress_report(s, user_id, clock.now())
    assert not isinstance(report, TooFew)
    return charts.progress_figure(report.chart, chart_labels(get_texts()))


async def test_fewer_than_three_check_ins_get_words_not_an_empty_chart(harness, db, clock):
    user = harness.user(1200)
    await runner_with_plan(user, PHASE1)
    await check_in(user)
    clock.advance(timedelta(days=1))
    await check_in(user)
    await user.send("/progress")
    assert "once there are 3 check-ins; so far there are 2" in user.last_text
    assert all(m.kind != "photo" for m in user.messages)


async def test_the_chart_is_a_png_of_the_stored_check_ins(harness, db, clock):
    user = harness.user(1201)
    await runner_with_plan(user, PHASE1)
    days = [
        {**GOOD_DAY, "pain_now": "3", "worst_pain_24h": "5", "activity_pain": "3"},
        {**GOOD_DAY, "pain_now": "2", "worst_pain_24h": "4", "exercises_done": "no"},
        {**GOOD_DAY, "pain_now": "2", "worst_pain_24h": "3", "running_minutes": "20"},
        {**GOOD_DAY, "pain_now": "1", "worst_pain_24h": "2"},
    ]
    for answers in days:
        await check_in(user, answers)
        clock.advance(timedelta(days=1))
    clock.advance(timedelta(days=-1))
    await score(user, KNOWN)
    await user.send("/progress")

    photo, words = user.messages[-2], user.last
    assert photo.kind == "photo"
    assert photo.text == "Your knee, Wed 04 Mar to Sat 07 Mar"
    assert photo.photo is not None
    width, height = png_size(photo.photo)
    assert 600 <= width <= 2000
    assert 600 <= height <= 2000
    assert 10_000 < len(photo.photo) < 1_000_000

    figure = the_figure(db, 1201, clock)
    assert charts.to_png(figure) == photo.photo  # the photo is this figure
    rows = stored(db, 1201)
    assert len(rows) == 4
    pain_now, worst = drawn(figure, "pain_now"), drawn(figure, "worst_pain")
    assert days_of(pain_now.get_xdata()) == [r.local_date for r in rows]
    assert list(pain_now.get_ydata()) == [r.pain_now for r in rows] == [3, 2, 2, 1]
    assert days_of(worst.get_xdata()) == [r.local_date for r in rows]
    assert list(worst.get_ydata()) == [r.worst_pain_24h for r in rows] == [5, 4, 3, 2]
    exercised = [r.local_date for r in rows if r.exercises_done]
    assert days_of(drawn(figure, "exercises").get_xdata()) == exercised
    assert len(exercised) == 3
    runs = [p for ax in figure.axes for p in ax.patches if p.get_gid() == "running"]
    assert [(num2date(p.get_x() + p.get_width() / 2).date(), p.get_height()) for p in runs] == [
        (date(2026, 3, 6), 20)
    ]
    kujala = drawn(figure, "kujala")
    assert days_of(kujala.get_xdata()) == [date(2026, 3, 7)]
    assert list(kujala.get_ydata()) == [80]
    bands = {p.get_gid() for ax in figure.axes for p in ax.patches} - {"running"}
    assert bands == {"band:phase1"}

    assert "Check-in streak: 4 days in a row." in words.text
    assert "Knee score: 80/100 on Sat 07 Mar." in words.text
    assert "Not enough check-ins to compare weeks yet" in words.text
    assert "Sources: Piva et al. 2009; Crossley et al. 2004" in words.text


async def test_two_weeks_better_are_worded_as_a_change_people_notice(harness, db, clock):
    user = harness.user(1202)
    # The knee check the day before: its plan came with the first day's card.
    clock.advance(timedelta(days=-1))
    await runner_with_plan(user, PHASE1)
    assert user.last_text.startswith("What runner's knee is\n\n")
    clock.advance(timedelta(days=1))
    today = date(2026, 3, 4)
    with db.session() as s:
        # Two weeks of history behind a plan that stepped up to phase 2 a week ago.
        record = s.get(PlanStateRecord, 1202)
        record.stage, record.started_on = "phase2", date(2026, 2, 26)
        record.state = {"stage": "phase2", "stage_since": "2026-02-26"}
        s.add(record)
        for n in range(14, 0, -1):
            stage = "phase1" if n >= 7 else "phase2"
            state = {"stage": stage, "stage_since": "2026-02-18"}
            s.add(
                CheckinRecord(
                    user_id=1202,
                    local_date=today - timedelta(days=n),
                    pain_now=4 if n >= 7 else 1,
                    worst_pain_24h=6 if n >= 7 else 3,
                    activity_pain=2,
                    morning_vs_usual="same",
                    swelling=False,
                    exercises_done=True,
                    running_minutes=0,
                    state_before=state,
                    state_after={**state, "stage": "phase2" if n == 7 else stage},
                    completed_at=clock.now(),
                    created_at=clock.now(),
                    updated_at=clock.now(),
                )
            )
    await user.send("/progress")
    photo, words, card = user.messages[-3:]
    assert photo.kind == "photo"
    # The knee check was yesterday: the second of the first days' cards comes with the chart.
    assert card.text.startswith("Sitting and the buttocks\n\n")
    assert card.text.endswith("Sources: Source article (WatchFit); Presswood et al. 2008")
    assert card.button_labels == ["« All cards"]
    await user.send("/progress")
    assert user.last_text == words.text  # once a day: no second card today
    words = words.text
    assert "6.0 last week, 3.0 this week - down 3.0 points" in words
    assert "A drop of 1.2 or more is a real improvement" in words
    assert "Check-in streak: 14 days in a row." in words  # today's check-in is still to come
    assert "The knee score (/kujala, optional)" in words

    figure = the_figure(db, 1202, clock)
    spans = sorted(
        (p.get_gid(), num2date(p.get_x()).date(), round(p.get_width()))
        for p in figure.axes[0].patches
    )
    # Phase 1 until the check-in that stepped up; phase 2 from the next day to today.
    assert spans == [
        ("band:phase1", date(2026, 2, 18), 8),
        ("band:phase2", date(2026, 2, 26), 7),
    ]


async def test_without_consent_there_is_nothing_to_show(harness):
    user = harness.user(1203)
    await user.send("/progress")
    assert "Send /start first" in user.last_text


def test_the_streak_counts_local_days_and_survives_until_the_day_is_over():
    today = date(2026, 3, 10)
    days = {today - timedelta(days=n) for n in (1, 2, 3, 5)}
    assert streak(days, today) == 3  # today not yet checked in: the streak still stands
    assert streak(days | {today}, today) == 4
    assert streak({today - timedelta(days=2)}, today) == 0


def test_stage_bands_follow_the_check_ins_states():
    def row(day: int, before: str, after: str) -> CheckinRecord:
        now = datetime(2026, 3, 1)
        return CheckinRecord(
            user_id=1,
            local_date=date(2026, 3, day),
            pain_now=1,
            state_before={"stage": before},
            state_after={"stage": after},
            created_at=now,
            updated_at=now,
        )

    rows = [row(1, "price", "price"), row(2, "price", "phase1"), row(5, "phase1", "price")]
    bands = stage_bands(rows, date(2026, 3, 1), date(2026, 3, 7))
    assert [(b.stage.value, b.first.day, b.last.day) for b in bands] == [
        ("price", 1, 2),
        ("phase1", 3, 5),
        ("price", 6, 7),
    ]


def test_after_the_last_check_in_the_bands_follow_the_plan_itself():
    now = datetime(2026, 3, 1)
    rows = [
        CheckinRecord(
            user_id=1,
            local_date=date(2026, 3, 2),
            pain_now=1,
            state_before={"stage": "phase1"},
            state_after={"stage": "phase1"},
            created_at=now,
            updated_at=now,
        )
    ]
    # Referred from the knee score on the 5th: no check-in records it.
    referred = Since(Stage.REFERRED, date(2026, 3, 5))
    bands = stage_bands(rows, date(2026, 3, 2), date(2026, 3, 6), referred)
    assert [(b.stage.value, b.first.day, b.last.day) for b in bands] == [
        ("phase1", 2, 4),
        ("referred", 5, 6),
    ]
