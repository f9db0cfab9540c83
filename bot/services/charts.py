"""The /progress chart, drawn from plain data (`bot/services/progress.py` `ChartData`) with
matplotlib's object API on the Agg canvas: no pyplot, no global state, no Telegram. The caller
(conversations/progress.py) sends the PNG; tests read the drawn points back from the figure.

Made to be read on a phone in a light or a dark theme: a white card, strong colours, thick
lines and large type on a near-square image. Lines and markers carry a `gid` ("pain_now",
"worst_pain", "exercises", "kujala"; bands "band:<stage>", run bars "running") so what was
drawn can be found again.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from bot.content.kinds import Stage
from bot.services.progress import ChartData

WIDTH_IN, HEIGHT_IN, DPI = 6.4, 7.2, 150  # 960 x 1080 pixels
FONT = 15
INK = "#1a1a1a"
COLOURS = {
    "pain_now": "#1565c0",  # blue
    "worst_pain": "#c62828",  # red
    "exercises": "#2e7d32",  # green
    "running": "#ef6c00",  # orange
    "kujala": "#6a1b9a",  # purple
}
BAND_COLOURS = {
    Stage.PRICE: "#f8d7da",
    Stage.PHASE1: "#d6e9f8",
    Stage.PHASE2: "#d9f0da",
    Stage.PHASE3: "#ffe8c2",
    Stage.REFERRED: "#e0e0e0",
}
EXERCISE_ROW = -0.9  # exercise days are marked in a row under the pain scale


@dataclass(frozen=True)
class ChartLabels:
    """The chart's words (content/progress.yaml), passed in so the drawing stays pure."""

    title: str
    pain_axis: str
    pain_now: str
    worst_pain: str
    activity_axis: str
    running: str
    exercises: str
    kujala_axis: str
    kujala: str
    stages: Mapping[Stage, str]


# matplotlib's date unit: days since its default epoch. Every x value is given in it, so the
# axes need no unit converter and tests read days back with `matplotlib.dates.num2date`.
EPOCH = datetime(1970, 1, 1)


def _x(day: date, at: time = time(0)) -> float:
    return (datetime.combine(day, at) - EPOCH) / timedelta(days=1)


def _noon(day: date) -> float:
    return _x(day, time(12))


def _style(ax: Axes) -> None:
    ax.set_facecolor("white")
    ax.tick_params(labelsize=FONT, colors=INK, length=5, width=1.2)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    for side in ("left", "bottom"):
        ax.spines[side].set_color(INK)
        ax.spines[side].set_linewidth(1.2)
    ax.grid(axis="y", color="#9e9e9e", alpha=0.35, linewidth=0.8)


def _bands(ax: Axes, data: ChartData, labels: ChartLabels, *, with_names: bool) -> None:
    for band in data.bands:
        patch = ax.axvspan(
            _x(band.first),
            _x(band.last + timedelta(days=1)),
            color=BAND_COLOURS[band.stage],
            zorder=0,
            linewidth=0,
        )
        patch.set_gid(f"band:{band.stage.value}")
        if with_names:
            ax.text(
                _x(band.first, time(3)),
                10.9,
                labels.stages[band.stage],
                fontsize=FONT - 1,
                color=INK,
                va="bottom",
                ha="left",
                clip_on=True,
            )


