"""Chart geometry for the HTML report; the template draws it as inline SVG."""

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

LABEL_WIDTH = 150
PLOT_WIDTH = 300
ROW_HEIGHT = 18
PLOT_HEIGHT = 140


@dataclass
class Bar:
    label: str
    value_text: str
    x: float
    y: float
    width: float
    height: float


@dataclass
class Chart:
    title: str
    width: float
    height: float
    bars: list[Bar] = field(default_factory=list)
    line: str = ""  # polyline points for a trend
    ticks: list[tuple[float, str]] = field(default_factory=list)


def ratio_bars(title: str, rows: Sequence[tuple[str, float | None]]) -> Chart:
    """Horizontal bars of values between 0 and 1, one row per label (no bar when undefined)."""
    chart = Chart(title, LABEL_WIDTH + PLOT_WIDTH + 50, ROW_HEIGHT * len(rows) + 10)
    for row, (label, value) in enumerate(rows):
        width = PLOT_WIDTH * value if value is not None else 0.0
        text = f"{value:.2f}" if value is not None else "n/a"
        chart.bars.append(
            Bar(label, text, LABEL_WIDTH, row * ROW_HEIGHT + 5, width, ROW_HEIGHT - 4)
        )
    return chart


def histogram(title: str, values: Sequence[float], bins: int = 12) -> Chart:
    """Vertical bars counting values per bin; bins labelled by their lower edge."""
    chart = Chart(title, LABEL_WIDTH + PLOT_WIDTH + 50, PLOT_HEIGHT + 30)
    if not values:
        return chart
    counts, edges = np.histogram(values, bins=bins)
    step = (PLOT_WIDTH + LABEL_WIDTH) / len(counts)
    tallest = max(int(counts.max()), 1)
    for index, count in enumerate(counts):
        height = PLOT_HEIGHT * int(count) / tallest
        chart.bars.append(
            Bar(
                f"{edges[index]:.0f}",
                str(int(count)),
                10 + index * step,
                10 + PLOT_HEIGHT - height,
                step - 2,
                height,
            )
        )
    return chart


def trend(title: str, points: Sequence[tuple[str, float | None]]) -> Chart:
    """A line of values between 0 and 1 over runs, oldest first; undefined values are skipped."""
    chart = Chart(title, LABEL_WIDTH + PLOT_WIDTH + 50, PLOT_HEIGHT + 30)
    step = (PLOT_WIDTH + LABEL_WIDTH) / max(len(points) - 1, 1)
    coordinates = []
    for index, (label, value) in enumerate(points):
        if value is None:
            continue
        x, y = 20 + index * step, 10 + PLOT_HEIGHT * (1 - value)
        coordinates.append(f"{x:.1f},{y:.1f}")
        chart.bars.append(Bar(label, f"{value:.2f}", x, y, 0, 0))
    chart.line = " ".join(coordinates)
    chart.ticks = [(10 + PLOT_HEIGHT * (1 - v), f"{v:.1f}") for v in (0.0, 0.5, 1.0)]
    return chart
