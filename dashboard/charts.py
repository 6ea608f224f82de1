"""Bar charts drawn on the server as SVG: geometry here, markup in
templates/dashboard/_chart.html. No chart library and no script; the page's CSP allows
neither inline script nor inline style, and SVG presentation attributes (x, y, width,
height) need neither. Every bar is a link to the generations it stands for.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from spend.money import nice_ceiling, usd

# viewBox sizes near the size they are shown at, so 12px text stays about 12px.
DAY_WIDTH = 1100
DAY_HEIGHT = 240
ROW_WIDTH = 600
ROW_HEIGHT = 26
LABEL_WIDTH = 170
VALUE_WIDTH = 80
MIN_BAR = 2  # a day or model with generations but no cost still gets a visible link


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    href: str
    label: str  # what the bar is: "5 Nov", "Imagen 4", "alice"
    value: str  # "$12.34"
    title: str  # the full sentence for the tooltip and screen readers
    label_x: float = 0
    label_y: float = 0
    value_x: float = 0
    row_y: float = 0  # the row's top: the whole row is the link's target, not only the bar


@dataclass(frozen=True)
class Tick:
    x: float
    y: float
    text: str


@dataclass
class Chart:
    width: int
    height: int
    bars: list[Bar] = field(default_factory=list)
    ticks: list[Tick] = field(default_factory=list)
    gridlines: list[Tick] = field(default_factory=list)
    plot_left: float = 0
    plot_right: float = 0
    baseline: float = 0
    row_height: int = ROW_HEIGHT

    @property
    def is_empty(self) -> bool:
        return not self.bars


def money(value: Decimal | None) -> str:
    return usd(value or Decimal(0))


def _count(n: int) -> str:
    return f"{n:,} generation{'' if n == 1 else 's'}"


def day_chart(
    rows: list[dict], first_day: date, last_day: date, href: Callable[[date], str]
) -> Chart:
    """Vertical bars, one slot per day of the period; `rows` carry day, spent, count."""
    left, right, top, bottom = 64, 8, 12, 28
    chart = Chart(DAY_WIDTH, DAY_HEIGHT, plot_left=left, plot_right=DAY_WIDTH - right)
    chart.baseline = DAY_HEIGHT - bottom
    days = (last_day - first_day).days + 1
    slot = (DAY_WIDTH - left - right) / days
    # The axis tops out at a round figure, so its ticks read $0.50 and $1.00.
    peak = nice_ceiling(max((r["spent"] or Decimal(0) for r in rows), default=Decimal(0)))
    plot_height = chart.baseline - top
    for r in rows:
        spent = r["spent"] or Decimal(0)
        height = float(spent / peak) * plot_height if peak else 0
        height = max(height, MIN_BAR)
        index = (r["day"] - first_day).days
        label = f"{r['day'].day} {r['day']:%b}"
        chart.bars.append(
            Bar(
                x=round(left + index * slot + slot * 0.15, 2),
                y=round(chart.baseline - height, 2),
                width=round(slot * 0.7, 2),
                height=round(height, 2),
                href=href(r["day"]),
                label=label,
                value=money(spent),
                title=f"{label}: {money(spent)}, {_count(r['count'])}",
            )
        )
    step = max(1, round(days / 10))
    for i in range(0, days, step):
        day = first_day + timedelta(days=i)
        chart.ticks.append(Tick(round(left + (i + 0.5) * slot, 2), DAY_HEIGHT - 8, str(day.day)))
    for fraction in (0, 0.5, 1):
        y = round(chart.baseline - fraction * plot_height, 2)
        chart.gridlines.append(Tick(left - 6, y, money(peak * Decimal(str(fraction)))))
    return chart


def row_chart(
    rows: list[dict], *, label: Callable[[dict], str], href: Callable[[dict], str]
) -> Chart:
    """Horizontal bars with their label on the left and the amount on the right;
    `rows` carry spent and count, biggest first."""
    top = 4
    chart = Chart(ROW_WIDTH, top + ROW_HEIGHT * len(rows) + 4)
    chart.plot_left, chart.plot_right = LABEL_WIDTH, ROW_WIDTH - VALUE_WIDTH
    room = chart.plot_right - chart.plot_left
    peak = max((r["spent"] or Decimal(0) for r in rows), default=Decimal(0))
    for i, r in enumerate(rows):
        spent = r["spent"] or Decimal(0)
        width = max(float(spent / peak) * room if peak else 0, MIN_BAR)
        y = top + i * ROW_HEIGHT
        name = label(r)
        chart.bars.append(
            Bar(
                x=chart.plot_left,
                y=y + 4,
                width=round(width, 2),
                height=ROW_HEIGHT - 8,
                href=href(r),
                label=name if len(name) <= 24 else name[:23] + "…",
                value=money(spent),
                title=f"{name}: {money(spent)}, {_count(r['count'])}",
                label_x=chart.plot_left - 10,
                label_y=y + ROW_HEIGHT / 2 + 4,
                value_x=round(chart.plot_left + width + 8, 2),
                row_y=y,
            )
        )
    return chart
