"""Charts as PNG bytes: data in, image out (matplotlib's Agg backend, no pyplot, no display).

Pure: no database, no Slack, no global state (each chart draws on its own `Figure`, so
listeners rendering at the same time in different threads do not share a canvas).
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass, field

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.dates import DateFormatter, MonthLocator
from matplotlib.figure import Figure

LEVELS = {"red": 0, "yellow": 1, "green": 2}
COLOURS = {"red": "#d62828", "yellow": "#f4a261", "green": "#2a9d8f"}
WIDTH_IN, HEIGHT_IN, DPI = 8.0, 5.0, 100  # 800 x 500 pixels: legible in Slack's image block


@dataclass(frozen=True)
class AccountChartData:
    """What the account card's chart shows, over `start`..`end` (the team's dates).

    `ratings`: the health standing at `start` (if any) and every change after, oldest first.
    `scores`: the computed health score (0-10) when it was recorded. `usage`: one entry per
    month, (first day of the month, MAU/seats or None when seats are unknown, DAU/MAU or None
    when MAU is 0)."""

    title: str
    start: dt.date
    end: dt.date
    ratings: list[tuple[dt.date, str]] = field(default_factory=list)
    scores: list[tuple[dt.date, float]] = field(default_factory=list)
    usage: list[tuple[dt.date, float | None, float | None]] = field(default_factory=list)
    mau_seats_goal: float | None = None
    dau_mau_goal: float | None = None


def _health_panel(ax, data: AccountChartData) -> None:
    ax.set_title("Health", loc="left", fontsize=10)
    ax.set_ylim(-0.5, 2.5)
    ax.set_yticks([0, 1, 2], ["red", "yellow", "green"])
    for name, level in LEVELS.items():
        ax.axhspan(level - 0.5, level + 0.5, color=COLOURS[name], alpha=0.08, linewidth=0)
    if data.ratings:
        xs = [max(day, data.start) for day, _ in data.ratings] + [data.end]
        ys = [LEVELS[rating] for _, rating in data.ratings]
        ax.step(xs, ys + ys[-1:], where="post", color="#333333", linewidth=1.5)
        for (day, rating), x in zip(data.ratings, xs, strict=False):
            ax.plot([x], [LEVELS[rating]], "o", color=COLOURS[rating], markersize=7, zorder=3)
    else:
        ax.text(
            0.5, 0.5, "not rated in these 12 months", transform=ax.transAxes, ha="center", va="center", color="#666666"
        )
    if data.scores:
        score_ax = ax.twinx()
        score_ax.set_ylim(-1.25, 11.25)
        score_ax.set_ylabel("computed score", fontsize=8)
        score_ax.plot(
            [d for d, _ in data.scores],
            [s for _, s in data.scores],
            linestyle=":",
            marker=".",
            color="#1d3557",
            linewidth=1,
        )


def _usage_panel(ax, data: AccountChartData) -> None:
    ax.set_title("Usage", loc="left", fontsize=10)
    months = [m for m, _, _ in data.usage]
    seats = [None if v is None else v * 100 for _, v, _ in data.usage]
    daily = [None if v is None else v * 100 for _, _, v in data.usage]
    if any(v is not None for v in seats):
        ax.plot(
            months, [float("nan") if v is None else v for v in seats], marker="o", color="#457b9d", label="MAU / seats"
        )
    if any(v is not None for v in daily):
        ax.plot(
            months, [float("nan") if v is None else v for v in daily], marker="s", color="#e76f51", label="DAU / MAU"
        )
    for goal, colour in ((data.mau_seats_goal, "#457b9d"), (data.dau_mau_goal, "#e76f51")):
        if goal is not None:
            ax.axhline(goal * 100, color=colour, linestyle="--", linewidth=0.8, alpha=0.6)
    if not data.usage:
        ax.text(
            0.5,
            0.5,
            "no usage imported for these 12 months",
            transform=ax.transAxes,
            ha="center",
            va="center",
            color="#666666",
        )
    ax.set_ylabel("%")
    top = max([100.0] + [v for v in seats + daily if v is not None])
    ax.set_ylim(0, top * 1.1)
    if ax.get_legend_handles_labels()[0]:
        ax.legend(loc="upper left", fontsize=8, frameon=False, ncols=2)


def account_chart(data: AccountChartData) -> bytes:
    """The account's health over the window (ratings as a step line, the computed score dotted)
    above its usage (MAU/seats and DAU/MAU per month, the healthy thresholds dashed): a PNG."""
    # fixed margins, not a layout engine: one draw instead of two (the card waits for it)
    figure = Figure(figsize=(WIDTH_IN, HEIGHT_IN), dpi=DPI)
    FigureCanvasAgg(figure)
    health_ax, usage_ax = figure.subplots(
        2,
        1,
        sharex=True,
        height_ratios=(1, 1.3),
        gridspec_kw={"left": 0.1, "right": 0.9, "top": 0.88, "bottom": 0.07, "hspace": 0.22},
    )
    figure.suptitle(data.title, fontsize=12, x=0.02, y=0.98, ha="left")
    _health_panel(health_ax, data)
    _usage_panel(usage_ax, data)
    usage_ax.set_xlim(data.start, data.end)
    usage_ax.xaxis.set_major_locator(MonthLocator(bymonth=range(1, 13, 2)))
    usage_ax.xaxis.set_major_formatter(DateFormatter("%b %Y"))
    for label in usage_ax.get_xticklabels():
        label.set_fontsize(8)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI, facecolor="white")
    return buffer.getvalue()


@dataclass(frozen=True)
class ProgramChartData:
    """The Lighthouse program at each meeting, oldest first: (meeting date, accounts in the
    program, ARR at risk in dollars). The last may be the meeting ahead, counted now."""

    title: str
    points: list[tuple[dt.date, int, float]] = field(default_factory=list)


MAX_TICKS = 13  # meeting labels that fit side by side under an 8-inch chart


def meeting_labels(meetings: list[dt.date]) -> list[str]:
    """Tick labels: "Jan 7", with the year under the first meeting and under each meeting that
    starts a new year (so a series over a year end reads on)."""
    labels = []
    for i, day in enumerate(meetings):
        label = f"{day:%b} {day.day}"
        if i == 0 or day.year != meetings[i - 1].year:
            label += f"\n{day.year}"
        labels.append(label)
    return labels


def _dollars(value: float, _position: object = None) -> str:
    for size, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= size:
            return f"${value / size:.1f}{suffix}".replace(".0", "")
    return f"${value:.0f}"


def program_chart(data: ProgramChartData) -> bytes:
    """Accounts in the program at each meeting (bars, left axis) and the ARR at risk (a line,
    right axis, in dollars): a PNG of WIDTH_IN x HEIGHT_IN at DPI."""
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    figure = Figure(figsize=(WIDTH_IN, HEIGHT_IN), dpi=DPI)
    FigureCanvasAgg(figure)
    ax = figure.add_axes((0.08, 0.14, 0.82, 0.72))
    figure.suptitle(data.title, fontsize=12, x=0.02, y=0.97, ha="left")
    xs = list(range(len(data.points)))
    counts = [n for _, n, _ in data.points]
    arr = [a for _, _, a in data.points]
    ax.bar(xs, counts, color="#457b9d", width=0.6, label="accounts in Lighthouse")
    ax.set_ylabel("accounts")
    ax.set_ylim(0, max([1, *counts]) * 1.25)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    step = -(-len(xs) // MAX_TICKS) if xs else 1  # every meeting's bar, one label in `step` when crowded
    shown = xs[::-1][::step][::-1]  # the latest meeting always labelled
    ax.set_xticks(shown, meeting_labels([data.points[i][0] for i in shown]), fontsize=8)
    ax.set_xlim(-0.6, max(len(xs), 1) - 0.4)
    money_ax = ax.twinx()
    money_ax.plot(xs, arr, color="#d62828", marker="o", linewidth=2, label="ARR at risk")
    money_ax.set_ylim(0, max([1.0, *arr]) * 1.25)
    money_ax.yaxis.set_major_formatter(FuncFormatter(_dollars))
    money_ax.set_ylabel("ARR at risk")
    bars, bar_labels = ax.get_legend_handles_labels()
    line, line_labels = money_ax.get_legend_handles_labels()
    ax.legend(bars + line, bar_labels + line_labels, loc="upper left", fontsize=8, frameon=False, ncols=2)
    if not data.points or not any(counts):
        ax.text(
            0.5,
            0.5,
            "no accounts in the program at these meetings",
            transform=ax.transAxes,
            ha="center",
            va="center",
            color="#666666",
        )
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI, facecolor="white")
    return buffer.getvalue()
