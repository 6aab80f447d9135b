"""The report's charts, drawn by matplotlib and returned as inline SVG text.

Each mark carries an id (matplotlib's `gid`) so that a browser test can count
what was drawn: `ach-bar-<i>`, `trend-actual-<code>` (one marker per month),
`trend-pace-<code>`, `unit-bar-<code>-<i>`. Ids never contain text from the
unit files; the SVG backend escapes every label it writes.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from typing import NamedTuple

import matplotlib
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

from forms.vi_format import number, percent

# Text stays text (<text> elements: smaller, selectable, searchable); the ids of
# clip paths are salted with a constant so the same data gives the same file.
SVG_RC = {
    "svg.fonttype": "none",
    "svg.hashsalt": "dean5299",
    "font.family": "sans-serif",
    "font.sans-serif": ["DejaVu Sans", "Arial", "Liberation Sans"],
    "font.size": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
}
GRID = "#d0d7de"
TARGET = "#57606a"
ACTUAL = "#0969da"
MAX_LABEL = 30


def _short(label: str) -> str:
    return label if len(label) <= MAX_LABEL else label[: MAX_LABEL - 1] + "…"


def _to_svg(fig: Figure) -> str:
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", metadata={"Date": None}, bbox_inches="tight")
    svg = buffer.getvalue()
    # Inline in HTML5: no XML declaration or DOCTYPE; the page's CSS sizes it.
    svg = re.sub(r"^<\?xml[^>]*>\s*", "", svg)
    svg = re.sub(r"<!DOCTYPE[^>]*>\s*", "", svg, flags=re.S)
    return svg


def _figure(value: float, is_percent: bool) -> str:
    """A bar's or a tick's label: '34%' through forms.vi_format.percent (one way of writing
    a percentage in every report), else '45.600'."""
    return percent(value) if is_percent else number(value)


def _vi_axis(axis, is_percent: bool = False) -> None:
    axis.set_major_formatter(FuncFormatter(lambda value, _: _figure(value, is_percent)))


def _labelled_bars(ax, values, colours, texts, gid: str, height, fontsize, offset):
    """Horizontal bars, the first on top, each with its id (`gid` + its index) and its
    figure written at its end; returns the bars' positions and patches."""
    positions = list(range(len(values)))[::-1]
    drawn = ax.barh(positions, values, color=colours, height=height)
    for index, (patch, value, text) in enumerate(zip(drawn.patches, values, texts, strict=True)):
        patch.set_gid(f"{gid}{index}")
        ax.annotate(
            text,
            (value, patch.get_y() + height / 2),
            xytext=(offset, 0),
            textcoords="offset points",
            va="center",
            fontsize=fontsize,
        )
    return positions, drawn.patches


@dataclass(frozen=True)
class AchievementBar:
    label: str
    achievement_pct: float
    colour: str
    time_share_pct: float | None = None  # where a straight line to the target would be


def achievement_chart(bars: list[AchievementBar]) -> str:
    """Achievement of each indicator (window) against 100 %."""
    with matplotlib.rc_context(SVG_RC):
        fig = Figure(figsize=(8, 0.45 * len(bars) + 1.2))
        ax = fig.subplots()
        values = [b.achievement_pct for b in bars]
        positions, patches = _labelled_bars(
            ax, values, [b.colour for b in bars], [percent(v) for v in values], "ach-bar-",
            height=0.6, fontsize=8, offset=4,
        )  # fmt: skip
        for patch, bar in zip(patches, bars, strict=True):
            if bar.time_share_pct is not None:
                ax.plot(
                    [bar.time_share_pct] * 2,
                    [patch.get_y() - 0.1, patch.get_y() + 0.7],
                    color=TARGET,
                    linewidth=1.2,
                    linestyle=":",
                )
        ax.axvline(100, color=TARGET, linewidth=1.5, linestyle="--", gid="ach-target-line")
        ax.set_yticks(positions, [_short(b.label) for b in bars])
        top = max([100.0, *(b.achievement_pct for b in bars)])
        ax.set_xlim(0, top * 1.15)
        _vi_axis(ax.xaxis, is_percent=True)
        ax.grid(axis="x", color=GRID, linewidth=0.6)
        ax.set_axisbelow(True)
        ax.set_xlabel("% đạt so với chỉ tiêu (vạch đứt: 100%; vạch chấm: tiến độ thời gian)")
        fig.tight_layout()
        return _to_svg(fig)