def progress_figure(data: ChartData, labels: ChartLabels) -> Figure:
    """The chart: pain now and worst pain over the plan's stages, exercise days under them,
    minutes run, and the knee scores when there are any."""
    with_kujala = bool(data.kujala)
    ratios = [3.2, 1.1, 1.1] if with_kujala else [3.2, 1.1]
    figure = Figure(figsize=(WIDTH_IN, HEIGHT_IN), dpi=DPI, facecolor="white")
    FigureCanvasAgg(figure)
    axes = figure.subplots(len(ratios), 1, sharex=True, gridspec_kw={"height_ratios": ratios})
    pain, activity = axes[0], axes[1]
    for ax in axes:
        _style(ax)
        _bands(ax, data, labels, with_names=ax is pain)

    days = [_noon(p.day) for p in data.days]
    (now_line,) = pain.plot(
        days,
        [p.pain_now for p in data.days],
        color=COLOURS["pain_now"],
        linewidth=3,
        marker="o",
        markersize=7,
        label=labels.pain_now,
    )
    now_line.set_gid("pain_now")
    (worst_line,) = pain.plot(
        days,
        [p.worst_pain for p in data.days],
        color=COLOURS["worst_pain"],
        linewidth=3,
        marker="s",
        markersize=6,
        linestyle="--",
        label=labels.worst_pain,
    )
    worst_line.set_gid("worst_pain")
    exercise_days = [_noon(p.day) for p in data.days if p.exercises_done]
    (exercise_marks,) = pain.plot(
        exercise_days,
        [EXERCISE_ROW] * len(exercise_days),
        color=COLOURS["exercises"],
        linestyle="none",
        marker="^",
        markersize=9,
        label=labels.exercises,
    )
    exercise_marks.set_gid("exercises")
    pain.set_ylim(EXERCISE_ROW - 0.7, 12.2)
    pain.set_yticks([0, 2, 4, 6, 8, 10])
    pain.set_ylabel(labels.pain_axis, fontsize=FONT, color=INK)
    pain.set_title(labels.title, fontsize=FONT + 4, color=INK, loc="left", fontweight="bold")
    pain.legend(
        loc="upper center",
        bbox_to_anchor=(0.5, -0.04),
        ncol=3,
        fontsize=FONT - 1,
        frameon=False,
        handlelength=1.6,
        columnspacing=1.0,
    )

    runs = [p for p in data.days if p.running_minutes > 0]
    bars = activity.bar(
        [_noon(p.day) for p in runs],
        [p.running_minutes for p in runs],
        width=0.7,
        color=COLOURS["running"],
        label=labels.running,
    )
    for bar in bars:
        bar.set_gid("running")
    activity.set_ylim(0, max([p.running_minutes for p in runs] + [30]) * 1.15)
    activity.set_ylabel(labels.activity_axis, fontsize=FONT, color=INK)

    if with_kujala:
        knee = axes[2]
        (kujala_line,) = knee.plot(
            [_noon(s.day) for s in data.kujala],
            [s.score for s in data.kujala],
            color=COLOURS["kujala"],
            linewidth=3,
            marker="D",
            markersize=8,
            label=labels.kujala,
        )
        kujala_line.set_gid("kujala")
        for score in data.kujala:
            knee.annotate(
                str(score.score),
                (_noon(score.day), score.score),
                textcoords="offset points",
                xytext=(0, 8),
                ha="center",
                fontsize=FONT,
                color=COLOURS["kujala"],
                fontweight="bold",
            )
        knee.set_ylim(0, 119)
        knee.set_yticks([0, 50, 100])
        knee.set_ylabel(labels.kujala_axis, fontsize=FONT, color=INK)

    bottom = axes[-1]
    bottom.set_xlim(_x(data.first), _x(data.last + timedelta(days=1)))
    ticks = _tick_days(data.first, data.last)
    bottom.set_xticks([_noon(d) for d in ticks], labels=[_day_label(d) for d in ticks])
    figure.align_ylabels(axes)
    figure.tight_layout(h_pad=1.6)
    return figure


def _tick_days(first: date, last: date, most: int = 5) -> list[date]:
    """At most `most` evenly spaced days to label, the first one included."""
    span = (last - first).days + 1
    step = max(1, -(-span // most))
    return [first + timedelta(days=n) for n in range(0, span, step)]


def _day_label(day: date) -> str:
    return f"{day.day} {day:%b}"


def to_png(figure: Figure) -> bytes:
    """The figure as PNG bytes (no timestamp or version in the metadata: same data, same
    bytes)."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI, facecolor="white", metadata={"Software": None})
    return buffer.getvalue()


def progress_png(data: ChartData, labels: ChartLabels) -> bytes:
    """Draw and encode the chart (CPU-bound: the caller runs it off the event loop)."""
    return to_png(progress_figure(data, labels))