@dataclass(frozen=True)
class TrendPanel:
    code: str
    title: str
    month_labels: list[str]  # every month of the window, in order
    actual: list[float]  # cumulative value at the end of each month so far
    target: float | None
    is_rate: bool  # rates: the rate so far against the target rate (a flat line)


def _panel_grid(panels: list, width: float, panel_height: float, draw) -> str:
    """Two panels a row, `draw(ax, panel)` each; the empty last cell hidden."""
    columns = 2
    rows = (len(panels) + columns - 1) // columns
    with matplotlib.rc_context(SVG_RC):
        fig = Figure(figsize=(width, panel_height * rows))
        axes = fig.subplots(rows, columns, squeeze=False).flatten()
        for ax, panel in zip(axes, panels, strict=False):
            draw(ax, panel)
        for ax in axes[len(panels) :]:
            ax.set_visible(False)
        fig.tight_layout()
        return _to_svg(fig)


def _trend_panel(ax, panel: TrendPanel) -> None:
    months = len(panel.month_labels)
    x_actual = list(range(1, len(panel.actual) + 1))
    if panel.target is not None:
        # Rates: the target rate (flat); counts: the straight line from 0 at the window's
        # start to the target at its end.
        xs, ys = (
            ([0.5, months + 0.5], [panel.target] * 2) if panel.is_rate else
            ([0, months], [0, panel.target])
        )  # fmt: skip
        ax.plot(xs, ys, color=TARGET, linestyle="--", linewidth=1.2, gid=f"trend-pace-{panel.code}")
    ax.plot(
        x_actual,
        panel.actual,
        color=ACTUAL,
        marker="o",
        markersize=4,
        linewidth=2,
        gid=f"trend-actual-{panel.code}",
    )
    if panel.actual:
        ax.annotate(
            _figure(panel.actual[-1], panel.is_rate),
            (x_actual[-1], panel.actual[-1]),
            xytext=(4, 4),
            textcoords="offset points",
            fontsize=8,
            color=ACTUAL,
        )
    step = max(1, months // 12)
    ticks = list(range(1, months + 1, step))
    ax.set_xticks(ticks, [panel.month_labels[t - 1] for t in ticks], fontsize=7)
    ax.set_xlim(0, months + 0.5)
    ax.set_ylim(bottom=0)
    ax.yaxis.set_major_locator(MaxNLocator(5))
    _vi_axis(ax.yaxis, is_percent=panel.is_rate)
    ax.grid(axis="y", color=GRID, linewidth=0.6)
    title = _short(panel.title) if len(panel.title) > 60 else panel.title
    ax.set_title(title, fontsize=9, loc="left")


def trend_chart(panels: list[TrendPanel]) -> str:
    """Cumulative figure by month against the straight line to the window's target."""
    return _panel_grid(panels, 10, 2.6, _trend_panel)


class UnitBar(NamedTuple):
    label: str
    value: float
    colour: str


@dataclass(frozen=True)
class UnitPanel:
    code: str
    title: str
    bars: list[UnitBar]  # already ranked, first on top
    is_percent: bool = False  # achievement or rates
    reference: float | None = None  # a vertical line (100 % or the target rate)


def _units_panel(ax, panel: UnitPanel) -> None:
    values = [b.value for b in panel.bars]
    positions, _ = _labelled_bars(
        ax, values, [b.colour for b in panel.bars],
        [_figure(v, panel.is_percent) for v in values], f"unit-bar-{panel.code}-",
        height=0.65, fontsize=7, offset=3,
    )  # fmt: skip
    if panel.reference is not None:
        ax.axvline(panel.reference, color=TARGET, linestyle="--", linewidth=1)
    ax.set_yticks(positions, [_short(b.label) for b in panel.bars], fontsize=7)
    top = max([panel.reference or 0.0, *(b.value for b in panel.bars)]) or 1.0
    ax.set_xlim(0, top * 1.2)
    ax.xaxis.set_major_locator(MaxNLocator(4))
    _vi_axis(ax.xaxis, is_percent=panel.is_percent)
    ax.tick_params(axis="x", labelsize=7)
    ax.grid(axis="x", color=GRID, linewidth=0.6)
    ax.set_axisbelow(True)
    ax.set_title(panel.title, fontsize=9, loc="left")


def units_chart(panels: list[UnitPanel]) -> str:
    """Units side by side, one panel per indicator (the caller keeps it to a readable
    number of bars: reports.tables.UNITS_CHART_LIMIT)."""
    height = max((len(p.bars) for p in panels), default=1) * 0.24 + 0.9
    return _panel_grid(panels, 11, height, _units_panel)
